//go:build !purego

package kernels

// epiAVX512 is epiGeneric over rows×cols in AVX-512F, 16 columns at a
// time; res has dst's row stride ldd.
//
//go:noescape
func epiAVX512(dst *float32, ldd int, src *float32, lds int, bias, res *float32, rows, cols int, act Act)

// expSumAVX512 is expSumGeneric in AVX-512F (the sum in 16 lanes).
//
//go:noescape
func expSumAVX512(x *float32, n int, m, scale float32) float32

// expSumRoundAVX512 is expSumRoundGeneric in AVX-512F, expSumAVX512's sum.
//
//go:noescape
func expSumRoundAVX512(x *float32, n int, m, scale float32) float32

// maxAVX512 is maxGeneric in AVX-512F.
//
//go:noescape
func maxAVX512(x *float32, n int) float32

// scaleAVX512 is scaleGeneric in AVX-512F.
//
//go:noescape
func scaleAVX512(x *float32, n int, s float32)

// sumRowsAVX512 is sumRowsGeneric in AVX-512F, 64 columns at a time.
//
//go:noescape
func sumRowsAVX512(dst, src *float32, lds, rows, cols int)

func sumRows512(dst, src []float32, lds, rows, cols int) {
	checkSumRows(dst, src, lds, rows, cols)
	if rows == 0 || cols == 0 {
		return
	}
	sumRowsAVX512(&dst[0], &src[0], lds, rows, cols)
}

func epi512(dst []float32, ldd int, src []float32, lds int, bias, res []float32, rows, cols int, act Act) {
	checkEpi(dst, ldd, src, lds, bias, res, rows, cols)
	if rows == 0 || cols == 0 {
		return
	}
	epiAVX512(&dst[0], ldd, &src[0], lds, unsafeData(bias), unsafeData(res), rows, cols, act)
}

// geluGradAVX512 is geluGradGeneric in AVX-512F, 16 lanes at a time.
//
//go:noescape
func geluGradAVX512(dx, dy, pre, post *float32, n int)

func geluGrad512(dx, dy, pre, post, _ []float32) {
	checkGeluGrad(dx, dy, pre, post)
	geluGradAVX512(unsafeData(dx), unsafeData(dy), unsafeData(pre), unsafeData(post), len(pre))
}

func expSum512(x []float32, m, scale float32) float32 {
	return expSumAVX512(unsafeData(x), len(x), m, scale)
}
func expSumRound512(x []float32, m, scale float32) float32 {
	return expSumRoundAVX512(unsafeData(x), len(x), m, scale)
}
func max512(x []float32) float32      { return maxAVX512(unsafeData(x), len(x)) }
func scale512(x []float32, s float32) { scaleAVX512(unsafeData(x), len(x), s) }
