//go:build !amd64 || purego

package kernels

// Without assembly only the generic low-precision implementation runs.
const hasAVX512BF16, hasAVX512VNNI = false, false

func lowAsmImpls(Precision) []*lowImpl { return nil }
