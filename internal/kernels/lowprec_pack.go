package kernels

import "sync"

// packJob packs a low-precision Linear's activations, rows in items of
// packRows taken in turn by the pool's threads: rounded to bf16 pairs, or
// quantised per row to u8 quads with their scales, or rounded to bf16 and
// kept as fp32 rows (linearViaFP32). With a norm, each row is first
// normalised into a buffer of the worker's, by the kernel LayerNorm runs,
// so one pass over x replaces LayerNorm's write and the packing's read.
// Each row is packed alone, so the bits do not depend on the threads.
type packJob struct {
	x      []float32 // (m, k), row stride ldx
	ldx, k int
	norm   *Norm        // nil: the rows of x as they are
	ln     *fp32Kernels // whose LayerNorm normalises (normRows)
	a      []uint32     // (m, kg), or with tiles as AMX tiles (amxTilesA)
	kg, m  int
	tiles  bool
	sa     []float32 // int8: each row's scale
	bf16   func(dst []uint32, x []float32)
	int8   func(dst []uint32, x []float32) float32
	round  func(dst, x []float32) // via fp32: into r
	r      []float32              // (m, k), the rounded rows
	deal   rowDealer
	done   latch
}

// packRows rows per item: 16 rows of ViT-B's K = 768 are 12 K values.
const packRows = 16

// packMin is the number of values below which one thread packs alone:
// handing out the rows costs more than it saves.
const packMin = 1 << 15

func (j *packJob) do(w int) {
	var row *[]uint32
	if j.tiles {
		row = packRowBufs.Get().(*[]uint32)
		*row = grow(*row, j.kg)
		defer packRowBufs.Put(row)
	}
	var nrow *[]float32
	if j.norm != nil {
		nrow = normRowBufs.Get().(*[]float32)
		*nrow = grow(*nrow, j.ldx+j.k)
		defer normRowBufs.Put(nrow)
	}
	for r0, r1, ok := j.deal.take(w); ok; r0, r1, ok = j.deal.take(w) {
		for i := r0; i < r1; {
			if j.norm == nil {
				j.packRow(i, j.x[i*j.ldx:i*j.ldx+j.k], row)
				i++
				continue
			}
			n := j.normalise(*nrow, i, r1)
			for t := range n {
				j.packRow(i+t, (*nrow)[t*j.ldx:t*j.ldx+j.k], row)
			}
			i += n
		}
	}
}

// normalise normalises rows i and i+1 of x (row i alone where i+1 is r1)
// into buf's rows ldx apart, and returns how many rows it did.
func (j *packJob) normalise(buf []float32, i, r1 int) int {
	rows := min(2, r1-i)
	normRows(j.ln, buf, j.x[i*j.ldx:], rows, j.k, j.ldx, j.norm.Gamma, j.norm.Beta, j.norm.Eps)
	return rows
}

// packRow packs row i of the activations from x, its values (normalised
// where the job normalises), through row when packing into tiles.
func (j *packJob) packRow(i int, x []float32, row *[]uint32) {
	if j.round != nil {
		j.round(j.r[i*j.k:(i+1)*j.k], x)
		return
	}
	var dst []uint32
	if j.tiles {
		dst = (*row)[:j.kg]
	} else {
		dst = j.a[i*j.kg : (i+1)*j.kg]
	}
	if j.int8 != nil {
		j.sa[i] = j.int8(dst, x)
	} else {
		j.bf16(dst, x)
	}
	if j.tiles {
		j.toTiles(i, dst)
	}
}

// packRowBufs holds a row of groups for packing into tiles; normRowBufs a
// normalised row.
var (
	packRowBufs = sync.Pool{New: func() any { return new([]uint32) }}
	normRowBufs = sync.Pool{New: func() any { return new([]float32) }}
)

// toTiles copies row i's groups into the tiles of amxTilesA, the last
// step's groups past kg zero.
func (j *packJob) toTiles(i int, row []uint32) {
	l := amxTilesA(j.kg)
	for g := 0; g < j.kg; g += amxTile {
		d := j.a[l.at(i, g):][:amxTile]
		clear(d[copy(d, row[g:]):])
	}
}

// setNorm makes the job normalise each row with n (nil: none) by the
// kernel LayerNorm runs.
func (j *packJob) setNorm(n *Norm) {
	j.norm, j.ln = n, nil
	if n != nil {
		j.ln = cur().fp32
	}
}

// run packs the m rows on p's threads, by owner where owners says so, or
// on the caller when they are few.
func (j *packJob) run(p *Pool) {
	threads := p.threads
	if j.m*j.k < packMin {
		threads = 1
	}
	p.run(j.deal.plan(j.m, packRows, threads), j, &j.done)
	j.x, j.a, j.sa, j.r, j.norm = nil, nil, nil, nil, nil
	j.ln, j.bf16, j.int8, j.round = nil, nil, nil, nil
}
