package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// vitShapes are ViT-B/16's GEMMs at batch 1: (M, N, K).
var vitShapes = []struct {
	name    string
	m, n, k int
}{
	{"qkv_197x2304x768", 197, 2304, 768},
	{"proj_197x768x768", 197, 768, 768},
	{"fc1_197x3072x768", 197, 3072, 768},
	{"fc2_197x768x3072", 197, 768, 3072},
}

func BenchmarkLinear(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range vitShapes {
		x, _ := guarded(r, s.m*s.k, 0)
		w, _ := guarded(r, s.n*s.k, 0)
		bias, _ := guarded(r, s.n, 0)
		y := make([]float32, s.m*s.n)
		pb := PackB(w, s.n, s.k)
		for _, im := range impls {
			if im == generic && s.m*s.n*s.k > 197*768*768 {
				continue // minutes per run
			}
			for _, th := range []int{1, 2} {
				b.Run(fmt.Sprintf("shape=%s/impl=%s/threads=%d", s.name, im.name, th), func(b *testing.B) {
					p := NewPool(th)
					withImpl(im, func() {
						Linear(p, y, s.n, x, s.k, s.m, pb, Epilogue{Bias: bias})
						c0 := cpuTime()
						for b.Loop() {
							Linear(p, y, s.n, x, s.k, s.m, pb, Epilogue{Bias: bias})
						}
						reportFlops(b, 2*float64(s.m*s.n*s.k), cpuTime()-c0)
					})
				})
			}
		}
	}
}

// reportFlops reports GFLOP/s of wall time and GFLOP per CPU second (per
// core busy), for flops per iteration.
func reportFlops(b *testing.B, flops float64, cpu time.Duration) {
	total := flops * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu > 0 {
		b.ReportMetric(total/cpu.Seconds()/1e9, "GFLOP/cpu-s")
	}
}
