package kernels

import "sync"

// lowPrec is a PackedB's weights in a precision below fp32, packed in
// panels of nr columns whose rows are 32-bit groups along K: bf16 pairs
// (packBF16) or int8 quads (packI8). bf16 weights are held in one of two
// forms, each made exactly from the other on first use (pairs): the pairs
// b, which the bf16 tiles read, or, when they were packed for an
// implementation that runs bf16 on its fp32 tiles, the same values widened
// to fp32 (wide, see widened), so that such a CPU holds one copy.
type lowPrec struct {
	p     Precision
	b     []uint32
	scale []float32 // int8: each column's scale, (⌈N/nr⌉·nr)
	off   []int32   // int8: 128·Σ_k of each quantised column, the u8 offset

	bOnce, wideOnce sync.Once
	wide            []float32 // bf16: the weights widened to fp32, see widened
}

// group is the number of K values in one 32-bit group of precision p.
func (p Precision) group() int {
	if p == INT8 {
		return 4
	}
	return 2
}

// kcGroups is the K block in 32-bit groups: 192 × 64 columns × 4 bytes is
// a 48 KiB block of B. Measured with bf16 (BenchmarkLowBlocking, 1 thread,
// GFLOP per CPU second): 192 and 256 beat 64–128 by 15–25 % on qkv and
// 0–10 % on fc2; 384 was no better.
var kcGroups = 192

// lowGemm is one Linear call with low-precision weights. Like gemm, its
// output is cut into items of whole tiles, each with one writer and a
// fixed order over K, so the result does not depend on the number of
// threads.
type lowGemm struct {
	m, n, kg int // kg: groups along K
	a        []uint32
	sa       []float32 // int8: each row's scale
	w        *lowPrec
	c        []float32
	ldc      int
	ep       Epilogue
	im       *impl // whose tiles of precision w.p run
	epi      *impl // whose epilogue runs on the fp32 tiles
	blocking
	deal dealer
	done latch
}

// lowScratch is a worker's accumulator blocks, kept across calls.
type lowScratch struct {
	f []float32
	i []int32
}

var (
	lowScratches = sync.Pool{New: func() any { return new(lowScratch) }}
	lowAs        = sync.Pool{New: func() any { return new(lowA) }}
	lowGemms     = sync.Pool{New: func() any { return new(lowGemm) }}
)

// lowA holds the packed activations of a call, their row scales and the
// job packing them.
type lowA struct {
	a    []uint32
	sa   []float32
	pack packJob
}

// linearLow is Linear for bf16 or int8 weights; the arguments have been
// checked. The activations are packed once per call (normalised first with
// a norm): rounded to bf16, or quantised per row to int8 and offset to u8.
func linearLow(p *Pool, y []float32, ldy int, x []float32, ldx, m int, w *PackedB, ep Epilogue, norm *Norm) {
	prec := w.lp.p
	if prec == BF16 {
		w.lp.pairs(w.N, w.K)
	}
	kg := ceilDiv(w.K, prec.group())
	im := sel[prec]
	amx := im.amx(prec) && m >= amxMinRows
	la := lowAs.Get().(*lowA)
	defer lowAs.Put(la)
	la.pack.setNorm(norm)
	a, lay := la.packed(p, x, ldx, m, w.K, kg, im, prec, amx && amxTiled)
	if amx {
		linearAMX(p, y, ldy, a, lay, la.sa, m, w, ep, im)
		return
	}
	g := lowGemms.Get().(*lowGemm)
	g.m, g.n, g.kg, g.a, g.sa, g.w, g.c, g.ldc, g.ep, g.im, g.epi = m, w.N, kg, a, la.sa, w.lp, y, ldy, ep, im, cur()
	g.plan(p.threads)
	p.run(min(p.threads, g.items()), g, &g.done)
	g.a, g.sa, g.w, g.c, g.ep = nil, nil, nil, nil, Epilogue{}
	lowGemms.Put(g)
}

// packed packs the m rows of x (k values each, row stride ldx) for im's
// products of precision prec, normalised first as la.pack's norm says: as rows of kg groups, m rounded up to whole
// row tiles, or with tiles as AMX tiles (amxTilesA), m rounded up to 32;
// the padding rows are zero. It returns the packed rows and their layout.
func (la *lowA) packed(p *Pool, x []float32, ldx, m, k, kg int, im *impl, prec Precision, tiles bool) ([]uint32, amxA) {
	mp, lay := ceilDiv(m, im.mr)*im.mr, amxRowsA(kg)
	n := mp * kg
	if tiles {
		mp, lay = ceilDiv(m, amxRows)*amxRows, amxTilesA(kg)
		n = mp / amxRows * lay.block
	}
	if cap(la.a) < n {
		la.a = make([]uint32, n)
	}
	a := la.a[:n]
	pj := &la.pack
	pj.x, pj.ldx, pj.k, pj.a, pj.kg, pj.m, pj.tiles = x, ldx, k, a, kg, m, tiles
	if prec == INT8 {
		la.sa = grow(la.sa, mp+mr6) // + mr6: amxGemm's 6-row steps start at any row
		pj.sa, pj.int8 = la.sa, im.int8.pack
		clear(la.sa[m:])
	} else {
		pj.bf16 = im.bf16.pack
	}
	pj.run(p)
	if !tiles {
		clear(a[m*kg:])
		return a, lay
	}
	for r := m; r < mp; r++ {
		for g := 0; g < kg; g += amxTile {
			clear(a[lay.at(r, g):][:amxTile])
		}
	}
	return a, lay
}

// plan cuts the output as gemm.plan does.
func (g *lowGemm) plan(threads int) {
	g.blocking = cut(g.m, g.n, g.im.mr, threads, true) // owned whatever the weights (ownMaxFP32)
	g.deal.reset(&g.blocking)
}

func (g *lowGemm) do(w int) {
	s := lowScratches.Get().(*lowScratch)
	for it, ok := g.deal.take(&g.blocking, w); ok; it, ok = g.deal.take(&g.blocking, w) {
		g.item(s, it)
	}
	lowScratches.Put(s)
}

// item computes one block of rows × panels: per panel, K in blocks of
// kcGroups, each block over every row tile, as gemm.item; with a single K
// block each tile is stored (dequantised) as soon as it is computed, so the
// accumulators are one tile, in L1, instead of the item's whole column of
// tiles (int8 ViT-B proj on 2 threads: the column's 50 KiB, written by the
// tiles and read back by the dequantisation, made 1.44× of one thread).
func (g *lowGemm) item(s *lowScratch, it int) {
	r0, r1 := g.rows(it, g.m)
	if r0 >= r1 {
		return
	}
	p0 := it % g.cb * g.panelsPer
	p1 := min(p0+g.panelsPer, ceilDiv(g.n, nr))
	mr := g.im.mr
	tiles := ceilDiv(r1-r0, mr)
	acc := tiles // tiles of accumulators: all of the column, or one
	if g.kg <= kcGroups {
		acc = 1
	}
	if g.w.p == INT8 {
		s.f = grow(s.f, mr*nr)
		if cap(s.i) < acc*mr*nr {
			s.i = make([]int32, acc*mr*nr)
		}
		s.i = s.i[:acc*mr*nr]
	} else {
		s.f = grow(s.f, acc*mr*nr)
	}
	if g.kg == 0 { // no products: the epilogue sees zeros
		clear(s.f)
		clear(s.i)
	}
	for q := p0; q < p1; q++ {
		if acc == 1 {
			for t := range tiles {
				g.tile(s, q, 0, g.kg, r0+t*mr, 0)
				g.store(s, q, r0+t*mr, 0)
			}
			continue
		}
		for pc := 0; pc < g.kg; pc += kcGroups {
			for t := range tiles {
				g.tile(s, q, pc, min(kcGroups, g.kg-pc), r0+t*mr, t)
			}
		}
		for t := range tiles {
			g.store(s, q, r0+t*mr, t)
		}
	}
}

// tile runs one row tile's product over kc groups from pc, rows row0…,
// panel q, into accumulator tile t of s.
func (g *lowGemm) tile(s *lowScratch, q, pc, kc, row0, t int) {
	if kc == 0 {
		return
	}
	mr := g.im.mr
	a := g.a[row0*g.kg+pc:]
	bp := g.w.b[(q*g.kg+pc)*nr:][:kc*nr]
	if g.w.p == INT8 {
		g.im.int8.tile(kc, a, g.kg, bp, s.i[t*mr*nr:], nr, pc > 0)
	} else {
		g.im.bf16.tile(kc, a, g.kg, bp, s.f[t*mr*nr:], nr, pc > 0)
	}
}

// store writes accumulator tile t of s, rows row0… of panel q, through the
// epilogue, dequantised first for int8.
func (g *lowGemm) store(s *lowScratch, q, row0, t int) {
	mr := g.im.mr
	var ct []float32
	if g.w.p == INT8 {
		ct = s.f
		g.im.int8.dequant(ct, s.i[t*mr*nr:], g.sa[row0:row0+mr], g.w.scale[q*nr:(q+1)*nr], g.w.off[q*nr:(q+1)*nr])
	} else {
		ct = s.f[t*mr*nr:]
	}
	storeTile(g.epi, &g.ep, g.c, g.ldc, g.m, g.n, ct, nr, mr, row0, q*nr)
}
