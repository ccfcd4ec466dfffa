package main

// lowTile prints the bf16 or int8 6×64 tile: started from c when acc is
// set, else from zero; K in steps of two 32-bit groups, then one.
func lowTile(a *asm, name, kc, mov, doc string, step func(a *asm, aoff, boff int)) {
	a.text(name, "("+kc+" int, a *uint32, lda int, b *uint32, c *"+map[string]string{"VMOVUPS": "float32", "VMOVDQU32": "int32"}[mov]+", ldc int, acc bool)", 49, doc)
	tileArgs(a, kc)
	a.raw(`
		LEAQ (DI)(DX*2), R10
		ADDQ DX, R10 // R10 = c + 3·ldc
		MOVBLZX acc+48(FP), R9
		TESTQ R9, R9
		JNE load
	`)
	zero24(a)
	a.ins("JMP body")
	a.label("load")
	load24(a, mov, "DI", "R10", "DX")
	a.raw(`
	body:
		MOVQ CX, R11
		SHRQ $1, R11 // steps of 2 groups
		JEQ tail
	loop2:
	`)
	step(a, 0, 0)
	step(a, 4, 256)
	a.raw(`
		ADDQ $8, AX
		ADDQ $8, R8
		ADDQ $512, SI
		DECQ R11
		JNE loop2
	tail:
		TESTQ $1, CX
		JEQ store
	`)
	step(a, 0, 0)
	a.label("store")
	store24(a, mov, "DI", "R10", "DX")
	a.raw(`
		VZEROUPPER
		RET
	`)
}

// lowStep does one group row of a low-precision tile: the 64 B groups of
// the row at boff(SI) into Z24–Z27 with mov, rows 0–3's A group at aoff
// broadcast into Z28–Z31 with bcast and their 16 dot products, then rows
// 4–5's into Z28–Z29 and theirs; dot(z, b, x) adds the dot products of
// Zb's and Zx's groups into Zz.
func lowStep(a *asm, aoff, boff int, mov, bcast string, dot func(z, b, x int)) {
	for j := range 4 {
		a.ins("%s %d(SI), Z%d", mov, boff+64*j, 24+j)
	}
	for _, rows := range [][]int{{0, 1, 2, 3}, {4, 5}} {
		for _, i := range rows {
			a.ins("%s %s, Z%d", bcast, aRow(i, aoff), 28+i%4)
		}
		for _, i := range rows {
			for j := range 4 {
				dot(4*i+j, 24+j, 28+i%4)
			}
		}
	}
}

func bf16File(a *asm) {
	a.comment(`
		Go's assembler has no VDPBF16PS or VCVTNE2PS2BF16 (AVX512_BF16), so they
		are encoded as BYTE directives (evex.go), the GNU as mnemonic beside
		them. VDPBF16PS zA, zB, zC adds, in each fp32 lane of zA,
		hi(zB)·hi(zC) and then lo(zB)·lo(zC) for the lane's two bf16 halves
		(Intel SDM order; DAZ, FTZ, round to nearest even).`)
	lowTile(a, "tileBF16AVX512", "kc2", "VMOVUPS", `
		tileBF16Generic for the whole 6×64 tile: Z0–Z23 hold the accumulators
		(row i in Z4i…Z4i+3), started from c when acc is set, else from zero.
		Each pair row loads 64 B pairs into Z24–Z27 and broadcasts each row's
		A pair.`,
		func(a *asm, aoff, boff int) {
			lowStep(a, aoff, boff, "VMOVUPS", "VBROADCASTSS", func(z, b, x int) { a.encoded(vdpbf16ps(z, b, x)) })
		})

	a.text("cvtBF16AVX512", "(dst *uint32, src *float32, n int)", 24, `
		Rounds 2n floats of src to bf16 pairs in dst, 32 floats a step (n is a
		multiple of 16): round to nearest even, NaN made quiet, denormal inputs
		read as zero (DAZ). Z0's low 16 words come from Z1, the high from Z2.`)
	a.raw(`
		MOVQ dst+0(FP), DI
		MOVQ src+8(FP), SI
		MOVQ n+16(FP), CX
		SHRQ $4, CX
		JEQ done
	loop:
		VMOVUPS 0(SI), Z1
		VMOVUPS 64(SI), Z2
	`)
	a.encoded(vcvtne2ps2bf16(0, 2, 1))
	a.raw(`
		VMOVUPS Z0, 0(DI)
		ADDQ $128, SI
		ADDQ $64, DI
		DECQ CX
		JNE loop
	done:
		VZEROUPPER
		RET
	`)

	a.text("roundBF16AVX512", "(dst, src *float32, n int)", 24, `
		roundRowBF16 for n floats, 16 a step (n a multiple of 16), in integer
		lanes as toBF16 does: b + 0x7fff + (b>>16 & 1), the low half cleared;
		NaN keeps its high half with the quiet bit set. Denormals are rounded
		like any other value (no DAZ).`)
	a.raw(`
		MOVQ dst+0(FP), DI
		MOVQ src+8(FP), SI
		MOVQ n+16(FP), CX
		SHRQ $4, CX
		JEQ rdone
		MOVL $1, AX
		VPBROADCASTD AX, Z4
		MOVL $0x7fff, AX
		VPBROADCASTD AX, Z5
		MOVL $0xffff0000, AX
		VPBROADCASTD AX, Z6
		MOVL $0x00400000, AX
		VPBROADCASTD AX, Z7
	rloop:
		VMOVUPS (SI), Z0
		VPSRLD $16, Z0, Z1
		VPANDD Z4, Z1, Z1
		VPADDD Z5, Z1, Z1
		VPADDD Z0, Z1, Z1
		VPANDD Z6, Z1, Z1
		VCMPPS $3, Z0, Z0, K1 // unordered: NaN
		VPORD Z7, Z0, Z2
		VPANDD Z6, Z2, Z2
		VMOVDQU32 Z2, K1, Z1
		VMOVUPS Z1, (DI)
		ADDQ $64, SI
		ADDQ $64, DI
		DECQ CX
		JNE rloop
	rdone:
		VZEROUPPER
		RET
	`)
}

func int8File(a *asm) {
	lowTile(a, "tileI8AVX512", "kc4", "VMOVDQU32", `
		tileI8Generic for the whole 6×64 tile: Z0–Z23 hold the int32
		accumulators (row i in Z4i…Z4i+3), started from c when acc is set.
		Each quad row loads 64 weight quads into Z24–Z27 and broadcasts each
		row's activation quad; VPDPBUSD Zs8, Zu8, Zacc reads the first source
		as signed bytes and the second as unsigned.`,
		func(a *asm, aoff, boff int) {
			lowStep(a, aoff, boff, "VMOVDQU32", "VPBROADCASTD", func(z, b, x int) { a.ins("VPDPBUSD Z%d, Z%d, Z%d", b, x, z) })
		})

	a.text("maxAbsAVX512", "(x *float32, n int) float32", 20, "maxAbs for n a multiple of 16 (n > 0).")
	a.raw(`
		MOVQ x+0(FP), SI
		MOVQ n+8(FP), CX
		SHRQ $4, CX
		VPXORD Z0, Z0, Z0
		MOVL $0x7fffffff, AX
		VPBROADCASTD AX, Z1
	maxloop:
		VPANDD (SI), Z1, Z2
		VMAXPS Z2, Z0, Z0
		ADDQ $64, SI
		DECQ CX
		JNE maxloop
		VEXTRACTF64X4 $1, Z0, Y2
		VMAXPS Y2, Y0, Y0
		VEXTRACTF128 $1, Y0, X2
		VMAXPS X2, X0, X0
		VPSHUFD $0x4e, X0, X2
		VMAXPS X2, X0, X0
		VPSHUFD $0xb1, X0, X2
		VMAXPS X2, X0, X0
		VZEROUPPER
		MOVSS X0, ret+16(FP)
		RET
	`)

	a.text("quantI8AVX512", "(dst *uint32, x *float32, n int, inv float32)", 28, `
		quantRowI8 for n a multiple of 16: q = x·inv rounded to nearest even
		(VCVTPS2DQ with {rn-sae}), saturated to int8, +128 as XOR 0x80.`)
	a.raw(`
		MOVQ dst+0(FP), DI
		MOVQ x+8(FP), SI
		MOVQ n+16(FP), CX
		SHRQ $4, CX
		JEQ qdone
		VBROADCASTSS inv+24(FP), Z1
		MOVL $0x80808080, AX
		VPBROADCASTD AX, X3
	qloop:
		VMULPS (SI), Z1, Z2
		VCVTPS2DQ.RN_SAE Z2, Z2
		VPMOVSDB Z2, X2
		VPXOR X3, X2, X2
		VMOVDQU X2, (DI)
		ADDQ $64, SI
		ADDQ $16, DI
		DECQ CX
		JNE qloop
	qdone:
		VZEROUPPER
		RET
	`)

	a.text("dequantI8AVX512", "(dst *float32, src *int32, sa *float32, sw *float32, off *int32)", 40,
		"dequantI8 for the 6×64 tile: dst = float32(src − off[j])·(sa[i]·sw[j]).")
	a.raw(`
		MOVQ dst+0(FP), DI
		MOVQ src+8(FP), SI
		MOVQ sa+16(FP), AX
		MOVQ sw+24(FP), BX
		MOVQ off+32(FP), DX
	`)
	for j := range 4 {
		a.ins("VMOVUPS %d(BX), Z%d", 64*j, 4+j)
	}
	for j := range 4 {
		a.ins("VMOVDQU32 %d(DX), Z%d", 64*j, 8+j)
	}
	a.raw(`
		MOVQ $6, CX
	dqloop:
		VBROADCASTSS (AX), Z12
	`)
	for j := range 4 {
		a.ins("VMULPS Z%d, Z12, Z%d", 4+j, 13+j)
	}
	for _, f := range []string{"VMOVDQU32 %[3]d(SI), Z%[1]d", "VPSUBD Z%[2]d, Z%[1]d, Z%[1]d", "VCVTDQ2PS Z%[1]d, Z%[1]d", "VMULPS Z%[4]d, Z%[1]d, Z%[1]d", "VMOVUPS Z%[1]d, %[3]d(DI)"} {
		for j := range 4 {
			a.ins(f, j, 8+j, 64*j, 13+j)
		}
	}
	a.raw(`
		ADDQ $4, AX
		ADDQ $256, SI
		ADDQ $256, DI
		DECQ CX
		JNE dqloop
		VZEROUPPER
		RET
	`)
}
