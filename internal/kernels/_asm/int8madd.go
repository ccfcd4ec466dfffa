package main

// int8MaddFile prints the int8 kernels for CPUs without AVX512_VNNI: the
// tiles on VPMADDWD (bytes widened to 16 bits, so the int32 sums are
// exact, as VPDPBUSD's), 6×8 in AVX2 and 6×16 in AVX-512BW, and AVX2's
// dequantisation and quantisation of a row (AVX-512 has VNNI's).
func int8MaddFile(a *asm) {
	tileI8Madd(a, false)
	tileI8Madd(a, true)
	dequantI8AVX2(a)
	quantI8AVX2(a)
}

// tileI8Madd prints tileI8x8AVX2 (wide false) or tileI8x16AVX512 (wide
// true): columns j0…j0+7 (+15) of tileI8Generic, B's quad rows nr = 64
// quads (256 bytes) apart. Each step widens the columns' quads to 16-bit
// pairs (V12: the first half of the columns, V13: the second) and each
// row's quad, broadcast, likewise (V14); VPMADDWD gives each column two
// partial sums (bytes 0–1 and 2–3), kept in V0–V11 (row r in V2r, V2r+1).
// At the end AVX2 adds them pairwise (VPHADDD, then VPERMQ to put the
// columns in order); AVX-512 adds each column's two, which lie in one
// quadword, in its low half (VPSRLQ, VPADDD), which VPMOVQD keeps.
func tileI8Madd(a *asm, wide bool) {
	v, half, zero := "Y", 16, "VPXOR"
	if wide {
		v, half, zero = "Z", 32, "VPXORD"
		a.text("tileI8x16AVX512", "(kc4 int, a *uint32, lda int, b *uint32, c *int32, ldc int, acc bool)", 49, `
			Columns j0…j0+15 of tileI8Generic (b and c at column j0) in
			AVX-512BW, as tileI8x8AVX2 does 8.`)
	} else {
		a.text("tileI8x8AVX2", "(kc4 int, a *uint32, lda int, b *uint32, c *int32, ldc int, acc bool)", 49, `
			Columns j0…j0+7 of tileI8Generic (b and c at column j0) in AVX2:
			c[i·ldc+j] = [c +] Σ_k4 Σ_t u8(a[i·lda+k4], t)·s8(b[k4·64+j], t)
			for i < 6, j < 8, exact in int32.`)
	}
	a.raw(`
		MOVQ kc4+0(FP), CX
		MOVQ a+8(FP), SI
		MOVQ lda+16(FP), R8
		SHLQ $2, R8
		MOVQ b+24(FP), DX
		MOVQ c+32(FP), DI
		MOVQ ldc+40(FP), R9
		SHLQ $2, R9
		LEAQ (SI)(R8*2), R11
		ADDQ R8, R11
	`)
	for r := range 12 {
		a.ins("%s %s%d, %s%d, %s%d", zero, v, r, v, r, v, r)
	}
	a.raw(`
	loop:
		TESTQ CX, CX
		JEQ sums
	`)
	a.ins("VPMOVSXBW (DX), %s12", v)
	a.ins("VPMOVSXBW %d(DX), %s13", half, v)
	bcast := "X14" // the quad broadcast into as many bytes as the widening reads
	if wide {
		bcast = "Y14"
	}
	for r, m := range tileI8Rows {
		a.ins("VPBROADCASTD %s, %s", m, bcast)
		a.ins("VPMOVZXBW %s, %s14", bcast, v)
		for g := range 2 {
			a.ins("VPMADDWD %s%d, %s14, %s15", v, 12+g, v, v)
			a.ins("VPADDD %s15, %s%d, %s%d", v, v, 2*r+g, v, 2*r+g)
		}
	}
	a.raw(`
		ADDQ $4, SI
		ADDQ $4, R11
		ADDQ $256, DX
		DECQ CX
		JMP loop
	sums:
		MOVBQZX acc+48(FP), AX
	`)
	for r := range 6 {
		var outs []int // the accumulators whose sums fill one Y12 each
		if wide {
			outs = []int{2 * r, 2*r + 1}
		} else {
			outs = []int{2 * r}
		}
		for g, z := range outs {
			if wide {
				a.ins("VPSRLQ $32, Z%d, Z12", z)
				a.ins("VPADDD Z12, Z%d, Z12", z)
				a.ins("VPMOVQD Z12, Y12")
			} else {
				a.ins("VPHADDD Y%d, Y%d, Y12", z+1, z)
				a.ins("VPERMQ $0xd8, Y12, Y12")
			}
			a.ins("TESTQ AX, AX")
			a.ins("JEQ 2(PC)")
			a.ins("VPADDD %d(DI), Y12, Y12", 32*g)
			a.ins("VMOVDQU Y12, %d(DI)", 32*g)
		}
		if r < 5 {
			a.ins("ADDQ R9, DI")
		}
	}
	a.raw(`
		VZEROUPPER
		RET
	`)
}

// tileI8Rows are the six rows of A in the int8 tiles' steps: SI and R11
// at rows 0 and 3, R8 lda bytes.
var tileI8Rows = []string{"(SI)", "(SI)(R8*1)", "(SI)(R8*2)", "(R11)", "(R11)(R8*1)", "(R11)(R8*2)"}

// dequantI8AVX2 prints dequantI8AVX2: dequantI8 in AVX2, each value
// float32(src − off) · (sa[i]·sw[j]) with the product of the scales
// rounded first, as there.
func dequantI8AVX2(a *asm) {
	a.text("dequantI8AVX2", "(dst *float32, src *int32, sa *float32, sw *float32, off *int32)", 40,
		"dequantI8 in AVX2: a 6×64 tile, rows 64 values apart.")
	a.raw(`
		MOVQ dst+0(FP), DI
		MOVQ src+8(FP), SI
		MOVQ sa+16(FP), R8
		MOVQ sw+24(FP), R9
		MOVQ off+32(FP), R10
		MOVQ $6, CX
	row:
		VBROADCASTSS (R8), Y15
		XORQ AX, AX
	col:
		VMOVDQU (SI)(AX*4), Y0
		VPSUBD (R10)(AX*4), Y0, Y0
		VCVTDQ2PS Y0, Y0
		VMULPS (R9)(AX*4), Y15, Y1
		VMULPS Y1, Y0, Y0
		VMOVUPS Y0, (DI)(AX*4)
		ADDQ $8, AX
		CMPQ AX, $64
		JLT col
		ADDQ $256, SI
		ADDQ $256, DI
		ADDQ $4, R8
		DECQ CX
		JNZ row
		VZEROUPPER
		RET
	`)
}

// quantI8AVX2 prints maxAbsAVX2 and quantI8AVX2: maxAbs and quantRowI8
// in AVX2 for n a multiple of 8 and of 32. The quads are made 32 values
// at a time: VPACKUSDW and VPACKUSWB narrow within 128-bit lanes, and
// VPERMD puts the 8 quads in order.
func quantI8AVX2(a *asm) {
	a.text("maxAbsAVX2", "(x *float32, n int) float32", 20, "maxAbs in AVX2 for n > 0 floats, n a multiple of 8.")
	a.raw(`
		MOVQ x+0(FP), SI
		MOVQ n+8(FP), CX
		MOVL $0x7fffffff, AX
		MOVQ AX, X2
		VPBROADCASTD X2, Y2
		VXORPS Y0, Y0, Y0
		XORQ AX, AX
	maxl:
		VANDPS (SI)(AX*4), Y2, Y1
		VMAXPS Y1, Y0, Y0
		ADDQ $8, AX
		CMPQ AX, CX
		JLT maxl
	`)
	hsum2(a, 0, "VMAXPS", "VMAXSS")
	a.raw(`
		VMOVSS X1, ret+16(FP)
		VZEROUPPER
		RET
	`)
	a.text("quantI8AVX2", "(dst *uint32, x *float32, n int, inv float32)", 28, `
		quantRowI8 for n floats, n a multiple of 32: the bytes
		round(x·inv) + 128 (VCVTPS2DQ rounds to nearest even) as quads.`)
	a.raw(`
		MOVQ dst+0(FP), DI
		MOVQ x+8(FP), SI
		MOVQ n+16(FP), CX
		VBROADCASTSS inv+24(FP), Y15
		MOVL $128, AX
		MOVQ AX, X14
		VPBROADCASTD X14, Y14
		MOVQ $0x0000000500000001, AX
		MOVQ AX, X13
		MOVQ $0x0000000400000000, AX
		MOVQ AX, X12
		VPUNPCKLQDQ X13, X12, X12
		MOVQ $0x0000000700000003, AX
		MOVQ AX, X13
		MOVQ $0x0000000600000002, AX
		MOVQ AX, X11
		VPUNPCKLQDQ X13, X11, X11
		VINSERTI128 $1, X11, Y12, Y12
		XORQ AX, AX
	quant:
		VMULPS (SI)(AX*4), Y15, Y0
		VMULPS 32(SI)(AX*4), Y15, Y1
		VMULPS 64(SI)(AX*4), Y15, Y2
		VMULPS 96(SI)(AX*4), Y15, Y3
		VCVTPS2DQ Y0, Y0
		VCVTPS2DQ Y1, Y1
		VCVTPS2DQ Y2, Y2
		VCVTPS2DQ Y3, Y3
		VPADDD Y14, Y0, Y0
		VPADDD Y14, Y1, Y1
		VPADDD Y14, Y2, Y2
		VPADDD Y14, Y3, Y3
		VPACKUSDW Y1, Y0, Y0
		VPACKUSDW Y3, Y2, Y2
		VPACKUSWB Y2, Y0, Y0
		VPERMD Y0, Y12, Y0
		VMOVDQU Y0, (DI)(AX*1)
		ADDQ $32, AX
		CMPQ AX, CX
		JLT quant
		VZEROUPPER
		RET
	`)
}
