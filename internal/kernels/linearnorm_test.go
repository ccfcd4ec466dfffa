package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestLinearNorm: LinearNorm gives the bits of LayerNorm into a buffer
// followed by Linear from it, in every precision and implementation
// (the bf16 path through fp32 tiles and the AMX twin with A as rows and
// as tiles included), on one thread and shared by three.
func TestLinearNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	shapes := []struct{ m, n, k int }{{1, 1, 1}, {6, 64, 2}, {17, 65, 33}, {40, 70, 768}, {197, 130, 200}}
	type variant struct {
		name  string
		prec  Precision
		im    *impl
		tiled bool
	}
	var vs []variant
	for _, p := range []Precision{FP32, BF16, INT8} {
		for _, im := range testImpls(p) {
			vs = append(vs, variant{im.name, p, im, false})
		}
	}
	vs = append(vs, variant{"via-fp32", BF16, &impl{name: "via-fp32", ok: true, mr: generic.mr, nr: nr, fp32: generic.fp32, bf16: bf16ViaFP32}, false})
	for _, p := range []Precision{BF16, INT8} {
		vs = append(vs, variant{"amx-generic/rows", p, amxTwin, false}, variant{"amx-generic/tiles", p, amxTwin, true})
	}
	for _, v := range vs {
		for si, s := range shapes {
			for _, threads := range []int{1, 3} {
				name := fmt.Sprintf("%v/%s/%dx%dx%d/threads=%d", v.prec, v.name, s.m, s.n, s.k, threads)
				t.Run(name, func(t *testing.T) {
					c := newLinearCase(r, s.m, s.n, s.k, s.k, s.n, si%2 == 0, si%3 == 0, Act(si%5))
					if v.prec != FP32 {
						c.pb = c.pb.To(v.prec)
					}
					n := Norm{Gamma: randVec(r, s.k), Beta: randVec(r, s.k), Eps: 1e-6}
					p := NewPool(threads)
					var want, got []float32
					withLow(v.prec, v.im, func() {
						withTiled(v.tiled, func() {
							h := make([]float32, s.m*s.k)
							LayerNorm(p, h, c.x, s.m, s.k, n.Gamma, n.Beta, n.Eps)
							x := c.x
							c.x = h
							want, _ = c.run(p)
							c.x = x
							got = c.runNorm(p, n)
						})
					})
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("y[%d] = %v, LayerNorm then Linear gave %v", i, got[i], want[i])
						}
					}
				})
			}
		}
	}
}

// runNorm is run with LinearNorm on the case's x (row stride k) and n.
func (c *linearCase) runNorm(p *Pool, n Norm) []float32 {
	y, _ := guardedMatrix(rand.New(rand.NewPCG(9, 9)), c.m, c.n, c.ldy)
	ep := Epilogue{Bias: c.bias, Act: c.act}
	if c.res != nil {
		copy(y, c.res)
		ep.Residual = y
	}
	h := make([]float32, c.m*c.k)
	LinearNorm(p, y, c.ldy, c.x, c.m, n, h, c.pb, ep)
	return y
}

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}
