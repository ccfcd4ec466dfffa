package kernels

import (
	"math"
	"sync"
)

// For runs fn(i) for every i in [0, n), spread over the pool's goroutines.
func (p *Pool) For(n int, fn func(i int)) {
	workers := min(p.threads, n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// Softmax replaces x by exp(x - max x) / Σ exp(x - max x).
func Softmax(x []float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var s float32
	for i, v := range x {
		e := float32(math.Exp(float64(v - m)))
		x[i] = e
		s += e
	}
	inv := 1 / s
	for i := range x {
		x[i] *= inv
	}
}

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

// activate applies a to one value.
func activate(a Act, v float32) float32 {
	switch a {
	case ActGELU:
		return float32(0.5 * float64(v) * (1 + math.Erf(float64(v)/math.Sqrt2)))
	case ActGELUTanh:
		x := float64(v)
		return float32(0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x))))
	case ActReLU:
		return max(v, 0)
	case ActQuickGELU:
		return float32(float64(v) / (1 + math.Exp(-1.702*float64(v))))
	}
	return v
}
