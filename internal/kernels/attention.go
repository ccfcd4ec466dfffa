package kernels

// attScratch is one worker's memory for one head, or one block of a
// head's queries, at a time.
type attScratch struct {
	s   []float32 // (rows, ts) scores, then exp(scale·(s − row max))
	inv []float32 // (rows) 1 / row sums of those
	kv  attKV     // K and V of the head, packed, when not shared
	q   []float32 // bf16 on fp32 tiles: the block's Q, rounded, (rows, hd)
	a   []uint32  // bf16 tiles: the block's Q, then its E, as rows of bf16 pairs
	c   []float32 // bf16 tiles: the accumulators of an edge tile or of AMX rows × nr
	kt  []float32 // bf16 tiles: K's last keys, zero-padded (packKBF16)
	two []float32 // bf16 tiles: a last odd row and a zero row (pairLast)
	g   gemm
}

// attKV is a head's K and V packed as B panels for Q·Kᵀ and E·V: fp32
// (rounded to bf16 values for bf16 on fp32 tiles) by packB and packBT, or
// as bf16 pairs by packKBF16 and packVBF16.
type attKV struct {
	kp, vp []float32
	kb, vb []uint32
}

// attJob is one Attention call. Its items are the (image, head) pairs, or,
// when there are too few of those for the threads, (image, head, query
// block) triples after a first pass that packs every head's K and V
// (packed, shared by the blocks). Each output row is computed the same way
// in both, so the bits do not depend on the split.
type attJob struct {
	p               *Pool
	im              *impl // the softmax's row operations, and fp32 products
	bf              *impl // bf16 products: whose bf16 kernels run them; nil: fp32
	amx             bool  // bf16 products on bf's AMX calls
	out, qkv, probs []float32
	B, T, H, hd     int
	scale           float32
	qb, qRows       int       // query blocks per head and rows per block; qb = 1: no split
	kv              []float32 // qb > 1: per head, K then V packed (fp32 tiles)
	kvb             []uint32  // qb > 1: the same as bf16 pairs (bf16 tiles)
	packing         bool      // qb > 1: the first pass, packing kv
	next            counter
	done            latch
}

// attMode is how an Attention call's products run.
type attMode uint8

const (
	attFP32    attMode = iota // fp32
	attViaFP32                // bf16 on the fp32 tiles: operands rounded to bf16 values
	attBF16                   // bf16 on bf16 tiles: operands packed as bf16 pairs
)

// mode is j's attMode, from the kernels that run its products.
func (j *attJob) mode() attMode {
	switch {
	case j.bf == nil:
		return attFP32
	case j.bf.bf16.viaFP32():
		return attViaFP32
	}
	return attBF16
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
	if !j.packing {
		return
	}
	k, v := j.kvSize()
	if j.mode() == attBF16 {
		j.kvb = grow(j.kvb, heads*(k+v))
	} else {
		j.kv = grow(j.kv, heads*(k+v))
	}
}

// minQueryRows is the smallest query block: below it the packing of K and
// V, done once per head either way, is no longer small beside the block.
const minQueryRows = 24

// kvSize is the size of one head's packed K and of its packed V, in floats
// or, for bf16 tiles, in pairs.
func (j *attJob) kvSize() (k, v int) {
	if j.mode() == attBF16 {
		return ceilDiv(j.T, nr) * nr * ceilDiv(j.hd, 2), ceilDiv(j.hd, nr) * nr * ceilDiv(j.T, 2)
	}
	return ceilDiv(j.T, nr) * nr * j.hd, ceilDiv(j.hd, nr) * nr * j.T
}

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
			j.pack(s, it, j.packed(it))
		case j.qb == 1:
			kv := j.own(&s.att)
			j.pack(s, it, kv)
			j.rows(s, it, 0, j.T, kv)
		default:
			bh, q := it/j.qb, it%j.qb
			j.rows(s, bh, q*j.qRows, min((q+1)*j.qRows, j.T), j.packed(bh))
		}
	}
	j.p.putScratch(s)
}

// packed is head bh's part of kv (kvb).
func (j *attJob) packed(bh int) attKV {
	k, v := j.kvSize()
	if j.mode() == attBF16 {
		h := j.kvb[bh*(k+v) : (bh+1)*(k+v)]
		return attKV{kb: h[:k], vb: h[k:]}
	}
	h := j.kv[bh*(k+v) : (bh+1)*(k+v)]
	return attKV{kp: h[:k], vp: h[k:]}
}

// own is a worker's buffers for one head's packed K and V.
func (j *attJob) own(a *attScratch) attKV {
	k, v := j.kvSize()
	if j.mode() == attBF16 {
		a.kv.kb, a.kv.vb = grow(a.kv.kb, k), grow(a.kv.vb, v)
		return attKV{kb: a.kv.kb, vb: a.kv.vb}
	}
	a.kv.kp, a.kv.vp = grow(a.kv.kp, k), grow(a.kv.vp, v)
	return attKV{kp: a.kv.kp, vp: a.kv.vp}
}

// pack packs head bh's K and V as B panels for Q·Kᵀ and E·V.
func (j *attJob) pack(s *scratch, bh int, kv attKV) {
	b, h := bh/j.H, bh%j.H
	ld, D := 3*j.H*j.hd, j.H*j.hd
	base := b*j.T*ld + h*j.hd
	k, v := j.qkv[base+D:], j.qkv[base+2*D:]
	if j.mode() == attBF16 {
		a := &s.att
		a.kt, a.two = grow(a.kt, 16*j.hd), grow(a.two, 2*nr)
		packKBF16(kv.kb, k, ld, j.T, j.hd, j.bf.bf16.keys, a.kt)
		packVBF16(kv.vb, v, ld, j.T, j.hd, j.bf.bf16.pairs, a.two)
		return
	}
	packB(kv.kp, k, ld, j.T, j.hd)
	packBT(kv.vp, v, ld, j.T, j.hd)
	if j.mode() == attViaFP32 { // rounding commutes with the packing
		j.bf.bf16.round(kv.kp, kv.kp)
		j.bf.bf16.round(kv.vp, kv.vp)
	}
}

// rows computes the queries i0 ≤ i < i1 of one image's head: S = Q·Kᵀ,
// E = exp(scale·(S − row max)) (scale > 0, so the row maximum of S gives
// that of scale·S), out = E·V with each row then divided by its sum of E:
// softmax(scale·S)·V with the division on hd columns instead of T. Both
// products run on the GEMM tiles: fp32 with Q read in place from qkv, K
// and V packed; or, for bf16, with Q, K, V and E rounded to bf16 (the sums
// of E are those before rounding, as in fp32). The scores' rows are ts ≥ T
// floats apart, a whole number of cache lines.
func (j *attJob) rows(s *scratch, bh, i0, i1 int, kv attKV) {
	b, h := bh/j.H, bh%j.H
	T, hd, D, n := j.T, j.hd, j.H*j.hd, i1-i0
	ld, ts := 3*D, ceilDiv(T, 16)*16
	k := j.im.fp32
	a := &s.att
	a.s = grow(a.s, n*ts)
	a.inv = grow(a.inv, n)

	j.scores(s, j.qkv[(b*T+i0)*ld+h*hd:], ld, n, kv)
	j.weights(a, n)
	if j.probs != nil {
		for i := range n {
			p := j.probs[(bh*T+i0+i)*T:][:T]
			if j.mode() == attBF16 {
				widenBF16(p, a.a[i*ceilDiv(T, 2):])
			} else {
				copy(p, a.s[i*ts:i*ts+T])
			}
			k.scale(p, a.inv[i])
		}
	}
	out := j.out[(b*T+i0)*D+h*hd:]
	j.context(s, n, kv, out)
	for i := range n {
		k.scale(out[i*D:i*D+hd], a.inv[i])
	}
}

// scores computes S = Q·Kᵀ into s.att.s for the n rows of Q (row stride
// ld): for bf16, rounded first into s.att.q (fp32 tiles) or packed as
// pairs into s.att.a.
func (j *attJob) scores(s *scratch, q []float32, ld, n int, kv attKV) {
	a, T, hd, ts := &s.att, j.T, j.hd, ceilDiv(j.T, 16)*16
	switch j.mode() {
	case attFP32:
		a.g.set(n, T, hd, q, ld, kv.kp, a.s, ts, Epilogue{}, j.im)
	case attViaFP32:
		a.q = grow(a.q, n*hd)
		for i := range n {
			j.bf.bf16.round(a.q[i*hd:(i+1)*hd], q[i*ld:][:hd])
		}
		a.g.set(n, T, hd, a.q, hd, kv.kp, a.s, ts, Epilogue{}, j.bf)
	default:
		kg := ceilDiv(hd, 2)
		j.growA(a, n)
		for i := range n {
			j.bf.bf16.pack(a.a[i*kg:(i+1)*kg], q[i*ld:][:hd])
		}
		clear(a.a[n*kg : ceilDiv(n, j.bf.mr)*j.bf.mr*kg])
		j.productBF16(a, n, T, kg, a.a, kv.kb, a.s, ts)
		return
	}
	a.g.serial(s)
	a.g.release()
}

// weights turns the n rows of scores in s.att.s into E =
// exp(scale·(S − row max)) and s.att.inv into the inverses of their row
// sums (fp32, before any rounding): for bf16, E is rounded in place for
// the fp32 tiles, or written as pairs into s.att.a for bf16 tiles, as it
// is made.
func (j *attJob) weights(a *attScratch, n int) {
	T, ts, k := j.T, ceilDiv(j.T, 16)*16, j.im.fp32
	if j.mode() == attBF16 {
		kg := ceilDiv(T, 2)
		for i := range n {
			row := a.s[i*ts : i*ts+T]
			a.inv[i] = 1 / j.bf.bf16.expPairs(a.a[i*kg:(i+1)*kg], row, k.max(row), j.scale)
		}
		clear(a.a[n*kg : ceilDiv(n, j.bf.mr)*j.bf.mr*kg])
		return
	}
	for i := range n {
		row := a.s[i*ts : i*ts+T]
		a.inv[i] = 1 / k.expSum(row, k.max(row), j.scale)
		if j.mode() == attViaFP32 {
			j.bf.bf16.round(row, row)
		}
	}
}

// context computes out = E·V for the n rows of E (row stride D in out).
func (j *attJob) context(s *scratch, n int, kv attKV, out []float32) {
	a, T, hd, D, ts := &s.att, j.T, j.hd, j.H*j.hd, ceilDiv(j.T, 16)*16
	switch j.mode() {
	case attFP32:
		a.g.set(n, hd, T, a.s, ts, kv.vp, out, D, Epilogue{}, j.im)
	case attViaFP32:
		a.g.set(n, hd, T, a.s, ts, kv.vp, out, D, Epilogue{}, j.bf)
	default:
		j.productBF16(a, n, hd, ceilDiv(T, 2), a.a, kv.vb, out, D)
		return
	}
	a.g.serial(s)
	a.g.release()
}

// balanced reports whether items equal work items keep threads busy: at
// least 85 % of the rounds' thread time is used.
func balanced(items, threads int) bool {
	return threads <= 1 || items*100 >= 85*threads*ceilDiv(items, threads)
}
