package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// attBF16Impls is every bf16 implementation this CPU runs, the bf16 tiles
// in Go and the AMX twin, so that the bf16 tiles' and the AMX path's
// blocking are tested everywhere.
func attBF16Impls() []*impl { return append(testImpls(BF16), amxTwin) }

// withAttBF16 runs f with im as the bf16 implementation and, where it has
// fp32 kernels, as the fp32 one (the softmax's), as --kernel does.
func withAttBF16(im *impl, f func()) {
	withLow(BF16, im, func() {
		if im.fp32 != nil {
			withImpl(im, f)
			return
		}
		f()
	})
}

// attBound is the float64 attention of one query row on operands already
// rounded to bf16 (refAttention), with what bounds the kernel's error:
// delta, the largest error of a scaled score from fp32 sums of exact
// products, hd·eps·scale·Σ|q||k| (doubled for slack), and pv[d] = Σ_j
// p_j·|v_jd|.
func attBound(qkv []float32, B, T, H, hd int, scale float64, b, h, i int) (out, p, pv []float64, delta float64) {
	out, p = refAttention(qkv, B, T, H, hd, scale, b, h, i)
	D := H * hd
	row := func(t, part int) []float32 { return qkv[(b*T+t)*3*D+part*D+h*hd:][:hd] }
	pv = make([]float64, hd)
	for j := range T {
		var sa float64
		for d := range hd {
			sa += math.Abs(float64(row(i, 0)[d]) * float64(row(j, 1)[d]))
			pv[d] += p[j] * math.Abs(float64(row(j, 2)[d]))
		}
		delta = max(delta, 2*float64(hd)*eps32*scale*sa)
	}
	return out, p, pv, delta
}

// TestAttentionBF16 checks bf16 attention on every implementation against
// the float64 attention of the bf16-rounded Q, K and V. Bound: scores err
// by ≤ δ (attBound), which moves each probability by a factor ≤ e^(2δ) ≈
// 1+4δ; rounding E to bf16 moves each weight by ≤ u = 2⁻⁸ relative (the
// sums are those before rounding); the softmax and E·V's fp32 sums add
// (T+hd+8)·eps; all relative to Σ_j p_j|v_jd|. The probabilities get the
// same bound relative to p_j. Denormal E may read as zero (VCVTNE2PS2BF16,
// VDPBF16PS), an absolute error far below 1e-30.
func TestAttentionBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	const u = 0x1p-8
	for _, c := range []struct{ B, T, H, hd int }{
		{1, 1, 1, 1}, {2, 7, 3, 5}, {1, 15, 2, 64}, {1, 16, 1, 64}, {1, 33, 2, 31}, {1, 70, 2, 64},
		{2, 197, 2, 64}, {1, 13, 1, 80}, {1, 40, 1, 130}, {1, kcBlock + 44, 1, 64},
	} {
		D := c.H * c.hd
		qkv, _ := guarded(r, c.B*c.T*3*D, 0)
		for i := range qkv {
			qkv[i] *= 3
		}
		qr := roundedBF16(qkv)
		scale := 1 / math.Sqrt(float64(c.hd))
		for _, im := range attBF16Impls() {
			t.Run(fmt.Sprintf("impl=%s/B=%d,T=%d,H=%d,hd=%d", im.path(BF16), c.B, c.T, c.H, c.hd), func(t *testing.T) {
				out, oall := guarded(r, c.B*c.T*D, pad)
				probs, pall := guarded(r, c.B*c.H*c.T*c.T, pad)
				withAttBF16(im, func() { AttentionAt(NewPool(3), BF16, out, qkv, c.B, c.T, c.H, c.hd, float32(scale), probs) })
				checkGuards(t, "out", oall, pad, 1, len(out), len(out))
				checkGuards(t, "probs", pall, pad, 1, len(probs), len(probs))
				for b := range c.B {
					for h := range c.H {
						for i := range c.T {
							ref, p, pv, delta := attBound(qr, c.B, c.T, c.H, c.hd, scale, b, h, i)
							rel := u + 4*delta + 2*float64(c.T+c.hd+8)*eps32
							for d, v := range ref {
								tol := rel*pv[d] + 1e-30
								if got := float64(out[(b*c.T+i)*D+h*c.hd+d]); !(math.Abs(got-v) <= tol) {
									t.Fatalf("out[b=%d,t=%d,h=%d,d=%d] = %v, want %v ± %.3g", b, i, h, d, got, v, tol)
								}
							}
							for j, v := range p {
								tol := rel*v + 1e-30
								if got := float64(probs[((b*c.H+h)*c.T+i)*c.T+j]); !(math.Abs(got-v) <= tol) {
									t.Fatalf("probs[b=%d,h=%d,%d,%d] = %v, want %v ± %.3g", b, h, i, j, got, v, tol)
								}
							}
						}
					}
				}
			})
		}
	}
}

// TestAttentionBF16Probs: the probabilities captured are exactly those E·V
// used, on every implementation: out is, to fp32 rounding, probs·V̂ (V
// rounded to bf16), with the bound of an fp32 product of exact values.
func TestAttentionBF16Probs(t *testing.T) {
	const B, T, H, hd = 1, 50, 2, 64
	r := rand.New(rand.NewPCG(23, 24))
	qkv, _ := guarded(r, B*T*3*H*hd, 0)
	for i := range qkv {
		qkv[i] *= 3
	}
	vr := roundedBF16(qkv)
	D := H * hd
	for _, im := range attBF16Impls() {
		out, probs := make([]float32, B*T*D), make([]float32, B*H*T*T)
		withAttBF16(im, func() { AttentionAt(NewPool(2), BF16, out, qkv, B, T, H, hd, 0.125, probs) })
		for h := range H {
			for i := range T {
				p := probs[(h*T+i)*T:][:T]
				for d := range hd {
					var s, sa float64
					for j, pj := range p {
						v := float64(vr[j*3*D+2*D+h*hd+d])
						s += float64(pj) * v
						sa += math.Abs(float64(pj) * v)
					}
					// E·V's sums and the two roundings of each weight and output.
					tol := 2*float64(T+8)*eps32*sa + 1e-30
					if got := float64(out[i*D+h*hd+d]); !(math.Abs(got-s) <= tol) {
						t.Fatalf("impl=%s: out[t=%d,h=%d,d=%d] = %v, probs·V̂ = %v ± %.3g", im.path(BF16), i, h, d, got, s, tol)
					}
				}
			}
		}
	}
}

// TestAttentionBF16Bits: bf16 attention's output and probabilities have
// the same bits for any thread count, so any split of the queries into
// shares (3 heads of T = 40 on 16 threads: runs of a head of 6 and 16
// rows, below and at amxMinRows), and whether or not the probabilities are
// captured.
func TestAttentionBF16Bits(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, c := range []struct{ B, T, H, hd int }{{2, 197, 3, 64}, {1, 100, 1, 64}, {1, 40, 3, 64}} {
		qkv, _ := guarded(r, c.B*c.T*3*c.H*c.hd, 0)
		run := func(threads int, capture bool) (out, probs []float32) {
			out = make([]float32, c.B*c.T*c.H*c.hd)
			if capture {
				probs = make([]float32, c.B*c.H*c.T*c.T)
			}
			AttentionAt(NewPool(threads), BF16, out, qkv, c.B, c.T, c.H, c.hd, 0.125, probs)
			return out, probs
		}
		for _, im := range attBF16Impls() {
			withAttBF16(im, func() {
				want, wantP := run(1, true)
				for _, th := range []int{1, 2, 3, 5, 8, 16} {
					for _, capture := range []bool{false, true} {
						got, p := run(th, capture)
						name := fmt.Sprintf("impl=%s T=%d threads=%d capture=%v", im.path(BF16), c.T, th, capture)
						if i := firstDiff(got, want); i >= 0 {
							t.Fatalf("%s: out[%d] = %v, alone %v", name, i, got[i], want[i])
						}
						if i := firstDiff(p, wantP); capture && i >= 0 {
							t.Fatalf("%s: probs[%d] = %v, alone %v", name, i, p[i], wantP[i])
						}
					}
				}
			})
		}
	}
}

// TestAttentionInBF16: AttentionInBF16 on qkv rounded to bf16 gives the
// bits AttentionAt(…, BF16, …) gives on qkv itself, output and
// probabilities, on every implementation and on 1 and 3 threads.
func TestAttentionInBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(85, 86))
	for _, c := range []struct{ B, T, H, hd int }{{2, 197, 3, 64}, {1, 40, 3, 64}, {1, 9, 2, 24}} {
		qkv, _ := guarded(r, c.B*c.T*3*c.H*c.hd, 0)
		rounded := make([]float32, len(qkv))
		roundRowBF16(rounded, qkv)
		run := func(in bool, threads int) (out, probs []float32) {
			out, probs = make([]float32, c.B*c.T*c.H*c.hd), make([]float32, c.B*c.H*c.T*c.T)
			if in {
				AttentionInBF16(NewPool(threads), out, rounded, c.B, c.T, c.H, c.hd, 0.125, probs)
			} else {
				AttentionAt(NewPool(threads), BF16, out, qkv, c.B, c.T, c.H, c.hd, 0.125, probs)
			}
			return out, probs
		}
		for _, im := range attBF16Impls() {
			withAttBF16(im, func() {
				for _, th := range []int{1, 3} {
					want, wantP := run(false, th)
					got, p := run(true, th)
					name := fmt.Sprintf("impl=%s T=%d threads=%d", im.path(BF16), c.T, th)
					if i := firstDiff(got, want); i >= 0 {
						t.Fatalf("%s: out[%d] = %v, AttentionAt's %v", name, i, got[i], want[i])
					}
					if i := firstDiff(p, wantP); i >= 0 {
						t.Fatalf("%s: probs[%d] = %v, AttentionAt's %v", name, i, p[i], wantP[i])
					}
				}
			})
		}
	}
}

// TestAttentionBF16Pack: K and V packed as bf16 panels hold toBF16 of each
// value where packBF16 would put it, zero in the padding, on every
// implementation's rounding (denormals may read as zero).
func TestAttentionBF16Pack(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	for _, s := range []struct{ T, hd, ld int }{{1, 1, 3}, {7, 5, 15}, {65, 64, 192}, {197, 64, 2304}, {40, 130, 390}} {
		x := make([]float32, s.T*s.ld)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		kg, tg := ceilDiv(s.hd, 2), ceilDiv(s.T, 2)
		// packBF16 of Kᵀ's panels and of V's: the layouts the products read.
		kt, vt := make([]float32, ceilDiv(s.T, nr)*nr*s.hd), make([]float32, ceilDiv(s.hd, nr)*nr*s.T)
		packB(kt, x, s.ld, s.T, s.hd)
		packBT(vt, x, s.ld, s.T, s.hd)
		wantK, wantV := make([]uint32, ceilDiv(s.T, nr)*nr*kg), make([]uint32, ceilDiv(s.hd, nr)*nr*tg)
		packBF16(wantK, kt, s.T, s.hd)
		packBF16(wantV, vt, s.hd, s.T)
		for _, im := range bf16Tiles() {
			gotK, gotV := make([]uint32, len(wantK)), make([]uint32, len(wantV))
			for i := range gotK {
				gotK[i] = 0xdeadbeef
			}
			for i := range gotV {
				gotV[i] = 0xdeadbeef
			}
			two := make([]float32, 2*nr)
			packKBF16(gotK, x, s.ld, s.T, s.hd, im.bf16.keys, make([]float32, 16*s.hd))
			packVBF16(gotV, x, s.ld, s.T, s.hd, im.bf16.pairs, two)
			if i := firstDiffU32(gotK, wantK); i >= 0 {
				t.Fatalf("impl=%s T=%d hd=%d: K pair %d = %#x, want %#x", im.name, s.T, s.hd, i, gotK[i], wantK[i])
			}
			if i := firstDiffU32(gotV, wantV); i >= 0 {
				t.Fatalf("impl=%s T=%d hd=%d: V pair %d = %#x, want %#x", im.name, s.T, s.hd, i, gotV[i], wantV[i])
			}
		}
	}
}

// TestPairRowsBF16 checks every implementation's pairing of rows against
// toBF16's bits, on rounding ties, NaN, ±Inf, overflow, denormals (which
// may read as zero, keeping their sign), widths with and without a tail
// of 16 and strides; nothing outside the pairs is written.
func TestPairRowsBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 30))
	for _, s := range []struct{ rows, n, lds, ldd int }{{1, 1, 1, 1}, {1, 16, 16, 16}, {3, 17, 20, 18}, {5, 64, 64, 64}, {98, 64, 2304, 64}, {2, 80, 90, 100}} {
		src := make([]float32, (2*s.rows-1)*s.lds+s.n)
		for i := range src {
			src[i] = float32(r.NormFloat64() * math.Exp(10*r.NormFloat64()))
			if r.IntN(3) == 0 {
				src[i] = math.Float32frombits(bf16Specials[r.IntN(len(bf16Specials))])
			}
		}
		for _, im := range bf16Tiles() {
			dst := make([]uint32, (s.rows-1)*s.ldd+s.n+1)
			for i := range dst {
				dst[i] = 0xdeadbeef
			}
			im.bf16.pairs(dst, s.ldd, src, s.lds, s.rows, s.n)
			for i, got := range dst {
				row, j := i/s.ldd, i%s.ldd
				if row >= s.rows || j >= s.n {
					if got != 0xdeadbeef {
						t.Fatalf("impl=%s %+v: dst[%d] outside the pairs written", im.name, s, i)
					}
					continue
				}
				for h, x := range []float32{src[2*row*s.lds+j], src[(2*row+1)*s.lds+j]} {
					g, w, b := uint16(got>>(16*h)), toBF16(x), math.Float32bits(x)
					if g != w && !(b&0x7f800000 == 0 && g == uint16(b>>16)&0x8000) {
						t.Fatalf("impl=%s %+v: row %d pair %d half %d = %#04x, want %#04x", im.name, s, row, j, h, g, w)
					}
				}
			}
		}
	}
}

// TestExpPairsBF16: expPairs gives, on every implementation, the bits of the
// same implementation family's expSum (the AVX-512 kernel sets' with
// avx512's, the generic ones' with generic's): its sum, and its
// exponentials rounded by toBF16 (denormals may round to zero); x is not
// written, nor dst past the pairs, and an odd length's last high half is
// zero.
func TestExpPairsBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, n := range []int{0, 1, 2, 15, 16, 17, 31, 32, 33, 63, 197, 1000} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 40)
		}
		m := float32(math.Inf(-1))
		for _, v := range x {
			m = max(m, v)
		}
		for _, im := range bf16Tiles() {
			fam := generic
			if !strings.Contains(im.name, "generic") {
				fam = named("avx512")
			}
			e := slices.Clone(x)
			want := fam.fp32.expSum(e, m, 1.3)
			dst := make([]uint32, n/2+2)
			for i := range dst {
				dst[i] = 0xdeadbeef
			}
			x0 := slices.Clone(x)
			got := im.bf16.expPairs(dst, x, m, 1.3)
			if math.Float32bits(got) != math.Float32bits(want) || !slices.Equal(x, x0) {
				t.Fatalf("impl=%s n=%d: sum %v, %s's expSum %v (x unchanged: %v)", im.name, n, got, fam.name, want, slices.Equal(x, x0))
			}
			for i := range 2 * len(dst) {
				h := uint16(dst[i/2] >> (16 * (i % 2)))
				var w uint16
				switch {
				case i >= n+n%2:
					w = 0xdead
					if i%2 == 0 {
						w = 0xbeef
					}
				case i < n:
					w = toBF16(e[i])
					if math.Float32bits(e[i])&0x7f800000 == 0 && h == 0 {
						w = 0
					}
				}
				if h != w {
					t.Fatalf("impl=%s n=%d: half %d = %#04x, want %#04x", im.name, n, i, h, w)
				}
			}
		}
	}
}

func firstDiffU32(a, b []uint32) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
