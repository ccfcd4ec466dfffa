package kernels

import "math"

// tileGeneric is the micro-kernel specification:
//
//	for i < 6, j < 64: c[i·ldc+j] = [c[i·ldc+j] +] Σ_{k<kc} a[i·lda+k]·b[k·64+j]
//
// with the sum taken in order of k, starting from zero. pf, memory that
// later calls will read, is only a hint for the assembly to prefetch.
func tileGeneric(kc int, a []float32, lda int, b []float32, c []float32, ldc int, acc bool, _ []float32) {
	tileCols(kc, a, lda, b, c, ldc, acc, nr)
}

// tileTGeneric is the transposed micro-kernel specification, for products
// whose operands both lie unpacked with the reduction along their rows
// (the weight gradient dyᵀ·x):
//
//	for i < 6, j < 64: c[i·ldc+j] = [c[i·ldc+j] +] Σ_{k<kc} a[k·lda+i]·b[k·ldb+j]
//
// with the sum taken in order of k, starting from zero.
func tileTGeneric(kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, acc bool) {
	var t [mr6][nr]float32
	for k := range kc {
		bk := b[k*ldb : k*ldb+nr]
		ak := a[k*lda : k*lda+mr6]
		for i, ai := range ak {
			ti := t[i][:]
			for j, bv := range bk {
				ti[j] += ai * bv
			}
		}
	}
	putTile(&t, c, ldc, nr, acc)
}

// tile16Generic is tileGeneric for the first 16 columns only.
func tile16Generic(kc int, a []float32, lda int, b []float32, c []float32, ldc int, acc bool) {
	tileCols(kc, a, lda, b, c, ldc, acc, 16)
}

// tileCols is tileGeneric for the first w columns of the tile.
func tileCols(kc int, a []float32, lda int, b []float32, c []float32, ldc int, acc bool, w int) {
	var t [mr6][nr]float32
	for k := range kc {
		bk := b[k*nr : k*nr+w]
		for i := range mr6 {
			ai := a[i*lda+k]
			ti := t[i][:w]
			for j, bv := range bk {
				ti[j] += ai * bv
			}
		}
	}
	putTile(&t, c, ldc, w, acc)
}

// putTile writes the first w columns of the accumulated tile t to c (row
// stride ldc), or adds them to it with acc.
func putTile(t *[mr6][nr]float32, c []float32, ldc, w int, acc bool) {
	for i := range mr6 {
		ci := c[i*ldc : i*ldc+w]
		if acc {
			for j := range ci {
				ci[j] += t[i][j]
			}
		} else {
			copy(ci, t[i][:w])
		}
	}
}

// epiGeneric writes dst[i·ldd+j] = act(src[i·lds+j] + bias[j]) + res[i·ldd+j],
// rounded to bf16 last (roundRowBF16) when act has actRoundBF16.
func epiGeneric(dst []float32, ldd int, src []float32, lds int, bias, res []float32, rows, cols int, act Act) {
	checkEpi(dst, ldd, src, lds, bias, res, rows, cols)
	round := act&actRoundBF16 != 0
	act &^= actRoundBF16
	for i := range rows {
		for j, v := range src[i*lds : i*lds+cols] {
			if bias != nil {
				v += bias[j]
			}
			v = act32(act, v)
			if res != nil {
				v += res[i*ldd+j]
			}
			if round {
				v = fromBF16(toBF16(v))
			}
			dst[i*ldd+j] = v
		}
	}
}

// sumRowsGeneric adds the rows of src (rows×cols, row stride lds) to dst,
// one at a time in order: dst[j] += src[0·lds+j], then src[1·lds+j], ….
func sumRowsGeneric(dst, src []float32, lds, rows, cols int) {
	checkSumRows(dst, src, lds, rows, cols)
	d := dst[:cols]
	for i := range rows {
		for j, v := range src[i*lds : i*lds+cols] {
			d[j] += v
		}
	}
}

func checkSumRows(dst, src []float32, lds, rows, cols int) {
	if len(dst) < cols {
		panic("kernels: sumRows: dst shorter than cols")
	}
	checkMatrix("sumRows: src", src, rows, cols, lds)
}

// checkEpi panics unless the slices hold what an epi call touches.
func checkEpi(dst []float32, ldd int, src []float32, lds int, bias, res []float32, rows, cols int) {
	if rows == 0 || cols == 0 {
		return
	}
	checkMatrix("epilogue: dst", dst, rows, cols, ldd)
	checkMatrix("epilogue: src", src, rows, cols, lds)
	if bias != nil && len(bias) < cols {
		panic("kernels: epilogue: bias too short")
	}
	if res != nil {
		checkMatrix("epilogue: res", res, rows, cols, ldd)
	}
}

// expSumGeneric replaces x[j] by exp(scale·(x[j]−m)) and returns the sum.
func expSumGeneric(x []float32, m, scale float32) float32 {
	var s float32
	for j, v := range x {
		e := exp32((v - m) * scale)
		x[j] = e
		s += e
	}
	return s
}

// expSumRoundGeneric is expSumGeneric that stores each exponential rounded
// to bf16 (as roundRowBF16), adding it to the sum before rounding: bf16
// attention's E on fp32 tiles, and its row sum.
func expSumRoundGeneric(x []float32, m, scale float32) float32 {
	var s float32
	for j, v := range x {
		e := exp32((v - m) * scale)
		x[j] = fromBF16(toBF16(e))
		s += e
	}
	return s
}

func maxGeneric(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	return m
}

func scaleGeneric(x []float32, s float32) {
	for j := range x {
		x[j] *= s
	}
}

// Softmax replaces x by exp(x − max x) / Σ exp(x − max x).
func Softmax(x []float32) { softmax(cur(), x, 1) }

// softmax replaces x by the softmax of scale·x (scale > 0).
func softmax(im *impl, x []float32, scale float32) {
	if len(x) == 0 {
		return
	}
	k := im.fp32
	m := k.max(x)
	s := k.expSum(x, m, scale)
	k.scale(x, 1/s)
}

// layerNormRow normalises x with a two-pass mean and variance.
func layerNormRow(dst, x, gamma, beta []float32, eps float32) {
	layerNormRowStats(dst, x, gamma, beta, eps)
}

// layerNormRowStats is layerNormRow that returns the mean and
// 1/sqrt(var + eps) it used, which a backward pass needs.
func layerNormRowStats(dst, x, gamma, beta []float32, eps float32) (mean, inv float32) {
	for _, v := range x {
		mean += v
	}
	mean /= float32(len(x))
	var varsum float32
	for _, v := range x {
		d := v - mean
		varsum += d * d
	}
	inv = float32(1 / math.Sqrt(float64(varsum/float32(len(x))+eps)))
	for i, v := range x {
		dst[i] = (v-mean)*inv*gamma[i] + beta[i]
	}
	return mean, inv
}
