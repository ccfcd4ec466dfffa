//go:build !purego

package kernels

import (
	"testing"

	"golang.org/x/sys/cpu"
)

// TestImplsAvailable fails, rather than skips, when the CPU offers the
// instructions of an implementation that cannot be selected.
func TestImplsAvailable(t *testing.T) {
	want := map[string]bool{"avx512": cpu.X86.HasAVX512F, "avx2": cpu.X86.HasAVX2 && cpu.X86.HasFMA}
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

// BenchmarkFMAPeak measures the core's fp32 FMA peak, the 100 % that GEMM
// figures are quoted against.
func BenchmarkFMAPeak(b *testing.B) {
	if !hasAVX512 {
		b.Skip("no AVX-512")
	}
	const iters = 1 << 16
	c0 := cpuTime()
	for b.Loop() {
		fmaProbeAVX512(iters)
	}
	reportFlops(b, iters*768, cpuTime()-c0)
}
