package kernels

// attScratch is one worker's memory for one head at a time.
type attScratch struct {
	s   []float32 // (T, ts) scores, then exp(scale·(s − row max))
	inv []float32 // (T) 1 / row sums of those
	kp  []float32 // K of the head, packed as B for Q·Kᵀ
	vp  []float32 // V of the head, packed as B for P·V
	g   gemm
}

// attJob is one Attention call; its items are the (image, head) pairs.
type attJob struct {
	p               *Pool
	im              *impl
	out, qkv, probs []float32
	B, T, H, hd     int
	scale           float32
	next            counter
	done            latch
}

func (j *attJob) do(int) {
	s := j.p.getScratch()
	for bh := j.next.take(); bh < j.B*j.H; bh = j.next.take() {
		j.head(s, bh)
	}
	j.p.putScratch(s)
}

// head computes one image's head: S = Q·Kᵀ, E = exp(scale·(S − row
// max)) (scale > 0, so the row maximum of S gives that of scale·S), out =
// E·V with each row then divided by its sum of E: softmax(scale·S)·V with
// the division on 64 columns instead of T. Q is read in place from qkv; K
// and V are packed once each (the one copy the micro-kernel needs), so
// both products run on the GEMM tiles. The scores' rows are ts ≥ T floats
// apart, a whole number of cache lines.
func (j *attJob) head(s *scratch, bh int) {
	b, h := bh/j.H, bh%j.H
	T, hd, D := j.T, j.hd, j.H*j.hd
	ld, ts := 3*D, ceilDiv(T, 16)*16
	base := b*T*ld + h*hd
	a := &s.att
	a.s = grow(a.s, T*ts)
	a.inv = grow(a.inv, T)
	a.kp = grow(a.kp, ceilDiv(T, nr)*nr*hd)
	a.vp = grow(a.vp, ceilDiv(hd, nr)*nr*T)

	packB(a.kp, j.qkv[base+D:], ld, T, hd)
	a.g.set(T, T, hd, j.qkv[base:], ld, a.kp, a.s, ts, Epilogue{}, j.im)
	a.g.serial(s)
	for i := range T {
		row := a.s[i*ts : i*ts+T]
		a.inv[i] = 1 / j.im.fp32.expSum(row, j.im.fp32.max(row), j.scale)
	}
	if j.probs != nil {
		for i := range T {
			p := j.probs[(bh*T+i)*T : (bh*T+i+1)*T]
			copy(p, a.s[i*ts:i*ts+T])
			j.im.fp32.scale(p, a.inv[i])
		}
	}
	packBT(a.vp, j.qkv[base+2*D:], ld, T, hd)
	out := j.out[b*T*D+h*hd:]
	a.g.set(T, hd, T, a.s, ts, a.vp, out, D, Epilogue{}, j.im)
	a.g.serial(s)
	a.g.release()
	for i := range T {
		j.im.fp32.scale(out[i*D:i*D+hd], a.inv[i])
	}
}
