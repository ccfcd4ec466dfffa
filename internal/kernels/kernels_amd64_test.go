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
// instructions of an implementation that cannot be selected, or auto does
// not choose the best one for each precision. The expectations come from
// x/sys/cpu directly, not from the registry's features.
func TestImplsAvailable(t *testing.T) {
	defer func(old [len(sel)]*impl) { sel = old }(sel)
	x := &cpu.X86
	want := []struct {
		name string
		has  bool
	}{
		{"avx512bf16", x.HasAVX512F && x.HasAVX512BF16},
		{"avx512vnni", x.HasAVX512F && x.HasAVX512VNNI},
		{"avx512", x.HasAVX512F && x.HasAVX512DQ && x.HasAVX512BW && x.HasBMI2 && x.HasAVX2 && x.HasFMA},
		{"avx2", x.HasAVX2 && x.HasFMA},
	}
	for _, w := range want {
		if err := Select(w.name); w.has && err != nil {
			t.Errorf("CPU has the instructions for %s but: %v", w.name, err)
		}
	}
	if err := Select("auto"); err != nil {
		t.Fatal(err)
	}
	auto := map[Precision]string{FP32: "avx512", INT8: "avx512vnni", BF16: "avx512bf16"}
	if vendor() == "GenuineIntel" { // VDPBF16PS at half the FMA rate
		auto[BF16] = "avx512 via fp32"
	}
	if features.amx { // TestAMXAvailable fails under VITCTL_REQUIRE_AMX=1 if not
		auto[BF16], auto[INT8] = "amx", "amx"
	}
	for p, name := range auto {
		if x.HasAVX512F && SelectedFor(p) != name {
			t.Errorf("auto selected %s for %v on an AVX-512 CPU, want %s", SelectedFor(p), p, name)
		}
	}
	t.Logf("CPU %s; kernels: fp32 %s, bf16 %s, int8 %s", vendor(), SelectedFor(FP32), SelectedFor(BF16), SelectedFor(INT8))
}

// fmaProbe returns the FMA loop of the vectors the selected fp32 kernels
// use and its flops per iteration, or false where they are Go.
func fmaProbe() (func(n int), float64, bool) {
	switch cur().fp32 {
	case fp32AVX512:
		return fmaProbeAVX512, 768, true
	case fp32AVX2:
		return fmaProbeAVX2, 192, true
	}
	return nil, 0, false
}

// BenchmarkFMAPeak measures the fp32 FMA peak, the 100 % that GEMM figures
// are quoted against: per core with threads=1, and with threads=2 what two
// goroutines get together (the host may give the two vCPUs one core).
func BenchmarkFMAPeak(b *testing.B) {
	probe, flops, ok := fmaProbe()
	if !ok {
		b.Skip("the fp32 kernels are Go")
	}
	const iters = 1 << 16
	for _, th := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
			c0 := cpuTime()
			for b.Loop() {
				var wg sync.WaitGroup
				for range th {
					wg.Go(func() { probe(iters) })
				}
				wg.Wait()
			}
			reportFlops(b, float64(th)*iters*flops, cpuTime()-c0)
		})
	}
}

// BenchmarkPeakFraction runs one-thread GEMMs interleaved with the FMA
// probe, each timed by the thread's CPU time, and reports the median of
// their ratio: the fraction of the measured peak, robust to neighbours that
// slow both alike.
func BenchmarkPeakFraction(b *testing.B) {
	for _, s := range vitShapes {
		b.Run("shape="+s.name+"/impl="+cur().name+"/threads=1", func(b *testing.B) { peakFraction(b, s.m, s.n, s.k) })
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
	fma, perIter, ok := fmaProbe()
	if !ok {
		b.Skip("the fp32 kernels are Go")
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
	probe := 1 << 13 * 768 / int(perIter) // ≈ 35 µs at the AVX-512 peak
	var ratios []float64
	for b.Loop() {
		t0 := threadTime()
		for range 100 {
			fma(probe)
		}
		t1 := threadTime()
		Linear(p, y, n, x, k, m, pb, Epilogue{Bias: bias})
		t2 := threadTime()
		peak := 100 * float64(probe) * perIter / (t1 - t0).Seconds()
		ratios = append(ratios, flops/(t2-t1).Seconds()/peak)
	}
	slices.Sort(ratios)
	b.ReportMetric(100*ratios[len(ratios)/2], "%peak")
}

// TestNoGoTilesWithAVX2: on every x86 CPU with AVX2 and FMA, whatever else
// it has, each precision runs on assembly, never on the Go tiles (int8 on
// CPUs without AVX512_VNNI ran there at a twentieth of fp32's speed). The
// CPUs are simulated by which registry entries they could run.
func TestNoGoTilesWithAVX2(t *testing.T) {
	// needs names each entry's feature; a new entry must be added here.
	needs := map[string]string{
		"amx": "amx", "avx512bf16": "avx512bf16", "avx512vnni": "avx512vnni",
		"avx512": "avx512", "avx2": "avx2", "generic": "",
	}
	cpus := []struct {
		name string
		has  []string
	}{
		{"AVX2 only (Intel before Skylake-SP and its client CPUs, AMD before Zen 4)", []string{"avx2"}},
		{"AVX-512 without BF16 and VNNI (Skylake-SP)", []string{"avx2", "avx512"}},
		{"AVX-512 with VNNI (Cascade Lake, Ice Lake)", []string{"avx2", "avx512", "avx512vnni"}},
		{"AVX-512 with BF16 and VNNI (Zen 4, Zen 5, Cooper Lake)", []string{"avx2", "avx512", "avx512vnni", "avx512bf16"}},
		{"AMX (Sapphire Rapids and later)", []string{"avx2", "avx512", "avx512vnni", "avx512bf16", "amx"}},
	}
	for _, c := range cpus {
		for _, p := range []Precision{FP32, BF16, INT8} {
			var got *impl
			for _, im := range registry {
				need, known := needs[im.name]
				if !known {
					t.Fatalf("registry entry %q: say which feature it needs in this test", im.name)
				}
				if (need == "" || slices.Contains(c.has, need)) && im.has(p) {
					got = im
					break
				}
			}
			if got == nil || got == generic {
				t.Errorf("%s: %v runs on the Go tiles", c.name, p)
			}
		}
	}
}
