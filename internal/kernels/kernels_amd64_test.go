//go:build !purego

package kernels

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestImplsAvailable fails, rather than skips, when the CPU offers the
// instructions of an implementation that cannot be selected.
func TestImplsAvailable(t *testing.T) {
	want := map[string]bool{
		"avx512": cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ && cpu.X86.HasBMI2,
		"avx2":   cpu.X86.HasAVX2 && cpu.X86.HasFMA,
	}
	for name, has := range want {
		if err := Select(name); has && err != nil {
			t.Errorf("CPU has the instructions for %s but: %v", name, err)
		}
	}
	if err := Select("auto"); err != nil {
		t.Fatal(err)
	}
	if cpu.X86.HasAVX512F && Selected() != "avx512" {
		t.Errorf("auto selected %s on an AVX-512 CPU", Selected())
	}
}

// BenchmarkFMAPeak measures the fp32 FMA peak, the 100 % that GEMM figures
// are quoted against: per core with threads=1, and with threads=2 what two
// goroutines get together (the host may give the two vCPUs one core).
func BenchmarkFMAPeak(b *testing.B) {
	if !hasAVX512 {
		b.Skip("no AVX-512")
	}
	const iters = 1 << 16
	for _, th := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
			c0 := cpuTime()
			for b.Loop() {
				var wg sync.WaitGroup
				for range th {
					wg.Go(func() { fmaProbeAVX512(iters) })
				}
				wg.Wait()
			}
			reportFlops(b, float64(th)*iters*768, cpuTime()-c0)
		})
	}
}

// BenchmarkPeakFraction runs one-thread GEMMs interleaved with the FMA
// probe, each timed by the thread's CPU time, and reports the median of
// their ratio: the fraction of the measured peak, robust to neighbours that
// slow both alike.
func BenchmarkPeakFraction(b *testing.B) {
	for _, s := range vitShapes {
		b.Run("shape="+s.name+"/impl="+cur.name+"/threads=1", func(b *testing.B) { peakFraction(b, s.m, s.n, s.k) })
	}
}

// BenchmarkBlocking measures the fraction of peak for K blockings.
func BenchmarkBlocking(b *testing.B) {
	defer func(kc int) { kcBlock = kc }(kcBlock)
	for _, s := range []int{0, 3} {
		for _, kc := range []int{64, 96, 128, 160, 192, 256, 384} {
			kcBlock = kc
			sh := vitShapes[s]
			b.Run(fmt.Sprintf("shape=%s/kc=%d", sh.name, kc), func(b *testing.B) { peakFraction(b, sh.m, sh.n, sh.k) })
		}
	}
}

func peakFraction(b *testing.B, m, n, k int) {
	if !hasAVX512 {
		b.Skip("no AVX-512")
	}
	r := rand.New(rand.NewPCG(1, 1))
	x, _ := guarded(r, m*k, 0)
	w, _ := guarded(r, n*k, 0)
	bias, _ := guarded(r, n, 0)
	y := make([]float32, m*n)
	pb := PackB(w, n, k)
	p := NewPool(1)
	flops := 2 * float64(m*n*k)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const probe = 1 << 13 // ≈ 35 µs
	var ratios []float64
	for b.Loop() {
		t0 := threadTime()
		for range 100 {
			fmaProbeAVX512(probe)
		}
		t1 := threadTime()
		Linear(p, y, n, x, k, m, pb, Epilogue{Bias: bias})
		t2 := threadTime()
		peak := 100 * probe * 768 / (t1 - t0).Seconds()
		ratios = append(ratios, flops/(t2-t1).Seconds()/peak)
	}
	slices.Sort(ratios)
	b.ReportMetric(100*ratios[len(ratios)/2], "%peak")
}
