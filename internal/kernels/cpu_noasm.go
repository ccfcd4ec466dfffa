//go:build !amd64 || purego

package kernels

// Without assembly there is nothing to detect.
var features cpuFeatures

// The assembly kernel sets of the registry do not exist in this build.
var (
	fp32AVX512, fp32AVX2      *fp32Kernels
	bf16AVX512, bf16ViaAVX512 *bf16Kernels
	bf16ViaAVX2               *bf16Kernels
	int8AVX512, int8AVX2      *int8Kernels
	int8AVX512BW              *int8Kernels
	bf16AMX                   *bf16Kernels
	int8AMX                   *int8Kernels
)
