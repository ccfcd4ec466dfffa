package kernels

import "math"

// tileGeneric is the micro-kernel specification:
//
//	for i < 6, j < 64: c[i·ldc+j] = [c[i·ldc+j] +] Σ_{k<kc} a[i·lda+k]·b[k·64+j]
//
// with the sum taken in order of k, starting from zero.
func tileGeneric(kc int, a []float32, lda int, b []float32, c []float32, ldc int, acc bool) {
	var t [mr][nr]float32
	for k := range kc {
		bk := b[k*nr : k*nr+nr]
		for i := range mr {
			ai := a[i*lda+k]
			ti := &t[i]
			for j, bv := range bk {
				ti[j] += ai * bv
			}
		}
	}
	for i := range mr {
		ci := c[i*ldc : i*ldc+nr]
		if acc {
			for j := range ci {
				ci[j] += t[i][j]
			}
		} else {
			copy(ci, t[i][:])
		}
	}
}

// epiGeneric writes dst[j] = act(src[j] + bias[j]) + res[j].
func epiGeneric(dst, src, bias, res []float32, act Act) {
	for j, v := range src {
		if bias != nil {
			v += bias[j]
		}
		v = act32(act, v)
		if res != nil {
			v += res[j]
		}
		dst[j] = v
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
func Softmax(x []float32) { softmax(cur, x, 1) }

// softmax replaces x by the softmax of scale·x (scale > 0).
func softmax(im *impl, x []float32, scale float32) {
	if len(x) == 0 {
		return
	}
	m := im.max(x)
	s := im.expSum(x, m, scale)
	im.scale(x, 1/s)
}

// layerNormRow normalises x with a two-pass mean and variance.
func layerNormRow(dst, x, gamma, beta []float32, eps float32) {
	var mean float32
	for _, v := range x {
		mean += v
	}
	mean /= float32(len(x))
	var varsum float32
	for _, v := range x {
		d := v - mean
		varsum += d * d
	}
	inv := float32(1 / math.Sqrt(float64(varsum/float32(len(x))+eps)))
	for i, v := range x {
		dst[i] = (v-mean)*inv*gamma[i] + beta[i]
	}
}
