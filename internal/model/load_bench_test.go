package model_test

import (
	"os"
	"testing"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
)

// BenchmarkLoadModelFile opens and loads the model file VITCTL_BENCH_MODEL
// (e.g. a converted ViT-B/16) at fp32: mapping, decoding, packing.
func BenchmarkLoadModelFile(b *testing.B) {
	path := os.Getenv("VITCTL_BENCH_MODEL")
	if path == "" {
		b.Skip("set VITCTL_BENCH_MODEL to a .gguf file")
	}
	for b.Loop() {
		f, err := gguf.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := model.Load(f, kernels.FP32); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
