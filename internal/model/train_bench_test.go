package model_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/bench"
	"github.com/vitctl/vitctl/internal/kernels"
	. "github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/prep"
)

// vitTiny is ViT-Ti/16's config (timm vit_tiny_patch16_224).
func vitTiny() Config {
	c := Config{HiddenSize: 192, NumHiddenLayers: 12, NumAttentionHeads: 3, IntermediateSize: 768, HiddenAct: "gelu",
		LayerNormEps: 1e-6, ImageSize: 224, PatchSize: 16, NumChannels: 3, QKVBias: true,
		Labels: []string{"a", "b", "c", "d", "e"}, ModelType: "timm", Preprocess: prep.Default(224)}
	return c
}

func randomParams(c *Config, seed uint64) *Params {
	r := rand.New(rand.NewPCG(seed, 1))
	shapes := TensorShapes(c)
	var names []string
	for n := range shapes {
		names = append(names, n)
	}
	p, err := LoadParams(c, names, func(name string) ([]float32, []int, error) {
		k := 1
		for _, d := range shapes[name] {
			k *= d
		}
		x := make([]float32, k)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 0.02)
			if strings.HasSuffix(name, "ln1.weight") || strings.HasSuffix(name, "ln2.weight") || strings.HasSuffix(name, "norm.weight") {
				x[i] = 1 // as trained models have them: no shrinking stream, no subnormal gradients
			}
		}
		return x, shapes[name], nil
	})
	if err != nil {
		panic(err)
	}
	return p
}

// BenchmarkTrainStep is one training step (forward, cross-entropy,
// backward; no optimizer) of ViT-Ti/16 on B images, every layer trained.
//
//	go test ./internal/model -run - -bench TrainStep -benchtime 3x
func BenchmarkTrainStep(b *testing.B) {
	c := vitTiny()
	for _, B := range []int{8, 32} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("model=vit-ti16/batch=%d/threads=%d", B, threads), func(b *testing.B) {
				n, err := NewNet(c, randomParams(&c, 1), -1, kernels.NewPool(threads), B)
				if err != nil {
					b.Fatal(err)
				}
				r := rand.New(rand.NewPCG(2, 3))
				px := make([]float32, B*c.PixelsPerImage())
				for i := range px {
					px[i] = float32(r.NormFloat64())
				}
				labels := make([]int, B)
				for i := range labels {
					labels[i] = i % 5
				}
				dl := make([]float32, B*5)
				step := func() {
					n.ZeroGrad()
					logits, _ := n.Forward(px, B)
					CrossEntropy(dl, logits, labels, 5, 0.1)
					n.Backward(dl, B)
					n.Pack()
				}
				step() // touches every buffer once: no first-touch page faults in the timing
				b.ResetTimer()
				cpu0, cpuOK := bench.CPUTime()
				for range b.N {
					step()
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*B), "ms/img")
				if cpu1, ok := bench.CPUTime(); ok && cpuOK {
					b.ReportMetric(float64((cpu1-cpu0).Milliseconds())/float64(b.N*B), "cpu-ms/img")
				}
			})
		}
	}
}
