//go:build !purego

package kernels

// tileBF16AVX512 is tileBF16Generic in AVX512_BF16 (VDPBF16PS).
//
//go:noescape
func tileBF16AVX512(kc2 int, a *uint32, lda int, b *uint32, c *float32, ldc int, acc bool)

// cvtBF16AVX512 is packRowBF16 for n pairs, n a multiple of 16, except
// that denormal inputs read as zero.
//
//go:noescape
func cvtBF16AVX512(dst *uint32, src *float32, n int)

// pairBF16AVX512 is pairRowsBF16 for n a multiple of 16 and rows, n > 0,
// except that denormal inputs read as zero.
//
//go:noescape
func pairBF16AVX512(dst *uint32, ldd int, src *float32, lds, rows, n int)

// keysBF16AVX512 is keysBF16 for kg pairs, kg a multiple of 16 (kg > 0),
// except that denormal inputs read as zero.
//
//go:noescape
func keysBF16AVX512(dst *uint32, src *float32, ld, kg int)

// expPairsAVX512 is expPairsGeneric in AVX-512 and AVX512_BF16, except
// that denormal exponentials round to zero; its sum has expSumAVX512's bits
// (act_amd64.s, beside it, for exp's constants).
//
//go:noescape
func expPairsAVX512(dst *uint32, x *float32, n int, m, scale float32) float32

func expPairs512(dst []uint32, x []float32, m, scale float32) float32 {
	if len(x) == 0 {
		return 0
	}
	_ = dst[(len(x)-1)/2]
	return expPairsAVX512(&dst[0], &x[0], len(x), m, scale)
}

// roundBF16AVX512 is roundRowBF16 for n floats, n a multiple of 16.
//
//go:noescape
func roundBF16AVX512(dst, src *float32, n int)

// roundBF16AVX2 is roundRowBF16 for n floats, n a multiple of 8.
//
//go:noescape
func roundBF16AVX2(dst, src *float32, n int)

func roundRowBF16AVX2(dst, x []float32) {
	n := len(x) &^ 7
	if n > 0 {
		_ = dst[n-1]
		roundBF16AVX2(&dst[0], &x[0], n)
	}
	roundRowBF16(dst[n:], x[n:])
}

func roundRowBF16AVX512(dst, x []float32) {
	n := len(x) &^ 15
	if n > 0 {
		_ = dst[n-1]
		roundBF16AVX512(&dst[0], &x[0], n)
	}
	roundRowBF16(dst[n:], x[n:])
}

func packRowBF16AVX512(dst []uint32, x []float32) {
	n := len(x) / 32 * 16
	if n > 0 {
		_ = dst[n-1]
		cvtBF16AVX512(&dst[0], &x[0], n)
	}
	packRowBF16(dst[n:], x[2*n:])
}

func tileBF16AVX512Go(kc2 int, a []uint32, lda int, b []uint32, c []float32, ldc int, acc bool) {
	if kc2 > 0 && len(a) < (mr6-1)*lda+kc2 || len(b) < kc2*nr || len(c) < (mr6-1)*ldc+nr {
		panic("kernels: bf16 tile: slice too short")
	}
	var ap, bp *uint32
	if kc2 > 0 {
		ap, bp = &a[0], &b[0]
	}
	tileBF16AVX512(kc2, ap, lda, bp, &c[0], ldc, acc)
}

func pairRowsBF16AVX512(dst []uint32, ldd int, src []float32, lds, rows, n int) {
	if rows <= 0 || n <= 0 {
		return
	}
	if len(dst) < (rows-1)*ldd+n || len(src) < (2*rows-1)*lds+n {
		panic("kernels: pairRowsBF16: slice too short")
	}
	if m := n &^ 15; m > 0 {
		pairBF16AVX512(&dst[0], ldd, &src[0], lds, rows, m)
	}
	if n%16 != 0 {
		m := n &^ 15
		pairRowsBF16(dst[m:], ldd, src[m:], lds, rows, n-m)
	}
}

func keysBF16AVX512Go(dst []uint32, src []float32, ld, hd int) {
	if hd <= 0 {
		return
	}
	kg := ceilDiv(hd, 2)
	if len(dst) < (kg-1)*nr+16 || len(src) < 15*ld+hd {
		panic("kernels: keysBF16: slice too short")
	}
	m := hd / 32 * 16 // pairs the assembly does
	if m > 0 {
		keysBF16AVX512(&dst[0], &src[0], ld, m)
	}
	if m < kg {
		keysBF16(dst[m*nr:], src[2*m:], ld, hd-2*m)
	}
}
