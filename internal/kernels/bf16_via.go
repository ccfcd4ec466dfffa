package kernels

import "sync"

// linearViaFP32 is Linear for bf16 weights on im's fp32 tiles: the weights
// widened to fp32 (exactly, once, on first use), each row of x (normalised
// first with a norm) rounded to bf16 by im.bf16.round, on the pool's
// threads, then the fp32 GEMM. The products are those of the bf16 tiles,
// exact in fp32; the sums are the fp32 tile's, in order of k. Where
// VDPBF16PS runs at half the FMA rate (Intel without AMX), this makes bf16
// as fast as fp32 at the cost of the widened copy's memory.
func linearViaFP32(p *Pool, y []float32, ldy int, x []float32, ldx, m int, w *PackedB, ep Epilogue, im *impl, norm *Norm) {
	wide := w.lp.widened(w.N, w.K)
	xr := viaAs.Get().(*viaA)
	xr.r = grow(xr.r, m*w.K)
	pj := &xr.pack
	pj.x, pj.ldx, pj.k, pj.m, pj.r, pj.round = x, ldx, w.K, m, xr.r, im.bf16.round
	pj.setNorm(norm)
	pj.run(p)
	linearFP32(p, y, ldy, xr.r, w.K, m, w.N, w.K, wide, ep, im)
	viaAs.Put(xr)
}

// viaA is a linearViaFP32 call's rounded activations and the job rounding
// them.
type viaA struct {
	r    []float32
	pack packJob
}

var viaAs = sync.Pool{New: func() any { return new(viaA) }}

// widened returns the bf16 weights of lp, (n, k), as fp32 panels of packB,
// made on the first call.
func (lp *lowPrec) widened(n, k int) []float32 {
	lp.wideOnce.Do(func() {
		lp.wide = make([]float32, ceilDiv(n, nr)*nr*k)
		unpackBF16(lp.wide, lp.b, n, k)
	})
	return lp.wide
}
