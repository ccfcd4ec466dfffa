package kernels

// attScratch is one worker's memory for one head at a time.
type attScratch struct {
	s  []float32 // (T, T) scores, then probabilities
	kp []float32 // K of the head, packed as B for Q·Kᵀ
	vp []float32 // V of the head, packed as B for P·V
	g  gemm
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

// head computes one image's head: S = Q·Kᵀ, P = softmax(scale·S) by rows
// (scale > 0, so the row maximum of S gives that of scale·S), out = P·V.
// Q is read in place from qkv; K and V are packed once each (the one copy
// the micro-kernel needs), so both products run on the GEMM tiles.
func (j *attJob) head(s *scratch, bh int) {
	b, h := bh/j.H, bh%j.H
	T, hd, D := j.T, j.hd, j.H*j.hd
	ld := 3 * D
	base := b*T*ld + h*hd
	a := &s.att
	a.s = grow(a.s, T*T)
	a.kp = grow(a.kp, ceilDiv(T, nr)*nr*hd)
	a.vp = grow(a.vp, ceilDiv(hd, nr)*nr*T)

	packB(a.kp, j.qkv[base+D:], ld, T, hd)
	a.g.set(T, T, hd, j.qkv[base:], ld, a.kp, a.s, T, Epilogue{}, j.im)
	a.g.serial(s)
	for i := range T {
		softmax(j.im, a.s[i*T:(i+1)*T], j.scale)
	}
	if j.probs != nil {
		copy(j.probs[bh*T*T:(bh+1)*T*T], a.s)
	}
	packBT(a.vp, j.qkv[base+2*D:], ld, T, hd)
	a.g.set(T, hd, T, a.s, T, a.vp, j.out[b*T*D+h*hd:], D, Epilogue{}, j.im)
	a.g.serial(s)
	a.g.release()
}
