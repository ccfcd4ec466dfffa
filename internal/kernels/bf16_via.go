package kernels

import "sync"

// linearViaFP32 is Linear for bf16 weights on im's fp32 tiles: the weights
// widened to fp32 (exactly, once, on first use), each row of x rounded to
// bf16 by im.bf16.round, then the fp32 GEMM. The products are those of the
// bf16 tiles, exact in fp32; the sums are the fp32 tile's, in order of k.
// Where VDPBF16PS runs at half the FMA rate (Intel without AMX), this
// makes bf16 as fast as fp32 at the cost of the widened copy's memory.
func linearViaFP32(p *Pool, y []float32, ldy int, x []float32, ldx, m int, w *PackedB, ep Epilogue, im *impl) {
	wide := w.lp.widened(w.N, w.K)
	xr := viaAs.Get().(*[]float32)
	*xr = grow(*xr, m*w.K)
	for i := range m {
		im.bf16.round((*xr)[i*w.K:(i+1)*w.K], x[i*ldx:i*ldx+w.K])
	}
	linearFP32(p, y, ldy, *xr, w.K, m, w.N, w.K, wide, ep, im)
	viaAs.Put(xr)
}

// viaAs holds the rounded activations of linearViaFP32 calls.
var viaAs = sync.Pool{New: func() any { return new([]float32) }}

// widened returns the bf16 weights of lp, (n, k), as fp32 panels of packB,
// made on the first call.
func (lp *lowPrec) widened(n, k int) []float32 {
	lp.wideOnce.Do(func() {
		lp.wide = make([]float32, ceilDiv(n, nr)*nr*k)
		unpackBF16(lp.wide, lp.b, n, k)
	})
	return lp.wide
}
