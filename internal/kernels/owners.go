package kernels

// Row ownership. On few threads, the calls of a forward pass split their
// rows the same way: thread w owns rows [w·per, (w+1)·per) of every
// LayerNorm, activation packing, Linear and attention call, and does their
// work first. The activations a call reads were then, for the most part,
// written by the same core, and stay in its cache: the weights, read-only,
// are what the cores share. Cut by columns instead (gemm.go), each thread
// reads every row of A, half of them written by the other core. On this
// VM that traffic cost more at some hours than at others: ViT-Ti/16 batch
// 1 on 2 threads (BenchmarkViTTi16), a LayerNorm call took 0.55 ms per
// image spread over 2 threads and 0.69 ms on one thread after rows written
// by both, against 0.27 ms on one thread throughout; at another time the
// same 2-thread LayerNorm took 0.21 ms. With owners it takes 0.20–0.30 ms,
// and the whole pass is 8 % faster in the first state, 3 % in the second.
//
// Which worker runs which share is not fixed (Pool.run), so an owner's
// items are handed out by a counter of their own, and a thread that has
// done its own takes what is left of the others': a late or descheduled
// thread costs balance, not correctness, and the bits of every result are
// the same whoever runs an item.

// ownThreads is the most threads that split rows by owner. Each owner
// streams all of a Linear's weights, where cut by columns each streams
// its share: ViT-B/16's bf16 fc1 at batch 1 on 4 threads is about 0.8 ms
// of products a thread against 4.7 MB of weights from L3 (some 0.15 ms),
// but on 16 threads 0.2 ms against the same 0.15 ms. Measured on 2 threads
// only; BenchmarkViTB16's batch=16/owned run on a many-core machine says
// whether more threads should.
var ownThreads = 4

// ownMaxFP32 is the most bytes of fp32 weights a Linear may have for its
// rows to be split by owner; bf16 and int8 Linear layers are owned
// whatever their size. Measured on 2 threads, in-process passes
// (BenchmarkViTS16, BenchmarkViTB16), interleaved runs, medians, ms per
// image, columns → owned: ViT-S fp32 (0.6–2.4 MB a layer) 30.7 → 31.4
// with every layer owned, and in a later run 32.9 → 32.4 with only those
// ≤ 1 MB (proj); ViT-S bf16 19.8 → 17.9, int8 15.3 → 13.3; ViT-B bf16
// (1.2–4.7 MB) 61.1 → 58.7, int8 38.6 → 36.3, fp32 (2.4–9.4 MB) 104.4 →
// 103.6, within noise; ViT-Ti (fp32 ≤ 0.6 MB) 8.95 → 8.65. The row
// operations are owned whatever the weights.
var ownMaxFP32 = 1 << 20

// minOwnTiles is the fewest row tiles an owner gets: 33 tiles of 6 rows
// at batch 1 split at most 4 ways.
const minOwnTiles = 8

// maxOwners bounds ownThreads: the counters are a fixed array.
const maxOwners = 16

// owners cuts m rows into runs of per rows (a multiple of mr), one per
// owner, for threads goroutines: parts owners, or parts = 0 when the rows
// are not split by owner (one thread, more than ownThreads, or too few
// rows).
func owners(m, mr, threads int) (parts, per int) {
	mt := ceilDiv(m, mr)
	if threads < 2 || threads > min(ownThreads, maxOwners) || mt < threads*minOwnTiles {
		return 0, 0
	}
	per = ceilDiv(mt, threads) * mr
	return ceilDiv(m, per), per
}

// ownedItems hands out parts runs of each items, run q belonging to owner
// q: worker w takes run w%parts first, then what is left of the others.
type ownedItems struct {
	parts, each int
	next        [maxOwners]paddedCounter
}

// paddedCounter is a counter alone on its cache line, so that owners
// taking their own items do not contend.
type paddedCounter struct {
	counter
	_ [56]byte
}

// reset readies o for parts runs of each items.
func (o *ownedItems) reset(parts, each int) {
	o.parts, o.each = parts, each
	for q := range parts {
		o.next[q].next.Store(0)
	}
}

// take returns the next item for worker w, as owner q and index k in q's
// run, or ok false when none is left.
func (o *ownedItems) take(w int) (q, k int, ok bool) {
	for v := range o.parts {
		q = (w + v) % o.parts
		if k = o.next[q].take(); k < o.each {
			return q, k, true
		}
	}
	return 0, 0, false
}

// dealer hands out a blocking's items: in turn, or by owner when the
// blocking's row blocks are owned (cut), item q·sub·cb + k being item k of
// owner q's rows.
type dealer struct {
	next counter
	own  ownedItems
}

func (d *dealer) reset(b *blocking) {
	d.next.next.Store(0)
	if b.owned {
		d.own.reset(b.rb/b.sub, b.sub*b.cb)
	}
}

// take returns worker w's next item of b, or ok false when none is left.
func (d *dealer) take(b *blocking, w int) (it int, ok bool) {
	if b.owned {
		q, k, ok := d.own.take(w)
		return q*b.sub*b.cb + k, ok
	}
	it = d.next.take()
	return it, it < b.items()
}

// rowDealer hands out a row operation's rows in runs of at most step: in
// turn, or with the rows owned, each owner's rows cut into runs.
type rowDealer struct {
	rows, step int
	per        int // rows an owner, or 0 when not owned
	next       counter
	own        ownedItems
}

// plan readies d for rows rows in runs of step, split by owner where
// owners says so for threads goroutines, and returns how many goroutines
// to run: the owners, or as many as there are runs, up to threads.
func (d *rowDealer) plan(rows, step, threads int) int {
	d.rows, d.step, d.per = rows, step, 0
	d.next.next.Store(0)
	if parts, per := owners(rows, mr6, threads); parts > 0 {
		d.per = per
		d.own.reset(parts, ceilDiv(per, step))
		return parts
	}
	return min(threads, ceilDiv(rows, step))
}

// take returns worker w's next run of rows [r0, r1), or ok false when
// none is left.
func (d *rowDealer) take(w int) (r0, r1 int, ok bool) {
	if d.per == 0 {
		r0 = d.next.take() * d.step
		return r0, min(r0+d.step, d.rows), r0 < d.rows
	}
	for {
		q, k, ok := d.own.take(w)
		if !ok {
			return 0, 0, false
		}
		r0 = q*d.per + k*d.step
		if r1 = min(r0+d.step, (q+1)*d.per, d.rows); r0 < r1 {
			return r0, r1, true
		}
	}
}
