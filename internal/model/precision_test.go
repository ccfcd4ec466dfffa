package model_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/prep"
)

// TestLowPrecisionAccuracy runs every golden model in fp32, bf16 and int8
// on the reference's pixels and bounds the logits' difference from fp32.
//
// Bound: each of the n·L products in series perturbs its output by at
// most 2·u relative to Σ|a||b|, u the unit roundoff of the format (2⁻⁸ for
// bf16; for int8 each value moves by at most half a step, max|row|/254,
// which is 1/254 relative to the row's largest value, so u = 1/127 leaves
// room for rows with outliers); n is 4, a block's Linear layers, and 6 for
// bf16, whose attention also rounds both products' operands (Q, K; E, V).
// LayerNorm renormalises the stream before each block, so to first order
// the perturbations add up through the residual stream instead of
// compounding. With logits of size S = max(1, max|logit|) that gives
// |Δ| ≤ n·L·2·u·S·c; c = 4 allows for Σ|a||b| exceeding |Σab| and for
// softmax amplifying a perturbed attention score. The figures are logged
// (go test -v -run LowPrecision).
func TestLowPrecisionAccuracy(t *testing.T) {
	for _, name := range goldenModels {
		t.Run(name, func(t *testing.T) {
			m := convertAndLoad(t, filepath.Join("..", "..", "testdata", "models", name))
			gdir := filepath.Join("..", "..", "testdata", "golden", name)
			px := readNpy(t, filepath.Join(gdir, "pixels.npy"))
			gold := readNpy(t, filepath.Join(gdir, "logits.npy")).Data
			B := px.Shape[0]
			fp := forward(t, m, px.Data, B)
			for _, p := range []kernels.Precision{kernels.BF16, kernels.INT8} {
				lm := m.WithPrecision(p)
				if m.Precision() != kernels.FP32 || lm.Precision() != p {
					t.Fatalf("precisions: %v → %v, want %v", m.Precision(), lm.Precision(), p)
				}
				got := forward(t, lm, px.Data, B)
				var maxD, sumD, scale float64
				for i := range fp {
					d := math.Abs(float64(got[i]) - float64(fp[i]))
					maxD, sumD = max(maxD, d), sumD+d
					scale = max(scale, math.Abs(float64(fp[i])))
				}
				u, n := 0x1p-8, 6.0
				if p == kernels.INT8 {
					u, n = 1.0/127, 4
				}
				L := m.Config.NumHiddenLayers
				tol := n * float64(L) * 2 * u * max(1, scale) * 4
				t.Logf("%v vs fp32 logits: max |Δ| %.4g, mean |Δ| %.4g (bound %.3g, max |logit| %.3g, L %d, top-1 agree %d/%d); vs PyTorch: max |Δ| %.3g",
					p, maxD, sumD/float64(len(fp)), tol, scale, L, top1Agree(fp, got, B), B, maxAbsDiff(got, gold))
				if !(maxD <= tol) {
					t.Errorf("%v logits differ from fp32 by up to %.3g > %.3g", p, maxD, tol)
				}
				// Back to fp32 widens the stored weights: a third answer, but
				// still within the bound, and p → p is the same model.
				if lm.WithPrecision(p).Precision() != p {
					t.Errorf("WithPrecision(%v) of a %v model is not %v", p, p, p)
				}
				if w := forward(t, lm.WithPrecision(kernels.FP32), px.Data, B); !(maxAbsDiff(w, fp) <= tol) {
					t.Errorf("widened %v weights: logits differ from fp32 by %.3g", p, maxAbsDiff(w, fp))
				}
			}
			// The fp32 model is untouched.
			if again := forward(t, m, px.Data, B); !slices.Equal(again, fp) {
				t.Error("WithPrecision changed the fp32 model's logits")
			}
		})
	}
}

func forward(t *testing.T, m *model.Model, px []float32, B int) []float32 {
	t.Helper()
	logits, err := m.NewRunner(kernels.NewPool(2), B).Forward(px, B)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Clone(logits)
}

// top1Agree counts the images whose largest logit is the same in a and b.
func top1Agree(a, b []float32, B int) int {
	L, n := len(a)/B, 0
	for i := range B {
		ra, rb := a[i*L:(i+1)*L], b[i*L:(i+1)*L]
		if slices.Index(ra, slices.Max(ra)) == slices.Index(rb, slices.Max(rb)) {
			n++
		}
	}
	return n
}

// BenchmarkForwardPrecision is a ViT-B/16-shaped model of random weights at
// batch 1, fp32 against bf16 and int8 in one run (interleave with -count and compare
// with benchstat: neighbours slow both alike).
func BenchmarkForwardPrecision(b *testing.B) {
	cfg := model.Config{
		HiddenSize: 768, NumHiddenLayers: 12, NumAttentionHeads: 12, IntermediateSize: 3072,
		HiddenAct: "gelu", LayerNormEps: 1e-12, ImageSize: 224, PatchSize: 16, NumChannels: 3,
		QKVBias: true, Labels: make([]string, 1000), Preprocess: prep.Default(224),
	}
	for i := range cfg.Labels {
		cfg.Labels[i] = fmt.Sprint(i)
	}
	r := rand.New(rand.NewPCG(1, 1))
	shapes := model.TensorShapes(&cfg)
	var names []string
	for name := range shapes {
		names = append(names, name)
	}
	get := func(name string) ([]float32, []int, error) {
		n := 1
		for _, d := range shapes[name] {
			n *= d
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64() * 0.02)
		}
		return v, shapes[name], nil
	}
	fp, err := model.New(cfg, names, get)
	if err != nil {
		b.Fatal(err)
	}
	px := make([]float32, cfg.PixelsPerImage())
	for i := range px {
		px[i] = float32(r.NormFloat64())
	}
	for _, p := range []kernels.Precision{kernels.FP32, kernels.BF16, kernels.INT8} {
		m := fp.WithPrecision(p)
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("model=vit_b16_224/precision=%v/threads=%d", p, th), func(b *testing.B) {
				run := m.NewRunner(kernels.NewPool(th), 1)
				run.Forward(px, 1)
				c0 := cpuTime()
				for b.Loop() {
					if _, err := run.Forward(px, 1); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/img")
				b.ReportMetric((cpuTime()-c0).Seconds()*1e3/float64(b.N), "cpu-ms/img")
			})
		}
	}
}
