package kernels

import (
	"fmt"
	"strings"
	"sync"
)

// bf16Impl is one implementation of the bf16 micro-kernel; tileBF16Generic
// is its specification.
type bf16Impl struct {
	name string
	// tile computes a 6×64 fp32 tile of c from kc2 pairs of 6 bf16 rows of
	// A (row stride lda pairs) and a packed bf16 panel of B (packBF16),
	// continuing from c's values when acc is set.
	tile func(kc2 int, a []uint32, lda int, b []uint32, c []float32, ldc int, acc bool)
	// pack is packRowBF16.
	pack func(dst []uint32, x []float32)
}

var bf16Generic = &bf16Impl{name: "generic", tile: tileBF16Generic, pack: packRowBF16}

// bf16Impls lists the bf16 implementations this build and CPU run, best
// first; bf16Cur is the one in use unless the fp32 kernels are "generic",
// which makes every kernel pure Go.
var (
	bf16Impls = append(bf16AsmImpls(), bf16Generic)
	bf16Cur   = bf16Impls[0]
	bf16Known = []string{"generic", "avx512bf16"}
)

// SelectBF16 chooses the bf16 implementation: "auto" (the best this CPU
// runs), "generic" or "avx512bf16". Like Select, it fails for one the CPU or
// build cannot run and is not safe to call while kernels are running.
func SelectBF16(name string) error {
	if name == "auto" || name == "" {
		bf16Cur = bf16Impls[0]
		return nil
	}
	for _, im := range bf16Impls {
		if im.name == name {
			bf16Cur = im
			return nil
		}
	}
	for _, k := range bf16Known {
		if k == name {
			return fmt.Errorf("bf16 kernel %q cannot run on this CPU or build (available: %s)", name, AvailableBF16())
		}
	}
	return fmt.Errorf("unknown bf16 kernel %q (want auto or one of %s)", name, strings.Join(bf16Known, ", "))
}

// SelectedBF16 names the bf16 implementation Linear uses for bf16 weights.
func SelectedBF16() string { return bf16Selected().name }

func bf16Selected() *bf16Impl {
	if cur == generic {
		return bf16Generic
	}
	return bf16Cur
}

// AvailableBF16 lists the bf16 implementations this CPU and build run, best
// first.
func AvailableBF16() string {
	names := make([]string, len(bf16Impls))
	for i, im := range bf16Impls {
		names[i] = im.name
	}
	return strings.Join(names, ", ")
}

// kc2Block is the K block of the bf16 GEMM in pairs: 128 pairs × 64
// columns × 4 bytes is a 32 KiB block of B, the fp32 path's K = 256.
var kc2Block = 192

// bf16Gemm is one Linear call with bf16 weights. Like gemm, its output is
// cut into items of whole 6×64 tiles, each with one writer and a fixed
// order over K, so the result does not depend on the number of threads.
type bf16Gemm struct {
	m, n, k2  int
	a         []uint32 // (⌈m/6⌉·6, k2) bf16 pairs of x, padding rows zero
	b         []uint32 // packBF16 panels
	c         []float32
	ldc       int
	ep        Epilogue
	im        *bf16Impl
	epi       *impl // whose epilogue runs on the fp32 accumulators
	rowsPer   int
	panelsPer int
	cb        int // column blocks
	items     int
	next      counter
	wg        sync.WaitGroup
}

// bf16Scratch is a worker's accumulator block, kept across calls.
var bf16Scratch = sync.Pool{New: func() any { return new([]float32) }}

// bf16A holds the packed activations of a call, kept across calls.
var bf16A = sync.Pool{New: func() any { return new([]uint32) }}

// linearBF16 is Linear for bf16 weights; the arguments have been checked.
func linearBF16(p *Pool, y []float32, ldy int, x []float32, ldx, m int, w *PackedB, ep Epilogue) {
	k2 := ceilDiv(w.K, 2)
	mp := ceilDiv(m, mr) * mr
	ab := bf16A.Get().(*[]uint32)
	if cap(*ab) < mp*k2 {
		*ab = make([]uint32, mp*k2)
	}
	a := (*ab)[:mp*k2]
	im := bf16Selected()
	for i := range m {
		im.pack(a[i*k2:(i+1)*k2], x[i*ldx:i*ldx+w.K])
	}
	clear(a[m*k2:])
	g := bf16Gemms.Get().(*bf16Gemm)
	g.m, g.n, g.k2, g.a, g.b, g.c, g.ldc, g.ep, g.im, g.epi = m, w.N, k2, a, w.bf, y, ldy, ep, im, cur
	g.plan(p.threads)
	p.run(min(p.threads, g.items), g, &g.wg)
	g.a, g.b, g.c, g.ep = nil, nil, nil, Epilogue{}
	bf16Gemms.Put(g)
	bf16A.Put(ab)
}

var bf16Gemms = sync.Pool{New: func() any { return new(bf16Gemm) }}

// plan cuts the output as gemm.plan does.
func (g *bf16Gemm) plan(threads int) {
	mt, nt := ceilDiv(g.m, mr), ceilDiv(g.n, nr)
	rb := ceilDiv(mt, mcTiles)
	if threads > 1 {
		rb = max(rb, min(mt, threads))
	}
	g.rowsPer = ceilDiv(mt, rb) * mr
	g.panelsPer = ceilDiv(nt, ceilDiv(nt, ncPanels))
	g.cb = ceilDiv(nt, g.panelsPer)
	g.items = ceilDiv(g.m, g.rowsPer) * g.cb
	g.next.next.Store(0)
}

func (g *bf16Gemm) do(int) {
	buf := bf16Scratch.Get().(*[]float32)
	for it := g.next.take(); it < g.items; it = g.next.take() {
		g.item(buf, it)
	}
	bf16Scratch.Put(buf)
}

// item computes one block of rows × panels: per panel, K in blocks of
// kc2Block pairs, each block over every row tile, as gemm.item.
func (g *bf16Gemm) item(buf *[]float32, it int) {
	r0 := it / g.cb * g.rowsPer
	r1 := min(r0+g.rowsPer, g.m)
	p0 := it % g.cb * g.panelsPer
	p1 := min(p0+g.panelsPer, ceilDiv(g.n, nr))
	tiles := ceilDiv(r1-r0, mr)
	*buf = grow(*buf, tiles*mr*nr)
	if g.k2 == 0 { // no products: the epilogue sees zeros
		clear(*buf)
	}
	for q := p0; q < p1; q++ {
		for pc := 0; pc < g.k2; pc += kc2Block {
			kc := min(kc2Block, g.k2-pc)
			bp := g.b[(q*g.k2+pc)*nr:][:kc*nr]
			for t := range tiles {
				g.im.tile(kc, g.a[(r0+t*mr)*g.k2+pc:], g.k2, bp, (*buf)[t*mr*nr:], nr, pc > 0)
			}
		}
		for t := range tiles {
			g.store((*buf)[t*mr*nr:], r0+t*mr, q*nr)
		}
	}
}

// store applies the epilogue to one accumulated tile, as gemm.store.
func (g *bf16Gemm) store(ct []float32, row0, col0 int) {
	rows, cols := min(mr, g.m-row0), min(nr, g.n-col0)
	var bias, res []float32
	if g.ep.Bias != nil {
		bias = g.ep.Bias[col0:]
	}
	i := row0*g.ldc + col0
	if g.ep.Residual != nil {
		res = g.ep.Residual[i:]
	}
	g.epi.epi(g.c[i:], g.ldc, ct, nr, bias, res, rows, cols, g.ep.Act)
}
