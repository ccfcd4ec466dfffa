package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSoftmax(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, im := range impls(FP32) {
		for _, n := range []int{1, 2, 15, 16, 17, 197, 1000} {
			x, all := guarded(r, n, pad)
			for i := range x {
				x[i] *= 30
			}
			want := make([]float64, n)
			m := math.Inf(-1)
			for _, v := range x {
				m = max(m, float64(v))
			}
			var s float64
			for i, v := range x {
				want[i] = math.Exp(float64(v) - m)
				s += want[i]
			}
			x0 := append([]float32(nil), x...)
			softmax(im, x, 1)
			checkGuards(t, "softmax", all, pad, 1, n, n)
			for i := range x {
				ref := want[i] / s
				// x − m rounds by eps·|x − m|, which exp turns into a
				// relative error of the same size.
				if tol := (float64(n+8) + 2*(m-float64(x0[i]))) * eps32 * ref; !(math.Abs(float64(x[i])-ref) <= tol) {
					t.Fatalf("impl=%s n=%d: p[%d] = %v, want %v ± %.3g", im.name, n, i, x[i], ref, tol)
				}
			}
		}
	}
}

func TestLayerNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	const rows, D = 5, 768
	x, _ := guarded(r, rows*D, 0)
	gamma, _ := guarded(r, D, 0)
	beta, _ := guarded(r, D, 0)
	for i := range x {
		x[i] = 3 + 2*x[i] // a mean far from zero, as in residual streams
	}
	for _, im := range impls(FP32) {
		dst, all := guarded(r, rows*D, pad)
		withImpl(im, func() { LayerNorm(NewPool(2), dst, x, rows, D, gamma, beta, 1e-6) })
		checkGuards(t, "layernorm", all, pad, rows, D, D)
		checkLayerNorm(t, im.name, dst, x, gamma, beta, rows, D)
	}
}

// TestLayerNormStats checks that LayerNormStats writes LayerNorm's bits and
// each row's mean and 1/sqrt(var + eps) within float32 rounding of float64.
func TestLayerNormStats(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, D := range []int{1, 17, 192, 768} {
		const rows = 7
		x, _ := guarded(r, rows*D, 0)
		gamma, _ := guarded(r, D, 0)
		beta, _ := guarded(r, D, 0)
		for i := range x {
			x[i] = 3 + 2*x[i]
		}
		for _, im := range impls(FP32) {
			want := make([]float32, rows*D)
			dst := make([]float32, rows*D)
			mean, mAll := guarded(r, rows, pad)
			rstd, rAll := guarded(r, rows, pad)
			withImpl(im, func() {
				LayerNorm(NewPool(2), want, x, rows, D, gamma, beta, 1e-6)
				LayerNormStats(NewPool(2), dst, mean, rstd, x, rows, D, gamma, beta, 1e-6)
			})
			name := fmt.Sprintf("impl=%s/D=%d", im.name, D)
			checkGuards(t, name+"/mean", mAll, pad, 1, rows, rows)
			checkGuards(t, name+"/rstd", rAll, pad, 1, rows, rows)
			if !slices.Equal(dst, want) {
				t.Fatalf("%s: LayerNormStats's output differs from LayerNorm's", name)
			}
			for i := range rows {
				var m, v float64
				for _, a := range x[i*D : (i+1)*D] {
					m += float64(a)
				}
				m /= float64(D)
				for _, a := range x[i*D : (i+1)*D] {
					v += (float64(a) - m) * (float64(a) - m)
				}
				inv := 1 / math.Sqrt(v/float64(D)+1e-6)
				if d := math.Abs(float64(mean[i]) - m); d > 2*float64(D)*eps32*5 {
					t.Fatalf("%s: mean[%d] = %v, want %v", name, i, mean[i], m)
				}
				if d := math.Abs(float64(rstd[i]) - inv); d > 4*float64(D)*eps32*inv {
					t.Fatalf("%s: rstd[%d] = %v, want %v", name, i, rstd[i], inv)
				}
			}
		}
	}
}

// TestLayerNormTwo: an implementation's two-row LayerNorm gives each row
// the bits of its one-row LayerNorm, and writes nothing between or around
// the rows, for row lengths that end inside a vector or on its edge and
// for rows with gaps between them.
func TestLayerNormTwo(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, im := range impls(FP32) {
		k := im.fp32
		if k.layerNorm2 == nil {
			continue
		}
		for _, D := range []int{1, 15, 16, 17, 40, 192, 768} {
			for _, ld := range []int{D, D + 5} {
				name := fmt.Sprintf("impl=%s/D=%d/ld=%d", im.name, D, ld)
				x, _ := guardedMatrix(r, 2, D, ld)
				gamma, _ := guarded(r, D, 0)
				beta, _ := guarded(r, D, 0)
				for i := range x {
					x[i] = 3 + 2*x[i] // a mean far from zero; the gap stays NaN
				}
				if D > 3 {
					x[ld+2] = 1e30 // a row of huge variance
				}
				want := make([]float32, ld+D)
				k.layerNorm(want[:D], x[:D], gamma, beta, 1e-6)
				k.layerNorm(want[ld:ld+D], x[ld:ld+D], gamma, beta, 1e-6)
				got, all := guardedMatrix(r, 2, D, ld)
				k.layerNorm2(got, x, D, ld, gamma, beta, 1e-6)
				checkGuards(t, name, all, pad, 2, D, ld)
				sameBits(t, name+"/row0", got[:D], want[:D])
				sameBits(t, name+"/row1", got[ld:ld+D], want[ld:ld+D])
			}
		}
	}
}

// TestLayerNormThreads: every row is normalised, with the bits of one
// thread, however the rows are cut for the threads.
func TestLayerNormThreads(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	const D = 40
	gamma, _ := guarded(r, D, 0)
	beta, _ := guarded(r, D, 0)
	for _, rows := range []int{1, 7, 197} {
		x, _ := guarded(r, rows*D, 0)
		want := make([]float32, rows*D)
		LayerNorm(NewPool(1), want, x, rows, D, gamma, beta, 1e-6)
		checkLayerNorm(t, cur().name, want, x, gamma, beta, rows, D)
		for _, th := range []int{2, 3, 16, 64} {
			got, all := guarded(r, rows*D, pad)
			LayerNorm(NewPool(th), got, x, rows, D, gamma, beta, 1e-6)
			checkGuards(t, "layernorm", all, pad, rows, D, D)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("rows=%d threads=%d: dst[%d] = %v, 1 thread gave %v", rows, th, i, got[i], want[i])
				}
			}
		}
	}
}

func TestLayerNormNoAllocs(t *testing.T) {
	const rows, D = 20, 64
	x, g := make([]float32, rows*D), make([]float32, D)
	p := NewPool(2)
	LayerNorm(p, x, x, rows, D, g, g, 1e-6)
	if n := steadyAllocs(20, func() { LayerNorm(p, x, x, rows, D, g, g, 1e-6) }); n != 0 {
		t.Errorf("LayerNorm allocates %v times per call after warm-up", n)
	}
}

func checkLayerNorm(t *testing.T, name string, dst, x, gamma, beta []float32, rows, D int) {
	for i := range rows {
		row := x[i*D : (i+1)*D]
		var mean, v float64
		for _, a := range row {
			mean += float64(a)
		}
		mean /= float64(D)
		for _, a := range row {
			v += (float64(a) - mean) * (float64(a) - mean)
		}
		inv := 1 / math.Sqrt(v/float64(D)+1e-6)
		for j, a := range row {
			xh := (float64(a) - mean) * inv
			ref := xh*float64(gamma[j]) + float64(beta[j])
			tol := 4 * float64(D) * eps32 * (math.Abs(xh*float64(gamma[j])) + math.Abs(float64(beta[j])) + 1)
			if got := float64(dst[i*D+j]); !(math.Abs(got-ref) <= tol) {
				t.Fatalf("impl=%s: layernorm[%d,%d] = %v, want %v ± %.3g", name, i, j, got, ref, tol)
			}
		}
	}
}

// refAttention is Attention in float64 for one output element's row.
func refAttention(qkv []float32, B, T, H, hd int, scale float64, b, h, i int) (out, p []float64) {
	D := H * hd
	row := func(t, part int) []float32 { return qkv[(b*T+t)*3*D+part*D+h*hd:][:hd] }
	s := make([]float64, T)
	m := math.Inf(-1)
	for j := range T {
		for d := range hd {
			s[j] += float64(row(i, 0)[d]) * float64(row(j, 1)[d])
		}
		s[j] *= scale
		m = max(m, s[j])
	}
	var sum float64
	for j := range s {
		s[j] = math.Exp(s[j] - m)
		sum += s[j]
	}
	out = make([]float64, hd)
	for j := range s {
		s[j] /= sum
		for d := range hd {
			out[d] += s[j] * float64(row(j, 2)[d])
		}
	}
	return out, s
}

func TestAttention(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, c := range []struct{ B, T, H, hd int }{{1, 1, 1, 1}, {2, 7, 3, 5}, {1, 70, 2, 64}, {2, 197, 2, 64}, {1, 13, 1, 80}, {1, kcBlock + 44, 1, 64}} {
		D := c.H * c.hd
		qkv, _ := guarded(r, c.B*c.T*3*D, 0)
		for i := range qkv {
			qkv[i] *= 3
		}
		scale := 1 / math.Sqrt(float64(c.hd))
		for _, im := range impls(FP32) {
			t.Run(fmt.Sprintf("impl=%s/B=%d,T=%d,H=%d,hd=%d", im.name, c.B, c.T, c.H, c.hd), func(t *testing.T) {
				out, oall := guarded(r, c.B*c.T*D, pad)
				probs, pall := guarded(r, c.B*c.H*c.T*c.T, pad)
				withImpl(im, func() { Attention(NewPool(3), out, qkv, c.B, c.T, c.H, c.hd, float32(scale), probs) })
				checkGuards(t, "out", oall, pad, 1, len(out), len(out))
				checkGuards(t, "probs", pall, pad, 1, len(probs), len(probs))
				// Scores err by ≤ δ = 2·hd·eps·scale·Σ|q||k| ≤ 2·hd·eps·scale·hd·9,
				// which moves each probability by a factor ≤ e^(2δ); the
				// softmax and P·V add (T+hd+8)·eps relative to Σp|v| ≤ 3.
				delta := 2 * float64(c.hd) * eps32 * scale * float64(c.hd) * 9
				tol := 3 * (4*delta + 2*float64(c.T+c.hd+8)*eps32)
				for b := range c.B {
					for h := range c.H {
						for i := range c.T {
							ref, p := refAttention(qkv, c.B, c.T, c.H, c.hd, scale, b, h, i)
							for d, v := range ref {
								if got := float64(out[(b*c.T+i)*D+h*c.hd+d]); !(math.Abs(got-v) <= tol) {
									t.Fatalf("out[b=%d,t=%d,h=%d,d=%d] = %v, want %v ± %.3g", b, i, h, d, got, v, tol)
								}
							}
							for j, v := range p {
								if got := float64(probs[((b*c.H+h)*c.T+i)*c.T+j]); !(math.Abs(got-v) <= tol/3) {
									t.Fatalf("probs[b=%d,h=%d,%d,%d] = %v, want %v", b, h, i, j, got, v)
								}
							}
						}
					}
				}
			})
		}
	}
}

func TestAttentionNoAllocs(t *testing.T) {
	const B, T, H, hd = 1, 50, 4, 64
	r := rand.New(rand.NewPCG(17, 18))
	qkv, _ := guarded(r, B*T*3*H*hd, 0)
	out := make([]float32, B*T*H*hd)
	for _, prec := range []Precision{FP32, BF16} {
		for _, th := range []int{2, 16} { // 16: shares of the query rows
			p := NewPool(th)
			AttentionAt(p, prec, out, qkv, B, T, H, hd, 0.125, nil)
			if n := steadyAllocs(10, func() { AttentionAt(p, prec, out, qkv, B, T, H, hd, 0.125, nil) }); n != 0 {
				t.Errorf("%v attention on %d threads allocates %v times per call after warm-up", prec, th, n)
			}
		}
	}
}

// TestAttentionBits: the bits of the output and of the probabilities depend
// neither on the thread count, which splits the heads' queries into shares
// when there are too few heads for the threads, nor on whether the probabilities
// are captured.
func TestAttentionBits(t *testing.T) {
	const B, T, H, hd = 2, 197, 3, 64
	r := rand.New(rand.NewPCG(19, 20))
	qkv, _ := guarded(r, B*T*3*H*hd, 0)
	run := func(threads int, capture bool) (out, probs []float32) {
		out = make([]float32, B*T*H*hd)
		if capture {
			probs = make([]float32, B*H*T*T)
		}
		Attention(NewPool(threads), out, qkv, B, T, H, hd, 0.125, probs)
		return out, probs
	}
	same := func(what string, got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s[%d] = %v, alone %v", what, i, got[i], want[i])
			}
		}
	}
	for _, im := range impls(FP32) {
		withImpl(im, func() {
			want, wantP := run(1, true)
			for _, th := range []int{1, 2, 3, 5, 8, 16} {
				for _, capture := range []bool{false, true} {
					got, p := run(th, capture)
					same(fmt.Sprintf("impl=%s threads=%d capture=%v: out", im.name, th, capture), got, want)
					if capture {
						same(fmt.Sprintf("impl=%s threads=%d: probs", im.name, th), p, wantP)
					}
				}
			}
		})
	}
}

// TestAttentionPlan: items by owner on 2 to ownThreads threads with rows
// enough; else shares of the query rows only when the heads are too few
// for the threads, each of at least minQueryRows rows but for a single
// one.
func TestAttentionPlan(t *testing.T) {
	for _, c := range []struct{ B, H, T, threads, shares, owners int }{
		{1, 12, 197, 1, 0, 0}, {1, 12, 197, 2, 0, 2}, {1, 12, 197, 4, 0, 4}, {1, 12, 197, 8, 8, 0},
		{1, 12, 197, 16, 16, 0}, {1, 3, 197, 2, 0, 2}, {1, 3, 90, 2, 2, 0}, {1, 3, 197, 64, 24, 0},
		{16, 12, 197, 16, 0, 0}, {16, 12, 197, 2, 0, 2}, {1, 1, 5, 16, 1, 0}, {1, 1, 48, 16, 2, 0},
	} {
		j := &attJob{im: cur(), B: c.B, H: c.H, T: c.T}
		j.plan(c.threads)
		owners := 0
		if j.per > 0 {
			owners = j.own.parts
		}
		if j.shares != c.shares || owners != c.owners || j.tiles*j.im.mr < c.T || (j.tiles-1)*j.im.mr >= c.T {
			t.Errorf("B=%d H=%d T=%d threads=%d: %d shares, %d owners, %d row tiles a head, want %d shares, %d owners",
				c.B, c.H, c.T, c.threads, j.shares, owners, j.tiles, c.shares, c.owners)
		}
	}
}

// TestAttentionPackK: every implementation's packK writes the bits packB
// writes, padding included, and nothing past the panels, for key counts
// around the 16-key steps and the 64-key panels, head sizes with and
// without a tail of 16 and of 8 values, and rows ld > hd apart; the
// values are random bits, NaNs and denormals among them.
func TestAttentionPackK(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	const guard = 64
	for _, T := range []int{1, 15, 16, 17, 64, 197, 200} {
		for _, hd := range []int{1, 5, 16, 24, 32, 64, 72, 80} {
			ld := 3*hd + 7
			k := make([]float32, T*ld)
			for i := range k {
				k[i] = math.Float32frombits(r.Uint32())
			}
			want := make([]float32, ceilDiv(T, nr)*nr*hd)
			packB(want, k, ld, T, hd)
			for _, im := range impls(FP32) {
				got := make([]float32, len(want)+guard)
				for i := range got {
					got[i] = math.Float32frombits(0x7fc0dead)
				}
				packK(got, k, ld, T, hd, im.fp32.keys, make([]float32, 16*hd))
				for i, g := range got {
					w := uint32(0x7fc0dead)
					if i < len(want) {
						w = math.Float32bits(want[i])
					}
					if math.Float32bits(g) != w {
						t.Fatalf("impl=%s T=%d hd=%d ld=%d: dst[%d] = %#08x, packB %#08x", im.name, T, hd, ld, i, math.Float32bits(g), w)
					}
				}
			}
		}
	}
}
