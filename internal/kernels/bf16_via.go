package kernels

import "sync"

// linearViaFP32 is Linear for bf16 weights on im's fp32 tiles: the weights
// widened to fp32 (exactly; packed so, or widened once on first use), each
// row of x (normalised first with a norm) rounded to bf16 by
// im.bf16.round, on the pool's threads, unless ep.InBF16 says it is, then
// the fp32 GEMM. The products are those of the bf16 tiles, exact in fp32;
// the sums are the fp32 tile's, in order of k. Where VDPBF16PS runs at
// half the FMA rate (Intel without AMX), this makes bf16 as fast as fp32,
// with fp32's memory.
func linearViaFP32(p *Pool, y []float32, ldy int, x []float32, ldx, m int, w *PackedB, ep Epilogue, im *impl, norm *Norm) {
	wide := w.lp.widened(w.N, w.K)
	if ep.InBF16 && norm == nil {
		linearFP32(p, y, ldy, x, ldx, m, w.N, w.K, wide, ep, im)
		return
	}
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

// widened returns the bf16 weights of lp, (n, k), as fp32 panels of packB:
// those packed so, else made from the pairs on the first call.
func (lp *lowPrec) widened(n, k int) []float32 {
	lp.wideOnce.Do(func() {
		if lp.wide == nil {
			wide := make([]float32, ceilDiv(n, nr)*nr*k)
			lp.widenInto(wide, n, k)
			lp.wide = wide
		}
	})
	return lp.wide
}

// pairs returns the bf16 weights of lp, (n, k), as the pairs of packBF16:
// those packed so, else made from the widened panels on the first call.
func (lp *lowPrec) pairs(n, k int) []uint32 {
	lp.bOnce.Do(func() {
		if lp.b == nil {
			lp.b = make([]uint32, ceilDiv(n, nr)*nr*ceilDiv(k, 2))
			packBF16(lp.b, lp.wide, n, k)
		}
	})
	return lp.b
}

// ReadsBF16 reports whether a Linear with w rounds x to bf16 in a pass of
// its own: bf16 weights on an implementation that runs them on its fp32
// tiles. Such a Linear takes x made by an epilogue with RoundBF16 as it
// is, when told so by InBF16.
func (w *PackedB) ReadsBF16() bool { return w.lp != nil && w.lp.p == BF16 && bf16OnFP32() }

// WeightBytes is the memory one Linear weight packed in precision p takes
// on the implementations selected now: bf16 takes 4 bytes where it runs
// on fp32 tiles (held widened, see lowPrec).
func WeightBytes(p Precision) int {
	switch {
	case p == FP32 || p == BF16 && bf16OnFP32():
		return 4
	case p == BF16:
		return 2
	}
	return 1
}

// bf16OnFP32 reports whether the implementation selected for bf16 runs it
// on its fp32 tiles (linearViaFP32): bf16 weights packed now are then held
// widened.
func bf16OnFP32() bool { return sel[BF16].bf16.viaFP32() }

// widenInto writes the bf16 weights of lp, (n, k), to dst as fp32 panels
// of packB, from whichever form lp holds, keeping no copy.
func (lp *lowPrec) widenInto(dst []float32, n, k int) {
	if lp.wide != nil {
		copy(dst, lp.wide)
		return
	}
	unpackBF16(dst, lp.b, n, k)
}
