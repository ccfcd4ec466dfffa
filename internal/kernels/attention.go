package kernels

// attScratch is one worker's memory for one head, or one block of a
// head's queries, at a time.
type attScratch struct {
	s   []float32 // (rows, ts) scores, then exp(scale·(s − row max))
	inv []float32 // (rows) 1 / row sums of those
	kp  []float32 // K of the head, packed as B for Q·Kᵀ
	vp  []float32 // V of the head, packed as B for P·V
	g   gemm
}

// attJob is one Attention call. Its items are the (image, head) pairs, or,
// when there are too few of those for the threads, (image, head, query
// block) triples after a first pass that packs every head's K and V
// (packed, shared by the blocks). Each output row is computed the same way
// in both, so the bits do not depend on the split.
type attJob struct {
	p               *Pool
	im              *impl
	out, qkv, probs []float32
	B, T, H, hd     int
	scale           float32
	qb, qRows       int       // query blocks per head and rows per block; qb = 1: no split
	kv              []float32 // qb > 1: per head, K then V packed
	packing         bool      // qb > 1: the first pass, packing kv
	next            counter
	done            latch
}

// plan chooses the query blocks: the fewest that keep the threads busy
// (balanced), blocks of whole row tiles of at least minQueryRows rows.
func (j *attJob) plan(threads int) {
	heads, mr := j.B*j.H, j.im.mr
	j.qb, j.qRows = 1, j.T
	for q := 2; !balanced(heads*j.qb, threads); q++ {
		rows := ceilDiv(ceilDiv(j.T, q), mr) * mr
		if rows < minQueryRows {
			break
		}
		j.qb, j.qRows = ceilDiv(j.T, rows), rows
	}
	j.packing = j.qb > 1
	if j.packing {
		j.kv = grow(j.kv, heads*j.kvSize())
	}
}

// minQueryRows is the smallest query block: below it the packing of K and
// V, done once per head either way, is no longer small beside the block.
const minQueryRows = 24

// kvSize is the floats of one head's packed K and V.
func (j *attJob) kvSize() int { return ceilDiv(j.T, nr)*nr*j.hd + ceilDiv(j.hd, nr)*nr*j.T }

// items is the number of work items of the current pass.
func (j *attJob) items() int {
	if j.packing {
		return j.B * j.H
	}
	return j.B * j.H * j.qb
}

func (j *attJob) do(int) {
	s := j.p.getScratch()
	for it := j.next.take(); it < j.items(); it = j.next.take() {
		switch {
		case j.packing:
			kp, vp := j.packed(it)
			j.pack(it, kp, vp)
		case j.qb == 1:
			a := &s.att
			a.kp = grow(a.kp, ceilDiv(j.T, nr)*nr*j.hd)
			a.vp = grow(a.vp, ceilDiv(j.hd, nr)*nr*j.T)
			j.pack(it, a.kp, a.vp)
			j.rows(s, it, 0, j.T, a.kp, a.vp)
		default:
			bh, q := it/j.qb, it%j.qb
			kp, vp := j.packed(bh)
			j.rows(s, bh, q*j.qRows, min((q+1)*j.qRows, j.T), kp, vp)
		}
	}
	j.p.putScratch(s)
}

// packed is head bh's part of kv.
func (j *attJob) packed(bh int) (kp, vp []float32) {
	h := j.kv[bh*j.kvSize() : (bh+1)*j.kvSize()]
	n := ceilDiv(j.T, nr) * nr * j.hd
	return h[:n], h[n:]
}

// pack packs head bh's K and V as B panels for Q·Kᵀ and P·V.
func (j *attJob) pack(bh int, kp, vp []float32) {
	b, h := bh/j.H, bh%j.H
	ld, D := 3*j.H*j.hd, j.H*j.hd
	base := b*j.T*ld + h*j.hd
	packB(kp, j.qkv[base+D:], ld, j.T, j.hd)
	packBT(vp, j.qkv[base+2*D:], ld, j.T, j.hd)
}

// rows computes the queries i0 ≤ i < i1 of one image's head: S = Q·Kᵀ,
// E = exp(scale·(S − row max)) (scale > 0, so the row maximum of S gives
// that of scale·S), out = E·V with each row then divided by its sum of E:
// softmax(scale·S)·V with the division on hd columns instead of T. Q is
// read in place from qkv, K and V packed; both products run on the GEMM
// tiles. The scores' rows are ts ≥ T floats apart, a whole number of cache
// lines.
func (j *attJob) rows(s *scratch, bh, i0, i1 int, kp, vp []float32) {
	b, h := bh/j.H, bh%j.H
	T, hd, D, n := j.T, j.hd, j.H*j.hd, i1-i0
	ld, ts := 3*D, ceilDiv(T, 16)*16
	k := j.im.fp32
	a := &s.att
	a.s = grow(a.s, n*ts)
	a.inv = grow(a.inv, n)

	a.g.set(n, T, hd, j.qkv[(b*T+i0)*ld+h*hd:], ld, kp, a.s, ts, Epilogue{}, j.im)
	a.g.serial(s)
	for i := range n {
		row := a.s[i*ts : i*ts+T]
		a.inv[i] = 1 / k.expSum(row, k.max(row), j.scale)
	}
	if j.probs != nil {
		for i := range n {
			p := j.probs[(bh*T+i0+i)*T:][:T]
			copy(p, a.s[i*ts:i*ts+T])
			k.scale(p, a.inv[i])
		}
	}
	out := j.out[(b*T+i0)*D+h*hd:]
	a.g.set(n, hd, T, a.s, ts, vp, out, D, Epilogue{}, j.im)
	a.g.serial(s)
	a.g.release()
	for i := range n {
		k.scale(out[i*D:i*D+hd], a.inv[i])
	}
}

// balanced reports whether items equal work items keep threads busy: at
// least 85 % of the rounds' thread time is used.
func balanced(items, threads int) bool {
	return threads <= 1 || items*100 >= 85*threads*ceilDiv(items, threads)
}
