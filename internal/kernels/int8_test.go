package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTileI8Exact: int32 sums are exact, so every implementation's
// micro-kernel must give the generic twin's bits, over the whole byte
// range of both operands.
func TestTileI8Exact(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, kc4 := range []int{0, 1, 2, 3, 17, 128, 769} {
		const lda, ldc = 131, 70
		a := make([]uint32, (mr6-1)*lda+kc4)
		b := make([]uint32, kc4*nr)
		for i := range a {
			a[i] = r.Uint32()
		}
		for i := range b {
			b[i] = r.Uint32()
		}
		c0 := make([]int32, (mr6-1)*ldc+nr)
		for i := range c0 {
			c0[i] = r.Int32N(1<<20) - 1<<19
		}
		for _, acc := range []bool{false, true} {
			want := append([]int32(nil), c0...)
			tileI8Generic(kc4, a, lda, b, want, ldc, acc)
			for _, im := range impls(INT8) {
				got := append([]int32(nil), c0...)
				im.int8.tile(kc4, a, lda, b, got, ldc, acc)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("impl=%s kc4=%d acc=%v: c[%d] = %d, generic gave %d", im.name, kc4, acc, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestPackRowI8 checks the activation quantisation against its definition
// in float64: scale max|x|/127, bytes round(x/scale)+128, padding 128.
func TestPackRowI8(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, n := range []int{0, 1, 3, 4, 5, 15, 16, 17, 31, 64, 67, 767, 768} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 3)
		}
		if n == 3 {
			clear(x) // all zero: scale 0, every byte 128
		}
		spec := make([]uint32, ceilDiv(n, 4)+1)
		specScale := packRowI8(spec, x)
		for _, im := range impls(INT8) {
			dst := make([]uint32, ceilDiv(n, 4)+1)
			s := im.int8.pack(dst, x)
			// Every implementation packs the bits of packRowI8, so int8
			// gives the same results on every CPU.
			if s != specScale || !slices.Equal(dst, spec) {
				t.Fatalf("impl=%s n=%d: scale %v and quads %x, packRowI8 gave %v and %x", im.name, n, s, dst, specScale, spec)
			}
			var m float64
			for _, v := range x {
				m = math.Max(m, math.Abs(float64(v)))
			}
			if want := float32(m / 127); s != want {
				t.Fatalf("impl=%s n=%d: scale %v, want %v", im.name, n, s, want)
			}
			for i := range 4 * ceilDiv(n, 4) {
				got := float64(uint8(dst[i/4]>>(8*(i%4)))) - 128
				want := 0.0
				if i < n && s != 0 {
					want = float64(x[i]) / float64(s)
				}
				// The quotient is formed as x·(127/max) in fp32.
				if !(math.Abs(got-want) <= 0.5+1e-4) || math.Abs(got) > 127 {
					t.Fatalf("impl=%s n=%d: byte %d is %v+128, want round(%v)+128 (x = %v)", im.name, n, i, got, want, x[i])
				}
			}
			gen := make([]uint32, len(dst))
			if packRowI8(gen, x) != s || !slices.Equal(gen, dst) {
				t.Fatalf("impl=%s n=%d: differs from the generic twin's bits", im.name, n)
			}
			if dst[len(dst)-1] != 0 {
				t.Fatalf("impl=%s n=%d: wrote past ⌈n/4⌉ groups", im.name, n)
			}
		}
	}
}

func TestPackedBToI8(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, s := range []struct{ n, k int }{{1, 1}, {3, 5}, {65, 7}, {130, 64}} {
		w, _ := guarded(r, s.n*s.k, 0)
		if s.n == 3 {
			clear(w[:s.k]) // a zero column
		}
		q := PackBPrecision(w, s.n, s.k, INT8)
		if q.Precision() != INT8 || q.w != nil || q.To(INT8) != q {
			t.Fatalf("%dx%d: not an int8 PackedB", s.n, s.k)
		}
		back := q.To(FP32)
		for j := range s.n {
			var m float64
			for kk := range s.k {
				m = math.Max(m, math.Abs(float64(w[j*s.k+kk])))
			}
			sc := float32(m / 127)
			var sum int32
			for kk := range s.k {
				var qi float64
				if sc != 0 {
					qi = math.RoundToEven(float64(w[j*s.k+kk]) / float64(sc))
				}
				sum += int32(qi)
				got := back.w[(j/nr*s.k+kk)*nr+j%nr]
				if want := sc * float32(qi); got != want {
					t.Fatalf("%dx%d: w[%d,%d] → %v, want %v", s.n, s.k, j, kk, got, want)
				}
			}
			if q.lp.off[j] != 128*sum {
				t.Fatalf("%dx%d: off[%d] = %d, want 128·%d", s.n, s.k, j, q.lp.off[j], sum)
			}
		}
	}
}

// checkI8 compares y(i, j) of an int8 Linear with the float64 reference on
// the exact inputs. With sa = max_k|x[i,k]|/127 and sw = max_k|w[j,k]|/127
// each quantised value is within e = sa/2 (resp. sw/2) of the original
// (the 1e-3 covers the fp32 scale and quotient), so
//
//	|Σx̂ŵ − Σxw| ≤ e_a·Σ(|w|+e_w) + e_w·Σ|x|;
//
// the int32 sum is exact and the dequantisation adds 4·eps32·Σ|x̂||ŵ|.
func checkI8(t *testing.T, c *linearCase, y []float32, i, j int) {
	t.Helper()
	var s, sx, sw, sxw, mx, mw float64
	for kk := range c.k {
		a, b := float64(c.x[i*c.ldx+kk]), float64(c.w[j*c.k+kk])
		s += a * b
		sx, sw, sxw = sx+math.Abs(a), sw+math.Abs(b), sxw+math.Abs(a*b)
		mx, mw = math.Max(mx, math.Abs(a)), math.Max(mw, math.Abs(b))
	}
	ea, ew := 0.5*mx/127*(1+1e-3), 0.5*mw/127*(1+1e-3)
	tol := ea*(sw+float64(c.k)*ew) + ew*sx
	tol += 4 * eps32 * (sxw + ea*sw + ew*sx + float64(c.k)*ea*ew)
	if c.bias != nil {
		s += float64(c.bias[j])
		tol += 2 * eps32 * (math.Abs(s) + tol + math.Abs(float64(c.bias[j])))
	}
	ref := refAct(c.act, s)
	if c.act != ActNone {
		tol = actSlope*tol + 8*eps32*math.Abs(s)
	}
	if c.res != nil {
		r := float64(c.res[i*c.ldy+j])
		ref += r
		tol += 2 * eps32 * (math.Abs(ref) + math.Abs(r) + tol)
	}
	if got := float64(y[i*c.ldy+j]); !(math.Abs(got-ref) <= tol) {
		t.Fatalf("%dx%dx%d act %d: y[%d,%d] = %v, want %v ± %.3g", c.m, c.n, c.k, c.act, i, j, got, ref, tol)
	}
}

func TestLinearI8Shapes(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	kc := 4 * kcGroups // K per block in values
	shapes := []struct{ m, n, k int }{
		{1, 1, 1}, {1, 1, 0}, {2, 3, 5}, {5, 7, 3}, {6, 64, 1}, {6, 64, 4}, {7, 65, 129},
		{12, 128, 128}, {13, 130, kc + 1}, {mcRows + 5, nr*ncPanels + 3, 2*kc - 1},
		{2*mcRows + 5, 70, 3*kc - 2}, {197, 197, 64}, {31, 300, 17},
	}
	for _, im := range impls(INT8) {
		for si, s := range shapes {
			if testing.Short() && s.m*s.n*s.k > 1e6 {
				continue
			}
			c := newLinearCase(r, s.m, s.n, s.k, s.k+si%3, s.n+2*(si%2), si%2 == 0, si%3 == 0, Act(si%5))
			c.pb = c.pb.To(INT8)
			withLow(INT8, im, func() {
				t.Run(fmt.Sprintf("impl=%s/%dx%dx%d", im.name, s.m, s.n, s.k), func(t *testing.T) {
					y, all := c.run(NewPool(2))
					checkGuards(t, "y", all, pad, s.m, s.n, c.ldy)
					checkGuards(t, "x", c.xAll, pad, s.m, s.k, c.ldx)
					for i := range s.m {
						for j := range s.n {
							checkI8(t, c, y, i, j)
						}
					}
				})
			})
		}
	}
}

// TestLinearI8ViT checks the real ViT-B/16 shapes on every int8
// implementation, on a sample of outputs.
func TestLinearI8ViT(t *testing.T) {
	if testing.Short() {
		t.Skip("large shapes")
	}
	r := rand.New(rand.NewPCG(29, 30))
	for _, s := range []struct{ m, n, k int }{{197, 2304, 768}, {197, 768, 768}, {197, 3072, 768}, {197, 768, 3072}, {3 * 197, 768, 768}} {
		c := newLinearCase(r, s.m, s.n, s.k, s.k, s.n, true, s.n == 768, ActGELU)
		c.pb = c.pb.To(INT8)
		for _, im := range impls(INT8) {
			withLow(INT8, im, func() {
				t.Run(fmt.Sprintf("impl=%s/%dx%dx%d", im.name, s.m, s.n, s.k), func(t *testing.T) {
					y, _ := c.run(NewPool(2))
					for range 400 {
						checkI8(t, c, y, r.IntN(s.m), r.IntN(s.n))
					}
					checkI8(t, c, y, s.m-1, s.n-1)
				})
			})
		}
	}
}

// TestLinearI8Threads: the bits of the output do not depend on the
// number of threads, with rows by owner in one block an owner (197 rows)
// or several (591).
func TestLinearI8Threads(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	k := 8*kcGroups + 3
	for _, m := range []int{197, 591} {
		c := newLinearCase(r, m, 200, k, k, 200, true, true, ActGELU)
		c.pb = c.pb.To(INT8)
		linearI8Threads(t, c)
	}
}

func linearI8Threads(t *testing.T, c *linearCase) {
	t.Helper()
	for _, im := range impls(INT8) {
		withLow(INT8, im, func() {
			want, _ := c.run(NewPool(1))
			for _, th := range []int{2, 3} {
				got, _ := c.run(NewPool(th))
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("impl=%s threads=%d: y[%d] = %v, 1 thread gave %v", im.name, th, i, got[i], want[i])
					}
				}
			}
		})
	}
}

func TestLinearI8NoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	r := rand.New(rand.NewPCG(33, 34))
	c := newLinearCase(r, 50, 130, 70, 70, 130, true, true, ActGELU)
	c.pb = c.pb.To(INT8)
	p := NewPool(2)
	y, _ := c.run(p)
	ep := Epilogue{Bias: c.bias, Act: c.act, Residual: y}
	n := steadyAllocs(20, func() { Linear(p, y, c.ldy, c.x, c.ldx, c.m, c.pb, ep) })
	if n != 0 {
		t.Errorf("Linear with int8 weights allocates %v times per call after warm-up", n)
	}
}

// TestDequantI8 checks every implementation's dequantisation against the
// generic twin's bits (one conversion and two roundings, in one order).
func TestDequantI8(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	src, off := make([]int32, mr6*nr), make([]int32, nr)
	sa, sw := make([]float32, mr6), make([]float32, nr)
	for i := range src {
		src[i] = r.Int32() >> r.IntN(31) // all magnitudes, beyond 2²⁴ too
	}
	for j := range off {
		off[j], sw[j] = 128*(r.Int32N(1<<16)-1<<15), r.Float32()/127
	}
	for i := range sa {
		sa[i] = 3 * r.Float32() / 127
	}
	want := make([]float32, mr6*nr)
	dequantI8(want, src, sa, sw, off)
	for _, im := range impls(INT8) {
		got := make([]float32, mr6*nr)
		im.int8.dequant(got, src, sa, sw, off)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("impl=%s: dst[%d] = %v, generic gave %v", im.name, i, got[i], want[i])
			}
		}
	}
}
