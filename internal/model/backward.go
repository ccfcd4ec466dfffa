package model

import (
	"math"

	"github.com/vitctl/vitctl/internal/kernels"
)

// Forward/backward pairs of the training pass (llm.c's layout): each
// backward sits under its forward, reads the activations the forward kept
// and accumulates parameter gradients with +=, so that residual branches
// and shared buffers just work. Shapes in comments are row-major.

// lnChunk rows make one partial sum of a LayerNorm's parameter gradients;
// the partials are added in order, so the bits do not depend on threads.
const lnChunk = 64

// layernormForward writes out (rows, D) = LN(x)·w + b and keeps each row's
// mean and 1/std for the backward pass, on the inference pass's LayerNorm
// kernel (kernels.LayerNormStats).
func layernormForward(p *kernels.Pool, out, mean, rstd, x, w, b []float32, rows, D int, eps float32) {
	kernels.LayerNormStats(p, out, mean[:rows], rstd[:rows], x, rows, D, w, b, eps)
}

// layernormBackward accumulates dx (rows, D) from dout through the
// normalisation, and dw, db (D) when they are not nil.
//
//	x̂ = (x − mean)·rstd,  g = dout·w
//	dx += rstd·(g − mean(g) − x̂·mean(g·x̂)),  dw += Σ dout·x̂,  db += Σ dout
func layernormBackward(p *kernels.Pool, dx, dw, db, dout, x, mean, rstd, w []float32, rows, D int, part []float32) {
	chunks := (rows + lnChunk - 1) / lnChunk
	if dw != nil {
		clear(part[:chunks*2*D])
	}
	p.For(chunks, func(c int) {
		pw, pb := part[c*2*D:c*2*D+D], part[c*2*D+D:(c+1)*2*D]
		for r := c * lnChunk; r < min((c+1)*lnChunk, rows); r++ {
			xr, dr, dxr := x[r*D:(r+1)*D], dout[r*D:(r+1)*D], dx[r*D:(r+1)*D]
			m, rs := mean[r], rstd[r]
			var sg, sgx float32
			for i, v := range xr {
				g, xh := dr[i]*w[i], (v-m)*rs
				sg += g
				sgx += g * xh
			}
			sg /= float32(D)
			sgx /= float32(D)
			for i, v := range xr {
				xh := (v - m) * rs
				dxr[i] += rs * (dr[i]*w[i] - sg - xh*sgx)
				if dw != nil {
					pw[i] += dr[i] * xh
					pb[i] += dr[i]
				}
			}
		}
	})
	if dw == nil {
		return
	}
	for c := range chunks {
		for i := range D {
			dw[i] += part[c*2*D+i]
			db[i] += part[c*2*D+D+i]
		}
	}
}

// lnPartLen is the scratch layernormBackward needs for rows rows.
func lnPartLen(rows, D int) int { return (rows + lnChunk - 1) / lnChunk * 2 * D }

// linearForward computes y (M, N) = x (M, K)·Wᵀ + b, plus res when given
// (res may alias y).
func linearForward(p *kernels.Pool, y, x []float32, M int, w *kernels.PackedB, b, res []float32) {
	kernels.Linear(p, y, w.N, x, w.K, M, w, kernels.Epilogue{Bias: b, Residual: res})
}

// linearBackward accumulates dW (N, K) += dyᵀ·x and db += Σ dy (db may be
// nil), and, when dx is not nil, writes dx (M, K) = dy·W, or adds it with
// accumulate. wT is W packed transposed (kernels.PackT).
func linearBackward(p *kernels.Pool, dx, dW, db, dy, x []float32, M int, wT *kernels.PackedB, accumulate bool, buf *kernels.GradBuf) {
	N, K := wT.K, wT.N
	if dW != nil {
		kernels.WeightGrad(p, dW, db, dy, x, M, N, K, buf)
	}
	if dx != nil {
		var res []float32
		if accumulate {
			res = dx
		}
		kernels.Linear(p, dx, K, dy, N, M, wT, kernels.Epilogue{Residual: res})
	}
}

// scaleForward writes y (M, D) = x + gamma ⊙ o, the layer-scaled residual.
func scaleForward(y, x, o, gamma []float32, M, D int) {
	for r := range M {
		yr, xr, or := y[r*D:(r+1)*D], x[r*D:(r+1)*D], o[r*D:(r+1)*D]
		for d, g := range gamma {
			yr[d] = xr[d] + g*or[d]
		}
	}
}

// scaleBackward writes do (M, D) = dy ⊙ gamma and accumulates dgamma +=
// Σ dy ⊙ o (dgamma may be nil).
func scaleBackward(do, dgamma, dy, o, gamma []float32, M, D int) {
	for r := range M {
		dor, dyr, or := do[r*D:(r+1)*D], dy[r*D:(r+1)*D], o[r*D:(r+1)*D]
		for d, g := range gamma {
			if dgamma != nil {
				dgamma[d] += dyr[d] * or[d]
			}
			dor[d] = dyr[d] * g
		}
	}
}

// CrossEntropy returns the mean over the batch of the label-smoothed
// cross-entropy of logits (B, L) against labels, PyTorch's
// cross_entropy(label_smoothing=eps): the target is (1−eps) on the label
// plus eps/L everywhere. When dlogits is not nil it receives the gradient
// of that mean, (softmax − target)/B.
func CrossEntropy(dlogits, logits []float32, labels []int, L int, eps float64) float64 {
	B := len(labels)
	var loss float64
	for b, y := range labels {
		row := logits[b*L : (b+1)*L]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = max(mx, float64(v))
		}
		var s, sum float64
		for _, v := range row {
			s += math.Exp(float64(v) - mx)
			sum += float64(v)
		}
		lse := mx + math.Log(s)
		loss += (1-eps)*(lse-float64(row[y])) + eps*(lse-sum/float64(L))
		if dlogits == nil {
			continue
		}
		for j, v := range row {
			t := eps / float64(L)
			if j == y {
				t += 1 - eps
			}
			dlogits[b*L+j] = float32((math.Exp(float64(v)-lse) - t) / float64(B))
		}
	}
	return loss / float64(B)
}
