package kernels

// weightGradT is WeightGrad on im's transposed tile (wgJob); db's column
// sums of dy, each summed in row order, are taken by the items as they
// reach dy's rows (addSums).
func weightGradT(p *Pool, dw, db, dy, x []float32, M, N, K int, buf *GradBuf, im *impl) {
	var sum []float32
	if db != nil {
		buf.bsum = grow(buf.bsum, N)
		sum = buf.bsum[:N]
		clear(sum)
	}
	s := p.getScratch()
	j := &s.wg
	j.set(im, dw, K, dy, N, x, K, M, N, K, true)
	j.sum = sum
	j.p = p
	j.plan(p.threads)
	p.run(min(p.threads, j.items()), j, &j.done)
	j.release()
	p.putScratch(s)
	for i, v := range sum {
		db[i] += v
	}
}

// mulT writes c (n, k) = aᵀ·b, or adds it to c with add, for a (m, n) and
// b (m, k) of row strides lda and ldb, on the calling goroutine: wgJob's
// items in turn, with s's buffers. It uses s.wg, s.buf, s.apad and
// s.bpack, so nothing the caller keeps across the call may lie in them
// (attention's backward keeps its own in s.ab).
func mulT(s *scratch, im *impl, c []float32, ldc int, a []float32, lda int, b []float32, ldb int, m, n, k int, add bool) {
	j := &s.wg
	j.set(im, c, ldc, a, lda, b, ldb, m, n, k, add)
	j.plan(1)
	for it := range j.items() {
		j.item(s, it)
	}
	j.release()
}

// wgJob is one weight gradient dw (N, K) += dyᵀ·x on an implementation's
// transposed tile (tileT): no transpose, the reduction over M running
// down dy's and x's rows, read in place or, where the implementation's
// tileT wants them so (packT), packed a block at a time (itemPacked).
// The output is cut into items of row tiles × column panels; each item
// sums M in blocks of kcBlock into its own accumulator block (one tile per
// row tile and panel, so the B rows of a panel and the A rows of a tile
// stay in cache across the block) and then adds it to dw. Every sum over M
// runs in order within one writer, so the bits do not depend on the
// thread count.
type wgJob struct {
	im             *impl
	p              *Pool
	dw, dy, x      []float32
	ldw, ldy, ldx  int // their row strides
	m, n, k        int
	ep             Epilogue  // the residual dw, or none: dw overwritten
	sum            []float32 // when not nil: += dy's column sums (db's)
	tilesPer, rb   int       // row tiles per item, row blocks
	panelsPer, cb  int       // column panels per item, column blocks
	rowTiles, pans int
	next           counter
	done           latch
}

// set describes dw (n, k) [+]= dyᵀ·x for dy (m, n) and x (m, k), with
// their row strides; plan must follow.
func (j *wgJob) set(im *impl, dw []float32, ldw int, dy []float32, ldy int, x []float32, ldx int, m, n, k int, add bool) {
	checkMatrix("WeightGrad: dy", dy, m, n, ldy)
	checkMatrix("WeightGrad: x", x, m, k, ldx)
	checkMatrix("WeightGrad: dw", dw, n, k, ldw)
	j.im, j.dw, j.dy, j.x, j.ldw, j.ldy, j.ldx, j.m, j.n, j.k = im, dw, dy, x, ldw, ldy, ldx, m, n, k
	j.ep, j.sum = Epilogue{}, nil
	if add {
		j.ep.Residual = dw
	}
}

// release drops the references to the caller's memory.
func (j *wgJob) release() { j.p, j.dw, j.dy, j.x, j.ep, j.sum = nil, nil, nil, nil, Epilogue{}, nil }

// wgBlock is the most accumulators of one item: 256 KiB, held in L2.
const wgBlock = 64 << 10

// plan cuts dw into items: column blocks of at most 4 panels, row blocks
// as large as wgBlock allows, then smaller until there are 2 items per
// thread (as the rows allow) and they keep the threads busy.
func (j *wgJob) plan(threads int) {
	j.rowTiles, j.pans = ceilDiv(j.n, mr6), ceilDiv(j.k, nr)
	j.cb = ceilDiv(j.pans, 4)
	j.panelsPer = ceilDiv(j.pans, j.cb)
	rb := ceilDiv(j.rowTiles, max(1, wgBlock/(j.panelsPer*mr6*nr)))
	least := 1
	if threads > 1 {
		least = min(j.rowTiles, ceilDiv(2*threads, j.cb))
	}
	for {
		j.tilesPer = ceilDiv(j.rowTiles, rb)
		j.rb = ceilDiv(j.rowTiles, j.tilesPer)
		if rb >= j.rowTiles || j.rb >= least && balanced(j.rb*j.cb, threads) {
			break
		}
		rb++
	}
	j.next.next.Store(0)
}

func (j *wgJob) items() int { return j.rb * j.cb }

func (j *wgJob) do(int) {
	s := j.p.getScratch()
	for it := j.next.take(); it < j.items(); it = j.next.take() {
		j.item(s, it)
	}
	j.p.putScratch(s)
}

// item accumulates the row tiles [t0, t1) × panels [q0, q1) of dyᵀ·x over
// all of M, then adds them to dw: itemPacked where the implementation's
// tileT wants packed operands, else with both read in place, a panel at a
// time for every row tile.
func (j *wgJob) item(s *scratch, it int) {
	if j.im.fp32.packT {
		j.itemPacked(s, it)
		return
	}
	t0, t1, q0, q1 := j.span(it)
	nt, tile := t1-t0, mr6*nr
	s.buf = grow(s.buf, nt*(q1-q0)*tile)
	for pc := 0; pc < j.m; pc += kcBlock {
		kc := min(kcBlock, j.m-pc)
		if q0 == 0 {
			j.addSums(pc, kc, t0, t1)
		}
		for q := q0; q < q1; q++ {
			b, ldb := j.panelInPlace(s, pc, kc, q)
			for t := t0; t < t1; t++ {
				a, lda := j.rowsInPlace(s, pc, kc, t)
				ct := s.buf[((q-q0)*nt+t-t0)*tile:]
				j.im.fp32.tileT(kc, a, lda, b, ldb, ct, nr, pc > 0)
			}
		}
	}
	j.store(s, it)
}

// panelInPlace is x's rows [pc, pc+kc) at panel q's columns, as tileT's b: in
// place, or copied zero-padded when the panel runs past K.
func (j *wgJob) panelInPlace(s *scratch, pc, kc, q int) ([]float32, int) {
	col0 := q * nr
	if col0+nr <= j.k {
		return j.x[pc*j.ldx+col0:], j.ldx
	}
	s.bpack = grow(s.bpack, kcBlock*nr)
	packBT(s.bpack[:kc*nr], j.x[pc*j.ldx+col0:], j.ldx, kc, j.k-col0)
	return s.bpack, nr
}

// rowsInPlace is dy's rows [pc, pc+kc) at row tile t's columns, as tileT's a: in
// place, or copied zero-padded when the tile runs past N.
func (j *wgJob) rowsInPlace(s *scratch, pc, kc, t int) ([]float32, int) {
	row0 := t * mr6
	if row0+mr6 <= j.n {
		return j.dy[pc*j.ldy+row0:], j.ldy
	}
	s.apad = grow(s.apad, kcBlock*mr6)
	for kk := range kc {
		r := (pc + kk) * j.ldy
		d := s.apad[kk*mr6 : (kk+1)*mr6]
		clear(d[copy(d, j.dy[r+row0:r+j.n]):])
	}
	return s.apad, mr6
}

// addSums adds dy's rows [pc, pc+kc) at row tiles [t0, t1)'s columns to
// j.sum (db's), each column's rows in order, when there is a j.sum. Only
// the items of the first column block call it, so each column has one
// writer, and they call it as they reach those rows, while they are in
// cache for the tiles.
func (j *wgJob) addSums(pc, kc, t0, t1 int) {
	if j.sum == nil {
		return
	}
	c0 := t0 * mr6
	j.im.fp32.sumRows(j.sum[c0:], j.dy[pc*j.ldy+c0:], j.ldy, kc, min(t1*mr6, j.n)-c0)
}

// span is item it's row tiles [t0, t1) and panels [q0, q1).
func (j *wgJob) span(it int) (t0, t1, q0, q1 int) {
	t0, q0 = it/j.cb*j.tilesPer, it%j.cb*j.panelsPer
	return t0, min(t0+j.tilesPer, j.rowTiles), q0, min(q0+j.panelsPer, j.pans)
}

// store adds item it's accumulated tiles, in s.buf panel by panel, to dw
// (or writes them, without a residual).
func (j *wgJob) store(s *scratch, it int) {
	t0, t1, q0, q1 := j.span(it)
	nt, tile := t1-t0, mr6*nr
	for q := q0; q < q1; q++ {
		for t := t0; t < t1; t++ {
			ct := s.buf[((q-q0)*nt+t-t0)*tile:]
			storeTile(j.im, &j.ep, j.dw, j.ldw, j.n, j.k, ct, nr, mr6, t*mr6, q*nr)
		}
	}
}

// wgGroup is how many row tiles' columns of dy are packed at a time: 48
// floats, three whole cache lines of each row.
const wgGroup = 8

// itemPacked is item for a tileT that wants its operands packed. Per
// block of M it packs the item's panels of x once (every row tile reads
// them) and the row tiles' columns of dy, wgGroup tiles at a time, once
// (every panel reads them), so the tiles read both contiguously: in
// place, their rows lie N or K floats apart, often a multiple of 1 KiB,
// and a tile's steps fell into a few L1 sets. The items of the first
// column block add dy's columns to j.sum just before they pack them.
func (j *wgJob) itemPacked(s *scratch, it int) {
	t0, t1, q0, q1 := j.span(it)
	nt, tile := t1-t0, mr6*nr
	s.buf = grow(s.buf, nt*(q1-q0)*tile)
	for pc := 0; pc < j.m; pc += kcBlock {
		kc := min(kcBlock, j.m-pc)
		b := j.panels(s, pc, kc, q0, q1)
		for tg := t0; tg < t1; tg += wgGroup {
			tg1 := min(tg+wgGroup, t1)
			if q0 == 0 {
				j.addSums(pc, kc, tg, tg1)
			}
			a := j.rows(s, pc, kc, tg, tg1)
			for t := tg; t < tg1; t++ {
				at := a[(t-tg)*kc*mr6:]
				for q := q0; q < q1; q++ {
					ct := s.buf[((q-q0)*nt+t-t0)*tile:]
					j.im.fp32.tileT(kc, at, mr6, b[(q-q0)*kc*nr:], nr, ct, nr, pc > 0)
				}
			}
		}
	}
	j.store(s, it)
}

// panels packs x's rows [pc, pc+kc) at panels [q0, q1) as tileT's b, one
// panel of kc rows × nr after another, zero-padded past K.
func (j *wgJob) panels(s *scratch, pc, kc, q0, q1 int) []float32 {
	s.bpack = grow(s.bpack, (q1-q0)*kc*nr)
	b := s.bpack[:(q1-q0)*kc*nr]
	packBT(b, j.x[pc*j.ldx+q0*nr:], j.ldx, kc, min(q1*nr, j.k)-q0*nr)
	return b
}

// rows packs dy's rows [pc, pc+kc) at row tiles [t0, t1)'s columns as
// tileT's a, one tile after another, mr6 floats a step, zero-padded past
// N.
func (j *wgJob) rows(s *scratch, pc, kc, t0, t1 int) []float32 {
	s.apad = grow(s.apad, (t1-t0)*kc*mr6)
	a := s.apad[:(t1-t0)*kc*mr6]
	for t := t0; t < t1; t++ {
		at := a[(t-t0)*kc*mr6:]
		c0 := t * mr6
		if c0+mr6 > j.n {
			for kk := range kc {
				r := (pc + kk) * j.ldy
				d := at[kk*mr6 : (kk+1)*mr6]
				clear(d[copy(d, j.dy[r+c0:r+j.n]):])
			}
			continue
		}
		for kk := range kc {
			r := j.dy[(pc+kk)*j.ldy+c0:][:mr6]
			d := at[kk*mr6 : (kk+1)*mr6 : (kk+1)*mr6]
			d[0], d[1], d[2], d[3], d[4], d[5] = r[0], r[1], r[2], r[3], r[4], r[5]
		}
	}
	return a
}
