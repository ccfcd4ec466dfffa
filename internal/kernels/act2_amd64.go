//go:build !purego

package kernels

// The AVX2 row operations work on multiples of 8 elements, and the Go
// wrappers finish the last few with the generic code, except exp's, which
// take any n (the last values masked).

//go:noescape
func epiAVX2(dst *float32, ldd int, src *float32, lds int, bias, res *float32, rows, cols int, act Act)

//go:noescape
func expSumAVX2(x *float32, n int, m, scale float32) float32

//go:noescape
func expSumRoundAVX2(x *float32, n int, m, scale float32) float32

//go:noescape
func maxAVX2(x *float32, n int) float32

//go:noescape
func scaleAVX2(x *float32, n int, s float32)

//go:noescape
func sumRowsAVX2(dst, src *float32, lds, rows, cols int)

func epi2(dst []float32, ldd int, src []float32, lds int, bias, res []float32, rows, cols int, act Act) {
	checkEpi(dst, ldd, src, lds, bias, res, rows, cols)
	if rows == 0 || cols == 0 {
		return
	}
	c8 := cols &^ 7
	if c8 > 0 {
		epiAVX2(&dst[0], ldd, &src[0], lds, unsafeData(bias), unsafeData(res), rows, c8, act)
	}
	if c8 < cols {
		if bias != nil {
			bias = bias[c8:]
		}
		if res != nil {
			res = res[c8:]
		}
		epiGeneric(dst[c8:], ldd, src[c8:], lds, bias, res, rows, cols-c8, act)
	}
}

// geluGrad2 is geluGradGeneric with AVX2's exp.
func geluGrad2(dx, dy, pre, post, e []float32) { geluGradVia(expSum2, dx, dy, pre, post, e) }

func expSum2(x []float32, m, scale float32) float32 {
	return expSumAVX2(unsafeData(x), len(x), m, scale)
}

func expSumRound2(x []float32, m, scale float32) float32 {
	return expSumRoundAVX2(unsafeData(x), len(x), m, scale)
}

func max2(x []float32) float32 {
	n8 := len(x) &^ 7
	m := maxGeneric(x[n8:])
	if n8 > 0 {
		m = max(m, maxAVX2(&x[0], n8))
	}
	return m
}

func scale2(x []float32, s float32) {
	n8 := len(x) &^ 7
	if n8 > 0 {
		scaleAVX2(&x[0], n8, s)
	}
	scaleGeneric(x[n8:], s)
}

func sumRows2(dst, src []float32, lds, rows, cols int) {
	checkSumRows(dst, src, lds, rows, cols)
	if rows == 0 || cols == 0 {
		return
	}
	c8 := cols &^ 7
	if c8 > 0 {
		sumRowsAVX2(&dst[0], &src[0], lds, rows, c8)
	}
	if c8 < cols {
		sumRowsGeneric(dst[c8:], src[c8:], lds, rows, cols-c8)
	}
}
