package kernels

import "sync"

// packJob packs a low-precision Linear's activations, rows in items of
// packRows taken in turn by the pool's threads: rounded to bf16 pairs, or
// quantised per row to u8 quads with their scales. Each row is packed
// alone, so the bits do not depend on the threads.
type packJob struct {
	x      []float32 // (m, k), row stride ldx
	ldx, k int
	a      []uint32 // (m, kg), or with tiles as AMX tiles (amxTilesA)
	kg, m  int
	tiles  bool
	sa     []float32 // int8: each row's scale
	bf16   func(dst []uint32, x []float32)
	int8   func(dst []uint32, x []float32) float32
	next   counter
	done   latch
}

// packRows rows per item: 16 rows of ViT-B's K = 768 are 12 K values.
const packRows = 16

// packMin is the number of values below which one thread packs alone:
// handing out the rows costs more than it saves.
const packMin = 1 << 15

func (j *packJob) do(int) {
	var row *[]uint32
	if j.tiles {
		row = packRowBufs.Get().(*[]uint32)
		if cap(*row) < j.kg {
			*row = make([]uint32, j.kg)
		}
		defer packRowBufs.Put(row)
	}
	for it := j.next.take(); it*packRows < j.m; it = j.next.take() {
		for i := it * packRows; i < min((it+1)*packRows, j.m); i++ {
			x := j.x[i*j.ldx : i*j.ldx+j.k]
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
	}
}

// packRowBufs holds a row of groups for packing into tiles.
var packRowBufs = sync.Pool{New: func() any { return new([]uint32) }}

// toTiles copies row i's groups into the tiles of amxTilesA, the last
// step's groups past kg zero.
func (j *packJob) toTiles(i int, row []uint32) {
	l := amxTilesA(j.kg)
	for g := 0; g < j.kg; g += amxTile {
		d := j.a[l.at(i, g):][:amxTile]
		clear(d[copy(d, row[g:]):])
	}
}

// run packs the m rows on p's threads, or on the caller when they are few.
func (j *packJob) run(p *Pool) {
	j.next.next.Store(0)
	threads := 1
	if j.m*j.k >= packMin {
		threads = min(p.threads, ceilDiv(j.m, packRows))
	}
	p.run(threads, j, &j.done)
	j.x, j.a, j.sa, j.bf16, j.int8 = nil, nil, nil, nil, nil
}
