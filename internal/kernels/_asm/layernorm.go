package main

import "fmt"

func layerNormFile(a *asm) {
	for _, v := range []*lnISA{ln512, ln2} {
		layerNorm(a, v, 1, false)
		layerNorm(a, v, 1, true)
		layerNorm(a, v, 2, false)
	}
}

// lnRow is one row's registers in the LayerNorm code: its x and dst
// pointers, its sum, mean and 1/sqrt(var + eps) vectors, a scratch
// vector, and the X registers its horizontal sums end in and use.
type lnRow struct {
	x, dst             string
	sum, mean, rstd, t int
	d, s               int
}

// lnISA is what the AVX-512 and AVX2 LayerNorms differ in. X3 holds n in
// both; AVX-512 masks the last lanes with K1 (R12 = 0xffff), AVX2 takes n
// a multiple of 8.
type lnISA struct {
	name      string  // the functions' suffix
	v         string  // vector register prefix
	lanes     int     // floats a vector
	zero      string  // the instruction clearing a sum
	one, beta int     // X register holding 1, vector register holding beta
	rows      []lnRow // the registers of the first and second row
	masked    bool
	doc       string // the one-row function's doc
}

var (
	ln512 = &lnISA{name: "AVX512", v: "Z", lanes: 16, zero: "VPXORD", one: 8, beta: 5, masked: true,
		rows: []lnRow{{"SI", "DI", 20, 21, 22, 4, 1, 2}, {"R13", "R14", 23, 24, 25, 6, 6, 7}},
		doc: `layerNormRow in AVX-512F: the mean, then the mean of squared deviations,
			each summed in 16 lanes; then dst = (x − mean)·inv·gamma + beta. K1 is
			the first min(n − AX, 16) lanes (R12 = 0xffff).`}
	ln2 = &lnISA{name: "AVX2", v: "Y", lanes: 8, zero: "VXORPS", one: 7, beta: 3,
		rows: []lnRow{{"SI", "DI", 0, 4, 6, 5, 1, 2}, {"R13", "R14", 8, 9, 10, 11, 13, 14}},
		doc: `layerNormRow in AVX2 for n a multiple of 8: the mean, then the mean
			of squared deviations, each summed in 8 lanes; then dst = (x −
			mean)·inv·gamma + beta.`}
)

// k is ", K1" where v masks, for an instruction's mask operand.
func (v *lnISA) k() string {
	if v.masked {
		return ", K1"
	}
	return ""
}

// z is ".Z" where v masks, for a zeroing masked instruction.
func (v *lnISA) z() string {
	if v.masked {
		return ".Z"
	}
	return ""
}

// loop prints a loop over the row in steps of v.lanes, body for each row
// of rs in every step.
func (v *lnISA) loop(a *asm, label string, rs []lnRow, body func(r lnRow)) {
	a.ins("XORQ AX, AX")
	a.label(label)
	if v.masked {
		a.ins("MOVQ CX, DX")
		a.ins("SUBQ AX, DX")
		a.ins("JLE %sdone", label)
		mask16(a)
	} else {
		a.ins("CMPQ AX, CX")
		a.ins("JGE %sdone", label)
	}
	for _, r := range rs {
		body(r)
	}
	a.ins("ADDQ $%d, AX", v.lanes)
	a.ins("JMP %s", label)
	a.label(label + "done")
}

// hsum leaves the sum of r's lanes in X(r.d)'s low lane.
func (v *lnISA) hsum(a *asm, r lnRow) {
	if v.masked {
		hsum512In(a, fmt.Sprintf("Z%d", r.sum), r.d, r.s, "VADDPS", "VADDSS")
	} else {
		hsum2In(a, r.sum, r.d, r.s, "VADDPS", "VADDSS")
	}
}

// layerNorm prints layerNorm<v> (rows 1), layerNormStats<v> (rows 1,
// stats: also stores the mean and 1/sqrt(var + eps) it used) or
// layerNorm2<v> (rows 2): layerNormRow with each sum taken in v's lanes.
// Two rows' loops are interleaved, each row's instructions those of one
// call, so its bits are too: a row of 192 floats is mostly the latency of
// its chains (12 dependent adds a pass, then the horizontal sum and a
// divide), which the other row's adds fill.
func layerNorm(a *asm, v *lnISA, rows int, stats bool) {
	rs := v.rows[:rows]
	switch {
	case rows == 2:
		a.text("layerNorm2"+v.name, "(dst, x, gamma, beta *float32, n, ld int, eps float32)", 52, fmt.Sprintf(`
			layerNorm%s on the rows x and x+ld into dst and dst+ld, the two
			rows' loops interleaved.`, v.name))
	case stats:
		a.text("layerNormStats"+v.name, "(dst, x, gamma, beta *float32, n int, eps float32, mean, rstd *float32)", 64,
			fmt.Sprintf("layerNorm%s that also stores the mean and 1/sqrt(var + eps) it used.", v.name))
	default:
		a.text("layerNorm"+v.name, "(dst, x, gamma, beta *float32, n int, eps float32)", 44, v.doc)
	}
	eps := "eps+40(FP)"
	a.raw(`
		MOVQ dst+0(FP), DI
		MOVQ x+8(FP), SI
		MOVQ gamma+16(FP), R8
		MOVQ beta+24(FP), R9
		MOVQ n+32(FP), CX
	`)
	if rows == 2 {
		eps = "eps+48(FP)"
		a.raw(`
			MOVQ ld+40(FP), BX
			LEAQ (SI)(BX*4), R13
			LEAQ (DI)(BX*4), R14
		`)
	}
	if v.masked {
		a.ins("MOVQ $0xffff, R12")
	}
	pass := func(label string, body func(r lnRow)) {
		for _, r := range rs {
			a.ins("%s %s%d, %s%d, %s%d", v.zero, v.v, r.sum, v.v, r.sum, v.v, r.sum)
		}
		v.loop(a, label, rs, body)
		for _, r := range rs {
			v.hsum(a, r)
		}
	}
	pass("sum", func(r lnRow) { a.ins("VADDPS (%s)(AX*4), %s%d%s, %s%d", r.x, v.v, r.sum, v.k(), v.v, r.sum) })
	a.ins("CVTSQ2SS CX, X3")
	for _, r := range rs {
		a.ins("VDIVSS X3, X%d, X%d", r.d, r.d)
		if stats {
			a.ins("MOVQ mean+48(FP), R10")
			a.ins("VMOVSS X%d, (R10)", r.d)
		}
		a.ins("VBROADCASTSS X%d, %s%d // mean", r.d, v.v, r.mean)
	}
	pass("dev", func(r lnRow) {
		a.ins("VMOVUPS%s (%s)(AX*4)%s, %s%d", v.z(), r.x, v.k(), v.v, r.t)
		a.ins("VSUBPS %s%d, %s%d%s, %s%d", v.v, r.mean, v.v, r.t, v.k(), v.v, r.t)
		a.ins("VFMADD231PS %s%d, %s%d, %s%d", v.v, r.t, v.v, r.t, v.v, r.sum)
	})
	a.ins("MOVL $0x3f800000, R11")
	a.ins("MOVQ R11, X%d", v.one)
	for _, r := range rs {
		a.ins("VDIVSS X3, X%d, X%d", r.d, r.d)
		a.ins("VADDSS %s, X%d, X%d", eps, r.d, r.d)
		a.ins("VSQRTSS X%d, X%d, X%d", r.d, r.d, r.d)
		a.ins("VDIVSS X%d, X%d, X%d", r.d, v.one, r.d)
		if stats {
			a.ins("MOVQ rstd+56(FP), R10")
			a.ins("VMOVSS X%d, (R10)", r.d)
		}
		a.ins("VBROADCASTSS X%d, %s%d // 1/sqrt(var + eps)", r.d, v.v, r.rstd)
	}
	v.loop(a, "norm", rs, func(r lnRow) {
		if r.x == "SI" {
			a.ins("VMOVUPS%s (R9)(AX*4)%s, %s%d", v.z(), v.k(), v.v, v.beta)
		}
		a.ins("VMOVUPS%s (%s)(AX*4)%s, %s%d", v.z(), r.x, v.k(), v.v, r.t)
		a.ins("VSUBPS %s%d, %s%d, %s%d", v.v, r.mean, v.v, r.t, v.v, r.t)
		a.ins("VMULPS %s%d, %s%d, %s%d", v.v, r.rstd, v.v, r.t, v.v, r.t)
		a.ins("VFMADD132PS%s (R8)(AX*4), %s%d%s, %s%d", v.z(), v.v, v.beta, v.k(), v.v, r.t)
		a.ins("VMOVUPS %s%d%s, (%s)(AX*4)", v.v, r.t, v.k(), r.dst)
	})
	a.raw(`
		VZEROUPPER
		RET
	`)
}
