package model_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/vitctl/vitctl/internal/kernels"
)

// familyModels are the DeiT and timm checkpoints of
// scripts/gen_family_goldens.py, each with the prefix tokens it must have.
var familyModels = []struct {
	name   string
	prefix int
}{
	{"deit-p8-distilled", 2}, {"deit-p8-teacher", 2},
	{"timm-p8-reg-ls", 5}, {"timm-p8-avg-fcnorm-prenorm", 1}, {"timm-p8-noclass-avg", 0},
	{"timm-p8-deit-distilled", 2},
}

// TestFamilyGoldens runs each DeiT and timm model on the reference's pixels
// and compares every stage (fc_norm models: the pooled features after
// fc_norm instead of final_norm), the attention probabilities and the
// logits with the bounds of TestGoldens. Observed (go test -v -run
// FamilyGoldens, avx512, avx2 and -tags purego): logits ≤ 1.6e-6, stages ≤ 7.9e-6,
// attention ≤ 1.7e-6.
func TestFamilyGoldens(t *testing.T) {
	for _, fm := range familyModels {
		t.Run(fm.name, func(t *testing.T) {
			m := convertAndLoad(t, filepath.Join("..", "..", "testdata", "models", fm.name))
			gdir := filepath.Join("..", "..", "testdata", "golden", fm.name)
			px := readNpy(t, filepath.Join(gdir, "pixels.npy"))
			B := px.Shape[0]
			r := m.NewRunner(kernels.NewPool(2), B)
			gh, gw := r.Grid()
			if r.PrefixTokens() != fm.prefix || r.Tokens() != fm.prefix+gh*gw || m.Config.Tokens() != r.Tokens() {
				t.Fatalf("prefix %d, T %d (config %d), grid %dx%d; want prefix %d", r.PrefixTokens(), r.Tokens(), m.Config.Tokens(), gh, gw, fm.prefix)
			}
			g := &goldenCmp{t: t, dir: gdir}
			stages := 0
			r.Hooks.Stage = func(stage string, x []float32) { stages++; g.check("stages", stage+".npy", x, stageTol) }
			r.Hooks.Attention = func(l int, p []float32) {
				if T := r.Tokens(); len(p) != B*m.Config.NumAttentionHeads*T*T {
					t.Fatalf("attention hook: %d values, want B*H*T*T with T = %d", len(p), T)
				}
				g.check("attention", fmt.Sprintf("attn_%02d.npy", l), p, attnTol)
			}
			logits, err := r.Forward(px.Data, B)
			if err != nil {
				t.Fatal(err)
			}
			g.check("logits", "logits.npy", logits, logitsTol)
			if want := m.Config.NumHiddenLayers + 2; stages != want {
				t.Errorf("%d stages compared, want %d", stages, want)
			}
			// The same logits without hooks (the classifier's fast path).
			r.Hooks.Stage, r.Hooks.Attention = nil, nil
			fast, _ := r.Forward(px.Data, B)
			g.check("logits", "logits.npy", fast, logitsTol)
			g.log()
		})
	}
}

// TestDeiTInterpolatedSizes runs deit-p8-teacher (32×32, 4×4 grid) at
// 48×24 (non-square) and 40×40 against PyTorch's bicubic
// (align_corners=False) position embeddings with the CLS and distillation
// entries kept, as Hugging Face's DeiT interpolate_pos_encoding does.
// Observed: pos bit-identical, logits ≤ 9.5e-7 (go test -v -run DeiTInterpolated).
func TestDeiTInterpolatedSizes(t *testing.T) {
	m := convertAndLoad(t, filepath.Join("..", "..", "testdata", "models", "deit-p8-teacher"))
	gdir := filepath.Join("..", "..", "testdata", "golden", "deit-interp")
	for _, size := range [][2]int{{48, 24}, {40, 40}} {
		H, W := size[0], size[1]
		tag := fmt.Sprintf("%dx%d", H, W)
		t.Run(tag, func(t *testing.T) {
			r, err := m.NewRunnerAt(kernels.NewPool(2), 2, H, W)
			if err != nil {
				t.Fatal(err)
			}
			if want := 2 + (H/8)*(W/8); r.Tokens() != want {
				t.Fatalf("T = %d, want %d", r.Tokens(), want)
			}
			checkInterpolated(t, r, gdir, tag)
		})
	}
}
