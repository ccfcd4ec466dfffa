package main

import (
	"fmt"
	"math"
	"slices"
)

// konst is one of mathf.go's constants, by its name there, as float32 (or
// int32) bits.
type konst struct {
	name string
	bits uint32
	note string // the value, for the comment
}

func f32(name string, v float32) konst {
	return konst{name, math.Float32bits(v), fmt.Sprint(v)}
}

// mathConsts are the constants of exp32, geluErf32, geluTanh32 and
// quickGELU32 (mathf.go), with exp's clamp [expLo, expHi].
func mathConsts(expHi, expLo float32) []konst {
	l := []konst{
		f32("expHi", expHi), f32("expLo", expLo), f32("log2e", 1.44269504),
		f32("ln2Hi", 0.693145752), f32("ln2Lo", 1.42860677e-06),
		f32("C7", 1.0/5040), f32("C6", 1.0/720), f32("C5", 1.0/120), f32("C4", 1.0/24), f32("C3", 1.0/6),
		f32("half", 0.5), f32("one", 1), f32("sqrt1_2", 0.707106781), f32("ten", 10), f32("p04", 0.4),
	}
	// erfcxC, geluErf32's rational approximation.
	for i, v := range []float32{0.225713205, 0.224824472, 0.216021466, 0.124343495, 0.288026841,
		-0.315010252, 0.585281077, -0.527871633, 0.210632251, -0.031960917} {
		l = append(l, f32(fmt.Sprintf("e%d", i), v))
	}
	return append(l, f32("c044715", 0.044715), f32("tanhC", -2*0.7978845608), f32("m1702", -1.702),
		konst{"absmask", 0x7fffffff, "abs mask"}, f32("invSqrt2Pi", 0.398942280), f32("geluGradEps", 1e-3))
}

// table is a read-only symbol holding constants, each repeated in lanes
// 32-bit lanes (8 for ymm memory operands).
type table struct {
	sym   string
	lanes int
	k     []konst
}

// at is the address of constant name.
func (t *table) at(name string) string {
	i := slices.IndexFunc(t.k, func(k konst) bool { return k.name == name })
	if i < 0 {
		panic("no constant " + name)
	}
	return fmt.Sprintf("%s<>+%d(SB)", t.sym, 4*t.lanes*i)
}

// data writes the table's DATA and GLOBL lines.
func (t *table) data(a *asm) {
	for i, k := range t.k {
		for l := range t.lanes {
			line := fmt.Sprintf("DATA %s<>+%d(SB)/4, $0x%08x", t.sym, 4*(t.lanes*i+l), k.bits)
			if l == 0 {
				line += fmt.Sprintf(" // %s = %s", k.name, k.note)
			}
			a.b.WriteString(line + "\n")
		}
	}
	fmt.Fprintf(&a.b, "GLOBL %s<>(SB), RODATA|NOPTR, $%d\n", t.sym, 4*t.lanes*len(t.k))
}
