//go:build !purego

package kernels

// layerNormAVX512 is layerNormRow in AVX-512F (sums in 16 lanes).
//
//go:noescape
func layerNormAVX512(dst, x, gamma, beta *float32, n int, eps float32)

// layerNormStatsAVX512 is layerNormAVX512 that also stores the mean and
// 1/sqrt(var + eps).
//
//go:noescape
func layerNormStatsAVX512(dst, x, gamma, beta *float32, n int, eps float32, mean, rstd *float32)

// layerNormStats512 is layerNormRowStats in AVX-512F.
func layerNormStats512(dst, x, gamma, beta []float32, eps float32) (mean, rstd float32) {
	n := len(x)
	if n == 0 {
		return 0, 0
	}
	if len(dst) < n || len(gamma) < n || len(beta) < n {
		panic("kernels: LayerNorm: dst, gamma or beta shorter than the row")
	}
	layerNormStatsAVX512(&dst[0], &x[0], &gamma[0], &beta[0], n, eps, &mean, &rstd)
	return mean, rstd
}

func layerNorm512(dst, x, gamma, beta []float32, eps float32) {
	n := len(x)
	if n == 0 {
		return
	}
	if len(dst) < n || len(gamma) < n || len(beta) < n {
		panic("kernels: LayerNorm: dst, gamma or beta shorter than the row")
	}
	layerNormAVX512(&dst[0], &x[0], &gamma[0], &beta[0], n, eps)
}

// layerNorm2AVX512 is layerNormAVX512 on the rows x and x+ld into dst and
// dst+ld, with the bits of two calls.
//
//go:noescape
func layerNorm2AVX512(dst, x, gamma, beta *float32, n, ld int, eps float32)

// layerNormTwo512 is layerNorm512 on the rows of n floats at 0 and ld of
// dst and x.
func layerNormTwo512(dst, x []float32, n, ld int, gamma, beta []float32, eps float32) {
	if n == 0 {
		return
	}
	if ld < n || len(dst) < ld+n || len(x) < ld+n || len(gamma) < n || len(beta) < n {
		panic("kernels: LayerNorm: dst, x, gamma or beta shorter than two rows")
	}
	layerNorm2AVX512(&dst[0], &x[0], &gamma[0], &beta[0], n, ld, eps)
}

// layerNormAVX2 is layerNormRow in AVX2 for n a multiple of 8 (sums in 8
// lanes).
//
//go:noescape
func layerNormAVX2(dst, x, gamma, beta *float32, n int, eps float32)

// layerNormStatsAVX2 is layerNormAVX2 that also stores the mean and
// 1/sqrt(var + eps).
//
//go:noescape
func layerNormStatsAVX2(dst, x, gamma, beta *float32, n int, eps float32, mean, rstd *float32)

// layerNorm2AVX2 is layerNormAVX2 on the rows x and x+ld into dst and
// dst+ld, with the bits of two calls.
//
//go:noescape
func layerNorm2AVX2(dst, x, gamma, beta *float32, n, ld int, eps float32)

// layerNorm2x is layerNormAVX2 for rows of a multiple of 8 floats, else
// layerNormRow.
func layerNorm2x(dst, x, gamma, beta []float32, eps float32) {
	n := len(x)
	if n == 0 || n%8 != 0 {
		layerNormRow(dst, x, gamma, beta, eps)
		return
	}
	if len(dst) < n || len(gamma) < n || len(beta) < n {
		panic("kernels: LayerNorm: dst, gamma or beta shorter than the row")
	}
	layerNormAVX2(&dst[0], &x[0], &gamma[0], &beta[0], n, eps)
}

// layerNormStats2x is layerNormStatsAVX2 for rows of a multiple of 8
// floats, else layerNormRowStats.
func layerNormStats2x(dst, x, gamma, beta []float32, eps float32) (mean, rstd float32) {
	n := len(x)
	if n == 0 || n%8 != 0 {
		return layerNormRowStats(dst, x, gamma, beta, eps)
	}
	if len(dst) < n || len(gamma) < n || len(beta) < n {
		panic("kernels: LayerNorm: dst, gamma or beta shorter than the row")
	}
	layerNormStatsAVX2(&dst[0], &x[0], &gamma[0], &beta[0], n, eps, &mean, &rstd)
	return mean, rstd
}

// layerNormTwo2 is layerNorm2x on the rows of n floats at 0 and ld of dst
// and x.
func layerNormTwo2(dst, x []float32, n, ld int, gamma, beta []float32, eps float32) {
	if n == 0 || n%8 != 0 {
		layerNormRow(dst[:n], x[:n], gamma, beta, eps)
		layerNormRow(dst[ld:ld+n], x[ld:ld+n], gamma, beta, eps)
		return
	}
	if ld < n || len(dst) < ld+n || len(x) < ld+n || len(gamma) < n || len(beta) < n {
		panic("kernels: LayerNorm: dst, x, gamma or beta shorter than two rows")
	}
	layerNorm2AVX2(&dst[0], &x[0], &gamma[0], &beta[0], n, ld, eps)
}
