// Package kernels holds vitctl's compute kernels: GEMM for the shapes a ViT
// uses and the row operations around it (LayerNorm, softmax, activations).
//
// This file is the contract the model is written against. Every exported
// function here is used by internal/model; implementations may change,
// signatures are stable.
package kernels

import (
	"runtime"
	"sync"
)

// Act selects the activation applied in a GEMM epilogue.
type Act uint8

// Activations, named as Hugging Face's hidden_act values.
const (
	ActNone      Act = iota
	ActGELU          // gelu: x/2·(1+erf(x/√2)), exact
	ActGELUTanh      // gelu_new, gelu_pytorch_tanh, gelu_fast
	ActReLU          // relu
	ActQuickGELU     // quick_gelu: x·sigmoid(1.702x)
)

// actRoundBF16, or-ed into an epilogue's act, rounds each output to bf16
// last, kept as fp32 (Epilogue.RoundBF16): in the same pass, where a pass
// of its own over the tile cost ViT-Ti/16's bf16 on fp32 tiles about 1 %
// of its time.
const actRoundBF16 Act = 0x80

// Pool runs compute on a fixed number of goroutines. It is the one place
// that starts goroutines for compute.
type Pool struct {
	threads int
	tm      team
	mu      sync.Mutex
	free    []*scratch // reusable per-worker memory
}

// NewPool returns a pool using threads goroutines (<= 0: DefaultThreads).
func NewPool(threads int) *Pool {
	if threads <= 0 {
		threads = DefaultThreads()
	}
	return &Pool{threads: threads}
}

// DefaultThreads is the number of CPUs this process may use: the Go
// runtime's GOMAXPROCS, which since Go 1.25 is the smaller of the CPUs in
// the process's affinity mask (sched_getaffinity) and its cgroup's CPU
// quota rounded up, unless $GOMAXPROCS sets it.
func DefaultThreads() int { return runtime.GOMAXPROCS(0) }

// Threads reports the number of goroutines the pool uses.
func (p *Pool) Threads() int { return p.threads }

// Epilogue is applied to each output element after the product:
// c = act(a·bᵀ + bias) + residual. Nil slices are skipped.
type Epilogue struct {
	Bias     []float32 // (N)
	Act      Act
	Residual []float32 // (M, N) with the output's leading dimension
	// RoundBF16 rounds each output to bf16 (nearest, ties to even), kept
	// as fp32, last. For an output read only by a Linear whose weights
	// ReadBF16: given InBF16, that Linear then reads it as it is, where it
	// would round it in a pass of its own.
	RoundBF16 bool
	// InBF16 says that x holds bf16 values (a RoundBF16 output): a Linear
	// whose weights ReadBF16 takes them without rounding them again. Other
	// Linears ignore it. On other x, such a Linear would run on x's values
	// unrounded.
	InBF16 bool
}

// none reports whether ep leaves the product as it is.
func (ep *Epilogue) none() bool {
	return ep.Bias == nil && ep.Residual == nil && ep.Act == ActNone && !ep.RoundBF16
}

// PackedB is a weight matrix W of shape (N, K), PyTorch's (out, in) layout,
// prepared once at model load for repeated products x·Wᵀ.
type PackedB struct {
	N, K int
	w    []float32 // panels of 64 columns of Wᵀ, see packB
	lp   *lowPrec  // instead of w for bf16 and int8 weights, see PackedB.To
}

// PackB prepares w, shaped (n, k) row-major, for Linear. w is copied.
func PackB(w []float32, n, k int) *PackedB {
	if len(w) < n*k {
		panic("kernels: PackB: weight shorter than n*k")
	}
	return packStack([][]float32{w[:n*k]}, n, k, FP32)
}

// Linear computes y = act(x·Wᵀ + bias) + residual for x (m, K) with leading
// dimension ldx and y (m, N) with leading dimension ldy. The residual, when
// given, has leading dimension ldy and may alias y.
func Linear(p *Pool, y []float32, ldy int, x []float32, ldx int, m int, w *PackedB, ep Epilogue) {
	if m == 0 || w.N == 0 {
		return
	}
	checkMatrix("Linear: x", x, m, w.K, ldx)
	checkLinear(y, ldy, m, w, ep)
	linear(p, y, ldy, x, ldx, m, w, ep, nil)
}

// Norm is a LayerNorm's parameters: each row becomes Gamma·x̂ + Beta, x̂
// the row less its mean over its standard deviation, √(var + Eps).
type Norm struct {
	Gamma, Beta []float32
	Eps         float32
}

// LinearNorm is Linear on LayerNorm(x): x (m, K) row-major, normalised
// with n, then y = act(x̂·Wᵀ + bias) + residual, with the bits of
// LayerNorm into h followed by Linear from h. For bf16 and int8 weights
// the normalised rows go straight into the packed activations (one pass
// over x instead of LayerNorm's write and the packing's read, and one
// dispatch less) and h is not written; otherwise h (m, K) receives them.
// Either way h's contents afterwards are unspecified.
func LinearNorm(p *Pool, y []float32, ldy int, x []float32, m int, n Norm, h []float32, w *PackedB, ep Epilogue) {
	if m == 0 || w.N == 0 {
		return
	}
	checkMatrix("LinearNorm: x", x, m, w.K, w.K)
	checkMatrix("LinearNorm: h", h, m, w.K, w.K)
	checkLinear(y, ldy, m, w, ep)
	if len(n.Gamma) < w.K || len(n.Beta) < w.K {
		panic("kernels: LinearNorm: gamma or beta shorter than K")
	}
	if w.lp == nil {
		LayerNorm(p, h, x, m, w.K, n.Gamma, n.Beta, n.Eps)
		linearFP32(p, y, ldy, h, w.K, m, w.N, w.K, w.w, ep, cur())
		return
	}
	linear(p, y, ldy, x, w.K, m, w, ep, &n)
}

// checkLinear panics unless y and the epilogue fit an m-row product with w.
func checkLinear(y []float32, ldy, m int, w *PackedB, ep Epilogue) {
	checkMatrix("Linear: y", y, m, w.N, ldy)
	if ep.Residual != nil {
		checkMatrix("Linear: residual", ep.Residual, m, w.N, ldy)
	}
	if ep.Bias != nil && len(ep.Bias) < w.N {
		panic("kernels: Linear: bias shorter than N")
	}
}

// linear runs a checked product on the kernels for w's precision; norm,
// when not nil (low precisions only), normalises x's rows as they are
// packed.
func linear(p *Pool, y []float32, ldy int, x []float32, ldx int, m int, w *PackedB, ep Epilogue, norm *Norm) {
	switch {
	case w.lp == nil:
		linearFP32(p, y, ldy, x, ldx, m, w.N, w.K, w.w, ep, cur())
	case w.lp.p == BF16 && bf16OnFP32():
		linearViaFP32(p, y, ldy, x, ldx, m, w, ep, sel[BF16], norm)
	default:
		linearLow(p, y, ldy, x, ldx, m, w, ep, norm)
	}
}

// linearFP32 is Linear for fp32 weights b packed by packB, on im's tiles.
func linearFP32(p *Pool, y []float32, ldy int, x []float32, ldx, m, n, k int, b []float32, ep Epilogue, im *impl) {
	s := p.getScratch()
	g := &s.g
	g.set(m, n, k, x, ldx, b, y, ldy, ep, im)
	g.p = p
	g.plan(p.threads)
	p.run(min(p.threads, g.items()), g, &g.done)
	g.release()
	p.putScratch(s)
}

// Attention computes, for every image b and head h, softmax(Q·Kᵀ·scale)·V,
// reading Q, K and V from the fused qkv buffer and writing the heads side by
// side into out; both products in fp32. It is AttentionAt(p, FP32, …).
//
//	qkv:   (B*T, 3*H*hd) row-major; columns [0,D) are Q, [D,2D) K, [2D,3D) V,
//	       head h occupying columns h*hd..(h+1)*hd of each part (D = H*hd)
//	out:   (B*T, D) row-major
//	probs: nil, or (B, H, T, T) to receive the attention probabilities
func Attention(p *Pool, out, qkv []float32, B, T, H, hd int, scale float32, probs []float32) {
	AttentionAt(p, FP32, out, qkv, B, T, H, hd, scale, probs)
}

// AttentionAt is Attention with its two products, Q·Kᵀ and E·V (E the
// unnormalised softmax weights, exp(scale·(s − row max))), in precision
// prec, on the tiles a Linear with weights in prec runs on. FP32 is
// Attention. BF16 rounds Q, K, V and E to bfloat16 (nearest, ties to even)
// and sums their exact products in fp32; the scores, the softmax and its
// sums (those of E before rounding) stay fp32, and probs receives the
// probabilities E·V used: E rounded, over those sums. There is no INT8
// attention: AttentionAt panics.
func AttentionAt(p *Pool, prec Precision, out, qkv []float32, B, T, H, hd int, scale float32, probs []float32) {
	attention(p, prec, false, out, qkv, B, T, H, hd, scale, probs)
}

// AttentionReadsBF16 reports whether AttentionAt(p, BF16, …) rounds Q, K
// and V in passes of its own: bf16 attention on fp32 tiles. A qkv made by
// an epilogue with RoundBF16 can then go to AttentionInBF16 instead, which
// reads them as they are.
func AttentionReadsBF16() bool { return bf16OnFP32() }

// AttentionInBF16 is AttentionAt(p, BF16, …) for a qkv that holds bf16
// values (made by a Linear whose Epilogue has RoundBF16), with the same
// bits: where AttentionReadsBF16, it takes Q, K and V as they are instead
// of rounding them again. On other qkv it would run on their values
// unrounded.
func AttentionInBF16(p *Pool, out, qkv []float32, B, T, H, hd int, scale float32, probs []float32) {
	attention(p, BF16, true, out, qkv, B, T, H, hd, scale, probs)
}

// attention is AttentionAt; inBF16: qkv holds bf16 values.
func attention(p *Pool, prec Precision, inBF16 bool, out, qkv []float32, B, T, H, hd int, scale float32, probs []float32) {
	D := H * hd
	checkMatrix("Attention: qkv", qkv, B*T, 3*D, 3*D)
	checkMatrix("Attention: out", out, B*T, D, D)
	if probs != nil && len(probs) < B*H*T*T {
		panic("kernels: Attention: probs shorter than B·H·T·T")
	}
	s := p.getScratch()
	j := &s.aj
	j.p, j.im, j.bf, j.amx, j.out, j.qkv, j.probs, j.inBF16 = p, cur(), nil, false, out, qkv, probs, inBF16
	switch prec {
	case FP32:
	case BF16:
		j.bf = sel[BF16]
		j.amx = j.bf.amx(BF16) && T >= amxMinRows // for every block of queries alike
	default:
		panic("kernels: Attention: no attention in " + prec.String())
	}
	j.B, j.T, j.H, j.hd, j.scale = B, T, H, hd, scale
	j.plan(p.threads)
	p.run(min(p.threads, j.items()), j, &j.done)
	j.out, j.qkv, j.probs = nil, nil, nil
	p.putScratch(s)
}

// LayerNorm normalises each of the rows of x (rows, D) over D with a
// two-pass mean and variance and writes gamma·x̂ + beta to dst. dst may alias x.
func LayerNorm(p *Pool, dst, x []float32, rows, D int, gamma, beta []float32, eps float32) {
	LayerNormStats(p, dst, nil, nil, x, rows, D, gamma, beta, eps)
}

// LayerNormStats is LayerNorm that also writes each row's mean and
// 1/sqrt(var + eps) to mean and rstd (rows), for the backward pass; both
// nil skips them.
func LayerNormStats(p *Pool, dst, mean, rstd, x []float32, rows, D int, gamma, beta []float32, eps float32) {
	checkMatrix("LayerNorm: x", x, rows, D, D)
	checkMatrix("LayerNorm: dst", dst, rows, D, D)
	if (mean == nil) != (rstd == nil) || mean != nil && (len(mean) < rows || len(rstd) < rows) {
		panic("kernels: LayerNormStats: mean and rstd must both hold rows values, or both be nil")
	}
	s := p.getScratch()
	j := &s.ln
	j.im, j.dst, j.x, j.gamma, j.beta, j.rows, j.D, j.eps = cur(), dst, x, gamma, beta, rows, D, eps
	j.mean, j.rstd = mean, rstd
	p.run(j.plan(p.threads), j, &j.done)
	j.dst, j.x, j.gamma, j.beta, j.mean, j.rstd = nil, nil, nil, nil, nil, nil
	p.putScratch(s)
}
