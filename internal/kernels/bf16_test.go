package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

const epsBF16 = 1.0 / (1 << 8) // bfloat16 unit roundoff (8-bit significand)

func TestToBF16(t *testing.T) {
	for _, c := range []struct {
		in   uint32
		want uint16
	}{
		{0x3f800000, 0x3f80}, // 1
		{0x3f808000, 0x3f80}, // 1 + 2⁻⁸: tie, to even (down)
		{0x3f818000, 0x3f82}, // 1 + 3·2⁻⁸: tie, to even (up)
		{0x3f808001, 0x3f81}, // just above the tie
		{0xbf80ffff, 0xbf81}, // negative, rounds away from zero
		{0x80000000, 0x8000}, // −0
		{0x7f7fffff, 0x7f80}, // max float32 overflows to +Inf
		{0xff800000, 0xff80}, // −Inf
		{0x7f800001, 0x7fc0}, // signalling NaN becomes a quiet NaN, not Inf
		{0xffc00000, 0xffc0}, // NaN keeps its sign
	} {
		if got := toBF16(math.Float32frombits(c.in)); got != c.want {
			t.Errorf("toBF16(%#08x) = %#04x, want %#04x", c.in, got, c.want)
		}
	}
	r := rand.New(rand.NewPCG(1, 1))
	for range 100000 {
		f := float32(r.NormFloat64() * math.Exp(20*r.NormFloat64()))
		got := float64(fromBF16(toBF16(f)))
		// Subnormal bf16 values are 2⁻¹³³ apart.
		if err := math.Abs(got - float64(f)); !(err <= max(epsBF16*math.Abs(float64(f)), 0x1p-134)) {
			t.Fatalf("toBF16(%v) = %v: error %v above max(2⁻⁸·|x|, 2⁻¹³⁴)", f, got, err)
		}
	}
}

// roundedBF16 is x with every value rounded to bf16, as the kernels see it.
func roundedBF16(x []float32) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = fromBF16(toBF16(v))
	}
	return out
}

func TestPackedBTo(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, s := range []struct{ n, k int }{{1, 1}, {3, 5}, {65, 7}, {130, 64}} {
		w, _ := guarded(r, s.n*s.k, 0)
		bf := PackBPrecision(w, s.n, s.k, BF16)
		if bf.Precision() != BF16 || bf.w != nil || bf.To(BF16) != bf {
			t.Fatalf("%dx%d: not a bf16 PackedB", s.n, s.k)
		}
		back, want := bf.To(FP32), PackB(roundedBF16(w), s.n, s.k)
		for i := range want.w {
			if back.w[i] != want.w[i] {
				t.Fatalf("%dx%d: fp32 → bf16 → fp32 gave %v at %d, want %v", s.n, s.k, back.w[i], i, want.w[i])
			}
		}
	}
}

// bf16Case is a linearCase with bf16 weights and the bf16-rounded inputs.
type bf16Case struct {
	*linearCase
	xr, wr []float32
}

func newBF16Case(r *rand.Rand, m, n, k, ldx, ldy int, bias, res bool, act Act) *bf16Case {
	c := newLinearCase(r, m, n, k, ldx, ldy, bias, res, act)
	c.pb = c.pb.To(BF16)
	return &bf16Case{linearCase: c, xr: roundedBF16(c.x), wr: roundedBF16(c.w)}
}

// check compares y(i, j) with two float64 references.
//
// Against the bf16-rounded inputs a′, b′ the products are exact in fp32, so
// only the fp32 accumulation errs: |c − c′_ref| ≤ 2·(k+2)·eps32·Σ|a′b′|
// (the +2 for the bias), as for fp32. Against the exact inputs each product
// also carries |a′b′ − ab| ≤ (2u + u²)|ab| with u = 2⁻⁸, and Σ|a′b′| ≤
// (1+u)²·Σ|ab|. The activation and residual add what linearCase.check adds.
func (c *bf16Case) check(t *testing.T, y []float32, i, j int) {
	t.Helper()
	for _, exact := range []bool{false, true} {
		x, w := c.xr, c.wr
		if exact {
			x, w = c.x, c.w
		}
		var s, sa float64
		for kk := range c.k {
			a, b := float64(x[i*c.ldx+kk]), float64(w[j*c.k+kk])
			s += a * b
			sa += math.Abs(a * b)
		}
		tol := 2 * float64(c.k+2) * eps32 * sa
		if exact {
			tol = (2*epsBF16+epsBF16*epsBF16)*sa + (1+epsBF16)*(1+epsBF16)*tol
		}
		if c.bias != nil {
			s += float64(c.bias[j])
			tol += 2 * float64(c.k+2) * eps32 * math.Abs(float64(c.bias[j]))
		}
		ref := refAct(c.act, s)
		if c.act != ActNone {
			tol = actSlope*tol + 8*eps32*math.Abs(s)
		}
		if c.res != nil {
			r := float64(c.res[i*c.ldy+j])
			ref += r
			tol += 2 * eps32 * (math.Abs(ref) + math.Abs(r))
		}
		if got := float64(y[i*c.ldy+j]); !(math.Abs(got-ref) <= tol) {
			t.Fatalf("%dx%dx%d act %d (exact inputs %v): y[%d,%d] = %v, want %v ± %.3g",
				c.m, c.n, c.k, c.act, exact, i, j, got, ref, tol)
		}
	}
}

// genericBF16Tiles is generic with the bf16 tile kernels in Go, which no
// implementation of the registry runs (bf16ViaFP32): the tests run the
// bf16 tiles' drivers on it on every CPU and build.
var genericBF16Tiles = &impl{name: "generic-bf16-tiles", ok: true, mr: mr6, nr: nr, fp32: generic.fp32, int8: generic.int8,
	bf16: &bf16Kernels{tile: tileBF16Generic, pack: packRowBF16, pairs: pairRowsBF16, keys: keysBF16, expPairs: expPairsGeneric}}

// testImpls is impls(p) and, for bf16, genericBF16Tiles.
func testImpls(p Precision) []*impl {
	if p == BF16 {
		return append(impls(p), genericBF16Tiles)
	}
	return impls(p)
}

// withLow runs f with im as the implementation for precision p (nil: no
// change).
func withLow(p Precision, im *impl, f func()) {
	old := sel[p]
	if im != nil {
		sel[p] = im
	}
	defer func() { sel[p] = old }()
	f()
}

func TestLinearBF16Shapes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	kc := 2 * kcGroups // K per block in values
	shapes := []struct{ m, n, k int }{
		{1, 1, 1}, {1, 1, 0}, {2, 3, 5}, {5, 7, 3}, {6, 64, 1}, {6, 64, 2}, {7, 65, 129},
		{12, 128, 128}, {13, 130, kc + 1}, {mcRows + 5, nr*ncPanels + 3, 2*kc - 1},
		{2*mcRows + 5, 70, 3*kc - 2}, {197, 197, 64}, {31, 300, 17},
	}
	for _, im := range testImpls(BF16) {
		for si, s := range shapes {
			if testing.Short() && s.m*s.n*s.k > 1e6 {
				continue
			}
			c := newBF16Case(r, s.m, s.n, s.k, s.k+si%3, s.n+2*(si%2), si%2 == 0, si%3 == 0, Act(si%5))
			withLow(BF16, im, func() {
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

// TestLinearBF16ViT checks the real ViT-B/16 shapes on every bf16
// implementation, on a sample of outputs.
func TestLinearBF16ViT(t *testing.T) {
	if testing.Short() {
		t.Skip("large shapes")
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, s := range []struct{ m, n, k int }{{197, 2304, 768}, {197, 768, 768}, {197, 3072, 768}, {197, 768, 3072}, {3 * 197, 768, 768}} {
		c := newBF16Case(r, s.m, s.n, s.k, s.k, s.n, true, s.n == 768, ActGELU)
		for _, im := range testImpls(BF16) {
			withLow(BF16, im, func() {
				t.Run(fmt.Sprintf("impl=%s/%dx%dx%d", im.name, s.m, s.n, s.k), func(t *testing.T) {
					y, _ := c.run(NewPool(2))
					for range 400 {
						c.check(t, y, r.IntN(s.m), r.IntN(s.n))
					}
					c.check(t, y, s.m-1, s.n-1)
				})
			})
		}
	}
}

// TestLinearBF16Threads: the bits of the output do not depend on the
// number of threads.
func TestLinearBF16Threads(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	k := 4*kcGroups + 3
	c := newBF16Case(r, 197, 200, k, k, 200, true, true, ActGELU)
	for _, im := range testImpls(BF16) {
		withLow(BF16, im, func() {
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

// TestTileBF16Exact feeds every implementation's micro-kernel small
// integers, whose sums are exact in any order, so each must give the
// generic twin's bits: this pins the pair layout, the rows and columns and
// the acc flag independently of rounding.
func TestTileBF16Exact(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	small := func() uint32 {
		return uint32(toBF16(float32(r.IntN(17)-8))) | uint32(toBF16(float32(r.IntN(17)-8)))<<16
	}
	for _, kc2 := range []int{0, 1, 2, 3, 17, 128} {
		const lda, ldc = 131, 70
		a := make([]uint32, (mr6-1)*lda+kc2)
		b := make([]uint32, kc2*nr)
		for i := range a {
			a[i] = small()
		}
		for i := range b {
			b[i] = small()
		}
		c0 := make([]float32, (mr6-1)*ldc+nr)
		for i := range c0 {
			c0[i] = float32(r.IntN(100))
		}
		for _, acc := range []bool{false, true} {
			want := append([]float32(nil), c0...)
			tileBF16Generic(kc2, a, lda, b, want, ldc, acc)
			for _, im := range bf16Tiles() {
				got := append([]float32(nil), c0...)
				im.bf16.tile(kc2, a, lda, b, got, ldc, acc)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("impl=%s kc2=%d acc=%v: c[%d] = %v, generic gave %v", im.name, kc2, acc, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// bf16Tiles lists the bf16 implementations with tiles of their own, not
// running on fp32 ones.
func bf16Tiles() []*impl {
	var l []*impl
	for _, im := range testImpls(BF16) {
		if !im.bf16.viaFP32() {
			l = append(l, im)
		}
	}
	return l
}

// TestRoundRowBF16 checks every rounding of activations to bf16 values in
// fp32 against toBF16's bits, denormals included, on the inputs of
// TestPackRowBF16.
// TestExpRoundBF16: each implementation's expRound (bf16 attention's E on
// its fp32 tiles) gives the bits of its own expSum, the sum as it is and
// the exponentials rounded by toBF16, and writes nothing past x; also
// with a NaN among the scores (m the others' maximum).
func TestExpRoundBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(83, 84))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 33, 197, 1000, -9, -197} {
		nan := n < 0
		n = max(n, -n)
		x := make([]float32, n+1)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 40)
		}
		m := float32(math.Inf(-1))
		for _, v := range x[:n] {
			m = max(m, v)
		}
		if nan {
			x[n/2] = math.Float32frombits(0xffa01234) // signalling, negative, a payload in the low 16 bits
		}
		for _, im := range impls(FP32) {
			if !im.bf16.viaFP32() {
				continue
			}
			e, got := slices.Clone(x), slices.Clone(x)
			want := im.fp32.expSum(e[:n], m, 1.3)
			if s := im.bf16.expRound(got[:n], m, 1.3); math.Float32bits(s) != math.Float32bits(want) {
				t.Fatalf("impl=%s n=%d: sum %v, expSum's %v", im.name, n, s, want)
			}
			for i := range n {
				if w := uint32(toBF16(e[i])) << 16; math.Float32bits(got[i]) != w {
					t.Fatalf("impl=%s n=%d: [%d] = %#08x, want %#08x", im.name, n, i, math.Float32bits(got[i]), w)
				}
			}
			if got[n] != x[n] {
				t.Fatalf("impl=%s n=%d: wrote past x", im.name, n)
			}
		}
	}
}

func TestRoundRowBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{0, 1, 15, 16, 17, 33, 768, 771} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * math.Exp(10*r.NormFloat64()))
			if r.IntN(3) == 0 {
				x[i] = math.Float32frombits(bf16Specials[r.IntN(len(bf16Specials))])
			}
		}
		for _, im := range testImpls(BF16) {
			if !im.bf16.viaFP32() {
				continue
			}
			got := make([]float32, n+1)
			got[n] = 7
			im.bf16.round(got[:n], x)
			for i, v := range x {
				if w := uint32(toBF16(v)) << 16; math.Float32bits(got[i]) != w {
					t.Fatalf("impl=%s n=%d: round(%#08x) = %#08x, want %#08x", im.name, n, math.Float32bits(v), math.Float32bits(got[i]), w)
				}
			}
			if got[n] != 7 {
				t.Fatalf("impl=%s n=%d: wrote past the end", im.name, n)
			}
		}
	}
}

// TestLinearBF16ViaFP32 checks the bits of the bf16 path on fp32 tiles:
// those of the fp32 GEMM over the bf16-rounded weights and activations.
func TestLinearBF16ViaFP32(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, im := range testImpls(BF16) {
		if !im.bf16.viaFP32() {
			continue
		}
		for _, s := range []struct{ m, n, k int }{{1, 1, 1}, {7, 65, 129}, {197, 130, 2*kcBlock + 5}} {
			c := newLinearCase(r, s.m, s.n, s.k, s.k+1, s.n, true, true, ActGELU)
			rounded := func(v []float32) []float32 {
				o := make([]float32, len(v))
				for i, x := range v {
					o[i] = fromBF16(toBF16(x))
				}
				return o
			}
			want := append([]float32(nil), c.res...)
			linearFP32(NewPool(1), want, c.ldy, rounded(c.x), c.ldx, s.m, s.n, s.k, PackB(rounded(c.w), s.n, s.k).w, Epilogue{Bias: c.bias, Act: c.act, Residual: want}, im)
			c.pb = c.pb.To(BF16)
			var got []float32
			withLow(BF16, im, func() { got, _ = c.run(NewPool(2)) })
			for i := range s.m {
				for j := range s.n {
					if g, w := got[i*c.ldy+j], want[i*c.ldy+j]; math.Float32bits(g) != math.Float32bits(w) {
						t.Fatalf("impl=%s %dx%dx%d: y[%d,%d] = %v, fp32 GEMM of the rounded inputs gave %v", im.name, s.m, s.n, s.k, i, j, g, w)
					}
				}
			}
		}
	}
}

// bf16Specials are rounding ties, NaN, ±Inf, overflow and denormals.
var bf16Specials = []uint32{0x3f808000, 0x3f818000, 0xbf80ffff, 0x7f7fffff, 0x7f800000, 0xff800000,
	0x7f800001, 0xffc00000, 0x80000000, 0x00000001, 0x807fffff, 0x00800000, 0xff800001, 0x7fffffff}

// TestPackRowBF16 checks every implementation's rounding of activations
// against the generic twin's bits, on rounding ties, NaN, ±Inf, overflow
// and odd lengths. Denormal inputs may read as zero (VCVTNE2PS2BF16 has
// DAZ), keeping their sign.
func TestPackRowBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{0, 1, 2, 31, 32, 33, 63, 64, 65, 768, 769} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * math.Exp(10*r.NormFloat64()))
			if r.IntN(4) == 0 {
				x[i] = math.Float32frombits(bf16Specials[r.IntN(len(bf16Specials))])
			}
		}
		want := make([]uint32, (n+1)/2+1)
		packRowBF16(want, x)
		for _, im := range bf16Tiles() {
			got := make([]uint32, len(want))
			im.bf16.pack(got, x)
			for i := range want {
				for h := 0; h < 32; h += 16 {
					g, w := uint16(got[i]>>h), uint16(want[i]>>h)
					denormal := false
					if j := 2*i + h/16; j < n {
						b := math.Float32bits(x[j])
						denormal = b&0x7f800000 == 0 && g == uint16(b>>16)&0x8000
					}
					if g != w && !denormal {
						t.Fatalf("impl=%s n=%d: pair %d half %d = %#04x, generic %#04x", im.name, n, i, h/16, g, w)
					}
				}
			}
		}
	}
}

func TestLinearBF16NoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	r := rand.New(rand.NewPCG(13, 14))
	c := newBF16Case(r, 50, 130, 70, 70, 130, true, true, ActGELU)
	p := NewPool(2)
	y, _ := c.run(p)
	ep := Epilogue{Bias: c.bias, Act: c.act, Residual: y}
	n := steadyAllocs(20, func() { Linear(p, y, c.ldy, c.x, c.ldx, c.m, c.pb, ep) })
	if n != 0 {
		t.Errorf("Linear with bf16 weights allocates %v times per call after warm-up", n)
	}
}

// TestEpilogueRoundBF16: RoundBF16 gives the bits of the same Linear
// without it, each output then rounded by toBF16, and writes nothing
// else, on every implementation of every precision (the AMX calls at
// M = 197); and a Linear whose weights ReadBF16 given such an output as x
// with InBF16 gives the bits of rounding it itself, while the others
// ignore InBF16.
func TestEpilogueRoundBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, p := range []Precision{FP32, BF16, INT8} {
		for _, im := range testImpls(p) {
			for si, s := range []struct{ m, n, k int }{{1, 1, 1}, {7, 65, 129}, {197, 130, 70}, {12, 64, 600}, {13, 70, 40}} {
				// The last two: K over a block, and no other epilogue.
				full := si < 4
				act := ActNone
				if full {
					act = ActGELU
				}
				c := newLinearCase(r, s.m, s.n, s.k, s.k+3, s.n+2, full, full, act)
				c.pb = c.pb.To(p)
				name := fmt.Sprintf("%v/impl=%s/%dx%dx%d", p, im.name, s.m, s.n, s.k)
				withLow(p, im, func() {
					roundedOutput(t, name, c)
					if p == BF16 {
						roundedInput(t, name, c, im.bf16.viaFP32())
					}
				})
			}
		}
	}
}

// roundedOutput checks RoundBF16 on c with the implementations selected.
func roundedOutput(t *testing.T, name string, c *linearCase) {
	t.Helper()
	want, wantAll := c.run(NewPool(2))
	for i := range c.m {
		row := want[i*c.ldy : i*c.ldy+c.n]
		roundRowBF16(row, row)
	}
	got, gotAll := guardedMatrix(rand.New(rand.NewPCG(9, 9)), c.m, c.n, c.ldy)
	ep := Epilogue{Bias: c.bias, Act: c.act, RoundBF16: true}
	if c.res != nil {
		copy(got, c.res)
		ep.Residual = got
	}
	Linear(NewPool(2), got, c.ldy, c.x, c.ldx, c.m, c.pb, ep)
	if d := firstDiff(gotAll, wantAll); d >= 0 {
		t.Fatalf("%s: RoundBF16 output [%d] = %v, want %v", name, d, gotAll[d], wantAll[d])
	}
}

// roundedInput checks InBF16 on c's x rounded to bf16: read as it is
// where the weights ReadBF16 (via), ignored elsewhere.
func roundedInput(t *testing.T, name string, c *linearCase, via bool) {
	t.Helper()
	if c.pb.ReadsBF16() != via {
		t.Fatalf("%s: ReadsBF16 = %v, want %v", name, !via, via)
	}
	x := slices.Clone(c.x)
	for i := range c.m {
		row := x[i*c.ldx : i*c.ldx+c.k]
		roundRowBF16(row, row)
	}
	run := func(in []float32, ep Epilogue) []float32 {
		y := make([]float32, c.m*c.ldy)
		Linear(NewPool(2), y, c.ldy, in, c.ldx, c.m, c.pb, ep)
		return y
	}
	want := run(c.x, Epilogue{Bias: c.bias})
	if d := firstDiff(run(x, Epilogue{Bias: c.bias, InBF16: true}), want); d >= 0 {
		t.Fatalf("%s: InBF16 on rounded x: y[%d] differs from rounding x in Linear", name, d)
	}
	if d := firstDiff(run(c.x, Epilogue{Bias: c.bias, InBF16: true}), want); via != (d >= 0) {
		t.Fatalf("%s: InBF16 on unrounded x: differs %v, want %v (read as it is only on fp32 tiles)", name, d >= 0, via)
	}
}
