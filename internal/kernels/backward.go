package kernels

import "math"

// The products and row operations of backpropagation, on the same packed
// GEMM as the forward pass. For a Linear layer y = x·Wᵀ (x (M, K), W (N, K)):
//
//	dX = dY·W    Linear with W packed transposed (PackT), dX as residual
//	dW = dYᵀ·X   WeightGrad: on the transposed tile (tileT), dY and X read
//	             in place, or packed a block at a time where the tile
//	             wants them so (packT: AVX2) (wgrad.go)
//
// so both run on blocked, threaded tiles of the forward pass's shape.

// PackT prepares the transpose of v, shaped (k, n) row-major, as a weight of
// shape (n, k): Linear(x, PackT(v)) computes x·v. dst is reused when its
// memory suffices (nil allocates).
func PackT(dst *PackedB, v []float32, k, n int) *PackedB {
	if len(v) < k*n {
		panic("kernels: PackT: matrix shorter than k*n")
	}
	dst = reusePacked(dst, n, k)
	packBT(dst.w, v, n, k, n)
	return dst
}

// Repack is PackB into dst's memory when it suffices (nil allocates).
func Repack(dst *PackedB, w []float32, n, k int) *PackedB {
	if len(w) < n*k {
		panic("kernels: Repack: weight shorter than n*k")
	}
	dst = reusePacked(dst, n, k)
	packB(dst.w, w, k, n, k)
	return dst
}

func reusePacked(p *PackedB, n, k int) *PackedB {
	if p == nil {
		p = &PackedB{}
	}
	p.N, p.K, p.lp = n, k, nil
	p.w = grow(p.w, ceilDiv(n, nr)*nr*k)
	return p
}

// GradBuf is reusable memory for WeightGrad.
type GradBuf struct {
	bsum []float32 // dy's column sums
}

// WeightGrad accumulates dw (N, K) += dyᵀ·x for dy (M, N) and x (M, K),
// both row-major and contiguous: the weight gradient of a Linear layer.
// When db is not nil it also accumulates db (N) += the column sums of dy.
// It runs on the implementation's transposed tile (wgJob). Every sum over
// M runs in order of the rows within one writer, so the bits do not depend
// on the thread count.
func WeightGrad(p *Pool, dw, db, dy, x []float32, M, N, K int, buf *GradBuf) {
	checkMatrix("WeightGrad: dy", dy, M, N, N)
	checkMatrix("WeightGrad: x", x, M, K, K)
	checkMatrix("WeightGrad: dw", dw, N, K, K)
	if M == 0 || N == 0 || K == 0 {
		return
	}
	weightGradT(p, dw, db, dy, x, M, N, K, buf, cur())
}

// Activate writes dst = act(src) elementwise with the forward pass's
// activation code; dst may alias src.
func Activate(p *Pool, dst, src []float32, act Act) {
	const chunk = 1 << 14
	p.For(ceilDiv(len(src), chunk), func(c int) {
		lo, hi := c*chunk, min((c+1)*chunk, len(src))
		cur().fp32.epi(dst[lo:hi], hi-lo, src[lo:hi], hi-lo, nil, nil, 1, hi-lo, act)
	})
}

// ActBackward writes dx = dy·act'(pre) elementwise, pre being the
// activation's input and post, when not nil, its output; dx may alias dy.
// With post, erf GELU's Φ(x) is post/x (the forward's x·Φ(x), absolute
// error ≤ 3.1·2⁻²⁴·|x|, so Φ to 2e-7) and φ(x) = exp(−x²/2)/√(2π) comes
// from the vectorised exp of the softmax (expSum), chunk by chunk.
func ActBackward(p *Pool, dx, dy, pre, post []float32, act Act) {
	const chunk = 1 << 12
	im := cur().fp32
	p.For(ceilDiv(len(pre), chunk), func(c int) {
		lo, hi := c*chunk, min((c+1)*chunk, len(pre))
		if act != ActGELU || post == nil {
			for i, u := range pre[lo:hi] {
				dx[lo+i] = dy[lo+i] * actGrad32(act, u)
			}
			return
		}
		s := p.getScratch() // the exponentials: a stack array would escape to the heap
		s.e = grow(s.e, chunk)
		im.geluGrad(dx[lo:hi], dy[lo:hi], pre[lo:hi], post[lo:hi], s.e[:hi-lo])
		p.putScratch(s)
	})
}

// geluGradEps is where erf GELU's derivative takes Φ(x) as 0.5 + x/√(2π)
// instead of post/x.
const geluGradEps = 1e-3

// geluGradGeneric writes dx = dy·(Φ(x) + x·φ(x)), erf GELU's derivative,
// for x = pre and post = x·Φ(x), the forward's output:
//
//	e = exp32(x·x·(−0.5)), phi = post/x, or 0.5 + x·invSqrt2Pi where |x| ≤ geluGradEps
//	dx = dy·(phi + x·e·invSqrt2Pi)
//
// each operation rounded to float32 in this order; e is scratch as long as
// pre. dx may alias dy.
func geluGradGeneric(dx, dy, pre, post, e []float32) {
	geluGradVia(expSumGeneric, dx, dy, pre, post, e)
}

// geluGradVia is geluGradGeneric with expSum's exp.
func geluGradVia(expSum func(x []float32, m, scale float32) float32, dx, dy, pre, post, e []float32) {
	checkGeluGrad(dx, dy, pre, post)
	e = e[:len(pre)]
	for i, x := range pre {
		e[i] = x * x
	}
	expSum(e, 0, -0.5)
	for i, x := range pre {
		phi := 0.5 + x*invSqrt2Pi // Φ near 0, to O(x³)
		if abs32(x) > geluGradEps {
			phi = post[i] / x
		}
		dx[i] = dy[i] * (phi + x*e[i]*invSqrt2Pi)
	}
}

// checkGeluGrad panics unless dx, dy and post are as long as pre.
func checkGeluGrad(dx, dy, pre, post []float32) {
	if len(dx) < len(pre) || len(dy) < len(pre) || len(post) < len(pre) {
		panic("kernels: geluGrad: slices shorter than pre")
	}
}

// actGrad32 is the derivative of act at x.
func actGrad32(a Act, x float32) float32 {
	switch a {
	case ActGELU:
		return geluErfGrad32(x)
	case ActGELUTanh: // ½(1+tanh u) + ½x(1−tanh²u)·u′, u = √(2/π)(x + 0.044715x³)
		const c = 0.7978845608
		u := c * x * (0.044715*x*x + 1)
		t := 1 - 2/(1+expFast32(2*u))
		return 0.5*(1+t) + 0.5*x*(1-t*t)*c*(3*0.044715*x*x+1)
	case ActReLU: // PyTorch's: 0 at 0
		if x > 0 {
			return 1
		}
		return 0
	case ActQuickGELU: // s + 1.702·x·s·(1−s), s = sigmoid(1.702x)
		s := 1 / (1 + expFast32(-1.702*x))
		return s + 1.702*x*s*(1-s)
	}
	return 1
}

// geluErfGrad32 is Φ(x) + x·φ(x), with Φ from the same erfcx fit as
// geluErf32 but in plain float32 arithmetic and expFast32: the backward
// pass runs it on every hidden unit, and math.FMA and math.Ldexp made it
// as slow as all the GEMMs of the step together.
func geluErfGrad32(x float32) float32 {
	z := min(abs32(x)*sqrt1_2, 10)
	t := 1 / (z*0.4 + 1)
	p := erfcxC[9]
	for i := 8; i >= 0; i-- {
		p = p*t + erfcxC[i]
	}
	p *= t
	e := expFast32(-0.5 * x * x)
	h := 0.5 * e * p
	if x >= 0 {
		h = 1 - h
	}
	return h + x*e*invSqrt2Pi
}

// expFast32 is exp(x) to a few ulp for the backward pass: 2ⁿ·e^r with n
// the nearest integer to x/ln2, |r| ≤ ln2/2, a degree-7 Taylor polynomial
// (truncation 5e-9), 2ⁿ built from its bits; 0 below −87.
func expFast32(x float32) float32 {
	if x < -87 {
		return 0
	}
	x = min(x, 88)
	t := x*log2e + 0.5
	n := int32(t)
	if t < float32(n) {
		n--
	}
	nf := float32(n)
	r := x - nf*ln2Hi - nf*ln2Lo
	p := 1 + r*(1+r*(0.5+r*(expC3+r*(expC4+r*(expC5+r*(expC6+r*expC7))))))
	return p * math.Float32frombits(uint32(n+127)<<23)
}

const invSqrt2Pi = 0.398942280

// AttentionBackward is Attention's backward pass. Given the forward's qkv
// and probabilities P (B, H, T, T) and dout (B*T, D), the gradient of the
// loss with respect to out, it writes dqkv (B*T, 3D), the gradient with
// respect to qkv (overwritten, not accumulated), per image and head:
//
//	dV = Pᵀ·dO,  dP = dO·Vᵀ,  dS = P ⊙ (dP − rowsum(dP ⊙ P))·scale,
//	dQ = dS·K,   dK = dSᵀ·Q
func AttentionBackward(p *Pool, dqkv, dout, qkv, probs []float32, B, T, H, hd int, scale float32) {
	AttentionBackwardDP(p, dqkv, nil, dout, qkv, probs, B, T, H, hd, scale)
}

// AttentionBackwardDP is AttentionBackward that, when dprobs is not nil,
// also writes dP (B, H, T, T), the gradient with respect to the
// probabilities, which attention explanations weight the maps with.
func AttentionBackwardDP(p *Pool, dqkv, dprobs, dout, qkv, probs []float32, B, T, H, hd int, scale float32) {
	D := H * hd
	checkMatrix("AttentionBackward: qkv", qkv, B*T, 3*D, 3*D)
	checkMatrix("AttentionBackward: dqkv", dqkv, B*T, 3*D, 3*D)
	checkMatrix("AttentionBackward: dout", dout, B*T, D, D)
	if len(probs) < B*H*T*T {
		panic("kernels: AttentionBackward: probs shorter than B·H·T·T")
	}
	if dprobs != nil && len(dprobs) < B*H*T*T {
		panic("kernels: AttentionBackward: dprobs shorter than B·H·T·T")
	}
	j := &attBwdJob{p: p, im: cur(), dqkv: dqkv, dprobs: dprobs, dout: dout, qkv: qkv, probs: probs, B: B, T: T, H: H, hd: hd, scale: scale}
	var done latch
	p.run(min(p.threads, B*H), j, &done)
}

// attBwdJob is one AttentionBackward call; its items are (image, head) pairs.
type attBwdJob struct {
	p                      *Pool
	im                     *impl
	dqkv, dout, qkv, probs []float32
	dprobs                 []float32 // nil, or (B, H, T, T) dP
	B, T, H, hd            int
	scale                  float32
	next                   counter
}

// attBwdScratch is one worker's memory for one head at a time.
type attBwdScratch struct {
	ds []float32 // (T, T): dP, then dS
	bp []float32 // a packed B operand
	g  gemm
}

func (j *attBwdJob) do(int) {
	s := j.p.getScratch()
	for bh := j.next.take(); bh < j.B*j.H; bh = j.next.take() {
		j.head(s, bh)
	}
	j.p.putScratch(s)
}

func (j *attBwdJob) head(s *scratch, bh int) {
	b, h := bh/j.H, bh%j.H
	T, hd, D := j.T, j.hd, j.H*j.hd
	ld := 3 * D
	base := b*T*ld + h*hd
	q, k, v := j.qkv[base:], j.qkv[base+D:], j.qkv[base+2*D:]
	dq, dk, dv := j.dqkv[base:], j.dqkv[base+D:], j.dqkv[base+2*D:]
	do := j.dout[b*T*D+h*hd:]
	P := j.probs[bh*T*T : (bh+1)*T*T]
	a := &s.ab
	a.ds = grow(a.ds, T*T)
	a.bp = grow(a.bp, ceilDiv(max(T, hd), nr)*nr*max(T, hd))
	mul := func(m, n, kk int, x []float32, ldx int, c []float32, ldc int) {
		a.g.set(m, n, kk, x, ldx, a.bp, c, ldc, Epilogue{}, j.im)
		a.g.serial(s)
	}
	// dV = Pᵀ·dO
	mulT(s, j.im, dv, ld, P, T, do, D, T, T, hd, false)
	// dP = dO·Vᵀ
	packB(a.bp, v, ld, T, hd)
	mul(T, T, hd, do, D, a.ds, T)
	if j.dprobs != nil {
		copy(j.dprobs[bh*T*T:(bh+1)*T*T], a.ds[:T*T])
	}
	// dS = P ⊙ (dP − Σ dP⊙P)·scale
	for i := range T {
		pr, dr := P[i*T:(i+1)*T], a.ds[i*T:(i+1)*T]
		var dot float32
		for t, pv := range pr {
			dot += pv * dr[t]
		}
		for t, pv := range pr {
			dr[t] = pv * (dr[t] - dot) * j.scale
		}
	}
	// dQ = dS·K
	packBT(a.bp, k, ld, T, hd)
	mul(T, hd, T, a.ds, T, dq, ld)
	// dK = dSᵀ·Q
	mulT(s, j.im, dk, ld, a.ds, T, q, ld, T, T, hd, false)
	a.g.release()
}
