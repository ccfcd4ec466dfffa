package main

import (
	"fmt"
	"math"
)

// The islow IDCT's fixed-point scaling (jidctint.c): constants in 13-bit
// fixed point, 2 extra bits kept between the passes.
const (
	constBits = 13
	pass1Bits = 2
)

// fix is libjpeg's FIX(x) at constBits: x · 2^13 rounded.
func fix(x float64) int32 { return int32(math.Floor(x*(1<<constBits) + 0.5)) }

// idctConsts are the multipliers of idct8Points (jpeg/idct.go), with the
// signs it applies folded in.
var idctConsts = []struct {
	name string
	v    int32
}{
	{"c0541", fix(0.541196100)},
	{"c1847n", -fix(1.847759065)},
	{"c0765", fix(0.765366865)},
	{"c1175", fix(1.175875602)},
	{"c0298", fix(0.298631336)},
	{"c2053", fix(2.053119869)},
	{"c3072", fix(3.072711026)},
	{"c1501", fix(1.501321110)},
	{"c0899n", -fix(0.899976223)},
	{"c2562n", -fix(2.562915447)},
	{"c1961n", -fix(1.961570560)},
	{"c0390n", -fix(0.390180644)},
}

// idctFile prints jpeg/idct_amd64.s: idct8AVX2, jidctint.c's islow IDCT
// (jpeg/idct.go's idct8Go).
func idctFile(a *asm) {
	a.comment(`
		idct8AVX2 is idct8Go (idct.go) with the 8 columns, then the 8 rows, of a
		block in the 8 int32 lanes of a YMM register each: one 1-D IDCT per pass
		computes all of them, with a transpose between and after the passes.`)
	for _, c := range idctConsts {
		a.broadcast32(c.name, c.v)
	}
	// The column pass rounds at 2^(13-2-1) and shifts by 13-2; the row
	// pass also adds the level shift, 128, and shifts by 13+2+3.
	a.broadcast32("rnd1", 1<<(constBits-pass1Bits-1))
	a.broadcast32("rnd2", 1<<(constBits+pass1Bits+2)+128<<(constBits+pass1Bits+3))
	a.comment("The rows' dword order after the packs: [0 4 1 5 2 6 3 7].")
	a.table32("perm", 0, 4, 1, 5, 2, 6, 3, 7)
	a.comment("idct4AVX2's multipliers (jidctred.c's jpeg_idct_4x4), signs folded in, and roundings.")
	for _, c := range idct4Consts {
		a.broadcast32(c.name, c.v)
	}
	a.broadcast32("rnd4a", 1<<(constBits-pass1Bits))
	a.broadcast32("rnd4b", 1<<(constBits+pass1Bits+3)+128<<(constBits+pass1Bits+3+1))

	a.text("idct8AVX2", "(in *[64]int16, q *[64]uint16, dst *uint8, stride int)", 32, "")
	a.args("in:SI", "q:DX", "dst:DI", "stride:BX")
	a.note("Row i of the block, dequantized, in Yi.")
	for i := range 8 {
		a.ins("VPMOVSXWD %d(SI), Y%d", 16*i, i)
		a.ins("VPMOVZXWD %d(DX), Y15", 16*i)
		a.ins("VPMULLD Y15, Y%d, Y%d", i, i)
	}
	idct1D(a, "rnd1", constBits-pass1Bits)
	transpose(a)
	idct1D(a, "rnd2", constBits+pass1Bits+3)
	transpose(a)
	a.note("Rows to bytes with saturation, then rows 0-3 and 4-7 in order.")
	a.raw(`
		VPACKSSDW Y1, Y0, Y0
		VPACKSSDW Y3, Y2, Y2
		VPACKSSDW Y5, Y4, Y4
		VPACKSSDW Y7, Y6, Y6
		VPACKUSWB Y2, Y0, Y0
		VPACKUSWB Y6, Y4, Y4
		VMOVDQU perm<>(SB), Y15
		VPERMD Y0, Y15, Y0
		VPERMD Y4, Y15, Y4
		LEAQ (BX)(BX*2), CX
	`)
	for half, y := range []int{0, 4} {
		if half == 1 {
			a.ins("LEAQ (DI)(BX*4), DI")
		}
		dst := []string{"(DI)", "(DI)(BX*1)", "(DI)(BX*2)", "(DI)(CX*1)"}
		a.ins("MOVQ X%d, %s", y, dst[0])
		a.ins("VPEXTRQ $1, X%d, AX", y)
		a.ins("MOVQ AX, %s", dst[1])
		a.ins("VEXTRACTI128 $1, Y%d, X%d", y, y+1)
		a.ins("MOVQ X%d, %s", y+1, dst[2])
		a.ins("VPEXTRQ $1, X%d, AX", y+1)
		a.ins("MOVQ AX, %s", dst[3])
	}
	a.raw(`
		VZEROUPPER
		RET
	`)
	idct4File(a)
}

// idct4Consts are the multipliers of idct4Points (jpeg/idct.go), with the
// signs it applies folded in.
var idct4Consts = []struct {
	name string
	v    int32
}{
	{"c1847", fix(1.847759065)},
	{"c0765n", -fix(0.765366865)},
	{"c0211n", -fix(0.211164243)},
	{"c1451", fix(1.451774981)},
	{"c2172n", -fix(2.172734803)},
	{"c1061", fix(1.061594337)},
	{"c0509n", -fix(0.509795579)},
	{"c0601n", -fix(0.601344887)},
	{"c0899", fix(0.899976223)},
	{"c2562", fix(2.562915447)},
}

// idct4File prints idct4AVX2 (jpeg/idct.go's idct4Go): the column pass on
// the 8 columns in the lanes of YMM registers, a transpose of its 4 output
// rows into 8 XMM vectors of 4, the row pass on the 4 rows in their lanes,
// and a 4×4 transpose back.
func idct4File(a *asm) {
	a.text("idct4AVX2", "(in *[64]int16, q *[64]uint16, dst *uint8, stride int)", 32, "")
	a.args("in:SI", "q:DX", "dst:DI", "stride:BX")
	a.note("Row i of the block, dequantized, in Yi; row 4 does not contribute.")
	for _, i := range []int{0, 1, 2, 3, 5, 6, 7} {
		a.ins("VPMOVSXWD %d(SI), Y%d", 16*i, i)
		a.ins("VPMOVZXWD %d(DX), Y15", 16*i)
		a.ins("VPMULLD Y15, Y%d, Y%d", i, i)
	}
	idct4Points(a, "Y", [8]int{0, 1, 2, 3, -1, 5, 6, 7}, [4]int{0, 1, 2, 3}, [6]int{8, 9, 10, 11, 12, 13}, "rnd4a", constBits-pass1Bits+1)
	a.note("Transpose: the 4 rows of 8 to column vectors v0..v7 of 4 (v4 unused).")
	a.raw(`
		VPUNPCKLDQ Y1, Y0, Y4
		VPUNPCKHDQ Y1, Y0, Y5
		VPUNPCKLDQ Y3, Y2, Y6
		VPUNPCKHDQ Y3, Y2, Y7
		VPUNPCKLQDQ Y6, Y4, Y8
		VPUNPCKHQDQ Y6, Y4, Y9
		VPUNPCKLQDQ Y7, Y5, Y10
		VPUNPCKHQDQ Y7, Y5, Y11
		VEXTRACTI128 $1, Y9, X13
		VEXTRACTI128 $1, Y10, X14
		VEXTRACTI128 $1, Y11, X15
	`)
	idct4Points(a, "X", [8]int{8, 9, 10, 11, -1, 13, 14, 15}, [4]int{6, 7, 3, 2}, [6]int{0, 1, 2, 3, 4, 5}, "rnd4b", constBits+pass1Bits+3+1)
	a.note("Transpose the 4×4 outputs (X6, X7, X3, X2 are columns 0-3) to rows, saturate to bytes.")
	a.raw(`
		VPUNPCKLDQ X7, X6, X0
		VPUNPCKHDQ X7, X6, X1
		VPUNPCKLDQ X2, X3, X4
		VPUNPCKHDQ X2, X3, X5
		VPUNPCKLQDQ X4, X0, X6
		VPUNPCKHQDQ X4, X0, X7
		VPUNPCKLQDQ X5, X1, X8
		VPUNPCKHQDQ X5, X1, X9
		VPACKSSDW X7, X6, X6
		VPACKSSDW X9, X8, X8
		VPACKUSWB X8, X6, X6
		VMOVD X6, AX
		MOVL AX, (DI)
		VPEXTRD $1, X6, AX
		MOVL AX, (DI)(BX*1)
		VPEXTRD $2, X6, AX
		MOVL AX, (DI)(BX*2)
		LEAQ (BX)(BX*2), CX
		VPEXTRD $3, X6, AX
		MOVL AX, (DI)(CX*1)
		VZEROUPPER
		RET
	`)
}

// idct4Points prints idct4Points on registers of kind k (Y or X): inputs
// v[0..7] in registers in (in[4] unused), outputs 0..3 into out, using the
// six scratch registers t; rounding constant rnd, shift s.
func idct4Points(a *asm, k string, in [8]int, out [4]int, t [6]int, rnd string, s int) {
	r := func(i int) string { return fmt.Sprintf("%s%d", k, i) }
	v := func(i int) string { return r(in[i]) }
	a.note(fmt.Sprintf("8-to-4 point IDCT, rounding %s, shift %d. Even part:", rnd, s))
	a.ins("VPSLLD $%d, %s, %s", constBits+1, v(0), r(t[0]))
	a.ins("VPADDD %s<>(SB), %s, %s", rnd, r(t[0]), r(t[0]))
	a.ins("VPMULLD c1847<>(SB), %s, %s", v(2), r(t[1]))
	a.ins("VPMULLD c0765n<>(SB), %s, %s", v(6), r(t[2]))
	a.ins("VPADDD %s, %s, %s", r(t[2]), r(t[1]), r(t[1]))
	a.ins("VPADDD %s, %s, %s", r(t[1]), r(t[0]), r(t[2])) // tmp10
	a.ins("VPSUBD %s, %s, %s", r(t[1]), r(t[0]), r(t[3])) // tmp12
	a.note("Odd part: tmp0, tmp2 of idct4Points.")
	odd := func(dst, tmp int, c7, c5, c3, c1 string) {
		a.ins("VPMULLD %s<>(SB), %s, %s", c7, v(7), r(dst))
		for _, p := range [][2]string{{c5, v(5)}, {c3, v(3)}, {c1, v(1)}} {
			a.ins("VPMULLD %s<>(SB), %s, %s", p[0], p[1], r(tmp))
			a.ins("VPADDD %s, %s, %s", r(tmp), r(dst), r(dst))
		}
	}
	odd(t[4], t[0], "c0211n", "c1451", "c2172n", "c1061")
	odd(t[5], t[0], "c0509n", "c0601n", "c0899", "c2562")
	// out0 = tmp10 + tmp2, out1 = tmp12 + tmp0, out2 = tmp12 - tmp0,
	// out3 = tmp10 - tmp2 (t2 = tmp10, t3 = tmp12, t4 = tmp0, t5 = tmp2).
	a.ins("VPADDD %s, %s, %s", r(t[5]), r(t[2]), r(out[0]))
	a.ins("VPADDD %s, %s, %s", r(t[4]), r(t[3]), r(out[1]))
	a.ins("VPSUBD %s, %s, %s", r(t[4]), r(t[3]), r(out[2]))
	a.ins("VPSUBD %s, %s, %s", r(t[5]), r(t[2]), r(out[3]))
	for _, o := range out {
		a.ins("VPSRAD $%d, %s, %s", s, r(o), r(o))
	}
}

// idct1D prints idct8Points on Y0..Y7 (inputs v[0..7]) with rounding
// constant rnd and shift s; outputs back in Y0..Y7. Uses Y8..Y15.
func idct1D(a *asm, rnd string, s int) {
	a.note(fmt.Sprintf("1-D IDCT, rounding %s, shift %d. Even part: the rotator is sqrt(2)·c(-6).", rnd, s))
	a.raw(`
		VPADDD Y2, Y6, Y8
		VPMULLD c0541<>(SB), Y8, Y8
		VPMULLD c1847n<>(SB), Y6, Y9
		VPADDD Y8, Y9, Y9
		VPMULLD c0765<>(SB), Y2, Y10
		VPADDD Y10, Y8, Y8
		VPADDD Y0, Y4, Y2
		VPSLLD $13, Y2, Y2
		VPSUBD Y4, Y0, Y6
		VPSLLD $13, Y6, Y6
	`)
	a.ins("VMOVDQU %s<>(SB), Y15", rnd)
	a.raw(`
		VPADDD Y15, Y2, Y2
		VPADDD Y15, Y6, Y6
		VPADDD Y8, Y2, Y0
		VPSUBD Y8, Y2, Y4
		VPADDD Y9, Y6, Y2
		VPSUBD Y9, Y6, Y6
	`)
	a.note("Odd part (LL&M figure 8).")
	a.raw(`
		VPADDD Y7, Y1, Y8
		VPADDD Y5, Y3, Y9
		VPADDD Y7, Y3, Y10
		VPADDD Y5, Y1, Y11
		VPADDD Y10, Y11, Y12
		VPMULLD c1175<>(SB), Y12, Y12
		VPMULLD c0298<>(SB), Y7, Y7
		VPMULLD c2053<>(SB), Y5, Y5
		VPMULLD c3072<>(SB), Y3, Y3
		VPMULLD c1501<>(SB), Y1, Y1
		VPMULLD c0899n<>(SB), Y8, Y8
		VPMULLD c2562n<>(SB), Y9, Y9
		VPMULLD c1961n<>(SB), Y10, Y10
		VPADDD Y12, Y10, Y10
		VPMULLD c0390n<>(SB), Y11, Y11
		VPADDD Y12, Y11, Y11
		VPADDD Y8, Y7, Y7
		VPADDD Y10, Y7, Y7
		VPADDD Y9, Y5, Y5
		VPADDD Y11, Y5, Y5
		VPADDD Y9, Y3, Y3
		VPADDD Y10, Y3, Y3
		VPADDD Y8, Y1, Y1
		VPADDD Y11, Y1, Y1
		VPADDD Y1, Y0, Y8
		VPSUBD Y1, Y0, Y9
		VPADDD Y3, Y2, Y10
		VPSUBD Y3, Y2, Y11
		VPADDD Y5, Y6, Y12
		VPSUBD Y5, Y6, Y13
		VPADDD Y7, Y4, Y14
		VPSUBD Y7, Y4, Y4
	`)
	// Outputs 0..7 are sums 8, 10, 12, 14 and differences 4, 13, 11, 9.
	for i, src := range []int{8, 10, 12, 14, 4, 13, 11, 9} {
		a.ins("VPSRAD $%d, Y%d, Y%d", s, src, i)
	}
}

// transpose prints the transpose of Y0..Y7 as an 8×8 int32 matrix, in
// place, through Y8..Y15.
func transpose(a *asm) {
	a.note("Transpose Y0..Y7: 2×2 blocks of dwords, of qwords, then 128-bit halves.")
	for i := 0; i < 8; i += 2 {
		a.ins("VPUNPCKLDQ Y%d, Y%d, Y%d", i+1, i, 8+i)
		a.ins("VPUNPCKHDQ Y%d, Y%d, Y%d", i+1, i, 9+i)
	}
	for _, p := range [][3]int{{10, 8, 0}, {11, 9, 2}, {14, 12, 4}, {15, 13, 6}} {
		a.ins("VPUNPCKLQDQ Y%d, Y%d, Y%d", p[0], p[1], p[2])
		a.ins("VPUNPCKHQDQ Y%d, Y%d, Y%d", p[0], p[1], p[2]+1)
	}
	for i := range 4 {
		a.ins("VPERM2I128 $0x20, Y%d, Y%d, Y%d", 4+i, i, 8+i)
		a.ins("VPERM2I128 $0x31, Y%d, Y%d, Y%d", 4+i, i, 12+i)
	}
	for i := range 8 {
		a.ins("VMOVDQA Y%d, Y%d", 8+i, i)
	}
}
