//go:build !purego

package kernels

// tileI8AVX512 is tileI8Generic in AVX512_VNNI (VPDPBUSD).
//
//go:noescape
func tileI8AVX512(kc4 int, a *uint32, lda int, b *uint32, c *int32, ldc int, acc bool)

// maxAbsAVX512 is maxAbs for n > 0 floats, n a multiple of 16.
//
//go:noescape
func maxAbsAVX512(x *float32, n int) float32

// quantI8AVX512 is quantRowI8 for n floats, n a multiple of 16.
//
//go:noescape
func quantI8AVX512(dst *uint32, x *float32, n int, inv float32)

// dequantI8AVX512 is dequantI8 with off[j] = 128·colsum[j].
//
//go:noescape
func dequantI8AVX512(dst *float32, src *int32, sa *float32, sw *float32, off *int32)

func packRowI8AVX512(dst []uint32, x []float32) float32 {
	return packRowI8Asm(dst, x, 16, maxAbsAVX512, 16, quantI8AVX512)
}

// packRowI8Asm is packRowI8 with maxAbsN taking the maximum of the first
// multiple of mw values and quant quantising the first multiple of qw
// (both powers of two, qw at least 4), Go the rest.
func packRowI8Asm(dst []uint32, x []float32, mw int, maxAbsN func(x *float32, n int) float32,
	qw int, quant func(dst *uint32, x *float32, n int, inv float32)) float32 {
	n := len(x) &^ (mw - 1)
	var m float32
	if n > 0 {
		m = maxAbsN(&x[0], n)
	}
	m = max(m, maxAbs(x[n:]))
	if m == 0 {
		return packRowI8(dst, x)
	}
	inv := 127 / m
	q := len(x) &^ (qw - 1)
	if q > 0 {
		_ = dst[q/4-1]
		quant(&dst[0], &x[0], q, inv)
	}
	quantRowI8(dst[q/4:], x[q:], inv)
	return m / 127
}

func dequantI8AVX512Go(dst []float32, src []int32, sa, sw []float32, off []int32) {
	if len(dst) < mr6*nr || len(src) < mr6*nr || len(sa) < mr6 || len(sw) < nr || len(off) < nr {
		panic("kernels: dequant: slice too short")
	}
	dequantI8AVX512(&dst[0], &src[0], &sa[0], &sw[0], &off[0])
}

func tileI8AVX512Go(kc4 int, a []uint32, lda int, b []uint32, c []int32, ldc int, acc bool) {
	if kc4 > 0 && len(a) < (mr6-1)*lda+kc4 || len(b) < kc4*nr || len(c) < (mr6-1)*ldc+nr {
		panic("kernels: int8 tile: slice too short")
	}
	var ap, bp *uint32
	if kc4 > 0 {
		ap, bp = &a[0], &b[0]
	}
	tileI8AVX512(kc4, ap, lda, bp, &c[0], ldc, acc)
}
