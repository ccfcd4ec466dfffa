//go:build !purego

package kernels

// layerNormAVX512 is layerNormRow in AVX-512F (sums in 16 lanes).
//
//go:noescape
func layerNormAVX512(dst, x, gamma, beta *float32, n int, eps float32)

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
