package main

import (
	"fmt"
	"strings"
)

// The AVX2 row operations read exp's constants from memory, 8 lanes each
// (ymm operands). AVX2 has no VSCALEFPS: exp clamps its argument to
// [-87.3, 88.7], where 2ⁿ is a normal float built from its exponent bits,
// and returns 0 below.
var act2 = &table{sym: "avx2C", lanes: 8, k: append(mathConsts(88.7, -87.3), konst{"i127", 127, "int 127"},
	konst{"rnd1", 1, "int 1"}, konst{"rnd7fff", 0x7fff, "int 0x7fff"}, konst{"hi16", 0xffff0000, "int 0xffff0000"},
	konst{"quiet", 0x00400000, "int 0x00400000"}, f32("mhalf", -0.5),
	konst{"expbits", 0x7f800000, "int 0x7f800000"}, konst{"bf16c", 0x08400000, "int 0x08400000: 2¹⁶, mantissa .5"})}

// exp2 replaces x by exp(x); n, p and m are clobbered.
func exp2(a *asm, x, n, p, m string) {
	t := act2
	a.ins("VCMPPS $5, %s, %s, %s", t.at("expLo"), x, m)
	a.ins("VMOVUPS %s, %s", t.at("expHi"), n)
	a.ins("VMINPS %s, %s, %s", x, n, x)
	a.ins("VMOVUPS %s, %s", t.at("expLo"), n)
	a.ins("VMAXPS %s, %s, %s", x, n, x)
	a.ins("VMULPS %s, %s, %s", t.at("log2e"), x, n)
	a.ins("VROUNDPS $0, %s, %s", n, n)
	a.ins("VFNMADD231PS %s, %s, %s", t.at("ln2Hi"), n, x)
	a.ins("VFNMADD231PS %s, %s, %s", t.at("ln2Lo"), n, x)
	a.ins("VMOVUPS %s, %s", t.at("C7"), p)
	for _, c := range []string{"C6", "C5", "C4", "C3", "half", "one", "one"} {
		a.ins("VFMADD213PS %s, %s, %s", t.at(c), x, p)
	}
	a.ins("VCVTPS2DQ %s, %s", n, n)
	a.ins("VPADDD %s, %s, %s", t.at("i127"), n, n)
	a.ins("VPSLLD $23, %s, %s", n, n)
	a.ins("VMULPS %s, %s, %s", n, p, x)
	a.ins("VANDPS %s, %s, %s", m, x, x)
}

// applyAct2 applies act (R10) to Y1 (Y0 = 0; Y2–Y7 and Y12 clobbered) and goes on
// at done.
func applyAct2(a *asm, done string) {
	t := act2
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
	a.label("gelu")
	geluErf2(a, "Y1", [7]string{"Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Y12"})
	a.ins("JMP %s", done)
	a.label("tanh")
	a.ins("VMULPS %s, Y1, Y2", t.at("c044715"))
	a.ins("VFMADD213PS %s, Y1, Y2", t.at("one"))
	a.ins("VMULPS %s, Y1, Y3", t.at("tanhC"))
	a.ins("VMULPS Y2, Y3, Y3")
	exp2(a, "Y3", "Y4", "Y5", "Y6")
	a.ins("VADDPS %s, Y3, Y3", t.at("one"))
	a.ins("VDIVPS Y3, Y1, Y1")
	a.ins("JMP %s", done)
	a.label("relu")
	a.ins("VMAXPS Y1, Y0, Y1")
	a.ins("JMP %s", done)
	a.label("quick")
	a.ins("VMULPS %s, Y1, Y3", t.at("m1702"))
	exp2(a, "Y3", "Y4", "Y5", "Y6")
	a.ins("VADDPS %s, Y3, Y3", t.at("one"))
	a.ins("VDIVPS Y3, Y1, Y1")
}

// geluErf2 replaces x by geluErf32(x) (mathf.go), t clobbered. Its two
// long chains, erfcx's polynomial (t[1], t[2]) and exp(−x²/2) (t[3]–t[6]),
// depend only on x, so they go interleaved (zip), each its own
// instructions in its own order: one after the other, the 9 FMAs of the
// polynomial waited on each other with little else to run beside them.
// −x²/2 is x²·(−0.5), the negation of x²·0.5 to the bit; x²'s rounding
// error lo is formed apart (t[0], free once 1/(1 + 0.4z) is taken).
func geluErf2(a *asm, x string, t [7]string) {
	k := act2
	zip(a, func(a *asm) {
		a.ins("VANDPS %s, %s, %s", k.at("absmask"), x, t[0])
		a.ins("VMULPS %s, %s, %s", k.at("sqrt1_2"), t[0], t[0])
		a.ins("VMOVUPS %s, %s", k.at("ten"), t[1])
		a.ins("VMINPS %s, %s, %s", t[0], t[1], t[0])
		a.ins("VMOVUPS %s, %s", k.at("p04"), t[1])
		a.ins("VFMADD213PS %s, %s, %s", k.at("one"), t[1], t[0])
		a.ins("VMOVUPS %s, %s", k.at("one"), t[1])
		a.ins("VDIVPS %s, %s, %s", t[0], t[1], t[1])
		a.ins("VMULPS %s, %s, %s", x, x, t[0])
		a.ins("VFMSUB231PS %s, %s, %s", x, x, t[0])
		a.ins("VMULPS %s, %s, %s", k.at("half"), t[0], t[0])
		a.ins("VMOVUPS %s, %s", k.at("e9"), t[2])
		for i := 8; i >= 0; i-- {
			a.ins("VFMADD213PS %s, %s, %s", k.at(fmt.Sprintf("e%d", i)), t[1], t[2])
		}
		a.ins("VMULPS %s, %s, %s", t[1], t[2], t[2])
	}, func(a *asm) {
		a.ins("VMULPS %s, %s, %s", x, x, t[3])
		a.ins("VMULPS %s, %s, %s", k.at("mhalf"), t[3], t[3])
		exp2(a, t[3], t[4], t[5], t[6])
	})
	a.ins("VFNMADD231PS %s, %s, %s", t[3], t[0], t[3])
	a.ins("VMULPS %s, %s, %s", k.at("half"), t[3], t[3])
	a.ins("VMULPS %s, %s, %s", t[2], t[3], t[3])
	a.ins("VMOVUPS %s, %s", k.at("one"), t[4])
	a.ins("VSUBPS %s, %s, %s", t[3], t[4], t[4])
	a.ins("VCMPPS $13, %s, %s, %s", tail2.at("zeros"), x, t[0])
	a.ins("VBLENDVPS %s, %s, %s, %s", t[0], t[4], t[3], t[3])
	a.ins("VMULPS %s, %s, %s", t[3], x, x)
}

// zip writes the instructions that each of seqs prints, taking one line
// from each in turn: independent chains interleaved, each its own
// instructions in its own order (so its bits are those of printing it
// alone).
func zip(a *asm, seqs ...func(*asm)) {
	var lines [][]string
	for _, f := range seqs {
		var b asm
		f(&b)
		lines = append(lines, strings.Split(strings.TrimSuffix(b.b.String(), "\n"), "\n"))
	}
	for i := 0; ; i++ {
		more := false
		for _, l := range lines {
			if i < len(l) {
				a.b.WriteString(l[i] + "\n")
				more = true
			}
		}
		if !more {
			return
		}
	}
}

// hsum2 leaves op (VADDPS or VMAXPS; opss for the last lane) over Y's 8
// lanes in X1's low lane (X2 clobbered).
func hsum2(a *asm, y int, op, opss string) { hsum2In(a, y, 1, 2, op, opss) }

// hsum2In is hsum2 leaving the result in register d's low lane, with
// register t as the scratch.
func hsum2In(a *asm, y, d, t int, op, opss string) {
	a.ins("VEXTRACTF128 $1, Y%d, X%d", y, t)
	a.ins("%s X%d, X%d, X%d", op, t, y, d)
	a.ins("VMOVHLPS X%d, X%d, X%d", d, t, t)
	a.ins("%s X%d, X%d, X%d", op, t, d, d)
	a.ins("VMOVSHDUP X%d, X%d", d, t)
	a.ins("%s X%d, X%d, X%d", opss, t, d, d)
}

// roundConsts2 broadcasts round2's constants into Y8–Y11 (AX clobbered).
func roundConsts2(a *asm) {
	for i, c := range []string{"$1", "$0x7fff", "$0xffff0000", "$0x00400000"} {
		a.ins("MOVL %s, AX", c)
		a.ins("MOVQ AX, X%d", 8+i)
		a.ins("VPBROADCASTD X%d, Y%d", 8+i, 8+i)
	}
}

// round2 is round512 for the 8 floats of y: constants in Y8–Y11
// (roundConsts2, roundLoad2), Y12–Y14 clobbered.
func round2(a *asm, y string) {
	a.ins("VPSRLD $16, %s, Y12", y)
	a.ins("VPAND Y8, Y12, Y12")
	a.ins("VPADDD Y9, Y12, Y12")
	a.ins("VPADDD %s, Y12, Y12", y)
	a.ins("VPAND Y10, Y12, Y12")
	a.ins("VCMPPS $3, %s, %s, Y14 // unordered: NaN", y, y)
	a.ins("VPOR Y11, %s, Y13", y)
	a.ins("VPAND Y10, Y13, Y13")
	a.ins("VBLENDVPS Y14, Y13, Y12, %s", y)
}

// roundLoad2 loads round2's constants into Y8–Y11 from act2's table, as
// roundConsts2 makes them: after code that used those registers.
func roundLoad2(a *asm) {
	for i, c := range []string{"rnd1", "rnd7fff", "hi16", "quiet"} {
		a.ins("VMOVUPS %s, Y%d", act2.at(c), 8+i)
	}
}

// epiPlain2 prints epiAVX2's loop over the rows for no activation, with
// or without bias (R8) and residual (R9), so that the columns go without
// a test or a taken branch but the loop's: 16 a step, then 8, rounded
// to bf16 out of line where DX says so. It ends at epidone.
func epiPlain2(a *asm, name string, bias, res bool) {
	adds := func(y string, off int) {
		if bias {
			a.ins("VADDPS %d(R8)(AX*4), %s, %s", off, y, y)
		}
		if res {
			a.ins("VADDPS %d(R9)(AX*4), %s, %s", off, y, y)
		}
	}
	a.label(name)
	a.ins("XORQ AX, AX")
	a.label(name + "16")
	a.ins("LEAQ 16(AX), R11")
	a.ins("CMPQ R11, CX")
	a.ins("JGT %s8", name)
	a.ins("VMOVUPS (SI)(AX*4), Y1")
	a.ins("VMOVUPS 32(SI)(AX*4), Y2")
	adds("Y1", 0)
	adds("Y2", 32)
	a.ins("TESTQ DX, DX")
	a.ins("JNE %sround16", name)
	a.label(name + "st16")
	a.ins("VMOVUPS Y1, (DI)(AX*4)")
	a.ins("VMOVUPS Y2, 32(DI)(AX*4)")
	a.ins("ADDQ $16, AX")
	a.ins("JMP %s16", name)
	a.label(name + "8")
	a.ins("CMPQ AX, CX")
	a.ins("JGE %snext", name)
	a.ins("VMOVUPS (SI)(AX*4), Y1")
	adds("Y1", 0)
	a.ins("TESTQ DX, DX")
	a.ins("JEQ %sst8", name)
	round2(a, "Y1")
	a.label(name + "st8")
	a.ins("VMOVUPS Y1, (DI)(AX*4)")
	a.label(name + "next")
	a.ins("ADDQ R13, DI")
	a.ins("ADDQ R14, SI")
	if res {
		a.ins("ADDQ R13, R9")
	}
	a.ins("DECQ BX")
	a.ins("JNZ %s", name)
	a.ins("JMP epidone")
	a.label(name + "round16")
	round2(a, "Y1")
	round2(a, "Y2")
	a.ins("JMP %sst16", name)
}

// tail2 is the window the AVX2 row operations take the mask of a last,
// partial vector from: 8 all-ones lanes, then 8 zero lanes. The 32 bytes
// from ones's end minus 4r have the first r lanes set (tailMask2).
var tail2 = &table{sym: "avx2Tail", lanes: 8, k: []konst{{"ones", 0xffffffff, "all ones"}, {"zeros", 0, "zero"}}}

// tailMask2 sets y's first DX lanes (0 < DX < 8) to all ones, the others
// to zero; R8 clobbered.
func tailMask2(a *asm, y string) {
	a.ins("LEAQ %s, R8", tail2.at("zeros"))
	a.ins("SHLQ $2, DX")
	a.ins("SUBQ DX, R8")
	a.ins("VMOVUPS (R8), %s", y)
}

// expSum2 prints expSumAVX2, or with round expSumRoundAVX2, as expSum512
// does expSumAVX512 and expSumRoundAVX512: 8 values a step, the last n mod
// 8 through masked loads and stores (VMASKMOVPS), their other lanes
// cleared before the sum. (Two vectors' chains interleaved, as GELU's,
// measured no faster here.)
func expSum2(a *asm, round bool) {
	name, doc := "expSumAVX2", "expSumGeneric in AVX2."
	if round {
		name, doc = "expSumRoundAVX2", "expSumRoundGeneric in AVX2, for m at least x's maximum (roundExp2)."
	}
	a.text(name, "(x *float32, n int, m, scale float32) float32", 28, doc)
	a.raw(`
		MOVQ x+0(FP), SI
		MOVQ n+8(FP), CX
		VBROADCASTSS m+16(FP), Y15
		VBROADCASTSS scale+20(FP), Y5
		VXORPS Y6, Y6, Y6
	`)
	a.raw(`
		XORQ AX, AX
	expl:
		LEAQ 8(AX), DX
		CMPQ DX, CX
		JGT exptail
		VMOVUPS (SI)(AX*4), Y1
	`)
	expStep2(a, round)
	a.raw(`
		VMOVUPS Y1, (SI)(AX*4)
		ADDQ $8, AX
		JMP expl
	exptail:
		MOVQ CX, DX
		SUBQ AX, DX
		JEQ expdone
	`)
	tailMask2(a, "Y7")
	a.ins("VMASKMOVPS (SI)(AX*4), Y7, Y1")
	expStep2(a, round, "Y7")
	a.raw(`
		VMASKMOVPS Y1, Y7, (SI)(AX*4)
	expdone:
	`)
	hsum2(a, 6, "VADDPS", "VADDSS")
	a.raw(`
		VMOVSS X1, ret+24(FP)
		VZEROUPPER
		RET
	`)
}

// expStep2 replaces the 8 values of Y1 by exp(scale·(Y1 − m)) (Y15: m, Y5:
// scale; Y2–Y4 clobbered), adds them to Y6 and, with round, rounds them to
// bf16 after; with a mask, the lanes outside it are cleared first.
func expStep2(a *asm, round bool, mask ...string) {
	a.ins("VSUBPS Y15, Y1, Y1")
	a.ins("VMULPS Y5, Y1, Y1")
	exp2(a, "Y1", "Y2", "Y3", "Y4")
	for _, m := range mask {
		a.ins("VANDPS %s, Y1, Y1", m)
	}
	a.ins("VADDPS Y1, Y6, Y6")
	if round {
		roundExp2(a, "Y1")
	}
}

// roundExp2 rounds the exponentials in y to bf16 as round2 does, in five
// instructions where round2 takes nine (Y12 clobbered), for the values
// exp2 makes of x − m ≤ 0 (m the row's maximum, as expRound is called):
// +0, normal floats up to 1, or NaN. With c = 1.5·2¹⁶ times y's power of
// two (its exponent bits plus 16, mantissa .5), y + c rounds y to a
// multiple of 2⁻⁷ times that power, bf16's spacing there, to nearest and
// ties to even (c is an even multiple of it), and subtracting c again is
// exact. A NaN passes both quietened, its sign kept; clearing the low 16
// bits then gives toBF16's NaN (and changes nothing else). Denormals,
// which this would round on the wrong spacing, and values past 2¹¹¹,
// where c overflows, do not occur there.
func roundExp2(a *asm, y string) {
	a.ins("VPAND %s, %s, Y12", act2.at("expbits"), y)
	a.ins("VPADDD %s, Y12, Y12", act2.at("bf16c"))
	a.ins("VADDPS Y12, %s, %s", y, y)
	a.ins("VSUBPS Y12, %s, %s", y, y)
	a.ins("VPAND %s, %s, %s", act2.at("hi16"), y, y)
}

func act2File(a *asm) {
	a.comment(`
		The constants of mathf.go, each as 8 float32 lanes (32 bytes), so that
		they are ymm memory operands. AVX2 has no VSCALEFPS: exp clamps its
		argument to [-87.3, 88.7], where 2ⁿ is a normal float built from its
		exponent bits, and returns 0 below.`)
	act2.data(a)
	tail2.data(a)

	a.text("epiAVX2", "(dst *float32, ldd int, src *float32, lds int, bias, res *float32, rows, cols int, act Act)", 65, `
		epiGeneric in AVX2 for cols a multiple of 8 (DX: act's actRoundBF16;
		round2's constants in Y8–Y11, Y0 zero). GELU goes 16 columns at a time
		where it can: two vectors' chains interleaved (zip), each with the
		instructions of one, in Y0–Y7 and Y8–Y15, then Y0 cleared and round2's
		constants loaded again.`)
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
		MOVQ cols+56(FP), CX
		MOVBQZX act+64(FP), R10
		MOVQ R10, DX
		ANDQ $0x80, DX
		ANDQ $0x7f, R10
		VXORPS Y0, Y0, Y0
	`)
	roundConsts2(a)
	a.raw(`
		TESTQ BX, BX
		JEQ epidone
		TESTQ R10, R10
		JNE row
		TESTQ R8, R8
		JEQ plainNoBias
		TESTQ R9, R9
		JEQ plainB
		JMP plainBR
	plainNoBias:
		TESTQ R9, R9
		JEQ plain
		JMP plainR
	`)
	for _, v := range []struct {
		name      string
		bias, res bool
	}{{"plain", false, false}, {"plainB", true, false}, {"plainR", false, true}, {"plainBR", true, true}} {
		epiPlain2(a, v.name, v.bias, v.res)
	}
	a.raw(`
	row:
		XORQ AX, AX
	col:
		CMPQ AX, CX
		JGE nextrow
		CMPQ R10, $1
		JNE one
		LEAQ 16(AX), R11
		CMPQ R11, CX
		JGT one
		VMOVUPS (SI)(AX*4), Y1
		VMOVUPS 32(SI)(AX*4), Y15
		TESTQ R8, R8
		JEQ nobias2
		VADDPS (R8)(AX*4), Y1, Y1
		VADDPS 32(R8)(AX*4), Y15, Y15
	nobias2:
	`)
	zip(a, func(a *asm) { geluErf2(a, "Y1", [7]string{"Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Y0"}) },
		func(a *asm) { geluErf2(a, "Y15", [7]string{"Y9", "Y10", "Y11", "Y12", "Y13", "Y14", "Y8"}) })
	a.ins("VXORPS Y0, Y0, Y0")
	a.raw(`
		TESTQ R9, R9
		JEQ nores2
		VADDPS (R9)(AX*4), Y1, Y1
		VADDPS 32(R9)(AX*4), Y15, Y15
	nores2:
		TESTQ DX, DX
		JEQ noround2
	`)
	roundLoad2(a)
	round2(a, "Y1")
	round2(a, "Y15")
	a.raw(`
	noround2:
		VMOVUPS Y1, (DI)(AX*4)
		VMOVUPS Y15, 32(DI)(AX*4)
		ADDQ $16, AX
		JMP col
	one:
		VMOVUPS (SI)(AX*4), Y1
		TESTQ R8, R8
		JEQ nobias
		VADDPS (R8)(AX*4), Y1, Y1
	nobias:
	`)
	applyAct2(a, "actdone")
	a.raw(`
	actdone:
		TESTQ R9, R9
		JEQ nores
		VADDPS (R9)(AX*4), Y1, Y1
	nores:
		TESTQ DX, DX
		JEQ noround
	`)
	round2(a, "Y1")
	a.raw(`
	noround:
		VMOVUPS Y1, (DI)(AX*4)
		ADDQ $8, AX
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

	expSum2(a, false)
	expSum2(a, true)

	a.text("maxAVX2", "(x *float32, n int) float32", 20, "maxGeneric in AVX2 for n a multiple of 8, n ≥ 8.")
	a.raw(`
		MOVQ x+0(FP), SI
		MOVQ n+8(FP), CX
		VMOVUPS (SI), Y10
		MOVQ $8, AX
	maxl:
		CMPQ AX, CX
		JGE maxdone
		VMAXPS (SI)(AX*4), Y10, Y10
		ADDQ $8, AX
		JMP maxl
	maxdone:
	`)
	hsum2(a, 10, "VMAXPS", "VMAXSS")
	a.raw(`
		VMOVSS X1, ret+16(FP)
		VZEROUPPER
		RET
	`)

	sumRows2(a)

	a.text("scaleAVX2", "(x *float32, n int, s float32)", 20, "scaleGeneric in AVX2 for n a multiple of 8.")
	a.raw(`
		MOVQ x+0(FP), SI
		MOVQ n+8(FP), CX
		VBROADCASTSS s+16(FP), Y8
		XORQ AX, AX
	scl:
		CMPQ AX, CX
		JGE scdone
		VMULPS (SI)(AX*4), Y8, Y1
		VMOVUPS Y1, (SI)(AX*4)
		ADDQ $8, AX
		JMP scl
	scdone:
		VZEROUPPER
		RET
	`)
}

// sumRows2 prints sumRowsAVX2: 32 columns at a time in Y0–Y3 while there
// are as many, then 8 in Y0, each adding the rows in order.
func sumRows2(a *asm) {
	a.text("sumRowsAVX2", "(dst, src *float32, lds, rows, cols int)", 40, `
		sumRowsGeneric in AVX2 for cols a multiple of 8: dst[j] += src[0·lds+j]
		+ src[1·lds+j] + … for j < cols, the rows added to dst's value one at a
		time in order.`)
	sumRowsArgs(a)
	for _, w := range []int{4, 1} {
		l := fmt.Sprintf("sum%d", 8*w)
		a.label(l)
		a.ins("CMPQ DX, $%d", 8*w)
		a.ins("JLT %sdone", l)
		for y := range w {
			a.ins("VMOVUPS %d(DI), Y%d", 32*y, y)
		}
		a.ins("MOVQ SI, AX")
		a.ins("MOVQ R9, CX")
		a.ins("TESTQ CX, CX")
		a.ins("JEQ %sstore", l)
		a.label(l + "row")
		for y := range w {
			a.ins("VADDPS %d(AX), Y%d, Y%d", 32*y, y, y)
		}
		a.ins("ADDQ BX, AX")
		a.ins("DECQ CX")
		a.ins("JNZ %srow", l)
		a.label(l + "store")
		for y := range w {
			a.ins("VMOVUPS Y%d, %d(DI)", y, 32*y)
		}
		a.ins("ADDQ $%d, DI", 32*w)
		a.ins("ADDQ $%d, SI", 32*w)
		a.ins("SUBQ $%d, DX", 8*w)
		a.ins("JMP %s", l)
		a.label(l + "done")
	}
	a.raw(`
		VZEROUPPER
		RET
	`)
}
