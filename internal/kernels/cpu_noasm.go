//go:build !amd64 || purego

package kernels

// asmImpls: without assembly only the generic implementation runs.
func asmImpls() []*impl { return nil }
