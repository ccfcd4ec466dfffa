//go:build !purego

package kernels

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkAMXPeak is TDPBF16PS alone, four independent tiles, no loads:
// the ceiling of the calls (16·16·32·2 flops each).
func BenchmarkAMXPeak(b *testing.B) {
	needAMX(b)
	cfg := amxShape{16, 16, 16}.config()
	const n = 1024
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0 := threadTime()
	for b.Loop() {
		amxPeakAsm(&cfg, n)
	}
	reportFlops(b, float64(n*4*amxTile*amxTile*2*amxTile*2), threadTime()-t0)
}

// BenchmarkAMXCall is one AMX call alone, 2×2 tiles: one block of a few
// steps against many tells the cost of a call (LDTILECFG … TILERELEASE,
// C in and out) from that of a step; 6 blocks of 24 steps is amxGemm's
// call for 192 rows and K = 768 in bf16 (A from L2, B from L1).
func BenchmarkAMXCall(b *testing.B) {
	needAMX(b)
	for _, sh := range []struct{ nblk, steps int }{{1, 1}, {1, 12}, {1, 48}, {6, 24}} {
		c := newAMXCallCase(rand.New(rand.NewPCG(1, 1)), amxShape{16, 16, 16}, sh.nblk, sh.steps, true, false)
		for _, p := range []Precision{BF16, INT8} {
			b.Run(fmt.Sprintf("precision=%v/rows=%d/steps=%d", p, sh.nblk*amxRows, sh.steps), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				t0 := threadTime()
				for b.Loop() {
					if p == BF16 {
						amxBF16(c.s, sh.nblk, sh.steps, c.a, c.l, c.b, c.c0, nr, false)
					} else {
						amxI8(c.s, sh.nblk, sh.steps, c.a, c.l, c.b, c.ci0, nr, false)
					}
				}
				reportFlops(b, float64(2*sh.nblk*amxRows*amxCols*sh.steps*amxTile*p.group()), threadTime()-t0)
			})
		}
	}
}

// BenchmarkAMXLinear is ViT-B/16's GEMMs at batch 1 in bf16 and int8, on
// AMX and on the AVX-512 tiles, one thread and 16, and on AMX for K blocks
// (amxKc) around the default, with A laid out as rows and as tiles
// (amxTiled).
func BenchmarkAMXLinear(b *testing.B) {
	needAMX(b)
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range vitShapes {
		x, _ := guarded(r, s.m*s.k, 0)
		w, _ := guarded(r, s.n*s.k, 0)
		bias, _ := guarded(r, s.n, 0)
		y := make([]float32, s.m*s.n)
		fp := PackB(w, s.n, s.k)
		for _, p := range []Precision{BF16, INT8} {
			pb := fp.To(p)
			avx, amx := named("avx512bf16"), named("amx")
			if p == INT8 {
				avx = named("avx512vnni")
			}
			run := func(name string, im *impl, kc int, tiled bool, threads int) {
				b.Run(fmt.Sprintf("shape=%s/precision=%v/impl=%s/threads=%d", s.name, p, name, threads), func(b *testing.B) {
					defer func(kc int, tiled bool) { amxKc, amxTiled = kc, tiled }(amxKc, amxTiled)
					amxKc, amxTiled = kc, tiled
					pool := NewPool(threads)
					withLow(p, im, func() {
						c0 := cpuTime()
						for b.Loop() {
							Linear(pool, y, s.n, x, s.k, s.m, pb, Epilogue{Bias: bias})
						}
						reportFlops(b, 2*float64(s.m*s.n*s.k), cpuTime()-c0)
					})
				})
			}
			run(avx.name, avx, amxKc, amxTiled, 1)
			for _, tiled := range []bool{false, true} {
				layout := map[bool]string{false: "rows", true: "tiles"}[tiled]
				for _, kc := range []int{128, 192, 384, 768} {
					run(fmt.Sprintf("amx-kc%d-%s", kc, layout), amx, kc, tiled, 1)
				}
				run("amx-"+layout, amx, amxKc, tiled, 16)
			}
			run(avx.name, avx, amxKc, amxTiled, 16)
		}
	}
}
