package kernels

// Register tile and packed panel sizes. nr is shared by every
// implementation, so that packed weights do not depend on the one selected;
// the GEMM drivers cut rows by their implementation's impl.mr, which is mr6
// for the generic, AVX2 and AVX-512 tiles.
const (
	mr6 = 6  // rows of the 6×64 tiles: M = 197 fills 33 tiles, 1 row of 198 (0.5 %) wasted
	nr  = 64 // columns of a register tile and of a packed B panel
)

// Cache blocking. A work item is rows × panels of the output; for each
// 64-column panel it walks K in blocks of kcBlock and, per block, every
// 6-row tile, so a kc×64 block of B is reused by all the item's row tiles
// while the item's A rows stay in L2 and B streams once, in order.
//
// A is not packed: the micro-kernel broadcasts from its 6 rows in place
// (row stride lda), and only the partial last row tile is copied, padded
// with zeros. Against contiguous packed rows the in-place read measured the
// same (33 tiles on one B block: 93.8–94.1 % of peak in place, 92.6–93.6 %
// packed), so the copy would only cost.
//
// Measured on this machine (2 vCPUs reported as AMD EPYC, family 26; avx512,
// 1 thread, interleaved A/B runs timed by thread CPU time, medians; the
// ViT-B/16 shapes of bench_test.go):
//   - the micro-kernel alone, data in L1: 99–102 % of the FMA probe's peak;
//     33 row tiles against one B block: 92–94 %.
//   - loop order panel → K block → row tile against K block → panel → row
//     tile: 1.2–9 % faster on all four shapes (B streams in order, the
//     accumulators of a panel stay in L1).
//   - kcBlock: 128, 192, 384 and 512 are within ±2–4 % of 256 with no
//     consistent winner; 768 is 1–3 % slower on three shapes. 256 also
//     makes attention's P·V (K = T = 197) a single pass.
//   - mcRows: 48, 72 and 102 rows per block instead of 204 were 4–12 %
//     slower on fc2 (K = 3072): B read from memory more often costs more
//     than A spilling from L2.
//   - the micro-kernel prefetching the next B block into L2 while the row
//     tiles run on this one: time without/with 1.035, 1.042 (qkv), 0.999,
//     1.027 (proj), 1.028, 1.031 (fc1), 1.032, 1.020 (fc2) — measured
//     when a slip (see pfSpan) prefetched only a quarter of the block;
//     the whole block took ViT-B/16 batch 1 from 205.4, 215.8, 221.7 to
//     202.6, 212.1, 208.2 ms on 1 thread (three interleaved pairs).
//   - a 12×32 tile (24 accumulators too, B block half as wide so it fits
//     L1) against 6×64 on 48 streamed B blocks: 191–201 against 197–203
//     GFLOP/s, so 6×64 stays.
//   - ncPanels 1 or 2 instead of 4: within ±2.4 % on one thread, no
//     consistent sign. With two threads, 1 instead of 2 gives twice as many
//     items (12 for N = 768), so the last item leaves the other thread idle
//     half as long: ViT-B/16 batch 1 on 2 threads, medians of 5 interleaved
//     runs of 8 passes, 116.5 → 114.9 ms.
//   - threads split the columns, not the rows, when there are enough
//     column blocks (2 per thread): each thread then streams its half of B
//     once instead of all of B, against the same A. Same runs: 124.4 →
//     114.9 ms (rows split 2 ways before, whatever N). Later, on 2 to
//     ownThreads threads, the rows went back to being split, by owner,
//     with every row operation split the same way (owners.go): A is then
//     the rows the same core wrote. BenchmarkViTB16 on 2 threads, medians
//     of 3 interleaved runs, columns → owners: fp32 104.4 → 103.6 ms,
//     bf16 61.1 → 58.7, int8 38.6 → 36.3; ViT-Ti/16 (BenchmarkViTTi16,
//     medians of 6) fp32 8.95 → 8.65 ms. Linear layers with weights over
//     ownMaxFP32 (ViT-S's and ViT-B's fp32 but proj) went back to columns.
//   - whole GEMM as committed, BenchmarkPeakFraction, median of 30: qkv
//     89.2 %, proj 86.0 %, fc1 91.1 %, fc2 92.7 % of the probe's peak
//     (84.8–86.8 % before the whole next block was prefetched).
var (
	kcBlock  = 256 // K block: a 64 KiB B block, from L1 and L2
	mcRows   = 204 // rows per item at most: one block for M = 197
	ncPanels = 1   // ≤ 64 columns per item: the grain of work for threads
)

// packB writes w (n, k) row-major with row stride ldw into dst as panels of
// nr columns: panel q holds columns q·nr…, row kk of it at dst[(q·k+kk)·nr:],
// columns past n zero. Four rows of w go at a time, so each write fills
// four neighbouring floats (1.45× faster than one row at a time on an
// attention head's K, 197×64).
func packB(dst, w []float32, ldw, n, k int) {
	for q := 0; q*nr < n; q++ {
		panel := dst[q*k*nr : (q+1)*k*nr]
		cols := min(nr, n-q*nr)
		j := 0
		for ; j+4 <= cols; j += 4 {
			r0 := w[(q*nr+j)*ldw:][:k]
			r1 := w[(q*nr+j+1)*ldw:][:k]
			r2 := w[(q*nr+j+2)*ldw:][:k]
			r3 := w[(q*nr+j+3)*ldw:][:k]
			for kk := range k {
				d := panel[kk*nr+j : kk*nr+j+4]
				d[0], d[1], d[2], d[3] = r0[kk], r1[kk], r2[kk], r3[kk]
			}
		}
		for ; j < cols; j++ {
			for kk, v := range w[(q*nr+j)*ldw:][:k] {
				panel[kk*nr+j] = v
			}
		}
		if cols < nr {
			for kk := range k {
				clear(panel[kk*nr+cols : (kk+1)*nr])
			}
		}
	}
}

// packBT is packB for a matrix stored transposed: v is (k, n) row-major
// with row stride ldv, and dst gets the panels of vᵀ.
func packBT(dst, v []float32, ldv, k, n int) {
	for q := 0; q*nr < n; q++ {
		cols := min(nr, n-q*nr)
		for kk := range k {
			d := dst[(q*k+kk)*nr : (q*k+kk+1)*nr]
			copy(d, v[kk*ldv+q*nr:][:cols])
			clear(d[cols:])
		}
	}
}

// pfSpan is how many floats of pf a tile call of kc steps prefetches: a
// 16-float line every 4 steps. (It was kc·16 until this was found: the
// tiles then prefetched only the first line of every four of the next B
// block.)
func pfSpan(kc int) int { return kc / 4 * 16 }

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// gemm is one product c = act(a·bᵀ + bias) + residual with b packed. Its
// output is cut into items of whole register tiles; each item has one
// writer and sums K in the same fixed order, so the bits of c do not depend
// on how many goroutines share the items.
type gemm struct {
	m, n, k int
	a       []float32 // (m, k), row stride lda
	lda     int
	b       []float32 // packed, see packB
	c       []float32 // (m, n), row stride ldc
	ldc     int
	ep      Epilogue
	im      *impl
	p       *Pool
	blocking
	deal dealer
	done latch
}

// blocking is how a product's output is cut into items of whole register
// tiles: rb row blocks × cb column blocks, item it = row block it/cb. The
// row blocks are sub to a run of per rows, run q's first at q·sub: the
// owners' runs when owned, else one run of all the rows.
type blocking struct {
	rowsPer   int // rows per item at most, a multiple of the tile's rows
	panelsPer int // nr-column panels per item
	rb, cb    int
	threads   int  // the goroutines sharing the items
	owned     bool // row blocks by owner (owners.go)
	per, sub  int  // rows a run, row blocks a run
}

// rows is item it's rows [r0, r1) of an m-row output, r0 < r1 unless the
// item is past the last owner's rows.
func (b *blocking) rows(it, m int) (r0, r1 int) {
	rbi := it / b.cb
	q := rbi / b.sub
	r0 = q*b.per + rbi%b.sub*b.rowsPer
	return r0, min(r0+b.rowsPer, (q+1)*b.per, m)
}

// cut cuts an m×n output into tiles of mr rows: column blocks of at most
// ncPanels panels, row blocks of at most mcRows rows (whole tiles); when
// that makes fewer than 2 items per thread, at least one row block per
// thread as M allows; then more row blocks, as M allows, until the items
// keep the threads busy (balanced: 36 column blocks, qkv at batch 1, on 16
// threads would leave 12 of them idle in the third round). Where owners
// splits the rows and ownable says the product's weights allow it, the
// row blocks are the owners' rows instead, each cut in as few blocks
// of at most mcRows rows as it takes (batch 8 on 2 threads: 4 of 198 rows).
func cut(m, n, mr, threads int, ownable bool) blocking {
	mt, nt := ceilDiv(m, mr), ceilDiv(n, nr)
	var b blocking
	rb := ceilDiv(mt, max(1, mcRows/mr))
	b.panelsPer = ceilDiv(nt, ceilDiv(nt, ncPanels))
	b.cb = ceilDiv(nt, b.panelsPer)
	b.threads = threads
	if parts, per := owners(m, mr, threads); parts > 0 && ownable {
		b.owned, b.per = true, per
		b.sub = ceilDiv(per/mr, max(1, mcRows/mr))
		b.rowsPer = ceilDiv(per/mr, b.sub) * mr
		b.rb = parts * b.sub
		return b
	}
	if threads > 1 && rb*b.cb < 2*threads {
		rb = max(rb, min(mt, threads))
	}
	for {
		b.rowsPer = ceilDiv(mt, rb) * mr
		b.rb = ceilDiv(m, b.rowsPer)
		if rb >= mt || balanced(b.rb*b.cb, threads) {
			break
		}
		rb++
	}
	b.per, b.sub = b.rb*b.rowsPer, b.rb
	return b
}

func (b *blocking) items() int { return b.rb * b.cb }

// nextBlock is where, in a packed B of k rows per panel, the block to
// prefetch while the K block at pc (kc rows) of panel q runs, in an item of
// panels p0 ≤ q < p1: the next block in memory (the next K block of this
// panel, or the next panel); but after the item's last block, with items
// of whole columns shared by several threads, the next panel is most
// likely being taken by another thread, so the first block of the item
// threads further on, the one this thread most likely takes next
// (ViT-B/16 batch 1 on 2 threads, medians of 7 interleaved passes, two
// runs: 116.7 → 108.1 and 107.1 → 106.0 ms).
func (b *blocking) nextBlock(q, p0, p1, k, pc, kc int) int {
	if pc+kc == k && q == p1-1 && b.rb == 1 && b.threads > 1 {
		return (p0 + b.threads*b.panelsPer) * k * nr
	}
	return (q*k + pc + kc) * nr
}

// plan cuts the output into items for threads goroutines.
func (g *gemm) plan(threads int) {
	g.blocking = cut(g.m, g.n, g.im.mr, threads, 4*g.n*g.k <= ownMaxFP32)
	g.deal.reset(&g.blocking)
}

// set describes the product; plan must follow before items are run.
func (g *gemm) set(m, n, k int, a []float32, lda int, b, c []float32, ldc int, ep Epilogue, im *impl) {
	g.m, g.n, g.k = m, n, k
	g.a, g.lda, g.b, g.c, g.ldc = a, lda, b, c, ldc
	g.ep, g.im = ep, im
}

// release drops the references to the caller's memory.
func (g *gemm) release() { g.a, g.b, g.c, g.ep = nil, nil, nil, Epilogue{} }

// serial runs every item on the calling goroutine.
func (g *gemm) serial(s *scratch) {
	g.plan(1)
	for it := range g.items() {
		g.item(s, it)
	}
}

// do is worker w's share: items taken until none is left.
func (g *gemm) do(w int) {
	s := g.p.getScratch()
	for it, ok := g.deal.take(&g.blocking, w); ok; it, ok = g.deal.take(&g.blocking, w) {
		g.item(s, it)
	}
	g.p.putScratch(s)
}

// item computes one block of rows × panels of c: for each panel, K in
// blocks of kcBlock, each block over every row tile. The panel's K rows
// are contiguous, so B streams in order; the item's A rows stay in L2.
func (g *gemm) item(s *scratch, it int) {
	r0, r1 := g.rows(it, g.m)
	if r0 >= r1 {
		return
	}
	p0 := it % g.cb * g.panelsPer
	p1 := min(p0+g.panelsPer, ceilDiv(g.n, nr))
	mr, k32 := g.im.mr, g.im.fp32
	tiles, full := ceilDiv(r1-r0, mr), (r1-r0)/mr
	s.buf = grow(s.buf, tiles*mr*nr)
	if full < tiles { // the last rows: copy them into a zero-padded tile
		s.apad = grow(s.apad, mr*g.k)
		clear(s.apad)
		for r := r0 + full*mr; r < r1; r++ {
			copy(s.apad[(r-r0-full*mr)*g.k:][:g.k], g.a[r*g.lda:][:g.k])
		}
	}
	// One pass over K and nothing to add: full tiles go straight to c.
	direct := g.k <= kcBlock && g.ep.none()
	for q := p0; q < p1; q++ {
		col0 := q * nr
		narrow := g.n-col0 <= 16 && k32.tile16 != nil // e.g. T = 197 in Q·Kᵀ: 5
		for pc := 0; ; pc += kcBlock {
			kc := min(kcBlock, g.k-pc)
			last := pc+kc == g.k
			bp := g.b[(q*g.k+pc)*nr:][:kc*nr]
			// The first row tiles each prefetch a part of the next block,
			// as far as it goes.
			next := g.b[min(g.nextBlock(q, p0, p1, g.k, pc, kc), len(g.b)):]
			for t := range tiles {
				var pf []float32
				if o := t * pfSpan(kc); o+pfSpan(kc) <= min(len(next), kcBlock*nr) {
					pf = next[o : o+pfSpan(kc)]
				}
				a, lda := g.a[(r0+t*mr)*g.lda+pc:], g.lda
				if t == full {
					a, lda = s.apad[pc:], g.k
				}
				row0 := r0 + t*mr
				if direct && row0+mr <= g.m && col0+nr <= g.n {
					k32.tile(kc, a, lda, bp, g.c[row0*g.ldc+col0:], g.ldc, false, pf)
					continue
				}
				ct := s.buf[t*mr*nr:]
				if narrow {
					k32.tile16(kc, a, lda, bp, ct, nr, pc > 0)
				} else {
					k32.tile(kc, a, lda, bp, ct, nr, pc > 0, pf)
				}
				if last {
					g.store(ct, nr, row0, col0)
				}
			}
			if last {
				break
			}
		}
	}
}

// store applies the epilogue to one accumulated tile and writes its valid
// rows and columns to c.
func (g *gemm) store(ct []float32, ldb, row0, col0 int) {
	storeTile(g.im, &g.ep, g.c, g.ldc, g.m, g.n, ct, ldb, g.im.mr, row0, col0)
}

// storeTile runs im's epilogue ep on the mr×nr tile ct (row stride ldt) of
// an m×n product and writes its valid part to c at (row0, col0). Every GEMM
// path ends here, so bias, activation and residual mean the same in each.
func storeTile(im *impl, ep *Epilogue, c []float32, ldc, m, n int, ct []float32, ldt, mr, row0, col0 int) {
	rows, cols := min(mr, m-row0), min(nr, n-col0)
	var bias, res []float32
	if ep.Bias != nil {
		bias = ep.Bias[col0:]
	}
	i := row0*ldc + col0
	if ep.Residual != nil {
		res = ep.Residual[i:]
	}
	act := ep.Act
	if ep.RoundBF16 {
		act |= actRoundBF16
	}
	im.fp32.epi(c[i:], ldc, ct, ldt, bias, res, rows, cols, act)
}

// checkMatrix panics unless s holds rows×cols with row stride ld.
func checkMatrix(what string, s []float32, rows, cols, ld int) {
	if rows > 0 && cols > 0 && (ld < cols || len(s) < (rows-1)*ld+cols) {
		panic("kernels: " + what + " too short for its shape and leading dimension")
	}
}
