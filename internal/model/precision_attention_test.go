package model

import (
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/vitctl/vitctl/internal/kernels"
)

// TestLowPrecisionAttention: a bf16 model runs attention's products in
// bf16, an fp32 or int8 model in fp32: the last block's attention output
// and its probabilities (the hook's) are the bits of kernels.AttentionAt
// at that precision on the block's qkv, which the workspace still holds,
// for a batch of 2 on 1 and 3 threads.
func TestLowPrecisionAttention(t *testing.T) {
	cfg := tinyConfig()
	fp, err := buildModel(t, cfg, randomTensors(&cfg, 7))
	if err != nil {
		t.Fatal(err)
	}
	const B = 2
	rng := rand.New(rand.NewSource(8))
	px := make([]float32, B*cfg.PixelsPerImage())
	for i := range px {
		px[i] = float32(rng.NormFloat64())
	}
	D, H, hd, L := cfg.HiddenSize, cfg.NumAttentionHeads, cfg.HeadDim(), cfg.NumHiddenLayers
	for _, c := range []struct{ p, att kernels.Precision }{
		{kernels.FP32, kernels.FP32}, {kernels.BF16, kernels.BF16}, {kernels.INT8, kernels.FP32},
	} {
		m := fp.WithPrecision(c.p)
		if got := m.attentionPrecision(); got != c.att {
			t.Fatalf("%v model: attention in %v, want %v", c.p, got, c.att)
		}
		for _, threads := range []int{1, 3} {
			pool := kernels.NewPool(threads)
			r := m.NewRunner(pool, B)
			var last []float32
			r.Hooks.Attention = func(layer int, probs []float32) {
				if layer == L-1 {
					last = slices.Clone(probs)
				}
			}
			if _, err := r.Forward(px, B); err != nil {
				t.Fatal(err)
			}
			T := r.Tokens()
			out, probs := make([]float32, B*T*D), make([]float32, B*H*T*T)
			scale := float32(1 / math.Sqrt(float64(hd)))
			kernels.AttentionAt(pool, c.att, out, r.ws.qkv[:B*T*3*D], B, T, H, hd, scale, probs)
			if !slices.Equal(out, r.ws.ctx[:B*T*D]) || !slices.Equal(probs, last) {
				t.Errorf("%v model, %d threads: the last block's attention is not AttentionAt's in %v", c.p, threads, c.att)
			}
		}
	}
}
