package kernels

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// BenchmarkLinearLow runs ViT-B/16's GEMMs with bf16 and int8 weights on
// every implementation, and with fp32 weights on the best fp32 one
// (impl=fp32-…), so that one run gives the ratios.
func BenchmarkLinearLow(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range vitShapes {
		x, _ := guarded(r, s.m*s.k, 0)
		w, _ := guarded(r, s.n*s.k, 0)
		bias, _ := guarded(r, s.n, 0)
		y := make([]float32, s.m*s.n)
		type run struct {
			name string
			p    Precision
			pb   *PackedB
			im   *impl
		}
		fp := PackB(w, s.n, s.k)
		runs := []run{{"fp32-" + best(FP32).name, FP32, fp, nil}}
		for _, p := range []Precision{BF16, INT8} {
			pb := fp.To(p)
			for _, im := range impls(p) {
				if im == generic && s.m*s.n*s.k > 197*768*768 {
					continue // minutes per run
				}
				runs = append(runs, run{fmt.Sprintf("%v-%s", p, strings.ReplaceAll(im.path(p), " ", "-")), p, pb, im})
			}
		}
		for _, ru := range runs {
			for _, th := range []int{1, 2} {
				b.Run(fmt.Sprintf("shape=%s/impl=%s/threads=%d", s.name, ru.name, th), func(b *testing.B) {
					p := NewPool(th)
					withLow(ru.p, ru.im, func() {
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

// BenchmarkTileLow is each micro-kernel alone with data in L1: a 6×64
// tile over 128 groups of K, the ceiling for the whole GEMM.
func BenchmarkTileLow(b *testing.B) {
	const kc = 128
	a := make([]uint32, mr6*kc)
	bp := make([]uint32, kc*nr)
	cf, ci := make([]float32, mr6*nr), make([]int32, mr6*nr)
	for _, p := range []Precision{BF16, INT8} {
		for _, im := range impls(p) {
			if p == BF16 && im.bf16.viaFP32() {
				continue // the fp32 tile: BenchmarkFMAPeak
			}
			b.Run(fmt.Sprintf("precision=%v/impl=%s", p, im.name), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				t0 := threadTime()
				for b.Loop() {
					if p == BF16 {
						im.bf16.tile(kc, a, kc, bp, cf, nr, true)
					} else {
						im.int8.tile(kc, a, kc, bp, ci, nr, true)
					}
				}
				reportFlops(b, float64(2*mr6*nr*p.group()*kc), threadTime()-t0)
			})
		}
	}
}

// BenchmarkLowBlocking measures one-thread bf16 GEMMs for K blockings, in
// GFLOP per CPU second of the thread.
func BenchmarkLowBlocking(b *testing.B) {
	defer func(kc int) { kcGroups = kc }(kcGroups)
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range []int{0, 3} {
		sh := vitShapes[s]
		x, _ := guarded(r, sh.m*sh.k, 0)
		w, _ := guarded(r, sh.n*sh.k, 0)
		bias, _ := guarded(r, sh.n, 0)
		y := make([]float32, sh.m*sh.n)
		pb := PackBPrecision(w, sh.n, sh.k, BF16)
		for _, kc := range []int{64, 96, 128, 192, 256, 384} {
			kcGroups = kc
			b.Run(fmt.Sprintf("shape=%s/kc=%d", sh.name, kc), func(b *testing.B) {
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
