package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzTile compares every micro-kernel with the generic one on random
// panels: they may differ only by rounding, within the derived bound.
func FuzzTile(f *testing.F) {
	f.Add(uint16(1), uint64(1), false, uint8(0))
	f.Add(uint16(130), uint64(2), true, uint8(3))
	f.Fuzz(func(t *testing.T, kc16 uint16, seed uint64, acc bool, extra uint8) {
		kc := int(kc16 % 600)
		lda, ldc := kc+int(extra%5), nr+int(extra/5%7)
		r := rand.New(rand.NewPCG(seed, 1))
		a, _ := guarded(r, (mr6-1)*lda+kc, 0)
		b, _ := guarded(r, kc*nr, 0)
		c0, _ := guarded(r, (mr6-1)*ldc+nr, 0)
		want := append([]float32(nil), c0...)
		tileGeneric(kc, a, lda, b, want, ldc, acc, nil)
		for _, im := range impls(FP32) {
			got := append([]float32(nil), c0...)
			im.fp32.tile(kc, a, lda, b, got, ldc, acc, b)
			for i := range mr6 {
				for j := range nr {
					var sa float64
					for k := range kc {
						sa += math.Abs(float64(a[i*lda+k]) * float64(b[k*nr+j]))
					}
					if acc {
						sa += math.Abs(float64(c0[i*ldc+j]))
					}
					g, w := got[i*ldc+j], want[i*ldc+j]
					if tol := 4 * float64(kc+1) * eps32 * sa; !(math.Abs(float64(g)-float64(w)) <= tol) {
						t.Fatalf("impl=%s kc=%d acc=%v: c[%d,%d] = %v, generic %v ± %.3g", im.name, kc, acc, i, j, g, w, tol)
					}
				}
			}
			checkTile16(t, im, kc, a, lda, b, c0, ldc, acc, got)
		}
	})
}

// checkTile16: im.tile16 gives the bits of im.tile (full) in the first 16
// columns and leaves the others as they were.
func checkTile16(t *testing.T, im *impl, kc int, a []float32, lda int, b, c0 []float32, ldc int, acc bool, full []float32) {
	got := append([]float32(nil), c0...)
	im.fp32.tile16(kc, a, lda, b, got, ldc, acc)
	for i := range mr6 {
		for j := range nr {
			want := full[i*ldc+j]
			if j >= 16 {
				want = c0[i*ldc+j]
			}
			if g := got[i*ldc+j]; math.Float32bits(g) != math.Float32bits(want) && !(g != g && want != want) {
				t.Fatalf("impl=%s kc=%d acc=%v: tile16 c[%d,%d] = %v, want %v", im.name, kc, acc, i, j, g, want)
			}
		}
	}
}

// FuzzEpilogue compares every epilogue with the generic one on arbitrary
// float32 values.
func FuzzEpilogue(f *testing.F) {
	f.Add(uint32(0x3f800000), uint32(0xc0a00000), uint8(1))
	f.Fuzz(func(t *testing.T, xb, bb uint32, act uint8) {
		a := Act(act % 5)
		x, bias := math.Float32frombits(xb), math.Float32frombits(bb)
		src := []float32{x, bias, -x, x * 0.5}
		bs := []float32{bias, x, 0, 1}
		want := make([]float32, 4)
		epiGeneric(want, 4, src, 4, bs, nil, 1, 4, a)
		for _, im := range impls(FP32) {
			got := make([]float32, 4)
			im.fp32.epi(got, 4, src, 4, bs, nil, 1, 4, a)
			for i := range got {
				g, w := float64(got[i]), float64(want[i])
				z := math.Abs(float64(src[i] + bs[i]))
				if math.IsNaN(w) != math.IsNaN(g) || !math.IsNaN(w) && !(math.Abs(g-w) <= 8*eps32*z) && g != w {
					t.Fatalf("impl=%s act %d: epi(%v + %v) = %v, generic %v", im.name, a, src[i], bs[i], g, w)
				}
			}
		}
	})
}

// FuzzLinear runs Linear on fuzzed shapes, strides, epilogues and thread
// counts with every implementation and checks every output against the
// float64 reference and the guard bands.
func FuzzLinear(f *testing.F) {
	f.Add(uint8(7), uint8(65), uint16(129), uint8(3), uint8(0x1f))
	f.Fuzz(func(t *testing.T, m8, n8 uint8, k16 uint16, ld8, flags uint8) {
		m, n, k := int(m8%40), int(n8)%150, int(k16%600)
		r := rand.New(rand.NewPCG(uint64(m)<<32|uint64(n), uint64(k)))
		c := newLinearCase(r, m, n, k, k+int(ld8%4), n+int(ld8/4%4), flags&1 != 0, flags&2 != 0, Act(flags/4%5))
		for _, im := range impls(FP32) {
			withImpl(im, func() {
				y, all := c.run(NewPool(1 + int(flags/32%3)))
				checkGuards(t, "y", all, pad, m, n, c.ldy)
				for i := range m {
					for j := range n {
						c.check(t, y, i, j)
					}
				}
			})
		}
	})
}
