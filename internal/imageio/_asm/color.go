package main

import "fmt"

// libjpeg's YCbCr→RGB constants (jdcolor.c, 16-bit fixed point):
// FIX(1.40200), FIX(1.77200), FIX(0.71414), FIX(0.34414).
func fix16(x float64) int32 { return int32(x*(1<<16) + 0.5) }

var (
	crR = fix16(1.40200)
	cbB = fix16(1.77200)
	crG = fix16(0.71414)
	cbG = fix16(0.34414)
)

// rgbMasks are yccAVX2's VPSHUFB masks, per 128-bit lane: after the packs
// a lane holds R0-7 G0-7 (rg) and B0-7 (b) of 8 pixels; the first masks
// pick the interleaved R G B bytes 0-15 (pixels 0-4 and R5), the second
// bytes 16-23 into bytes 0-7. 0x80 gives a zero, for the other register's
// bytes.
func rgbMasks() (m1rg, m1b, m2rg, m2b []byte) {
	lane := func(from, to int) (rg, b []byte) {
		rg, b = make([]byte, 16), make([]byte, 16)
		for j := range 16 {
			rg[j], b[j] = 0x80, 0x80
			if k := from + j; k < to {
				p, c := byte(k/3), k%3
				switch c {
				case 0:
					rg[j] = p
				case 1:
					rg[j] = 8 + p
				case 2:
					b[j] = p
				}
			}
		}
		return append(rg, rg...), append(b, b...) // both lanes alike
	}
	m1rg, m1b = lane(0, 16)
	m2rg, m2b = lane(16, 24)
	return
}

// colorFile prints jpeg/color_amd64.s: h2v2 fancy upsampling and YCbCr→RGB
// conversion (jpeg/upsample.go's colsumGo and h2v2RowGo, jpeg/color.go's
// yccToRGBGo).
func colorFile(a *asm) {
	a.comment(`
		Chroma upsampling (upsample.go) and colour conversion (color.go), 16
		samples or pixels per step; the Go stubs do the tails with the twins.`)
	a.broadcast32("c128", 128)
	a.broadcast32("half", 1<<15)
	a.broadcast32("crR", crR)
	a.broadcast32("cbB", cbB)
	a.broadcast32("cbGn", -cbG)
	a.broadcast32("crGn", -crG)
	m1rg, m1b, m2rg, m2b := rgbMasks()
	a.table8("m1rg", m1rg)
	a.table8("m1b", m1b)
	a.table8("m2rg", m2rg)
	a.table8("m2b", m2b)
	// h2v2's rounding: out[2i] = (3·s[i] + s[i-1] + 8) >> 4, out[2i+1]
	// with 7.
	w := func(v int64) []int64 {
		t := make([]int64, 16)
		for i := range t {
			t[i] = v
		}
		return t
	}
	a.table("w8", 2, w(8))
	a.table("w7", 2, w(7))

	a.text("colsumAVX2", "(near, far *uint8, cs *int16, n int)", 32, "")
	a.args("near:SI", "far:DX", "cs:DI", "n:CX")
	a.raw(`
	colsum:
		VPMOVZXBW (SI), Y0
		VPMOVZXBW (DX), Y1
		VPADDW Y0, Y0, Y2
		VPADDW Y0, Y2, Y2
		VPADDW Y1, Y2, Y2
		VMOVDQU Y2, (DI)
		ADDQ $16, SI
		ADDQ $16, DX
		ADDQ $32, DI
		SUBQ $16, CX
		JNZ colsum
		VZEROUPPER
		RET
	`)

	a.text("h2v2RowAVX2", "(cs *int16, out *uint8, n int)", 24, "")
	a.args("cs:SI", "out:DI", "n:CX")
	a.raw(`
		VMOVDQU w8<>(SB), Y14
		VMOVDQU w7<>(SB), Y15
	h2v2:
		VMOVDQU (SI), Y0
		VMOVDQU 2(SI), Y1
		VMOVDQU 4(SI), Y2
		VPADDW Y1, Y1, Y3
		VPADDW Y1, Y3, Y3
		VPADDW Y0, Y3, Y4
		VPADDW Y14, Y4, Y4
		VPSRLW $4, Y4, Y4
		VPADDW Y2, Y3, Y5
		VPADDW Y15, Y5, Y5
		VPSRLW $4, Y5, Y5
		VPSLLW $8, Y5, Y5
		VPOR Y5, Y4, Y4
		VMOVDQU Y4, (DI)
		ADDQ $32, SI
		ADDQ $32, DI
		SUBQ $16, CX
		JNZ h2v2
		VZEROUPPER
		RET
	`)

	a.text("yccAVX2", "(dst, y, cb, cr *uint8, n int)", 40, "")
	a.args("dst:DI", "y:SI", "cb:DX", "cr:R8", "n:CX")
	a.raw(`
		VMOVDQU c128<>(SB), Y13
		VMOVDQU half<>(SB), Y14
	ycc:
	`)
	conv8(a, 0, 0, 1, 2)
	conv8(a, 8, 3, 4, 5)
	a.note("Saturate to bytes: Y0 = R0-7 G0-7 | R8-15 G8-15, Y2 = B0-7 ×2 | B8-15 ×2.")
	a.raw(`
		VPACKSSDW Y3, Y0, Y0
		VPERMQ $0xD8, Y0, Y0
		VPACKSSDW Y4, Y1, Y1
		VPERMQ $0xD8, Y1, Y1
		VPACKSSDW Y5, Y2, Y2
		VPERMQ $0xD8, Y2, Y2
		VPACKUSWB Y1, Y0, Y0
		VPACKUSWB Y2, Y2, Y2
	`)
	a.note("Interleave: per lane, 16 bytes of RGB triples, then 8 more.")
	a.raw(`
		VPSHUFB m1rg<>(SB), Y0, Y6
		VPSHUFB m1b<>(SB), Y2, Y7
		VPOR Y7, Y6, Y6
		VPSHUFB m2rg<>(SB), Y0, Y8
		VPSHUFB m2b<>(SB), Y2, Y7
		VPOR Y7, Y8, Y8
		VMOVDQU X6, (DI)
		MOVQ X8, 16(DI)
		VEXTRACTI128 $1, Y6, X6
		VMOVDQU X6, 24(DI)
		VEXTRACTI128 $1, Y8, X8
		MOVQ X8, 40(DI)
		ADDQ $16, SI
		ADDQ $16, DX
		ADDQ $16, R8
		ADDQ $48, DI
		SUBQ $16, CX
		JNZ ycc
		VZEROUPPER
		RET
	`)
}

// conv8 prints the conversion of pixels off..off+7 to int32 R, G, B in
// Y(r), Y(g), Y(b), unclamped: Y = y, Cb - 128, Cr - 128 widened, then
// color.go's ycc.
func conv8(a *asm, off, r, g, b int) {
	a.note(fmt.Sprintf("Pixels %d-%d to int32 R, G, B.", off, off+7))
	a.ins("VPMOVZXBD %d(SI), Y6", off)
	a.ins("VPMOVZXBD %d(DX), Y7", off)
	a.ins("VPSUBD Y13, Y7, Y7")
	a.ins("VPMOVZXBD %d(R8), Y8", off)
	a.ins("VPSUBD Y13, Y8, Y8")
	a.ins("VPMULLD crR<>(SB), Y8, Y%d", r)
	a.ins("VPADDD Y14, Y%d, Y%d", r, r)
	a.ins("VPSRAD $16, Y%d, Y%d", r, r)
	a.ins("VPADDD Y6, Y%d, Y%d", r, r)
	a.ins("VPMULLD cbGn<>(SB), Y7, Y%d", g)
	a.ins("VPMULLD crGn<>(SB), Y8, Y15")
	a.ins("VPADDD Y15, Y%d, Y%d", g, g)
	a.ins("VPADDD Y14, Y%d, Y%d", g, g)
	a.ins("VPSRAD $16, Y%d, Y%d", g, g)
	a.ins("VPADDD Y6, Y%d, Y%d", g, g)
	a.ins("VPMULLD cbB<>(SB), Y7, Y%d", b)
	a.ins("VPADDD Y14, Y%d, Y%d", b, b)
	a.ins("VPSRAD $16, Y%d, Y%d", b, b)
	a.ins("VPADDD Y6, Y%d, Y%d", b, b)
}
