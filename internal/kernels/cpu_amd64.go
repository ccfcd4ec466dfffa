//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

// The CPU's features are read here and nowhere else; x/sys/cpu also checks
// that the OS saves the zmm and ymm state. Besides AVX-512F the AVX-512 code
// uses AVX512DQ (VEXTRACTF32X8) and BMI2 (BZHI for tail masks), and the
// AVX2 tile for narrow panels.
var (
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ && cpu.X86.HasBMI2 && hasAVX2
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

// asmImpls lists the assembly implementations this CPU runs, best first.
func asmImpls() []*impl {
	var l []*impl
	if hasAVX512 {
		l = append(l, &impl{name: "avx512", tile: tileAVX512, tile16: tile16AVX2, epi: epi512, expSum: expSum512, max: max512, scale: scale512, layerNorm: layerNorm512})
	}
	if hasAVX2 {
		l = append(l, &impl{name: "avx2", tile: tileAVX2, tile16: tile16AVX2, epi: epi2, expSum: expSum2, max: max2, scale: scale2, layerNorm: layerNormRow})
	}
	return l
}
