package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// vitShapes are ViT-B/16's GEMMs at batch 1: (M, N, K).
var vitShapes = []struct {
	name    string
	m, n, k int
}{
	{"qkv_197x2304x768", 197, 2304, 768},
	{"proj_197x768x768", 197, 768, 768},
	{"fc1_197x3072x768", 197, 3072, 768},
	{"fc2_197x768x3072", 197, 768, 3072},
}

func BenchmarkLinear(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range vitShapes {
		x, _ := guarded(r, s.m*s.k, 0)
		w, _ := guarded(r, s.n*s.k, 0)
		bias, _ := guarded(r, s.n, 0)
		y := make([]float32, s.m*s.n)
		pb := PackB(w, s.n, s.k)
		for _, im := range impls(FP32) {
			if im == generic && s.m*s.n*s.k > 197*768*768 {
				continue // minutes per run
			}
			for _, th := range []int{1, 2} {
				b.Run(fmt.Sprintf("shape=%s/impl=%s/threads=%d", s.name, im.name, th), func(b *testing.B) {
					p := NewPool(th)
					withImpl(im, func() {
						Linear(p, y, s.n, x, s.k, s.m, pb, Epilogue{Bias: bias})
						c0 := cpuTime()
						for b.Loop() {
							Linear(p, y, s.n, x, s.k, s.m, pb, Epilogue{Bias: bias})
						}
						reportFlops(b, 2*float64(s.m*s.n*s.k), cpuTime()-c0)
					})
				})
			}
		}
	}
}

// reportFlops reports GFLOP/s of wall time and GFLOP per CPU second (per
// core busy), for flops per iteration.
func reportFlops(b *testing.B, flops float64, cpu time.Duration) {
	total := flops * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu > 0 {
		b.ReportMetric(total/cpu.Seconds()/1e9, "GFLOP/cpu-s")
	}
}

// BenchmarkAttention is ViT-B/16's attention at batch 1: 12 heads of 64
// over 197 tokens, with fp32 and with bf16 products (AttentionAt) on every
// implementation of each, on 1 and 2 threads and, where there are more
// CPUs, on all of them (the heads' queries split into blocks).
func BenchmarkAttention(b *testing.B) {
	const B, T, H, hd = 1, 197, 12, 64
	r := rand.New(rand.NewPCG(2, 2))
	qkv, _ := guarded(r, B*T*3*H*hd, 0)
	out := make([]float32, B*T*H*hd)
	threads := []int{1, 2}
	if n := runtime.NumCPU(); n > 2 {
		threads = append(threads, n)
	}
	for _, prec := range []Precision{FP32, BF16} {
		for _, im := range impls(prec) {
			for _, th := range threads {
				b.Run(fmt.Sprintf("shape=vit_b16_197x12x64/precision=%v/impl=%s/threads=%d", prec, im.path(prec), th), func(b *testing.B) {
					p := NewPool(th)
					with := withImpl
					if prec == BF16 {
						with = withAttBF16
					}
					with(im, func() {
						AttentionAt(p, prec, out, qkv, B, T, H, hd, 0.125, nil)
						c0 := cpuTime()
						for b.Loop() {
							AttentionAt(p, prec, out, qkv, B, T, H, hd, 0.125, nil)
						}
						reportFlops(b, 4*B*H*T*T*hd, cpuTime()-c0)
					})
				})
			}
		}
	}
}

// BenchmarkLayerNorm is ViT-B/16's LayerNorm at batch 1.
func BenchmarkLayerNorm(b *testing.B) {
	const rows, D = 197, 768
	r := rand.New(rand.NewPCG(3, 3))
	x, _ := guarded(r, rows*D, 0)
	g, _ := guarded(r, D, 0)
	dst := make([]float32, rows*D)
	for _, th := range []int{1, 2} {
		b.Run(fmt.Sprintf("shape=%dx%d/threads=%d", rows, D, th), func(b *testing.B) {
			p := NewPool(th)
			for b.Loop() {
				LayerNorm(p, dst, x, rows, D, g, g, 1e-6)
			}
		})
	}
}

// BenchmarkViTB16 runs the kernels of a ViT-B/16 forward pass at batch 1
// (patch embedding, 12 encoder blocks of random weights, final LayerNorm),
// as internal/model calls them, and reports ms per image and GFLOP/s, and
// ms per image spent in each kind of call: with bf16 and int8 weights a
// block's LayerNorms run inside qkv and fc1 (LinearNorm), so ln-ms/img is
// the final one alone. Where there are more than 2
// CPUs it also runs fp32 at batch 16 on all of them.
func BenchmarkViTB16(b *testing.B) { benchViT(b, "vit_b16_224", 768, 12, 3072) }

// BenchmarkViTTi16 is BenchmarkViTB16 for ViT-Ti/16 (the built-in model's
// shape: width 192, 3 heads), whose calls are 16 times smaller: what does
// not split well over threads shows here first.
func BenchmarkViTTi16(b *testing.B) { benchViT(b, "vit_ti16_224", 192, 3, 768) }

// BenchmarkViTS16 is BenchmarkViTB16 for ViT-S/16 (width 384, 6 heads),
// between the two: its fp32 layers' weights are 0.6–2.4 MB, where rows
// split by owner (owners.go) begin to cost what they save.
func BenchmarkViTS16(b *testing.B) { benchViT(b, "vit_s16_224", 384, 6, 1536) }

// benchViT is BenchmarkViTB16 for a ViT of width D, H heads and MLP width
// I, 12 blocks, patch 16, 224 px.
func benchViT(b *testing.B, shape string, D, H, I int) {
	const T, L, P, maxB = 197, 12, 768, 16 // P = 3·16·16
	r := rand.New(rand.NewPCG(4, 4))
	rnd := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = 0.04 * (2*r.Float32() - 1)
		}
		return s
	}
	type layer struct {
		qkv, out, up, down     *PackedB
		qkvB, outB, upB, downB []float32
		ln1W, ln1B, ln2W, ln2B []float32
	}
	patch, patchB := PackB(rnd(D*P), D, P), rnd(D)
	layers := make([]layer, L)
	for i := range layers {
		layers[i] = layer{
			qkv: PackB(rnd(3*D*D), 3*D, D), out: PackB(rnd(D*D), D, D),
			up: PackB(rnd(I*D), I, D), down: PackB(rnd(D*I), D, I),
			qkvB: rnd(3 * D), outB: rnd(D), upB: rnd(I), downB: rnd(D),
			ln1W: rnd(D), ln1B: rnd(D), ln2W: rnd(D), ln2B: rnd(D),
		}
	}
	threads := []int{1, 2}
	if n := runtime.NumCPU(); n > 2 {
		threads = append(threads, n)
	}
	bmax := 1
	if len(threads) > 2 {
		bmax = maxB
	}
	pixels, pemb := rnd(bmax*(T-1)*P), make([]float32, bmax*(T-1)*D)
	x, h := make([]float32, bmax*T*D), make([]float32, bmax*T*D)
	qkv, ctx, up := make([]float32, bmax*T*3*D), make([]float32, bmax*T*D), make([]float32, bmax*T*I)
	flops := 2*float64((T-1)*D*P) + L*(2*float64(T*D)*float64(3*D+D+2*I)+4*float64(T*T*D)) // per image
	// Each call is timed, for where the time goes: ms per image of the
	// patch embedding, the LayerNorms, the four Linear layers and attention.
	ops := []string{"patch", "ln", "qkv", "att", "proj", "fc1", "fc2"}
	var spent [7]time.Duration
	timed := func(op int, f func()) {
		t0 := time.Now()
		f()
		spent[op] += time.Since(t0)
	}
	attPrec := FP32 // as the model chooses: bf16 attention for bf16 weights
	forward := func(p *Pool, B int) {
		M := B * T
		timed(0, func() {
			Linear(p, pemb, D, pixels, P, B*(T-1), patch, Epilogue{Bias: patchB})
			for i := range B {
				copy(x[(i*T+1)*D:(i+1)*T*D], pemb[i*(T-1)*D:])
			}
		})
		// normed is LinearNorm, timed as the model's kernels run it.
		normed := func(op int, y []float32, ldy int, n Norm, w *PackedB, ep Epilogue) {
			if w.lp == nil {
				timed(1, func() { LayerNorm(p, h, x, M, D, n.Gamma, n.Beta, n.Eps) })
				timed(op, func() { Linear(p, y, ldy, h, D, M, w, ep) })
				return
			}
			timed(op, func() { LinearNorm(p, y, ldy, x, M, n, h, w, ep) })
		}
		attIn := attPrec == BF16 && AttentionReadsBF16() // as the model: qkv rounded for attention
		for _, ly := range layers {
			normed(2, qkv, 3*D, Norm{ly.ln1W, ly.ln1B, 1e-12}, ly.qkv, Epilogue{Bias: ly.qkvB, RoundBF16: attIn})
			timed(3, func() {
				if attIn {
					AttentionInBF16(p, ctx, qkv, B, T, H, D/H, 0.125, nil)
					return
				}
				AttentionAt(p, attPrec, ctx, qkv, B, T, H, D/H, 0.125, nil)
			})
			timed(4, func() { Linear(p, x, D, ctx, D, M, ly.out, Epilogue{Bias: ly.outB, Residual: x}) })
			bf := ly.down.ReadsBF16() // as the model: fc1 rounds what fc2 reads
			normed(5, up, I, Norm{ly.ln2W, ly.ln2B, 1e-12}, ly.up, Epilogue{Bias: ly.upB, Act: ActGELU, RoundBF16: bf})
			timed(6, func() { Linear(p, x, D, up, I, M, ly.down, Epilogue{Bias: ly.downB, Residual: x, InBF16: bf}) })
		}
		timed(1, func() { LayerNorm(p, h, x, M, D, layers[0].ln1W, layers[0].ln1B, 1e-12) })
	}
	// vitRun is one case: the threads, the batch, workers' spinFor, A's
	// layout and the most threads that split rows by owner (with own >
	// ownThreads, every Linear's rows too, whatever its weights).
	type vitRun struct {
		impl   string
		tiled  bool
		th, B  int
		spin   time.Duration
		own    int
		suffix string
	}
	for _, prec := range []Precision{FP32, BF16, INT8} {
		attPrec = FP32
		if prec == BF16 {
			attPrec = BF16
		}
		if prec != FP32 {
			for i := range layers {
				ly := &layers[i]
				ly.qkv, ly.out, ly.up, ly.down = ly.qkv.To(prec), ly.out.To(prec), ly.up.To(prec), ly.down.To(prec)
			}
		}
		var runs []vitRun
		layouts := []bool{amxTiled}
		if sel[prec].amx(prec) {
			layouts = []bool{false, true} // A as rows, then as tiles (amxTiled)
		}
		for _, tiled := range layouts {
			impl := SelectedFor(prec)
			if tiled {
				impl += "-tiles"
			}
			for _, th := range threads {
				runs = append(runs, vitRun{impl, tiled, th, 1, spinFor, ownThreads, ""})
				if th > 2 { // do workers that park cost?
					runs = append(runs, vitRun{impl, tiled, th, 1, 10 * spinFor, ownThreads, fmt.Sprintf("/spin=%v", 10*spinFor)})
				}
			}
		}
		if th := threads[len(threads)-1]; prec == FP32 && bmax > 1 {
			runs = append(runs, vitRun{SelectedFor(prec), amxTiled, th, bmax, spinFor, ownThreads, fmt.Sprintf("/batch=%d", bmax)})
			// rows by owner on all the threads, every Linear's too: does it pay at batch 16?
			runs = append(runs, vitRun{SelectedFor(prec), amxTiled, th, bmax, spinFor, min(th, maxOwners), fmt.Sprintf("/batch=%d/owned", bmax)})
		}
		for _, ru := range runs {
			name := fmt.Sprintf("shape=%s/precision=%v/impl=%s/threads=%d%s", shape, prec, ru.impl, ru.th, ru.suffix)
			b.Run(name, func(b *testing.B) {
				defer func(tiled bool, spin time.Duration, own, fp32 int) {
					amxTiled, spinFor, ownThreads, ownMaxFP32 = tiled, spin, own, fp32
				}(amxTiled, spinFor, ownThreads, ownMaxFP32)
				if ru.own > ownThreads {
					ownMaxFP32 = math.MaxInt
				}
				amxTiled, spinFor, ownThreads = ru.tiled, ru.spin, ru.own
				p := NewPool(ru.th)
				clear(x)
				forward(p, ru.B)
				spent = [7]time.Duration{}
				c0, w0 := cpuTime(), p.tm.wakes.Load()
				for b.Loop() {
					clear(x)
					forward(p, ru.B)
				}
				imgs := float64(b.N * ru.B)
				reportFlops(b, flops*float64(ru.B), cpuTime()-c0)
				b.ReportMetric(b.Elapsed().Seconds()*1e3/imgs, "ms/img")
				b.ReportMetric(float64(p.tm.wakes.Load()-w0)/imgs, "wakes/img")
				for i, op := range ops {
					b.ReportMetric(spent[i].Seconds()*1e3/imgs, op+"-ms/img")
				}
			})
		}
	}
}

// BenchmarkWeightGrad is dW += dYᵀ·X of ViT-Ti/16's four Linear layers at
// batch 32 (M = 32·197 rows) on the selected implementation's transposed
// tile, with its operands packed a block at a time (pack=true) and, side
// by side, read in place (pack=false); the implementation's packT picks
// one.
//
//	go test ./internal/kernels -run - -bench WeightGrad -benchtime 24x
func BenchmarkWeightGrad(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const M = 32 * 197
	for _, s := range []struct {
		name string
		n, k int
	}{{"qkv", 576, 192}, {"proj", 192, 192}, {"fc1", 768, 192}, {"fc2", 192, 768}} {
		dy, _ := guarded(r, M*s.n, 0)
		x, _ := guarded(r, M*s.k, 0)
		dw := make([]float32, s.n*s.k)
		db := make([]float32, s.n)
		var buf GradBuf
		for _, im := range []*impl{cur(), otherPackT(cur())} {
			for _, th := range []int{1, 2} {
				b.Run(fmt.Sprintf("layer=%s/pack=%v/threads=%d", s.name, im.fp32.packT, th), func(b *testing.B) {
					p := NewPool(th)
					withImpl(im, func() {
						WeightGrad(p, dw, db, dy, x, M, s.n, s.k, &buf)
						c0 := cpuTime()
						for b.Loop() {
							WeightGrad(p, dw, db, dy, x, M, s.n, s.k, &buf)
						}
						reportFlops(b, 2*float64(M*s.n*s.k), cpuTime()-c0)
					})
				})
			}
		}
	}
}
