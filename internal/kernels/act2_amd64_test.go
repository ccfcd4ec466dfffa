//go:build !purego

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAct2Twins: the AVX2 exp and erf GELU give their Go twins' bits
// (expSumGeneric, geluErf32) wherever exp's result is a normal float: the
// assembly interleaves independent chains (geluErf2, expSum2) but keeps
// each value's operations. Below exp's clamp (−87.3) it returns 0 where the
// twin gives a denormal, so GELU is checked on |x| ≤ 13 and exp on
// arguments above −87.
func TestAct2Twins(t *testing.T) {
	if !features.avx2 {
		t.Skip("no AVX2 and FMA")
	}
	r := rand.New(rand.NewPCG(91, 92))
	const n = 4101 // a tail of 5, past 16-column GELU pairs and 8-value steps
	x := make([]float32, n)
	for i := range x {
		x[i] = 26*r.Float32() - 13
	}
	x[0], x[1], x[2], x[3] = 0, float32(math.Copysign(0, -1)), 13, -13
	got := make([]float32, n)
	epi2(got, n, x, n, nil, nil, 1, n, ActGELU)
	for i, v := range x {
		if w := geluErf32(v); math.Float32bits(got[i]) != math.Float32bits(w) {
			t.Fatalf("GELU(%v) = %v (%#08x), geluErf32 %v (%#08x)", v, got[i], math.Float32bits(got[i]), w, math.Float32bits(w))
		}
	}
	for _, m := range []int{0, 1, 7, 8, 9, 197, n} {
		e, want := make([]float32, m), make([]float32, m)
		for i := range e {
			e[i] = -r.Float32() * 60 // scale·(x − m) down to −87 with scale 1.45
		}
		copy(want, e)
		expSum2(e, 0, 1.45)
		expSumGeneric(want, 0, 1.45)
		for i := range e {
			if math.Float32bits(e[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d: exp[%d] = %v, expSumGeneric %v", m, i, e[i], want[i])
			}
		}
	}
}
