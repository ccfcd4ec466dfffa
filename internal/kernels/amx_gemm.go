package kernels

import "sync"

// amxMinRows: products of fewer rows (a classifier head at batch 1) run on
// the 6×64 register tiles, which waste less of their rows.
const amxMinRows = amxTile

// amxKc is the K block in groups: one block for ViT-B's K = 768 in bf16
// and int8, whose 32-column half panels of B (48 and 24 KiB) are reused by
// every block of rows from L1 and L2 while A streams from L2. Measured on
// the 16-core Xeon (BenchmarkAMXLinear, one thread, 30 runs each; noisy,
// the same code path varied up to 2× between runs), GFLOP/s at 192 / 384 /
// 768: bf16 qkv 622 / 728 / 749, fc2 (K = 3072) 282 / 308 / 318.
var amxKc = 384

// amxTiled lays A out as tiles (amxTilesA: each step of a 32-row block
// one contiguous 2 KiB) instead of rows of K (amxRowsA, where a tile's 16
// rows lie a row of K apart: 1.5 KiB for K = 768, 6 KiB for 3072). Not yet
// measured on an AMX CPU, so off; BenchmarkAMXLinear's layout=tiles rows
// compare the two (scripts/device_amx.sh).
var amxTiled = false

// amxGemm is lowGemm for AMX tiles: items are blocks of rows × one panel of
// 64 columns, each with one writer and one order over K (blocks of amxKc
// groups, steps of 16, the last step of a block shorter), so the result
// does not depend on the number of threads.
type amxGemm struct {
	m, n, kg int
	a        []uint32
	la       amxA      // a's layout
	sa       []float32 // int8: each row's scale
	w        *lowPrec
	c        []float32
	ldc      int
	ep       Epilogue
	im       *impl // whose AMX calls run
	epi      *impl // whose epilogue runs on the fp32 blocks
	rowsPer  int   // rows per item, a multiple of 32
	rb, cb   int   // row blocks, column panels
	next     counter
	done     latch
}

var amxGemms = sync.Pool{New: func() any { return new(amxGemm) }}

// linearAMX is linearLow's product for im's AMX calls, on the packed
// activations a (kg groups a row, laid out as la) and their scales sa.
func linearAMX(p *Pool, y []float32, ldy int, a []uint32, la amxA, sa []float32, m int, w *PackedB, ep Epilogue, im *impl) {
	g := amxGemms.Get().(*amxGemm)
	g.m, g.n, g.kg, g.a, g.la, g.sa, g.w = m, w.N, ceilDiv(w.K, w.lp.p.group()), a, la, sa, w.lp
	g.c, g.ldc, g.ep, g.im, g.epi = y, ldy, ep, im, cur()
	g.plan(p.threads)
	p.run(min(p.threads, g.rb*g.cb), g, &g.done)
	g.a, g.sa, g.w, g.c, g.ep = nil, nil, nil, nil, Epilogue{}
	amxGemms.Put(g)
}

// plan cuts the output into one item per panel and row block, the row
// blocks whole 32-row blocks, as many as give the shortest finish: with
// items taken in turn, the slowest thread does ⌈items/threads⌉ items of up
// to rowsPer rows, plus per item about half a block's time for its B
// strips, which no other item reuses (amxCut). One thread: one row block.
func (g *amxGemm) plan(threads int) {
	g.rowsPer = amxCut(g.m, g.n, threads)
	g.rb, g.cb = ceilDiv(g.m, g.rowsPer), ceilDiv(g.n, nr)
	g.next.next.Store(0)
}

// amxCut is plan's rows per item for an m×n output on threads threads.
func amxCut(m, n, threads int) int {
	mb, nt := ceilDiv(m, amxRows), ceilDiv(n, nr)
	best, bestCost := mb, -1.0
	for rb := 1; rb <= mb; rb++ {
		per := ceilDiv(mb, rb)
		if rb > 1 && per == ceilDiv(mb, rb-1) {
			continue // the same cut as rb−1
		}
		items := ceilDiv(mb, per) * nt
		cost := float64(ceilDiv(items, threads)) * (float64(per) + 0.5)
		if bestCost < 0 || cost < bestCost {
			best, bestCost = per, cost
		}
	}
	return best * amxRows
}

func (g *amxGemm) do(int) {
	s := lowScratches.Get().(*lowScratch)
	for it := g.next.take(); it < g.rb*g.cb; it = g.next.take() {
		g.item(s, it)
	}
	lowScratches.Put(s)
}

// item computes rows r0… of panel q into the worker's accumulator block
// (row stride nr) and stores them through the epilogue.
func (g *amxGemm) item(s *lowScratch, it int) {
	r0, q := it/g.cb*g.rowsPer, it%g.cb
	rows := min(g.rowsPer, g.m-r0)
	b := g.w.b[q*g.kg*nr:]
	if g.w.p != INT8 {
		s.f = grow(s.f, rows*nr)
		amxProduct(g.im.bf16.amx, rows, g.kg, g.a, g.la, r0, b, s.f, min(nr, g.n-q*nr))
		storeTile(g.epi, &g.ep, g.c, g.ldc, g.m, g.n, s.f, nr, rows, r0, q*nr)
		return
	}
	n := ceilDiv(rows, mr6) * mr6 * nr // whole 6-row tiles for dequant
	if cap(s.i) < n {
		s.i = make([]int32, n)
	}
	s.i, s.f = s.i[:n], grow(s.f, mr6*nr)
	amxProduct(g.im.int8.amx, rows, g.kg, g.a, g.la, r0, b, s.i, min(nr, g.n-q*nr))
	sw, off := g.w.scale[q*nr:(q+1)*nr], g.w.off[q*nr:(q+1)*nr]
	for i := 0; i < rows; i += mr6 { // rows past m have scale 0
		g.im.int8.dequant(s.f, s.i[i*nr:], g.sa[r0+i:], sw, off)
		storeTile(g.epi, &g.ep, g.c, g.ldc, r0+rows, g.n, s.f, nr, mr6, r0+i, q*nr)
	}
}

// amxProduct computes the rows×64 block c (row stride nr) of the product
// of rows r0… of the packed activations a (kg groups each, laid out as l;
// r0 a multiple of 32) and one packed panel b: K in
// blocks of amxKc groups, each block against each 32-column half of the
// panel for all rows, in calls of whole 32-row blocks, then one call for
// the last rows; a block's last step takes the groups left (kc mod 16).
// Only the halves holding some of the first cols columns are computed
// (T = 197 keys leave 5 in attention's last panel of K).
func amxProduct[T float32 | int32](call func(amxShape, int, int, []uint32, amxA, []uint32, []T, int, bool), rows, kg int, a []uint32, l amxA, r0 int, b []uint32, c []T, cols int) {
	if kg == 0 { // no products: the epilogue sees zeros
		clear(c)
		return
	}
	nb, rt := rows/amxRows, rows%amxRows
	for pc := 0; pc < kg; pc += amxKc {
		kc := min(amxKc, kg-pc)
		steps, kt := kc/amxTile, kc%amxTile
		for h := 0; h < cols; h += amxCols {
			bh := b[pc*nr+h:]
			run := func(rows0, rows1, nblk, r int) {
				cr := c[r*nr+h:]
				if steps > 0 {
					call(amxShape{rows0, rows1, amxTile}, nblk, steps, a[l.at(r0+r, pc):], l, bh, cr, nr, pc > 0)
				}
				if kt > 0 {
					call(amxShape{rows0, rows1, kt}, nblk, 1, a[l.at(r0+r, pc+steps*amxTile):], l, bh[steps*amxTile*nr:], cr, nr, pc > 0 || steps > 0)
				}
			}
			if nb > 0 {
				run(amxTile, amxTile, nb, 0)
			}
			if rt > 0 {
				run(min(rt, amxTile), max(rt-amxTile, 0), 1, nb*amxRows)
			}
		}
	}
}
