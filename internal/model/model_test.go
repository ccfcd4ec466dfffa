package model

import (
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/prep"
)

// tinyConfig is a small but complete model: 2 layers, 3 heads, patch 4.
func tinyConfig() Config {
	return Config{
		HiddenSize: 24, NumHiddenLayers: 2, NumAttentionHeads: 3, IntermediateSize: 40,
		HiddenAct: "gelu", LayerNormEps: 1e-12, ImageSize: 16, PatchSize: 4, NumChannels: 3,
		QKVBias: true, Labels: []string{"a", "b", "c", "d", "e"}, Preprocess: prep.Default(16),
	}
}

// randomTensors returns random values for every tensor cfg needs.
func randomTensors(cfg *Config, seed int64) map[string][]float32 {
	rng := rand.New(rand.NewSource(seed))
	out := map[string][]float32{}
	for name, shape := range TensorShapes(cfg) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64() * 0.2)
		}
		out[name] = v
	}
	return out
}

func buildModel(t *testing.T, cfg Config, tensors map[string][]float32) (*Model, error) {
	t.Helper()
	shapes := TensorShapes(&cfg)
	var names []string
	for n := range tensors {
		names = append(names, n)
	}
	get := func(name string) ([]float32, []int, error) {
		s, ok := shapes[name]
		if !ok {
			s = []int{len(tensors[name])}
		}
		return tensors[name], s, nil
	}
	return New(cfg, names, get)
}

func TestBatchEqualsSingles(t *testing.T) {
	cfg := tinyConfig()
	m, err := buildModel(t, cfg, randomTensors(&cfg, 1))
	if err != nil {
		t.Fatal(err)
	}
	const B = 3
	rng := rand.New(rand.NewSource(2))
	px := make([]float32, B*cfg.PixelsPerImage())
	for i := range px {
		px[i] = float32(rng.NormFloat64())
	}
	r := m.NewRunner(kernels.NewPool(2), B)
	batched, err := r.Forward(px, B)
	if err != nil {
		t.Fatal(err)
	}
	batched = slices.Clone(batched)
	L := len(cfg.Labels)
	for b := 0; b < B; b++ {
		one, err := r.Forward(px[b*cfg.PixelsPerImage():(b+1)*cfg.PixelsPerImage()], 1)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(one, batched[b*L:(b+1)*L]) {
			t.Errorf("image %d: batched logits %v differ from single %v", b, batched[b*L:(b+1)*L], one)
		}
	}
}

func TestLoaderRefuses(t *testing.T) {
	cfg := tinyConfig()
	for _, tc := range []struct {
		name   string
		change func(map[string][]float32)
		want   string
	}{
		{"missing", func(m map[string][]float32) { delete(m, "blk.1.ffn_up.bias") }, "missing tensors: blk.1.ffn_up.bias"},
		{"unused", func(m map[string][]float32) { m["blk.9.extra"] = []float32{1} }, "does not use: blk.9.extra"},
		{"misshaped", func(m map[string][]float32) { m[TensorClassB] = m[TensorClassB][:3] }, "tensor cls_head.bias"},
		// One NaN weight makes every logit NaN: refused at load, by name.
		{"nan in a packed matrix", func(m map[string][]float32) { m[BlockTensor(1, AttnKW)][100] = nan },
			"tensor blk.1.attn_k.weight holds 1 NaN or Inf value (first NaN at element 100)"},
		{"inf in a vector", func(m map[string][]float32) {
			m[TensorPostNormB][3], m[TensorPostNormB][5] = inf, -inf
		}, "tensor post_norm.bias holds 2 NaN or Inf values (first +Inf at element 3)"},
		{"nan in the position embeddings", func(m map[string][]float32) { m[TensorPos][0] = nan },
			"tensor pos_embd holds 1 NaN or Inf value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tensors := randomTensors(&cfg, 1)
			tc.change(tensors)
			names, get := shapedGetter(cfg, tensors)
			_, err := New(cfg, names, get)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: err = %v, want it to mention %q", err, tc.want)
			}
			// The training parameters (finetune's base model) load the same checks.
			_, err = LoadParams(&cfg, names, get)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadParams: err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

var nan, inf = float32(math.NaN()), float32(math.Inf(1))

// shapedGetter reports each tensor's shape from its length, so a short
// tensor shows up as a wrong shape.
func shapedGetter(cfg Config, tensors map[string][]float32) ([]string, Getter) {
	shapes := TensorShapes(&cfg)
	var names []string
	for n := range tensors {
		names = append(names, n)
	}
	get := func(name string) ([]float32, []int, error) {
		s := slices.Clone(shapes[name])
		if n := len(tensors[name]); len(s) == 1 && s[0] != n {
			s[0] = n
		}
		return tensors[name], s, nil
	}
	return names, get
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.HiddenSize = 25 }, "not a multiple"},
		{func(c *Config) { c.ImageSize = 18 }, "not a positive multiple"},
		{func(c *Config) { c.HiddenAct = "swish" }, `hidden_act "swish"`},
		{func(c *Config) { c.Labels, c.DistillationToken, c.DistillationHead = nil, true, true }, "needs a classifier"},
		{func(c *Config) { c.LayerNormEps = 0 }, "layer_norm_eps"},
		{func(c *Config) { c.Preprocess.Std = []float64{1, 0, 1} }, "zero"},
		{func(c *Config) { c.Preprocess.Height = 32 }, "resize to"},
	} {
		c := tinyConfig()
		tc.change(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v", tc.want, err)
		}
	}
	c := tinyConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestLoadParamsBackbone loads the training parameters of models with and
// without a classifier: a backbone (no labels) has no cls_head.* tensors,
// and LoadParams used to ask for them, so finetune -m BACKBONE failed with
// "tensor cls_head.weight is missing" although finetune replaces the
// classifier anyway.
func TestLoadParamsBackbone(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels []string
	}{
		{"classifier", []string{"a", "b", "c"}},
		{"backbone", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig()
			cfg.Labels = tc.labels
			names, get := shapedGetter(cfg, randomTensors(&cfg, 1))
			p, err := LoadParams(&cfg, names, get)
			if err != nil {
				t.Fatalf("LoadParams: %v", err)
			}
			if got, want := p.Names(&cfg), slices.Sorted(slices.Values(names)); !slices.Equal(got, want) {
				t.Errorf("Params.Names %v, want the file's %v", got, want)
			}
		})
	}
}
