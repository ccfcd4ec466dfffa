//go:build !purego

package kernels

import (
	"testing"

	"golang.org/x/sys/cpu"
)

// TestBF16ImplsAvailable fails, rather than skips, when the CPU offers
// AVX512_BF16 and its implementation cannot be selected or is not the one
// chosen by default.
func TestBF16ImplsAvailable(t *testing.T) {
	defer SelectBF16("auto")
	if !cpu.X86.HasAVX512BF16 {
		t.Logf("no AVX512_BF16 on this CPU: bf16 runs %s", AvailableBF16())
		return
	}
	if err := SelectBF16("avx512bf16"); err != nil {
		t.Fatalf("CPU has AVX512_BF16 but: %v", err)
	}
	if err := SelectBF16("auto"); err != nil || bf16Cur.name != "avx512bf16" {
		t.Fatalf("auto selected %s (%v) on an AVX512_BF16 CPU", bf16Cur.name, err)
	}
}
