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
	defer SelectLow(BF16, "auto")
	if !cpu.X86.HasAVX512F || !cpu.X86.HasAVX512BF16 {
		t.Logf("no AVX512_BF16 on this CPU: bf16 runs %s", AvailableLow(BF16))
		return
	}
	if err := SelectLow(BF16, "avx512bf16"); err != nil {
		t.Fatalf("CPU has AVX512_BF16 but: %v", err)
	}
	if err := SelectLow(BF16, "auto"); err != nil || lowCur[BF16].name != "avx512bf16" {
		t.Fatalf("auto selected %s (%v) on an AVX512_BF16 CPU", lowCur[BF16].name, err)
	}
}

// TestI8ImplsAvailable is TestBF16ImplsAvailable for AVX512_VNNI.
func TestI8ImplsAvailable(t *testing.T) {
	defer SelectLow(INT8, "auto")
	if !cpu.X86.HasAVX512F || !cpu.X86.HasAVX512VNNI {
		t.Logf("no AVX512_VNNI on this CPU: int8 runs %s", AvailableLow(INT8))
		return
	}
	if err := SelectLow(INT8, "avx512vnni"); err != nil {
		t.Fatalf("CPU has AVX512_VNNI but: %v", err)
	}
	if err := SelectLow(INT8, "auto"); err != nil || lowCur[INT8].name != "avx512vnni" {
		t.Fatalf("auto selected %s (%v) on an AVX512_VNNI CPU", lowCur[INT8].name, err)
	}
}
