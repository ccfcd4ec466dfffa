//go:build !amd64 || purego

package kernels

// Without assembly only the generic bf16 implementation runs.
const hasAVX512BF16 = false

func bf16AsmImpls() []*bf16Impl { return nil }
