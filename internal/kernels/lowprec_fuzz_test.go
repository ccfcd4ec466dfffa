package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzLinearLow runs Linear with bf16 and int8 weights on every
// implementation and compares each with the generic one: int8 must give
// its bits (integer sums, the same quantisation and dequantisation), bf16
// may differ by the order of fp32 additions, within 2·(k+2)·eps32·Σ|a′b′|
// before the epilogue.
func FuzzLinearLow(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint16(1), uint64(1), uint8(0))
	f.Add(uint8(13), uint8(130), uint16(771), uint64(2), uint8(7))
	f.Fuzz(func(t *testing.T, m8, n8 uint8, k16 uint16, seed uint64, extra uint8) {
		m, n, k := int(m8%40)+1, int(n8)+1, int(k16%1600)
		c := newLinearCase(rand.New(rand.NewPCG(seed, 2)), m, n, k, k+int(extra%3), n, extra&8 != 0, extra&16 != 0, Act(extra%5))
		fp := c.pb
		for _, p := range []Precision{BF16, INT8} {
			c.pb = fp.To(p)
			var want []float32
			withLow(p, generic, func() { want, _ = c.run(NewPool(1)) })
			for _, im := range testImpls(p) {
				var got []float32
				withLow(p, im, func() { got, _ = c.run(NewPool(2)) })
				for i := range m {
					for j := range n {
						g, w := got[i*c.ldy+j], want[i*c.ldy+j]
						tol := 0.0
						if p == BF16 {
							var sa float64
							for kk := range k {
								sa += math.Abs(float64(fromBF16(toBF16(c.x[i*c.ldx+kk]))) * float64(fromBF16(toBF16(c.w[j*k+kk]))))
							}
							tol = actSlope*2*float64(k+2)*eps32*sa + 8*eps32*math.Abs(float64(w))
						}
						if !(math.Abs(float64(g)-float64(w)) <= tol) {
							t.Fatalf("%v impl=%s %dx%dx%d: y[%d,%d] = %v, generic %v ± %.3g", p, im.name, m, n, k, i, j, g, w, tol)
						}
					}
				}
			}
		}
	})
}
