//go:build !amd64 || purego

package kernels

// Without assembly only the generic implementation runs.
const hasAVX512, hasAVX2 = false, false

func asmImpls() []*impl { return nil }
