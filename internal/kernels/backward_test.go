package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestWeightGrad checks dw += dyᵀ·x and db += Σ dy against float64 on
// shapes around the tile edges and ViT-Ti ones (B blocks at the edges of
// M, N and kcBlock), with the derived bound |Δ| ≤ 2·M·eps32·Σ|dy||x| (the
// sum over M rows), for every implementation, and that the bits depend
// neither on the thread count nor on whether the operands are packed
// (each implementation is also run with packT the other way).
func TestWeightGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range [][3]int{{1, 1, 1}, {7, 5, 3}, {13, 65, 70}, {197, 64, 130}, {394, 192, 192}, {70, 200, 64}, {600, 130, 7}, {394, 576, 192}, {520, 20, 300}, {300, 1100, 70}, {600, 100, 50}} {
		M, N, K := s[0], s[1], s[2]
		dy, _ := guarded(r, M*N, 0)
		x, _ := guarded(r, M*K, 0)
		dw0, _ := guarded(r, N*K, 0)
		db0, _ := guarded(r, N, 0)
		for _, im := range impls(FP32) {
			var want, wantDB []float32
			for _, v := range []*impl{im, otherPackT(im)} {
				withImpl(v, func() {
					for _, threads := range []int{1, 2, 3} {
						dw, db := slices.Clone(dw0), slices.Clone(db0)
						var buf GradBuf
						WeightGrad(NewPool(threads), dw, db, dy, x, M, N, K, &buf)
						name := fmt.Sprintf("%s/packT=%v/%dx%dx%d/threads=%d", im.name, v.fp32.packT, M, N, K, threads)
						if want == nil {
							want, wantDB = dw, db
							checkWeightGrad(t, name, dw, db, dw0, db0, dy, x, M, N, K)
						} else if !slices.Equal(dw, want) || !slices.Equal(db, wantDB) {
							t.Errorf("%s: bits differ from %s's with 1 thread", name, im.name)
						}
					}
				})
			}
		}
	}
}

// otherPackT is im with its fp32 kernels' packT the other way.
func otherPackT(im *impl) *impl {
	v, k := *im, *im.fp32
	k.packT = !k.packT
	v.fp32 = &k
	return &v
}

func checkWeightGrad(t *testing.T, name string, dw, db, dw0, db0, dy, x []float32, M, N, K int) {
	t.Helper()
	for n := range N {
		for k := range K {
			ref, abs := float64(dw0[n*K+k]), math.Abs(float64(dw0[n*K+k]))
			for m := range M {
				p := float64(dy[m*N+n]) * float64(x[m*K+k])
				ref += p
				abs += math.Abs(p)
			}
			if d := math.Abs(float64(dw[n*K+k]) - ref); d > 2*float64(M+1)*eps32*abs {
				t.Fatalf("%s: dw[%d,%d] = %v, want %v", name, n, k, dw[n*K+k], ref)
			}
		}
		ref, abs := float64(db0[n]), math.Abs(float64(db0[n]))
		for m := range M {
			ref += float64(dy[m*N+n])
			abs += math.Abs(float64(dy[m*N+n]))
		}
		if d := math.Abs(float64(db[n]) - ref); d > 2*float64(M+1)*eps32*abs {
			t.Fatalf("%s: db[%d] = %v, want %v", name, n, db[n], ref)
		}
	}
}

// TestPackT checks that Linear with PackT(v) computes x·v, and Repack
// reuses memory and equals PackB.
func TestPackT(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	M, K, N := 9, 70, 130
	x, _ := guarded(r, M*K, 0)
	v, _ := guarded(r, K*N, 0)
	y := make([]float32, M*N)
	p := NewPool(2)
	pt := PackT(nil, v, K, N)
	Linear(p, y, N, x, K, M, pt, Epilogue{})
	for i := range M {
		for j := range N {
			var ref, abs float64
			for k := range K {
				ref += float64(x[i*K+k]) * float64(v[k*N+j])
				abs += math.Abs(float64(x[i*K+k]) * float64(v[k*N+j]))
			}
			if d := math.Abs(float64(y[i*N+j]) - ref); d > 2*float64(K)*eps32*abs {
				t.Fatalf("y[%d,%d] = %v, want %v", i, j, y[i*N+j], ref)
			}
		}
	}
	w, _ := guarded(r, N*K, 0)
	old := &pt.w[0]
	rp := Repack(pt, w, N, K)
	if &rp.w[0] != old || !slices.Equal(rp.w, PackB(w, N, K).w) {
		t.Error("Repack: not the same panels as PackB in the same memory")
	}
}

// TestActBackward checks each activation's derivative against a central
// difference of the float64 reference.
func TestActBackward(t *testing.T) {
	for _, a := range []Act{ActGELU, ActGELUTanh, ActReLU, ActQuickGELU} {
		for x := -9.0; x <= 9; x += 0.0625 {
			if a == ActReLU && x == 0 {
				continue
			}
			const h = 1e-6
			ref := (refAct(a, x+h) - refAct(a, x-h)) / (2 * h)
			got := float64(actGrad32(a, float32(x)))
			if math.Abs(got-ref) > 1e-6*(1+math.Abs(ref))*8 {
				t.Errorf("act %d at %g: derivative %v, want %v", a, x, got, ref)
			}
		}
	}
}

// TestGeluGrad checks erf GELU's derivative through ActBackward, with the
// forward's output as post, for every implementation against float64
// (Φ(x) + x·φ(x) times dy), on x around the Φ ≈ 0.5 + x/√(2π) switch, 0,
// the tails and a length that leaves a partial chunk and partial vector.
// post/x carries post's rounding, 2⁻²⁴ relative, divided by x; the bound
// takes that, exp's few ulp and the rest's rounding.
func TestGeluGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	n := 1<<12 + 1013
	pre, dy, post := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range pre {
		switch i % 4 {
		case 0:
			pre[i] = float32(r.NormFloat64() * 3)
		case 1:
			pre[i] = float32(r.NormFloat64() * 2e-3)
		case 2:
			pre[i] = float32((r.Float64()*2 - 1) * 12)
		default:
			pre[i] = float32(r.NormFloat64())
		}
		dy[i] = float32(r.NormFloat64())
	}
	pre[0], pre[4], pre[8] = 0, 1e-3, -1e-3
	for i, x := range pre {
		post[i] = float32(refAct(ActGELU, float64(x)))
	}
	for _, im := range impls(FP32) {
		withImpl(im, func() {
			dx := make([]float32, n)
			ActBackward(NewPool(2), dx, dy, pre, post, ActGELU)
			for i, x := range pre {
				xf := float64(x)
				phi := 0.5 * math.Erfc(-xf/math.Sqrt2)
				ref := float64(dy[i]) * (phi + xf*math.Exp(-xf*xf/2)/math.Sqrt(2*math.Pi))
				tol := math.Abs(float64(dy[i])) * (1e-6 + 2e-7*math.Abs(xf))
				if math.Abs(xf) <= geluGradEps { // Φ to O(x³): x³/(6√(2π)) ≤ 7e-11
					tol += math.Abs(float64(dy[i])) * 1e-10
				}
				if d := math.Abs(float64(dx[i]) - ref); !(d <= tol) {
					t.Fatalf("impl=%s x=%v: dx = %v, want %v ± %.3g", im.name, x, dx[i], ref, tol)
				}
			}
		})
	}
}

// TestAttentionBackwardThreads: the bits of dqkv do not depend on threads.
func TestAttentionBackwardThreads(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	B, T, H, hd := 2, 197, 3, 64
	D := H * hd
	qkv, _ := guarded(r, B*T*3*D, 0)
	dout, _ := guarded(r, B*T*D, 0)
	out, probs := make([]float32, B*T*D), make([]float32, B*H*T*T)
	Attention(NewPool(1), out, qkv, B, T, H, hd, 0.125, probs)
	var want []float32
	for _, threads := range []int{1, 2, 4} {
		d := make([]float32, len(qkv))
		AttentionBackward(NewPool(threads), d, dout, qkv, probs, B, T, H, hd, 0.125)
		if want == nil {
			want = d
		} else if !slices.Equal(d, want) {
			t.Errorf("threads=%d: bits differ from 1 thread", threads)
		}
	}
}

// TestAttentionBackwardRef checks every implementation's dqkv against
// float64 on the same probabilities (dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙
// (dP − Σ dP⊙P)·scale, dQ = dS·K, dK = dSᵀ·Q), T off the tile's 6 rows
// and head sizes off its 64 columns, to 1e-5 of the largest gradient, and
// that its bits do not depend on packT: dV and dK (mulT) are the only
// products of wgJob's whose operands lie 3·D floats apart, not N or K,
// so each implementation runs with packT the other way too (the packed
// path ran here on AVX2 alone, the in-place one nowhere else).
func TestAttentionBackwardRef(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	for _, s := range [][4]int{{1, 13, 2, 64}, {2, 197, 3, 64}, {1, 50, 2, 40}} {
		B, T, H, hd := s[0], s[1], s[2], s[3]
		D, scale := H*hd, float32(1/math.Sqrt(float64(hd)))
		qkv, _ := guarded(r, B*T*3*D, 0)
		dout, _ := guarded(r, B*T*D, 0)
		out, probs := make([]float32, B*T*D), make([]float32, B*H*T*T)
		Attention(NewPool(1), out, qkv, B, T, H, hd, scale, probs)
		want := refAttentionBackward(dout, qkv, probs, B, T, H, hd, float64(scale))
		var big float64
		for _, v := range want {
			big = max(big, math.Abs(v))
		}
		for _, im := range impls(FP32) {
			var first []float32
			for _, v := range []*impl{im, otherPackT(im)} {
				d := make([]float32, len(qkv))
				withImpl(v, func() { AttentionBackward(NewPool(2), d, dout, qkv, probs, B, T, H, hd, scale) })
				name := fmt.Sprintf("%s/packT=%v/B=%d/T=%d/H=%d/hd=%d", im.name, v.fp32.packT, B, T, H, hd)
				for i, x := range d {
					if math.Abs(float64(x)-want[i]) > 1e-5*big {
						t.Fatalf("%s: dqkv[%d] = %v, want %v", name, i, x, want[i])
					}
				}
				if first == nil {
					first = d
				} else if !slices.Equal(d, first) {
					t.Errorf("%s: bits differ from packT=%v's", name, im.fp32.packT)
				}
			}
		}
	}
}

// refAttentionBackward is AttentionBackward in float64.
func refAttentionBackward(dout, qkv, probs []float32, B, T, H, hd int, scale float64) []float64 {
	D := H * hd
	d := make([]float64, B*T*3*D)
	at := func(b, t, part, h, i int) int { return (b*T+t)*3*D + part*D + h*hd + i }
	for b := range B {
		for h := range H {
			P := probs[(b*H+h)*T*T:]
			dO := func(t, i int) float64 { return float64(dout[(b*T+t)*D+h*hd+i]) }
			ds := make([]float64, T*T)
			for i := range T {
				var dot float64
				for j := range T {
					var dp float64
					for c := range hd {
						dp += dO(i, c) * float64(qkv[at(b, j, 2, h, c)])
					}
					ds[i*T+j] = dp
					dot += dp * float64(P[i*T+j])
				}
				for j := range T {
					ds[i*T+j] = float64(P[i*T+j]) * (ds[i*T+j] - dot) * scale
				}
			}
			for i := range T {
				for c := range hd {
					var dv, dq, dk float64
					for t := range T {
						dv += float64(P[t*T+i]) * dO(t, c)
						dq += ds[i*T+t] * float64(qkv[at(b, t, 1, h, c)])
						dk += ds[t*T+i] * float64(qkv[at(b, t, 0, h, c)])
					}
					d[at(b, i, 0, h, c)], d[at(b, i, 1, h, c)], d[at(b, i, 2, h, c)] = dq, dk, dv
				}
			}
		}
	}
	return d
}
