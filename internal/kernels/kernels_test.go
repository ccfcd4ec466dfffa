package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

const eps32 = 1.0 / (1 << 24) // float32 unit roundoff

// guarded returns a slice of n random values in [-1, 1) with NaN guard
// bands of pad values on each side, and the whole backing slice.
func guarded(r *rand.Rand, n, pad int) (mid, all []float32) {
	all = make([]float32, n+2*pad)
	for i := range all {
		all[i] = float32(math.NaN())
	}
	mid = all[pad : pad+n]
	for i := range mid {
		mid[i] = 2*r.Float32() - 1
	}
	return mid, all
}

// guardedMatrix is guarded for a rows×cols matrix with row stride ld: the
// gaps between rows are NaN too.
func guardedMatrix(r *rand.Rand, rows, cols, ld int) (mid, all []float32) {
	mid, all = guarded(r, max(0, (rows-1)*ld+cols), pad)
	for i := range mid {
		if cols == 0 || i%ld >= cols {
			mid[i] = float32(math.NaN())
		}
	}
	return mid, all
}

// checkGuards checks that only rows×cols (stride ld) of the buffer that
// starts pad values into all changed from NaN.
func checkGuards(t *testing.T, what string, all []float32, pad, rows, cols, ld int) {
	t.Helper()
	for i, v := range all {
		j := i - pad
		inside := j >= 0 && cols > 0 && j/ld < rows && j%ld < cols
		if !inside && !math.IsNaN(float64(v)) {
			t.Fatalf("%s: element %d outside the output was written (%v)", what, j, v)
		}
	}
}

// refAct is the float64 activation and its largest slope.
func refAct(a Act, x float64) float64 {
	switch a {
	case ActGELU:
		return 0.5 * x * math.Erfc(-x/math.Sqrt2)
	case ActGELUTanh:
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
	case ActReLU:
		return max(x, 0)
	case ActQuickGELU:
		return x / (1 + math.Exp(-1.702*x))
	}
	return x
}

const actSlope = 1.13 // max |act'| over the activations above

// linearCase is one Linear problem with its NaN-guarded buffers.
type linearCase struct {
	m, n, k, ldx, ldy int
	x, xAll           []float32
	w                 []float32
	bias, res         []float32
	act               Act
	pb                *PackedB
}

const pad = 37

func newLinearCase(r *rand.Rand, m, n, k, ldx, ldy int, bias, res bool, act Act) *linearCase {
	c := &linearCase{m: m, n: n, k: k, ldx: ldx, ldy: ldy, act: act}
	c.x, c.xAll = guardedMatrix(r, m, k, ldx)
	c.w, _ = guarded(r, n*k, 0)
	if bias {
		c.bias, _ = guarded(r, n, 0)
	}
	if res {
		c.res, _ = guardedMatrix(r, m, n, ldy)
	}
	c.pb = PackB(c.w, n, k)
	return c
}

// run computes the product with the current implementation on p into a
// fresh guarded output (the residual, if any, is aliased to the output,
// as the model does) and returns the output buffer.
func (c *linearCase) run(p *Pool) (y, all []float32) {
	y, all = guardedMatrix(rand.New(rand.NewPCG(9, 9)), c.m, c.n, c.ldy)
	ep := Epilogue{Bias: c.bias, Act: c.act}
	if c.res != nil {
		copy(y, c.res)
		ep.Residual = y
	}
	Linear(p, y, c.ldy, c.x, c.ldx, c.m, c.pb, ep)
	return y, all
}

// check compares y(i, j) with the float64 reference and the derived bound
// |c − c_ref| ≤ 2·k·eps·Σ|a||b| (plus the bias, activation and residual
// roundings).
func (c *linearCase) check(t *testing.T, y []float32, i, j int) {
	var s, sa float64
	for kk := range c.k {
		a, b := float64(c.x[i*c.ldx+kk]), float64(c.w[j*c.k+kk])
		s += a * b
		sa += math.Abs(a * b)
	}
	if c.bias != nil {
		s += float64(c.bias[j])
		sa += math.Abs(float64(c.bias[j]))
	}
	tol := 2 * float64(c.k+2) * eps32 * sa
	ref := refAct(c.act, s)
	if c.act != ActNone {
		tol = actSlope*tol + 8*eps32*math.Abs(s)
	}
	if c.res != nil {
		r := float64(c.res[i*c.ldy+j])
		ref += r
		tol += 2 * eps32 * (math.Abs(ref) + math.Abs(r))
	}
	got := float64(y[i*c.ldy+j])
	if !(math.Abs(got-ref) <= tol) {
		t.Fatalf("%dx%dx%d act %d: y[%d,%d] = %v, want %v ± %.3g", c.m, c.n, c.k, c.act, i, j, got, ref, tol)
	}
}

// named is the registry's implementation called name.
func named(name string) *impl {
	for _, im := range registry {
		if im.name == name {
			return im
		}
	}
	panic("no implementation " + name)
}

// firstDiff is the first index where a and b differ in bits, or −1.
func firstDiff(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// withImpl runs f with im as the fp32 implementation.
func withImpl(im *impl, f func()) { withLow(FP32, im, f) }

func TestLinearShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	type shape struct{ m, n, k int }
	shapes := []shape{
		{1, 1, 1}, {1, 1, 0}, {2, 3, 5}, {5, 7, 3}, {6, 64, 1}, {7, 65, 129}, {12, 128, 128},
		{13, 130, kcBlock + 1}, {mcRows + 5, nr*ncPanels + 3, 2*kcBlock - 1},
		{2*mcRows + 5, 70, 3*kcBlock - 2}, {197, 197, 64}, {31, 300, 17},
	}
	for _, im := range impls(FP32) {
		for si, s := range shapes {
			if testing.Short() && s.m*s.n*s.k > 1e6 {
				continue
			}
			act := Act(si % 5)
			c := newLinearCase(r, s.m, s.n, s.k, s.k+si%3, s.n+2*(si%2), si%2 == 0, si%3 == 0, act)
			withImpl(im, func() {
				t.Run(fmt.Sprintf("impl=%s/%dx%dx%d", im.name, s.m, s.n, s.k), func(t *testing.T) {
					y, all := c.run(NewPool(2))
					checkGuards(t, "y", all, pad, s.m, s.n, c.ldy)
					checkGuards(t, "x", c.xAll, pad, s.m, s.k, c.ldx)
					for i := range s.m {
						for j := range s.n {
							c.check(t, y, i, j)
						}
					}
				})
			})
		}
	}
}

// TestLinearViT checks the real ViT-B/16 shapes on the best implementation,
// on a sample of outputs.
func TestLinearViT(t *testing.T) {
	if testing.Short() {
		t.Skip("large shapes")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range []struct{ m, n, k int }{{197, 2304, 768}, {197, 768, 768}, {197, 3072, 768}, {197, 768, 3072}, {3 * 197, 768, 768}} {
		c := newLinearCase(r, s.m, s.n, s.k, s.k, s.n, true, s.n == 768, ActGELU)
		t.Run(fmt.Sprintf("impl=%s/%dx%dx%d", best(FP32).name, s.m, s.n, s.k), func(t *testing.T) {
			y, _ := c.run(NewPool(2))
			for range 400 {
				c.check(t, y, r.IntN(s.m), r.IntN(s.n))
			}
			c.check(t, y, s.m-1, s.n-1)
		})
	}
}

// TestLinearThreads: the bits of the output do not depend on the number of
// threads, with rows by owner in one block an owner (197 rows) or several
// (591).
func TestLinearThreads(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, m := range []int{197, 591} {
		linearThreads(t, newLinearCase(r, m, 200, 2*kcBlock+3, 2*kcBlock+3, 200, true, true, ActGELU))
	}
}

func linearThreads(t *testing.T, c *linearCase) {
	t.Helper()
	for _, im := range impls(FP32) {
		withImpl(im, func() {
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

func TestLinearNoAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	c := newLinearCase(r, 50, 130, 70, 70, 130, true, true, ActGELU)
	p := NewPool(2)
	y, _ := c.run(p)
	ep := Epilogue{Bias: c.bias, Act: c.act, Residual: y}
	n := steadyAllocs(20, func() { Linear(p, y, c.ldy, c.x, c.ldx, c.m, c.pb, ep) })
	if n != 0 {
		t.Errorf("Linear allocates %v times per call after warm-up", n)
	}
}

func TestActivations(t *testing.T) {
	for _, im := range impls(FP32) {
		for _, a := range []Act{ActNone, ActGELU, ActGELUTanh, ActReLU, ActQuickGELU} {
			const n = 4099
			src, dst := make([]float32, n), make([]float32, n+1)
			for i := range src {
				src[i] = float32(i-n/2) / 150 // −13.7 … 13.7
			}
			src[0], src[1] = -90, 90
			dst[n] = 7
			im.fp32.epi(dst[:n], n, src, n, nil, nil, 1, n, a)
			if dst[n] != 7 {
				t.Fatalf("impl=%s act %d wrote past the end", im.name, a)
			}
			for i, x := range src {
				ref := refAct(a, float64(x))
				tol := 4*eps32*math.Abs(float64(x)) + 1e-40
				if got := float64(dst[i]); !(math.Abs(got-ref) <= tol) {
					t.Fatalf("impl=%s act %d (%v) = %v, want %v ± %.3g", im.name, a, x, got, ref, tol)
				}
			}
		}
	}
}

// TestEpilogueRound: an epilogue with actRoundBF16 writes, bit for bit,
// what the same epilogue without it writes, rounded by roundRowBF16: for
// every activation, with and without bias and residual, on widths with
// and without a tail, and on NaN, infinities, denormals, ties and values
// that round up into the next binade.
func TestEpilogueRound(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, -0.0,
		math.Float32frombits(0x00018000), math.Float32frombits(0x3f808000), math.Float32frombits(0x3f818000),
		math.Float32frombits(0x3fffffff), math.Float32frombits(0x7f7fffff), math.Float32frombits(0xff800001)}
	for _, im := range impls(FP32) {
		for _, a := range []Act{ActNone, ActGELU, ActGELUTanh, ActReLU, ActQuickGELU} {
			for _, cols := range []int{64, 37, 5} {
				const rows, ld = 3, 70
				src, bias, res := make([]float32, rows*ld), make([]float32, cols), make([]float32, rows*ld)
				for i := range src {
					src[i], res[i] = 8*(2*r.Float32()-1), 2*r.Float32()-1
				}
				copy(src, special)
				for i := range bias {
					bias[i] = 2*r.Float32() - 1
				}
				for _, withRes := range []bool{false, true} {
					rs := res
					if !withRes {
						rs = nil
					}
					want, got := make([]float32, rows*ld), make([]float32, rows*ld)
					im.fp32.epi(want, ld, src, ld, bias, rs, rows, cols, a)
					for i := range rows {
						row := want[i*ld : i*ld+cols]
						roundRowBF16(row, row)
					}
					im.fp32.epi(got, ld, src, ld, bias, rs, rows, cols, a|actRoundBF16)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("impl=%s act %d cols %d res %v: [%d] = %#x, want %#x (src %v)", im.name, a, cols, withRes, i,
								math.Float32bits(got[i]), math.Float32bits(want[i]), src[i])
						}
					}
				}
			}
		}
	}
}

// TestEpilogueColumns: an epilogue over many columns writes, bit for bit,
// what it writes 8 columns at a time (the AVX2 GELU takes 16 at a time,
// two chains interleaved, where it can), for every activation, with and
// without bias, residual and bf16 rounding.
func TestEpilogueColumns(t *testing.T) {
	r := rand.New(rand.NewPCG(83, 84))
	const rows, cols, ld = 3, 56, 61
	src, bias, res := make([]float32, rows*ld), make([]float32, cols), make([]float32, rows*ld)
	for i := range src {
		src[i], res[i] = 8*(2*r.Float32()-1), 2*r.Float32()-1
	}
	for i := range bias {
		bias[i] = 2*r.Float32() - 1
	}
	for _, im := range impls(FP32) {
		for _, a := range []Act{ActNone, ActGELU, ActGELUTanh, ActReLU, ActQuickGELU, ActGELU | actRoundBF16} {
			for _, withRes := range []bool{false, true} {
				for _, b := range [][]float32{nil, bias} {
					want, got := make([]float32, rows*ld), make([]float32, rows*ld)
					for j := 0; j < cols; j += 8 {
						var rs, bj []float32
						if withRes {
							rs = res[j:]
						}
						if b != nil {
							bj = b[j : j+8]
						}
						im.fp32.epi(want[j:], ld, src[j:], ld, bj, rs, rows, 8, a)
					}
					rs := res
					if !withRes {
						rs = nil
					}
					im.fp32.epi(got, ld, src, ld, b, rs, rows, cols, a)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("impl=%s act %#x res %v bias %v: [%d] = %v, 8 columns at a time %v",
								im.name, a, withRes, b != nil, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestCut: the blocking of ViT-B/16's batch-1 GEMMs, that more threads
// than column blocks split the rows until the items keep them busy, and
// that on 2 to ownThreads threads the row blocks are the owners' rows
// unless the weights are large.
func TestCut(t *testing.T) {
	for _, c := range []struct {
		m, n, threads, rb, cb int
		owned                 bool
	}{
		{197, 2304, 1, 1, 36, false}, {197, 2304, 2, 2, 36, true}, {197, 768, 2, 2, 12, true},
		{197, 3072, 2, 2, 48, true}, {197, 768, 4, 4, 12, true}, {197, 768, 5, 2, 12, false},
		{197, 2304, 16, 2, 36, false}, {197, 768, 16, 11, 12, false}, {197, 3072, 16, 1, 48, false},
		{197, 320, 2, 2, 5, true}, {90, 320, 2, 2, 5, false}, {5, 64, 16, 1, 1, false},
		{8 * 197, 768, 2, 8, 12, true}, // batch 8: 4 blocks of ≤ mcRows rows an owner
	} {
		b := cut(c.m, c.n, mr6, c.threads, true)
		if b.rb != c.rb || b.cb != c.cb || b.owned != c.owned || b.rowsPer%mr6 != 0 || b.rb*b.rowsPer < c.m || (b.rb-1)*b.rowsPer >= c.m {
			t.Errorf("cut(%d, %d, threads %d) = %d row blocks of %d rows × %d column blocks, owned %v, want %d × %d, %v",
				c.m, c.n, c.threads, b.rb, b.rowsPer, b.cb, b.owned, c.rb, c.cb, c.owned)
		}
	}
	// Not ownable (ViT-B/16's fp32 qkv): cut by columns.
	if b := cut(197, 2304, mr6, 2, false); b.owned || b.rb != 1 || b.cb != 36 {
		t.Errorf("cut(197, 2304, threads 2, not ownable) = %d × %d, owned %v, want 1 × 36 by columns", b.rb, b.cb, b.owned)
	}
}

// steadyAllocs is the fewest allocations per call over three rounds of
// testing.AllocsPerRun. A call that allocates does so in every round, so
// the minimum still catches it; the runtime's own rare allocations when a
// parked worker is woken on a loaded machine (a sudog for the channel) do
// not repeat in every round, and must not fail the test.
func steadyAllocs(runs int, f func()) float64 {
	best := testing.AllocsPerRun(runs, f)
	for i := 0; i < 2 && best > 0; i++ {
		best = min(best, testing.AllocsPerRun(runs, f))
	}
	return best
}
