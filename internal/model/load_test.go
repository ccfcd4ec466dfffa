package model_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/vitctl/vitctl/internal/convert"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
)

// TestLoadDecodesIntoBuffers: Load decodes f16, bf16 and q8_0 tensors into
// buffers it reuses (gguf.File.Float32sInto), blocks on several
// goroutines; the model is the one NewAt builds from Float32s, each
// tensor in new memory: the same logits, bit for bit, in every precision.
func TestLoadDecodesIntoBuffers(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "models", "vit-p16-gelu")
	for _, dt := range []gguf.Type{gguf.F16, gguf.BF16, gguf.Q8_0, gguf.F32} {
		out := filepath.Join(t.TempDir(), "m.gguf")
		if _, err := convert.Convert(context.Background(), dir, out, convert.Options{DType: dt, Version: "test"}); err != nil {
			t.Fatalf("convert to %v: %v", dt, err)
		}
		f, err := gguf.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cfg, err := model.ConfigFrom(f)
		if err != nil {
			t.Fatal(err)
		}
		px := make([]float32, cfg.PixelsPerImage())
		r := rand.New(rand.NewPCG(5, 6))
		for i := range px {
			px[i] = float32(r.NormFloat64())
		}
		for _, p := range []kernels.Precision{kernels.FP32, kernels.BF16, kernels.INT8} {
			t.Run(fmt.Sprintf("%v/%v", dt, p), func(t *testing.T) {
				a, err := model.Load(f, p)
				if err != nil {
					t.Fatal(err)
				}
				b, err := model.NewAt(*cfg, f.TensorNames(), f.Float32s, p)
				if err != nil {
					t.Fatal(err)
				}
				if a.NumParams() != b.NumParams() {
					t.Fatalf("%d parameters, NewAt %d", a.NumParams(), b.NumParams())
				}
				la, _ := a.NewRunner(kernels.NewPool(2), 1).Forward(px, 1)
				lb, _ := b.NewRunner(kernels.NewPool(2), 1).Forward(px, 1)
				for i := range lb {
					if math.Float32bits(la[i]) != math.Float32bits(lb[i]) {
						t.Fatalf("logit %d = %v, NewAt's %v", i, la[i], lb[i])
					}
				}
			})
		}
	}
}
