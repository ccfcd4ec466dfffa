package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTileT checks every implementation's transposed tile against float64,
// c = [c +] aᵀ·b with a's k steps lda apart and b's rows ldb apart, with
// the derived bound |Δ| ≤ kc·eps32·Σ|a||b| (+ the accumulated value's own
// rounding), and that it reads and writes nothing outside its operands.
func TestTileT(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, s := range [][3]int{{0, 6, 64}, {1, 6, 64}, {3, 9, 70}, {4, 6, 64}, {5, 17, 100}, {255, 576, 192}, {256, 6, 64}} {
		kc, lda, ldb := s[0], s[1], s[2]
		for _, acc := range []bool{false, true} {
			a, aAll := guardedMatrix(r, kc, mr6, lda)
			b, bAll := guardedMatrix(r, kc, nr, ldb)
			aCopy, bCopy := slices.Clone(aAll), slices.Clone(bAll)
			c0, _ := guardedMatrix(r, mr6, nr, nr+3)
			for _, im := range impls(FP32) {
				name := fmt.Sprintf("%s/kc=%d/lda=%d/ldb=%d/acc=%v", im.name, kc, lda, ldb, acc)
				c, cAll := guardedMatrix(r, mr6, nr, nr+3)
				copy(c, c0)
				im.fp32.tileT(kc, a, lda, b, ldb, c, nr+3, acc)
				checkGuards(t, name, cAll, pad, mr6, nr, nr+3)
				if !slices.Equal(bitsOf(aAll), bitsOf(aCopy)) || !slices.Equal(bitsOf(bAll), bitsOf(bCopy)) {
					t.Fatalf("%s: the operands changed", name)
				}
				for i := range mr6 {
					for j := range nr {
						var ref, abs float64
						if acc {
							ref, abs = float64(c0[i*(nr+3)+j]), math.Abs(float64(c0[i*(nr+3)+j]))
						}
						for k := range kc {
							p := float64(a[k*lda+i]) * float64(b[k*ldb+j])
							ref += p
							abs += math.Abs(p)
						}
						if d := math.Abs(float64(c[i*(nr+3)+j]) - ref); d > float64(kc+1)*eps32*abs {
							t.Fatalf("%s: c[%d,%d] = %v, want %v", name, i, j, c[i*(nr+3)+j], ref)
						}
					}
				}
			}
		}
	}
}

// bitsOf is s's bits, so that NaN guards compare equal to themselves.
func bitsOf(s []float32) []uint32 {
	u := make([]uint32, len(s))
	for i, v := range s {
		u[i] = math.Float32bits(v)
	}
	return u
}

// TestSumRows checks that every implementation's sumRows gives the bits of
// sumRowsGeneric (each column summed in row order onto dst) and writes no
// column past cols.
func TestSumRows(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, rows := range []int{0, 1, 7, 300} {
		for _, cols := range []int{1, 15, 16, 17, 63, 64, 65, 130} {
			lds := cols + rows%5
			src, _ := guardedMatrix(r, rows, cols, lds)
			d0, _ := guarded(r, cols, 0)
			want := slices.Clone(d0)
			sumRowsGeneric(want, src, lds, rows, cols)
			for _, im := range impls(FP32) {
				dst, all := guarded(r, cols, pad)
				copy(dst, d0)
				im.fp32.sumRows(dst, src, lds, rows, cols)
				name := fmt.Sprintf("%s/rows=%d/cols=%d", im.name, rows, cols)
				checkGuards(t, name, all, pad, 1, cols, cols)
				if !slices.Equal(dst, want) {
					t.Fatalf("%s: %v, want %v", name, dst, want)
				}
			}
		}
	}
}

// TestWeightGradBlocking checks wgJob's cut: every row tile and panel in
// exactly one item, row blocks within wgBlock, and at least 2 items per
// thread where the rows allow.
func TestWeightGradBlocking(t *testing.T) {
	for _, s := range [][2]int{{5, 192}, {192, 192}, {576, 192}, {768, 192}, {192, 768}, {1100, 70}, {6, 3000}} {
		for _, threads := range []int{1, 2, 3, 16} {
			j := wgJob{n: s[0], k: s[1]}
			j.plan(threads)
			name := fmt.Sprintf("N=%d/K=%d/threads=%d", s[0], s[1], threads)
			seen := make([]int, j.rowTiles*j.pans)
			for it := range j.items() {
				t0, q0 := it/j.cb*j.tilesPer, it%j.cb*j.panelsPer
				for tt := t0; tt < min(t0+j.tilesPer, j.rowTiles); tt++ {
					for q := q0; q < min(q0+j.panelsPer, j.pans); q++ {
						seen[tt*j.pans+q]++
					}
				}
			}
			for i, n := range seen {
				if n != 1 {
					t.Fatalf("%s: tile %d in %d items", name, i, n)
				}
			}
			if j.tilesPer > 1 && j.tilesPer*j.panelsPer*mr6*nr > wgBlock {
				t.Errorf("%s: %d×%d tiles per item, over wgBlock", name, j.tilesPer, j.panelsPer)
			}
			if want := min(2*threads, j.rowTiles*j.cb); threads > 1 && j.items() < want {
				t.Errorf("%s: %d items, want ≥ %d", name, j.items(), want)
			}
		}
	}
}
