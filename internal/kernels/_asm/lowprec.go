package main

import "fmt"

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

	a.text("pairBF16AVX512", "(dst *uint32, ldd int, src *float32, lds, rows, n int)", 48, `
		pairRowsBF16 for n a multiple of 16 (n, rows > 0), 16 pairs a step:
		row r of dst (row stride ldd) gets rows 2r (low halves) and 2r+1 (high
		halves) of src (row stride lds) rounded to bf16 as cvtBF16AVX512 rounds
		(DAZ). VCVTNE2PS2BF16 puts row 2r's 16 words in Z0's low half and row
		2r+1's in its high half; VPERMW interleaves them (pairIdx: word 2j is
		word j, word 2j+1 word 16+j).`)
	a.raw(`
		MOVQ dst+0(FP), DI
		MOVQ ldd+8(FP), R8
		MOVQ src+16(FP), SI
		MOVQ lds+24(FP), R9
		MOVQ rows+32(FP), BX
		MOVQ n+40(FP), R10
		SHRQ $4, R10
		SHLQ $2, R8
		SHLQ $2, R9
		VMOVDQU32 pairIdx<>(SB), Z3
	prow:
		MOVQ SI, AX
		LEAQ (SI)(R9*1), DX
		MOVQ DI, R11
		MOVQ R10, CX
	pcol:
		VMOVUPS (AX), Z1
		VMOVUPS (DX), Z2
	`)
	a.encoded(vcvtne2ps2bf16(0, 2, 1))
	a.raw(`
		VPERMW Z0, Z3, Z0
		VMOVDQU32 Z0, (R11)
		ADDQ $64, AX
		ADDQ $64, DX
		ADDQ $64, R11
		DECQ CX
		JNE pcol
		LEAQ (SI)(R9*2), SI
		ADDQ R8, DI
		DECQ BX
		JNE prow
		VZEROUPPER
		RET
	`)
	pairIdx := &table{sym: "pairIdx", lanes: 1}
	for j := range 16 {
		pairIdx.k = append(pairIdx.k, konst{fmt.Sprintf("w%d", j), uint32(j) | uint32(16+j)<<16, fmt.Sprintf("words %d, %d", j, 16+j)})
	}
	pairIdx.data(a)

	a.text("keysBF16AVX512", "(dst *uint32, src *float32, ld, kg int)", 32, `
		keysBF16 for kg a multiple of 16 (kg > 0), 16 pairs a step: each of
		the 16 keys' 32 values (row stride ld floats) rounded into a register
		of 16 pairs, Z0–Z15, as cvtBF16AVX512 rounds (DAZ); the 16×16 pairs
		transposed (transpose16); each pair row of the 16 keys stored nr
		pairs after the last.`)
	keys16(a, "kg", 128, "VMOVDQU32", func(r int) {
		a.ins("VMOVUPS (AX), Z%d", 16+r%8*2)
		a.ins("VMOVUPS 64(AX), Z%d", 17+r%8*2)
		a.encoded(vcvtne2ps2bf16(r, 17+r%8*2, 16+r%8*2))
	})

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
	`)
	roundConsts512(a)
	a.raw(`
	rloop:
		VMOVUPS (SI), Z1
	`)
	round512(a, "Z1")
	a.raw(`
		VMOVUPS Z1, (DI)
		ADDQ $64, SI
		ADDQ $64, DI
		DECQ CX
		JNE rloop
	rdone:
		VZEROUPPER
		RET
	`)

	a.text("roundBF16AVX2", "(dst, src *float32, n int)", 24, `
		roundBF16AVX512 in AVX2, 8 floats a step (n a multiple of 8): the
		rounding of bf16 weights' activations, and of bf16 attention's
		operands, on the AVX2 tiles.`)
	a.raw(`
		MOVQ dst+0(FP), DI
		MOVQ src+8(FP), SI
		MOVQ n+16(FP), CX
		SHRQ $3, CX
		JEQ r2done
	`)
	roundConsts2(a)
	a.raw(`
	r2loop:
		VMOVUPS (SI), Y1
	`)
	round2(a, "Y1")
	a.raw(`
		VMOVUPS Y1, (DI)
		ADDQ $32, SI
		ADDQ $32, DI
		DECQ CX
		JNE r2loop
	r2done:
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

// nr is the width of a packed panel (gemm.go).
const nr = 64

// transpose16 transposes the 16×16 dwords of Z0–Z15 (row i in Zi) in
// place, through Z16–Z31: VUNPCKL/HPS interleave the dwords of row pairs,
// VSHUFPS gathers each 128-bit lane's four columns of four rows (Z4i+k
// then holds, in lane L, column 4L+k of rows 4i…4i+3), and two rounds of
// VSHUFF32X4 transpose the 4×4 lanes of Zk, Z4+k, Z8+k, Z12+k.
func transpose16(a *asm) {
	for i := range 8 {
		a.ins("VUNPCKLPS Z%d, Z%d, Z%d", 2*i+1, 2*i, 16+2*i)
		a.ins("VUNPCKHPS Z%d, Z%d, Z%d", 2*i+1, 2*i, 17+2*i)
	}
	for i := range 4 {
		t := 16 + 4*i
		a.ins("VSHUFPS $0x44, Z%d, Z%d, Z%d", t+2, t, 4*i)
		a.ins("VSHUFPS $0xee, Z%d, Z%d, Z%d", t+2, t, 4*i+1)
		a.ins("VSHUFPS $0x44, Z%d, Z%d, Z%d", t+3, t+1, 4*i+2)
		a.ins("VSHUFPS $0xee, Z%d, Z%d, Z%d", t+3, t+1, 4*i+3)
	}
	for k := range 4 { // S1…S4 of column k into Z16+4k…
		a.ins("VSHUFF32X4 $0x88, Z%d, Z%d, Z%d", 4+k, k, 16+4*k)
		a.ins("VSHUFF32X4 $0xdd, Z%d, Z%d, Z%d", 4+k, k, 17+4*k)
		a.ins("VSHUFF32X4 $0x88, Z%d, Z%d, Z%d", 12+k, 8+k, 18+4*k)
		a.ins("VSHUFF32X4 $0xdd, Z%d, Z%d, Z%d", 12+k, 8+k, 19+4*k)
	}
	for k := range 4 {
		s := 16 + 4*k
		a.ins("VSHUFF32X4 $0x88, Z%d, Z%d, Z%d", s+2, s, k)
		a.ins("VSHUFF32X4 $0x88, Z%d, Z%d, Z%d", s+3, s+1, 4+k)
		a.ins("VSHUFF32X4 $0xdd, Z%d, Z%d, Z%d", s+2, s, 8+k)
		a.ins("VSHUFF32X4 $0xdd, Z%d, Z%d, Z%d", s+3, s+1, 12+k)
	}
}
