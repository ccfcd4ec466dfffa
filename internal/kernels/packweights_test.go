package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPackBStack: packing panel by panel, from one matrix or from parts
// stacked along N (panels that span parts included), gives the bits of
// packB over the whole concatenation followed by To, in every precision;
// so does PackB, which packs panel by panel too.
func TestPackBStack(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	cases := []struct {
		rows []int
		k    int
	}{{[]int{1}, 1}, {[]int{64}, 5}, {[]int{65}, 7}, {[]int{50, 70, 1}, 9}, {[]int{64, 64, 64}, 33},
		{[]int{0, 3, 0, 200}, 12}, {[]int{130, 2}, 3}}
	for _, c := range cases {
		var parts [][]float32
		for _, n := range c.rows {
			p := make([]float32, n*c.k)
			for i := range p {
				p[i] = float32(r.NormFloat64())
			}
			parts = append(parts, p)
		}
		all := slices.Concat(parts...)
		n := len(all) / c.k
		for _, p := range []Precision{FP32, BF16, INT8} {
			t.Run(fmt.Sprintf("rows=%v/k=%d/%v", c.rows, c.k, p), func(t *testing.T) {
				// The reference: packB over the whole matrix at once.
				ref := &PackedB{N: n, K: c.k, w: make([]float32, ceilDiv(n, nr)*nr*c.k)}
				packB(ref.w, all, c.k, n, c.k)
				want := ref.To(p)
				got3 := PackB(all, n, c.k).To(p)
				for _, got := range []*PackedB{PackBStack(parts, c.k, p), PackBPrecision(all, n, c.k, p), got3} {
					if got.N != n || got.K != c.k || got.Precision() != p {
						t.Fatalf("got %dx%d %v, want %dx%d %v", got.N, got.K, got.Precision(), n, c.k, p)
					}
					if p == FP32 {
						sameBits(t, "w", got.w, want.w)
						continue
					}
					if p == BF16 {
						sameBits(t, "widened", got.lp.widened(n, c.k), want.lp.widened(n, c.k))
						if !slices.Equal(got.lp.pairs(n, c.k), want.lp.pairs(n, c.k)) {
							t.Fatal("packed pairs differ")
						}
						continue
					}
					if !slices.Equal(got.lp.b, want.lp.b) || !slices.Equal(got.lp.off, want.lp.off) {
						t.Fatal("packed groups or offsets differ")
					}
					sameBits(t, "scale", got.lp.scale, want.lp.scale)
				}
			})
		}
	}
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestBF16HeldOnce: bf16 weights packed while an implementation that runs
// them on fp32 tiles is selected are held widened only, and those packed
// for bf16 tiles as pairs only; either form, made from the other on first
// use, gives each implementation the bits of weights packed for it.
func TestBF16HeldOnce(t *testing.T) {
	r := rand.New(rand.NewPCG(73, 74))
	impls := []*impl{generic, genericBF16Tiles} // bf16 via fp32, and on bf16 tiles
	const m, n, k = 13, 70, 37
	c := newLinearCase(r, m, n, k, k, n, true, false, ActNone)
	packed := make([]*PackedB, len(impls)) // packed[i]: packed while impls[i] was selected
	for i, im := range impls {
		withLow(BF16, im, func() { packed[i] = PackBPrecision(c.w, n, k, BF16) })
	}
	if lp := packed[0].lp; lp.b != nil || lp.wide == nil {
		t.Fatalf("packed for via fp32: pairs %v, widened %v; want widened only", lp.b != nil, lp.wide != nil)
	}
	if lp := packed[1].lp; lp.b == nil || lp.wide != nil {
		t.Fatalf("packed for bf16 tiles: pairs %v, widened %v; want pairs only", lp.b != nil, lp.wide != nil)
	}
	for i, w := range packed { // To(FP32) reads either form and keeps no other
		f := w.To(FP32)
		sameBits(t, "To(fp32)", f.w, packed[1-i].To(FP32).w)
		if (w.lp.b == nil) != (i == 0) || (w.lp.wide == nil) != (i == 1) {
			t.Fatalf("%s: To(fp32) left the weights in another form", impls[i].name)
		}
	}
	for i, want := range []int{4, 2} {
		withLow(BF16, impls[i], func() {
			if got := WeightBytes(BF16); got != want {
				t.Errorf("WeightBytes(bf16) on %s = %d, want %d", impls[i].name, got, want)
			}
		})
	}
	for i, im := range impls { // run on im: weights packed for im, then for the other
		var ys [2][]float32
		for j := range ys {
			ys[j] = make([]float32, m*n)
			w := packed[(i+j)%2]
			withLow(BF16, im, func() { Linear(NewPool(1), ys[j], n, c.x, k, m, w, Epilogue{Bias: c.bias}) })
		}
		if d := firstDiff(ys[1], ys[0]); d >= 0 {
			t.Errorf("on %s: y[%d] = %v from the other form, want %v", im.name, d, ys[1][d], ys[0][d])
		}
	}
}
