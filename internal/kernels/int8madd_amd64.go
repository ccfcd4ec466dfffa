//go:build !purego

package kernels

// The int8 kernels of CPUs without AVX512_VNNI, on VPMADDWD with the
// bytes widened to 16 bits: AVX2's (Intel before Ice Lake and its client
// CPUs, AMD before Zen 4), and AVX-512BW's (Skylake-SP), whose
// quantisation and dequantisation are VNNI's. Their int32 sums are exact,
// as VNNI's, so int8 gives the same bits on every CPU; without them such a
// CPU ran int8 on the Go tiles, some 20 times slower than its fp32
// (ViT-Ti/16, one thread: 590 against 31 ms on AVX2).

// tileI8x8AVX2 is columns j0…j0+7 of tileI8Generic in AVX2 (VPMADDWD on
// bytes widened to 16 bits), b and c at column j0.
//
//go:noescape
func tileI8x8AVX2(kc4 int, a *uint32, lda int, b *uint32, c *int32, ldc int, acc bool)

// dequantI8AVX2 is dequantI8 in AVX2.
//
//go:noescape
func dequantI8AVX2(dst *float32, src *int32, sa *float32, sw *float32, off *int32)

// maxAbsAVX2 is maxAbs for n > 0 floats, n a multiple of 8.
//
//go:noescape
func maxAbsAVX2(x *float32, n int) float32

// quantI8AVX2 is quantRowI8 for n floats, n a multiple of 32.
//
//go:noescape
func quantI8AVX2(dst *uint32, x *float32, n int, inv float32)

// tileI8x16AVX512 is columns j0…j0+15 of tileI8Generic in AVX-512BW.
//
//go:noescape
func tileI8x16AVX512(kc4 int, a *uint32, lda int, b *uint32, c *int32, ldc int, acc bool)

var (
	int8AVX2     = &int8Kernels{tile: tileI8AVX2Go, pack: packRowI8AVX2, dequant: dequantI8AVX2Go}
	int8AVX512BW = &int8Kernels{tile: tileI8AVX512BWGo, pack: packRowI8AVX512, dequant: dequantI8AVX512Go}
)

func tileI8AVX2Go(kc4 int, a []uint32, lda int, b []uint32, c []int32, ldc int, acc bool) {
	tileI8Cols(kc4, a, lda, b, c, ldc, acc, 8, tileI8x8AVX2)
}

func tileI8AVX512BWGo(kc4 int, a []uint32, lda int, b []uint32, c []int32, ldc int, acc bool) {
	tileI8Cols(kc4, a, lda, b, c, ldc, acc, 16, tileI8x16AVX512)
}

// tileI8Cols runs a 6×64 int8 tile as calls of f on w columns each.
func tileI8Cols(kc4 int, a []uint32, lda int, b []uint32, c []int32, ldc int, acc bool, w int,
	f func(kc4 int, a *uint32, lda int, b *uint32, c *int32, ldc int, acc bool)) {
	if kc4 > 0 && len(a) < (mr6-1)*lda+kc4 || len(b) < kc4*nr || len(c) < (mr6-1)*ldc+nr {
		panic("kernels: int8 tile: slice too short")
	}
	var ap *uint32
	if kc4 > 0 {
		ap = &a[0]
	}
	for j := 0; j < nr; j += w {
		var bp *uint32
		if kc4 > 0 {
			bp = &b[j]
		}
		f(kc4, ap, lda, bp, &c[j], ldc, acc)
	}
}

func dequantI8AVX2Go(dst []float32, src []int32, sa, sw []float32, off []int32) {
	if len(dst) < mr6*nr || len(src) < mr6*nr || len(sa) < mr6 || len(sw) < nr || len(off) < nr {
		panic("kernels: dequant: slice too short")
	}
	dequantI8AVX2(&dst[0], &src[0], &sa[0], &sw[0], &off[0])
}

func packRowI8AVX2(dst []uint32, x []float32) float32 {
	return packRowI8Asm(dst, x, 8, maxAbsAVX2, 32, quantI8AVX2)
}
