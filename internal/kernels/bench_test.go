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

// BenchmarkAttention is ViT-B/16's attention at batch 1: 12 heads of 64
// over 197 tokens.
func BenchmarkAttention(b *testing.B) {
	const B, T, H, hd = 1, 197, 12, 64
	r := rand.New(rand.NewPCG(2, 2))
	qkv, _ := guarded(r, B*T*3*H*hd, 0)
	out := make([]float32, B*T*H*hd)
	for _, im := range impls {
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("shape=vit_b16_197x12x64/impl=%s/threads=%d", im.name, th), func(b *testing.B) {
				p := NewPool(th)
				withImpl(im, func() {
					Attention(p, out, qkv, B, T, H, hd, 0.125, nil)
					c0 := cpuTime()
					for b.Loop() {
						Attention(p, out, qkv, B, T, H, hd, 0.125, nil)
					}
					reportFlops(b, 4*B*H*T*T*hd, cpuTime()-c0)
				})
			})
		}
	}
}

// BenchmarkLayerNorm is ViT-B/16's LayerNorm at batch 1.
func BenchmarkLayerNorm(b *testing.B) {
	const rows, D = 197, 768
	r := rand.New(rand.NewPCG(3, 3))
	x, _ := guarded(r, rows*D, 0)
	g, _ := guarded(r, D, 0)
	dst := make([]float32, rows*D)
	for _, th := range []int{1, 2} {
		b.Run(fmt.Sprintf("shape=%dx%d/threads=%d", rows, D, th), func(b *testing.B) {
			p := NewPool(th)
			for b.Loop() {
				LayerNorm(p, dst, x, rows, D, g, g, 1e-6)
			}
		})
	}
}
