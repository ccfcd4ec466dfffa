package kernels

// attScratch is one worker's memory for one head, or one block of a
// head's queries, at a time.
type attScratch struct {
	s   []float32 // (rows, ts) scores, then exp(scale·(s − row max))
	inv []float32 // (rows) 1 / row sums of those
	kv  attKV     // K and V of the head, packed
	q   []float32 // bf16 on fp32 tiles: the block's Q, rounded, (rows, hd)
	a   []uint32  // bf16 tiles: the block's Q, then its E, as rows of bf16 pairs
	c   []float32 // bf16 tiles: the accumulators of an edge tile or of AMX rows × nr
	kt  []float32 // K's last keys, zero-padded (packK, packKBF16)
	two []float32 // bf16 tiles: a last odd row and a zero row (pairLast)
	g   gemm
}

// attKV is a head's K and V packed as B panels for Q·Kᵀ and E·V: fp32
// (rounded to bf16 values for bf16 on fp32 tiles) by packK and packBT, or
// as bf16 pairs by packKBF16 and packVBF16.
type attKV struct {
	kp, vp []float32
	kb, vb []uint32
}

// attJob is one Attention call. Where the rows are split by owner
// (owners.go), its items are (owner, head) pairs: the owner's query rows
// of that head, K and V packed by whoever takes the item. Otherwise its
// items are the (image, head) pairs when there are enough of those for
// the threads; else each of shares shares takes an equal run of the heads'
// query rows, in whole row tiles, contiguous across heads (image-major,
// then head, then query), and packs the K and V of each head its run
// touches itself. Each output row is computed the same way in all three,
// so the bits do not depend on the split.
//
// Why not one pass packing every head's K and V for all the shares: each
// share would then read packed lines another core wrote, and the next call
// write lines other cores hold. ViT-Ti's 3 heads on 2 threads here, 250 µs
// on one thread: such a packing pass took 47 µs where its packing took 25
// µs on one, and the call 200 µs; per-share packing, at most one head
// more in all per share, took 137.
type attJob struct {
	p               *Pool
	im              *impl // the softmax's row operations, and fp32 products
	bf              *impl // bf16 products: whose bf16 kernels run them; nil: fp32
	amx             bool  // bf16 products on bf's AMX calls
	inBF16          bool  // qkv holds bf16 values: on the fp32 tiles, not rounded again
	out, qkv, probs []float32
	B, T, H, hd     int
	scale           float32
	shares          int // 0: items are heads; else the shares of the query rows
	tiles           int // query row tiles per head (shares > 0)
	per             int // > 0: items are (owner, head), owners of per rows of B·T
	next            counter
	own             ownedItems
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

// plan splits the queries by owner where owners says so (each owner's
// rows of every head an item, so that the context rows an owner writes are
// those the next Linear reads on its core); else it splits the heads'
// queries into shares only when the heads are too few to keep the threads
// busy (balanced), and then into no more shares than give each
// minQueryRows rows or more.
func (j *attJob) plan(threads int) {
	j.shares, j.tiles, j.per = 0, ceilDiv(j.T, j.im.mr), 0
	j.next.next.Store(0)
	if parts, per := owners(j.B*j.T, j.im.mr, threads); parts > 0 {
		j.per = per
		j.own.reset(parts, j.B*j.H)
		return
	}
	if heads := j.B * j.H; !balanced(heads, threads) {
		j.shares = max(1, min(threads, heads*j.T/minQueryRows))
	}
}

// minQueryRows is the fewest query rows of a share: below it packing the K
// and V of the one or two heads the share touches is no longer small
// beside its rows.
const minQueryRows = 24

// kvSize is the size of one head's packed K and of its packed V, in floats
// or, for bf16 tiles, in pairs.
func (j *attJob) kvSize() (k, v int) {
	if j.mode() == attBF16 {
		return ceilDiv(j.T, nr) * nr * ceilDiv(j.hd, 2), ceilDiv(j.hd, nr) * nr * ceilDiv(j.T, 2)
	}
	return ceilDiv(j.T, nr) * nr * j.hd, ceilDiv(j.hd, nr) * nr * j.T
}

// items is the number of shares p.run is asked for.
func (j *attJob) items() int {
	if j.per > 0 {
		return j.own.parts
	}
	if j.shares > 0 {
		return j.shares
	}
	return j.B * j.H
}

func (j *attJob) do(w int) {
	s := j.p.getScratch()
	kv := j.buffers(&s.att)
	switch {
	case j.per > 0:
		j.owned(s, w, kv)
	case j.shares > 0:
		j.share(s, w, kv)
	default:
		for it := j.next.take(); it < j.items(); it = j.next.take() {
			j.pack(s, it, kv)
			j.rows(s, it, 0, j.T, kv)
		}
	}
	j.p.putScratch(s)
}

// share runs share w: the row tiles [w·n/shares, (w+1)·n/shares) of the n
// of all heads, head by head.
func (j *attJob) share(s *scratch, w int, kv attKV) {
	n, mr := j.B*j.H*j.tiles, j.im.mr
	t0, t1 := w*n/j.shares, (w+1)*n/j.shares
	for t := t0; t < t1; {
		bh := t / j.tiles
		end := min(t1, (bh+1)*j.tiles)
		j.pack(s, bh, kv)
		j.rows(s, bh, (t-bh*j.tiles)*mr, min((end-bh*j.tiles)*mr, j.T), kv)
		t = end
	}
}

// owned runs worker w's items, (owner, head) pairs, its own first: the
// owner's rows of image b = head/H, head head%H.
func (j *attJob) owned(s *scratch, w int, kv attKV) {
	for q, bh, ok := j.own.take(w); ok; q, bh, ok = j.own.take(w) {
		b := bh / j.H
		i0 := max(q*j.per, b*j.T) - b*j.T
		i1 := min((q+1)*j.per, (b+1)*j.T) - b*j.T
		if i0 >= i1 {
			continue
		}
		j.pack(s, bh, kv)
		j.rows(s, bh, i0, i1, kv)
	}
}

// buffers is a worker's buffers for one head's packed K and V.
func (j *attJob) buffers(a *attScratch) attKV {
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
	a := &s.att
	a.kt = grow(a.kt, 16*j.hd)
	if j.mode() == attBF16 {
		a.two = grow(a.two, 2*nr)
		packKBF16(kv.kb, k, ld, j.T, j.hd, j.bf.bf16.keys, a.kt)
		packVBF16(kv.vb, v, ld, j.T, j.hd, j.bf.bf16.pairs, a.two)
		return
	}
	packK(kv.kp, k, ld, j.T, j.hd, j.im.fp32.keys, a.kt)
	packBT(kv.vp, v, ld, j.T, j.hd)
	if j.mode() == attViaFP32 && !j.inBF16 { // rounding commutes with the packing
		j.bf.bf16.round(kv.kp, kv.kp)
		j.bf.bf16.round(kv.vp, kv.vp)
	}
}

// packK packs K, T rows of hd values with row stride ld, as
// packB(dst, k, ld, T, hd) does: panels of nr keys for Q·Kᵀ, value kk of
// key q·nr+j at dst[(q·hd+kk)·nr+j], keys past T zero (packKeys, keys
// packing 16 keys at a time).
func packK(dst, k []float32, ld, T, hd int, keys func(dst, src []float32, ld, hd int), tail []float32) {
	packKeys(dst, k, ld, T, hd, hd, keys, tail)
}

// packKeys packs K, T rows of hd values with row stride ld, into panels of
// nr keys of rows rows each (hd values in fp32, ⌈hd/2⌉ bf16 pairs), row r
// of key q·nr+j at dst[(q·rows+r)·nr+j], keys past T zero. keys packs 16
// keys at a time; the last ones are copied into tail (16·hd floats) first,
// with zero rows after them.
func packKeys[E float32 | uint32](dst []E, k []float32, ld, T, hd, rows int, keys func([]E, []float32, int, int), tail []float32) {
	for t := 0; t < ceilDiv(T, nr)*nr; t += 16 {
		d := dst[t/nr*rows*nr+t%nr:]
		switch {
		case t+16 <= T:
			keys(d, k[t*ld:], ld, hd)
		case t < T:
			clear(tail)
			for i := range T - t {
				copy(tail[i*hd:(i+1)*hd], k[(t+i)*ld:][:hd])
			}
			keys(d, tail, hd, hd)
		default:
			for r := range rows {
				clear(d[r*nr : r*nr+16])
			}
		}
	}
}

// keysGeneric writes the hd values of each of 16 rows of src (row stride
// ld) as dst[kk·nr+j] = src[j·ld+kk], kk < hd, j < 16: 16 keys of K as 16
// columns of its packed panel (packK).
func keysGeneric(dst, src []float32, ld, hd int) {
	for j := range 16 {
		for kk, v := range src[j*ld:][:hd] {
			dst[kk*nr+j] = v
		}
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
// ld): for bf16, rounded first into s.att.q (fp32 tiles; read in place
// when qkv holds bf16 values) or packed as pairs into s.att.a.
func (j *attJob) scores(s *scratch, q []float32, ld, n int, kv attKV) {
	a, T, hd, ts := &s.att, j.T, j.hd, ceilDiv(j.T, 16)*16
	switch m := j.mode(); {
	case m == attFP32:
		a.g.set(n, T, hd, q, ld, kv.kp, a.s, ts, Epilogue{}, j.im)
	case m == attViaFP32 && j.inBF16: // Q read in place, as fp32
		a.g.set(n, T, hd, q, ld, kv.kp, a.s, ts, Epilogue{}, j.bf)
	case m == attViaFP32:
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
	exp := k.expSum
	if j.mode() == attViaFP32 {
		exp = j.bf.bf16.expRound
	}
	for i := range n {
		row := a.s[i*ts : i*ts+T]
		a.inv[i] = 1 / exp(row, k.max(row), j.scale)
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
