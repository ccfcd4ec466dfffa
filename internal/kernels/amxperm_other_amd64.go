//go:build !linux && !purego

package kernels

// amxPermit: vitctl asks for the AMX permission on Linux only.
func amxPermit() bool { return false }
