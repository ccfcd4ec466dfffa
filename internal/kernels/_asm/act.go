package main

import "fmt"

// The AVX-512 row operations keep exp's constants in registers: the first
// 15 of the table (expHi … p04) in Z8–Z22.
var act512 = &table{sym: "actC", lanes: 1, k: mathConsts(88.8, -104)}

// kz is the register holding constant name.
func kz(name string) string {
	for i, k := range act512.k[:15] {
		if k.name == name {
			return fmt.Sprintf("Z%d", 8+i)
		}
	}
	panic("constant " + name + " is not kept in a register")
}

// loadConsts broadcasts the constants kept in registers.
func loadConsts(a *asm) {
	for _, k := range act512.k[:15] {
		a.ins("VBROADCASTSS %s, %s", act512.at(k.name), kz(k.name))
	}
}

// exp512 replaces x by exp(x) as exp32 does; n and p are clobbered.
func exp512(a *asm, x, n, p string) {
	a.ins("VMINPS %s, %s, %s", x, kz("expHi"), x)
	a.ins("VMAXPS %s, %s, %s", x, kz("expLo"), x)
	a.ins("VMULPS %s, %s, %s", kz("log2e"), x, n)
	a.ins("VRNDSCALEPS $0, %s, %s", n, n)
	a.ins("VFNMADD231PS %s, %s, %s", kz("ln2Hi"), n, x)
	a.ins("VFNMADD231PS %s, %s, %s", kz("ln2Lo"), n, x)
	a.ins("VMOVAPS %s, %s", kz("C7"), p)
	for _, c := range []string{"C6", "C5", "C4", "C3", "half", "one", "one"} {
		a.ins("VFMADD213PS %s, %s, %s", kz(c), x, p)
	}
	a.ins("VSCALEFPS %s, %s, %s", n, p, x)
}

// act512 applies act (R10) to Z1 (Z0 = 0; K2 and Z2–Z7 clobbered), as
// act32 does, and goes on at done.
func applyAct512(a *asm, done string) {
	t := act512
	a.raw(`
		CMPQ R10, $1
		JEQ gelu
		CMPQ R10, $2
		JEQ tanh
		CMPQ R10, $3
		JEQ relu
		CMPQ R10, $4
		JEQ quick
	`)
	a.ins("JMP %s", done)
	a.label("gelu") // x/2·(1 + erf(x/√2)), erfc from erfcx (geluErf32)
	a.ins("VPANDD.BCST %s, Z1, Z2", t.at("absmask"))
	a.ins("VMULPS %s, Z2, Z2", kz("sqrt1_2"))
	a.ins("VMINPS Z2, %s, Z2", kz("ten"))
	a.ins("VFMADD213PS %s, %s, Z2", kz("one"), kz("p04"))
	a.ins("VDIVPS Z2, %s, Z3", kz("one"))
	a.ins("VBROADCASTSS %s, Z4", t.at("e9"))
	for i := 8; i >= 0; i-- {
		a.ins("VFMADD213PS.BCST %s, Z3, Z4", t.at(fmt.Sprintf("e%d", i)))
	}
	a.raw(`
		VMULPS Z3, Z4, Z4
		VMULPS Z1, Z1, Z5
		VMOVAPS Z5, Z6
		VFMSUB231PS Z1, Z1, Z6
	`)
	a.ins("VMULPS %s, Z5, Z5", kz("half"))
	a.ins("VMULPS %s, Z6, Z6", kz("half"))
	a.ins("VSUBPS Z5, Z0, Z5")
	exp512(a, "Z5", "Z7", "Z2")
	a.ins("VFNMADD231PS Z5, Z6, Z5")
	a.ins("VMULPS %s, Z5, Z5", kz("half"))
	a.ins("VMULPS Z4, Z5, Z5")
	a.ins("VSUBPS Z5, %s, Z6", kz("one"))
	a.raw(`
		VCMPPS $13, Z0, Z1, K2
		VMOVAPS Z6, K2, Z5
		VMULPS Z5, Z1, Z1
	`)
	a.ins("JMP %s", done)
	a.label("tanh") // x / (1 + exp(−2·√(2/π)·(x + 0.044715x³)))
	a.ins("VMULPS.BCST %s, Z1, Z2", t.at("c044715"))
	a.ins("VFMADD213PS %s, Z1, Z2", kz("one"))
	a.ins("VMULPS.BCST %s, Z1, Z3", t.at("tanhC"))
	a.ins("VMULPS Z2, Z3, Z3")
	exp512(a, "Z3", "Z4", "Z5")
	a.ins("VADDPS %s, Z3, Z3", kz("one"))
	a.ins("VDIVPS Z3, Z1, Z1")
	a.ins("JMP %s", done)
	a.label("relu")
	a.ins("VMAXPS Z1, Z0, Z1")
	a.ins("JMP %s", done)
	a.label("quick") // x / (1 + exp(−1.702x))
	a.ins("VMULPS.BCST %s, Z1, Z3", t.at("m1702"))
	exp512(a, "Z3", "Z4", "Z5")
	a.ins("VADDPS %s, Z3, Z3", kz("one"))
	a.ins("VDIVPS Z3, Z1, Z1")
}

// mask16 sets K1 to the first min(DX, 16) lanes (R12 = 0xffff).
func mask16(a *asm) {
	a.raw(`
		CMPQ DX, $16
		JLE  2(PC)
		MOVQ $16, DX
		BZHIQ DX, R12, R11
		KMOVW R11, K1
	`)
}

// hsum512 leaves the horizontal op (VADDPS or VMAXPS; VADDSS or VMAXSS
// for the last) of Z's 16 lanes in X1's low lane (Z1, Z2 clobbered).
func hsum512(a *asm, z, op, opss string) { hsum512In(a, z, 1, 2, op, opss) }

// hsum512In is hsum512 leaving the result in register d's low lane, with
// register t as the scratch (Zd and Zt clobbered).
func hsum512In(a *asm, z string, d, t int, op, opss string) {
	a.ins("VMOVAPS %s, Z%d", z, d)
	a.ins("VEXTRACTF32X8 $1, Z%d, Y%d", d, t)
	a.ins("%s Y%d, Y%d, Y%d", op, t, d, d)
	a.ins("VEXTRACTF128 $1, Y%d, X%d", d, t)
	a.ins("%s X%d, X%d, X%d", op, t, d, d)
	a.ins("VMOVHLPS X%d, X%d, X%d", d, t, t)
	a.ins("%s X%d, X%d, X%d", op, t, d, d)
	a.ins("VMOVSHDUP X%d, X%d", d, t)
	a.ins("%s X%d, X%d, X%d", opss, t, d, d)
}

// roundConsts512 broadcasts round512's constants into Z23–Z26 (AX
// clobbered).
func roundConsts512(a *asm) {
	for i, c := range []string{"$1", "$0x7fff", "$0xffff0000", "$0x00400000"} {
		a.ins("MOVL %s, AX", c)
		a.ins("VPBROADCASTD AX, Z%d", 23+i)
	}
}

// round512 rounds the 16 floats of z to bf16 as toBF16 does (b + 0x7fff +
// (b>>16 & 1), the low half cleared; NaN keeps its high half with the
// quiet bit set), kept as fp32; constants in Z23–Z26 (roundConsts512), Z27
// and K3 clobbered. VFPCLASSPS (AVX512DQ) finds the NaNs, whose lanes take
// b | quiet bit by a merge-masked VPORD before the low half is cleared.
func round512(a *asm, z string) {
	a.ins("VPSRLD $16, %s, Z27", z)
	a.ins("VPANDD Z23, Z27, Z27")
	a.ins("VPADDD Z24, Z27, Z27")
	a.ins("VPADDD %s, Z27, Z27", z)
	a.ins("VFPCLASSPSZ $0x81, %s, K3 // quiet or signalling NaN", z)
	a.ins("VPORD Z26, %s, K3, Z27", z)
	a.ins("VPANDD Z25, Z27, %s", z)
}

// expSum512 prints expSumAVX512, or with round expSumRoundAVX512, which
// stores each exponential rounded to bf16 (round512) and adds those before
// rounding to the sum, in the same order: the same sum.
func expSum512(a *asm, round bool) {
	name, doc := "expSumAVX512", ""
	if round {
		name, doc = "expSumRoundAVX512", `
		expSumRoundGeneric in AVX-512F: expSumAVX512 storing each exponential
		rounded to bf16; the sum is that of the values before rounding.`
	}
	a.text(name, "(x *float32, n int, m, scale float32) float32", 28, doc)
	a.raw(`
		MOVQ x+0(FP), SI
		MOVQ n+8(FP), CX
		VBROADCASTSS m+16(FP), Z29
		VBROADCASTSS scale+20(FP), Z30
		VPXORD Z31, Z31, Z31
		MOVQ $0xffff, R12
	`)
	loadConsts(a)
	if round {
		roundConsts512(a)
	}
	a.raw(`
		XORQ AX, AX
	expl:
		MOVQ CX, DX
		SUBQ AX, DX
		JLE expdone
	`)
	mask16(a)
	a.raw(`
		VMOVUPS.Z (SI)(AX*4), K1, Z1
		VSUBPS Z29, Z1, Z1
		VMULPS Z30, Z1, Z1
	`)
	exp512(a, "Z1", "Z2", "Z3")
	a.ins("VADDPS Z1, Z31, K1, Z31")
	if round {
		round512(a, "Z1")
	}
	a.raw(`
		VMOVUPS Z1, K1, (SI)(AX*4)
		ADDQ $16, AX
		JMP expl
	expdone:
	`)
	hsum512(a, "Z31", "VADDPS", "VADDSS")
	a.raw(`
		VMOVSS X1, ret+24(FP)
		VZEROUPPER
		RET
	`)
}

func actFile(a *asm) {
	a.comment("The constants of exp32, geluErf32, geluTanh32 and quickGELU32 (mathf.go), as float32 bits.")
	act512.data(a)

	a.text("epiAVX512", "(dst *float32, ldd int, src *float32, lds int, bias, res *float32, rows, cols int, act Act)", 65, `
		For each of rows rows and cols columns: dst = act(src + bias) + res, res
		with dst's row stride ldd, rounded to bf16 last when act has
		actRoundBF16 (CX); 16 columns at a time, the last ones masked.`)
	a.raw(`
		MOVQ dst+0(FP), DI
		MOVQ ldd+8(FP), R13
		SHLQ $2, R13
		MOVQ src+16(FP), SI
		MOVQ lds+24(FP), R14
		SHLQ $2, R14
		MOVQ bias+32(FP), R8
		MOVQ res+40(FP), R9
		MOVQ rows+48(FP), BX
		MOVBQZX act+64(FP), R10
		MOVQ R10, CX
		ANDQ $0x80, CX
		ANDQ $0x7f, R10
		MOVQ $0xffff, R12
		VPXORD Z0, Z0, Z0
	`)
	loadConsts(a)
	roundConsts512(a)
	a.raw(`
		TESTQ BX, BX
		JEQ epidone
	row:
		XORQ AX, AX
	col:
		MOVQ cols+56(FP), DX
		SUBQ AX, DX
		JLE nextrow
	`)
	mask16(a)
	a.raw(`
		VMOVUPS.Z (SI)(AX*4), K1, Z1
		TESTQ R8, R8
		JEQ nobias
		VADDPS.Z (R8)(AX*4), Z1, K1, Z1
	nobias:
	`)
	applyAct512(a, "actdone")
	a.raw(`
	actdone:
		TESTQ R9, R9
		JEQ nores
		VADDPS.Z (R9)(AX*4), Z1, K1, Z1
	nores:
		TESTQ CX, CX
		JEQ noround
	`)
	round512(a, "Z1")
	a.raw(`
	noround:
		VMOVUPS Z1, K1, (DI)(AX*4)
		ADDQ $16, AX
		JMP col
	nextrow:
		ADDQ R13, DI
		ADDQ R14, SI
		TESTQ R9, R9
		JEQ 2(PC)
		ADDQ R13, R9
		DECQ BX
		JNZ row
	epidone:
		VZEROUPPER
		RET
	`)

	expSum512(a, false)
	expSum512(a, true)

	expPairs512(a)

	geluGrad512(a)

	a.text("maxAVX512", "(x *float32, n int) float32", 20, "")
	a.raw(`
		MOVQ x+0(FP), SI
		MOVQ n+8(FP), CX
		MOVL $0xff800000, R11 // -Inf
		MOVQ R11, X1
		VBROADCASTSS X1, Z26
		MOVQ $0xffff, R12
		XORQ AX, AX
	maxl:
		MOVQ CX, DX
		SUBQ AX, DX
		JLE maxdone
	`)
	mask16(a)
	a.raw(`
		VMAXPS (SI)(AX*4), Z26, K1, Z26
		ADDQ $16, AX
		JMP maxl
	maxdone:
	`)
	hsum512(a, "Z26", "VMAXPS", "VMAXSS")
	a.raw(`
		VMOVSS X1, ret+16(FP)
		VZEROUPPER
		RET
	`)

	sumRows512(a)

	a.text("scaleAVX512", "(x *float32, n int, s float32)", 20, "")
	a.raw(`
		MOVQ x+0(FP), SI
		MOVQ n+8(FP), CX
		VBROADCASTSS s+16(FP), Z24
		MOVQ $0xffff, R12
		XORQ AX, AX
	scl:
		MOVQ CX, DX
		SUBQ AX, DX
		JLE scdone
	`)
	mask16(a)
	a.raw(`
		VMULPS.Z (SI)(AX*4), Z24, K1, Z1
		VMOVUPS Z1, K1, (SI)(AX*4)
		ADDQ $16, AX
		JMP scl
	scdone:
		VZEROUPPER
		RET
	`)
}

// sumRowsArgs loads the arguments of a sumRows kernel, (dst, src *float32,
// lds, rows, cols int): DI dst, SI src, BX lds in bytes, R9 rows, DX cols.
func sumRowsArgs(a *asm) {
	a.raw(`
		MOVQ dst+0(FP), DI
		MOVQ src+8(FP), SI
		MOVQ lds+16(FP), BX
		SHLQ $2, BX
		MOVQ rows+24(FP), R9
		MOVQ cols+32(FP), DX
	`)
}

// sumRows512 prints sumRowsAVX512: 64 columns at a time in Z0–Z3 (K1–K4
// their lanes in range), each adding the rows in order.
func sumRows512(a *asm) {
	a.text("sumRowsAVX512", "(dst, src *float32, lds, rows, cols int)", 40, `
		dst[j] += src[0·lds+j] + src[1·lds+j] + … for j < cols, the rows added
		to dst's value one at a time in order.`)
	sumRowsArgs(a)
	a.raw(`
		MOVQ $0xffff, R12
		XORQ R14, R14 // 0
		MOVQ $16, R13
	sumchunk:
		TESTQ DX, DX
		JLE sumdone
	`)
	for s := range 4 {
		// lanes of part s: min(max(DX − 16s, 0), 16)
		a.ins("MOVQ DX, R11")
		if s > 0 {
			a.ins("SUBQ $%d, R11", 16*s)
		}
		a.ins("CMOVQLT R14, R11")
		a.ins("CMPQ R11, $16")
		a.ins("CMOVQGT R13, R11")
		a.ins("BZHIQ R11, R12, R11")
		a.ins("KMOVW R11, K%d", s+1)
		a.ins("VMOVUPS.Z %d(DI), K%d, Z%d", 64*s, s+1, s)
	}
	a.raw(`
		MOVQ SI, AX
		MOVQ R9, CX
		TESTQ CX, CX
		JEQ sumstore
	sumrow:
	`)
	for s := range 4 {
		a.ins("VADDPS.Z %d(AX), Z%d, K%d, Z%d", 64*s, s, s+1, s)
	}
	a.raw(`
		ADDQ BX, AX
		DECQ CX
		JNZ sumrow
	sumstore:
	`)
	for s := range 4 {
		a.ins("VMOVUPS Z%d, K%d, %d(DI)", s, s+1, 64*s)
	}
	a.raw(`
		ADDQ $256, DI
		ADDQ $256, SI
		SUBQ $64, DX
		JMP sumchunk
	sumdone:
		VZEROUPPER
		RET
	`)
}

// geluGrad512 is geluGradGeneric, 16 lanes at a time, the last ones masked.
func geluGrad512(a *asm) {
	t := act512
	a.text("geluGradAVX512", "(dx, dy, pre, post *float32, n int)", 40, `
		dx = dy·(phi + x·e·invSqrt2Pi) for x = pre, e = exp(−x²/2), phi = post/x,
		or 0.5 + x·invSqrt2Pi where |x| ≤ geluGradEps: erf GELU's derivative.`)
	a.raw(`
		MOVQ dx+0(FP), DI
		MOVQ dy+8(FP), SI
		MOVQ pre+16(FP), R8
		MOVQ post+24(FP), R9
		MOVQ n+32(FP), CX
		MOVQ $0xffff, R12
		VPXORD Z0, Z0, Z0
	`)
	loadConsts(a)
	a.ins("VBROADCASTSS %s, Z24", t.at("invSqrt2Pi"))
	a.ins("VBROADCASTSS %s, Z25", t.at("geluGradEps"))
	a.raw(`
		XORQ AX, AX
	ggl:
		MOVQ CX, DX
		SUBQ AX, DX
		JLE ggdone
	`)
	mask16(a)
	a.raw(`
		VMOVUPS.Z (R8)(AX*4), K1, Z1
		VMULPS Z1, Z1, Z2
	`)
	a.ins("VMULPS %s, Z2, Z2", kz("half"))
	a.ins("VSUBPS Z2, Z0, Z2") // −x²/2, exactly x·x·(−0.5)
	exp512(a, "Z2", "Z3", "Z4")
	a.raw(`
		VMOVUPS.Z (R9)(AX*4), K1, Z5
		VDIVPS Z1, Z5, Z5
		VMULPS Z24, Z1, Z6
	`)
	a.ins("VADDPS %s, Z6, Z6", kz("half"))
	a.ins("VPANDD.BCST %s, Z1, Z7", t.at("absmask"))
	a.raw(`
		VCMPPS $14, Z25, Z7, K2
		VMOVAPS Z5, K2, Z6
		VMULPS Z2, Z1, Z7
		VMULPS Z24, Z7, Z7
		VADDPS Z7, Z6, Z7
		VMULPS.Z (SI)(AX*4), Z7, K1, Z7
		VMOVUPS Z7, K1, (DI)(AX*4)
		ADDQ $16, AX
		JMP ggl
	ggdone:
		VZEROUPPER
		RET
	`)
}

// expPairs512 prints expPairsAVX512: expSumAVX512 32 values a step, the
// exponentials also rounded to bf16 pairs (VCVTNE2PS2BF16, AVX512_BF16),
// for bf16 attention's E. The sum takes the step's first 16 lanes, then
// its second 16, as expSumAVX512 takes them.
func expPairs512(a *asm) {
	a.text("expPairsAVX512", "(dst *uint32, x *float32, n int, m, scale float32) float32", 36, `
		expPairsGeneric in AVX-512: per step K1 and K2 mask the lanes of the
		two halves left in x and K3 the pairs left; lanes past n are zeroed
		before rounding, so an odd n's last pair has a zero high half.`)
	a.raw(`
		MOVQ dst+0(FP), DI
		MOVQ x+8(FP), SI
		MOVQ n+16(FP), CX
		VBROADCASTSS m+24(FP), Z24
		VBROADCASTSS scale+28(FP), Z25
		VPXORD Z26, Z26, Z26
		MOVQ $0xffff, R12
	`)
	loadConsts(a)
	a.raw(`
		XORQ AX, AX
		XORQ BX, BX
	epl:
		MOVQ CX, DX
		SUBQ AX, DX
		JLE epdone
		LEAQ 1(DX), R13
		SHRQ $1, R13
		CMPQ R13, $16
		JLE 2(PC)
		MOVQ $16, R13
		BZHIQ R13, R12, R11
		KMOVW R11, K3
		MOVQ DX, R13
		SUBQ $16, R13
		JGE 2(PC)
		XORQ R13, R13
		CMPQ R13, $16
		JLE 2(PC)
		MOVQ $16, R13
		BZHIQ R13, R12, R11
		KMOVW R11, K2
	`)
	mask16(a)
	a.raw(`
		VMOVUPS.Z (SI)(AX*4), K1, Z1
		VMOVUPS.Z 64(SI)(AX*4), K2, Z4
		VSUBPS Z24, Z1, Z1
		VMULPS Z25, Z1, Z1
		VSUBPS Z24, Z4, Z4
		VMULPS Z25, Z4, Z4
	`)
	exp512(a, "Z1", "Z2", "Z3")
	exp512(a, "Z4", "Z5", "Z6")
	a.raw(`
		VADDPS Z1, Z26, K1, Z26
		VADDPS Z4, Z26, K2, Z26
		VMOVAPS.Z Z1, K1, Z1
		VMOVAPS.Z Z4, K2, Z4
	`)
	a.encoded(vcvtne2ps2bf16(0, 4, 1))
	a.raw(`
		VMOVDQU32 Z0, K3, (DI)(BX*4)
		ADDQ $32, AX
		ADDQ $16, BX
		JMP epl
	epdone:
	`)
	hsum512(a, "Z26", "VADDPS", "VADDSS")
	a.raw(`
		VMOVSS X1, ret+32(FP)
		VZEROUPPER
		RET
	`)
}
