package kernels

// weightGradT is WeightGrad on im's transposed tile (wgJob); db's column
// sums of dy are taken 64 columns at a time, each summed in row order.
func weightGradT(p *Pool, dw, db, dy, x []float32, M, N, K int, buf *GradBuf, im *impl) {
	s := p.getScratch()
	j := &s.wg
	j.im, j.p, j.dw, j.dy, j.x, j.m, j.n, j.k = im, p, dw, dy, x, M, N, K
	j.ep = Epilogue{Residual: dw}
	j.plan(p.threads)
	p.run(min(p.threads, j.items()), j, &j.done)
	j.p, j.dw, j.dy, j.x, j.ep = nil, nil, nil, nil, Epilogue{}
	p.putScratch(s)
	if db == nil {
		return
	}
	buf.bsum = grow(buf.bsum, N)
	sum := buf.bsum
	clear(sum)
	p.For(ceilDiv(N, nr), func(c int) {
		c0, c1 := c*nr, min((c+1)*nr, N)
		im.fp32.sumRows(sum[c0:c1], dy[c0:], N, M, c1-c0)
	})
	for i, v := range sum {
		db[i] += v
	}
}

// wgJob is one weight gradient dw (N, K) += dyᵀ·x on an implementation's
// transposed tile (tileT), which reads dy and x where they lie: no
// transpose, no packing, the reduction over M running down their rows.
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
	m, n, k        int
	ep             Epilogue // the residual dw
	tilesPer, rb   int      // row tiles per item, row blocks
	panelsPer, cb  int      // column panels per item, column blocks
	rowTiles, pans int
	next           counter
	done           latch
}

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
// all of M, then adds them to dw.
func (j *wgJob) item(s *scratch, it int) {
	t0 := it / j.cb * j.tilesPer
	t1 := min(t0+j.tilesPer, j.rowTiles)
	q0 := it % j.cb * j.panelsPer
	q1 := min(q0+j.panelsPer, j.pans)
	nt, tile := t1-t0, mr6*nr
	s.buf = grow(s.buf, nt*(q1-q0)*tile)
	for pc := 0; pc < j.m; pc += kcBlock {
		kc := min(kcBlock, j.m-pc)
		for q := q0; q < q1; q++ {
			b, ldb := j.panel(s, pc, kc, q)
			for t := t0; t < t1; t++ {
				a, lda := j.rows(s, pc, kc, t)
				ct := s.buf[((q-q0)*nt+t-t0)*tile:]
				j.im.fp32.tileT(kc, a, lda, b, ldb, ct, nr, pc > 0)
			}
		}
	}
	for q := q0; q < q1; q++ {
		for t := t0; t < t1; t++ {
			ct := s.buf[((q-q0)*nt+t-t0)*tile:]
			storeTile(j.im, &j.ep, j.dw, j.k, j.n, j.k, ct, nr, mr6, t*mr6, q*nr)
		}
	}
}

// panel is x's rows [pc, pc+kc) at panel q's columns, as tileT's b: in
// place, or copied zero-padded when the panel runs past K.
func (j *wgJob) panel(s *scratch, pc, kc, q int) ([]float32, int) {
	col0 := q * nr
	if col0+nr <= j.k {
		return j.x[pc*j.k+col0:], j.k
	}
	s.bpack = grow(s.bpack, kcBlock*nr)
	packBT(s.bpack[:kc*nr], j.x[pc*j.k+col0:], j.k, kc, j.k-col0)
	return s.bpack, nr
}

// rows is dy's rows [pc, pc+kc) at row tile t's columns, as tileT's a: in
// place, or copied zero-padded when the tile runs past N.
func (j *wgJob) rows(s *scratch, pc, kc, t int) ([]float32, int) {
	row0 := t * mr6
	if row0+mr6 <= j.n {
		return j.dy[pc*j.n+row0:], j.n
	}
	s.apad = grow(s.apad, kcBlock*mr6)
	for kk := range kc {
		d := s.apad[kk*mr6 : (kk+1)*mr6]
		clear(d[copy(d, j.dy[(pc+kk)*j.n+row0:(pc+kk+1)*j.n]):])
	}
	return s.apad, mr6
}
