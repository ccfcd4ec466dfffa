package kernels

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkLinearBF16 runs ViT-B/16's GEMMs with bf16 weights on every
// bf16 implementation, and with fp32 weights on the best fp32 one
// (impl=fp32-…) so that one run gives the ratio.
func BenchmarkLinearBF16(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range vitShapes {
		x, _ := guarded(r, s.m*s.k, 0)
		w, _ := guarded(r, s.n*s.k, 0)
		bias, _ := guarded(r, s.n, 0)
		y := make([]float32, s.m*s.n)
		fp, bf := PackB(w, s.n, s.k), PackBPrecision(w, s.n, s.k, BF16)
		type run struct {
			name string
			pb   *PackedB
			im   *bf16Impl
		}
		runs := []run{{"fp32-" + impls[0].name, fp, nil}}
		for _, im := range bf16Impls {
			if im == bf16Generic && s.m*s.n*s.k > 197*768*768 {
				continue // minutes per run
			}
			runs = append(runs, run{"bf16-" + im.name, bf, im})
		}
		for _, ru := range runs {
			for _, th := range []int{1, 2} {
				b.Run(fmt.Sprintf("shape=%s/impl=%s/threads=%d", s.name, ru.name, th), func(b *testing.B) {
					p := NewPool(th)
					withBF16(ru.im, func() {
						Linear(p, y, s.n, x, s.k, s.m, ru.pb, Epilogue{Bias: bias})
						c0 := cpuTime()
						for b.Loop() {
							Linear(p, y, s.n, x, s.k, s.m, ru.pb, Epilogue{Bias: bias})
						}
						reportFlops(b, 2*float64(s.m*s.n*s.k), cpuTime()-c0)
					})
				})
			}
		}
	}
}

// BenchmarkTileBF16 is the bf16 micro-kernel alone with data in L1: a
// 6×64 tile over 128 pairs of K, the ceiling for the whole GEMM.
func BenchmarkTileBF16(b *testing.B) {
	const kc2 = 128
	a := make([]uint32, mr*kc2)
	bp := make([]uint32, kc2*nr)
	c := make([]float32, mr*nr)
	for _, im := range bf16Impls {
		b.Run("impl="+im.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := threadTime()
			for b.Loop() {
				im.tile(kc2, a, kc2, bp, c, nr, true)
			}
			reportFlops(b, 2*mr*nr*2*kc2, threadTime()-t0)
		})
	}
}

// BenchmarkBF16Blocking measures one-thread bf16 GEMMs for K blockings, in
// GFLOP per CPU second of the thread.
func BenchmarkBF16Blocking(b *testing.B) {
	defer func(kc int) { kc2Block = kc }(kc2Block)
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range []int{0, 3} {
		sh := vitShapes[s]
		x, _ := guarded(r, sh.m*sh.k, 0)
		w, _ := guarded(r, sh.n*sh.k, 0)
		bias, _ := guarded(r, sh.n, 0)
		y := make([]float32, sh.m*sh.n)
		pb := PackBPrecision(w, sh.n, sh.k, BF16)
		for _, kc2 := range []int{64, 96, 128, 192, 256, 384} {
			kc2Block = kc2
			b.Run(fmt.Sprintf("shape=%s/kc2=%d", sh.name, kc2), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				p := NewPool(1)
				t0 := threadTime()
				for b.Loop() {
					Linear(p, y, sh.n, x, sh.k, sh.m, pb, Epilogue{Bias: bias})
				}
				reportFlops(b, 2*float64(sh.m*sh.n*sh.k), threadTime()-t0)
			})
		}
	}
}
