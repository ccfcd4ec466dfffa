//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

// tileI8AVX512 is tileI8Generic in AVX512_VNNI (VPDPBUSD).
//
//go:noescape
func tileI8AVX512(kc4 int, a *uint32, lda int, b *uint32, c *int32, ldc int, acc bool)

var hasAVX512VNNI = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VNNI

func tileI8AVX512Go(kc4 int, a []uint32, lda int, b []uint32, c []int32, ldc int, acc bool) {
	if kc4 > 0 && len(a) < (mr-1)*lda+kc4 || len(b) < kc4*nr || len(c) < (mr-1)*ldc+nr {
		panic("kernels: int8 tile: slice too short")
	}
	var ap, bp *uint32
	if kc4 > 0 {
		ap, bp = &a[0], &b[0]
	}
	tileI8AVX512(kc4, ap, lda, bp, &c[0], ldc, acc)
}
