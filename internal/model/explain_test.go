package model

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vitctl/vitctl/internal/kernels"
)

// TestAttentionGrads checks every layer's probabilities and ∂logit/∂A
// against scripts/gen_relevance_goldens.py (PyTorch autograd, float64).
func TestAttentionGrads(t *testing.T) {
	for _, name := range []string{"cls-gelu", "avg-fcnorm-ls-tanh", "cls-relu-noembedclass"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("../../testdata/relevance", name)
			var meta struct{ Classes []int }
			loadJSON(t, filepath.Join(dir, "meta.json"), &meta)
			c, p := loadGradModel(t, filepath.Join(gradDir, name), "params")
			pixels := loadNpy(t, filepath.Join(gradDir, name, "pixels.npy"))[:c.PixelsPerImage()]
			n, err := NewNet(*c, p, 0, kernels.NewPool(2), 1)
			if err != nil {
				t.Fatal(err)
			}
			wantProbs := loadNpy(t, filepath.Join(dir, "probs.npy"))
			for i, class := range meta.Classes {
				want := class
				if i == 0 {
					want = -1 // the first golden class is the predicted one
				}
				_, cls, probs, grads, err := n.AttentionGrads(pixels, want)
				if err != nil {
					t.Fatal(err)
				}
				if cls != class {
					t.Fatalf("class %d, want %d", cls, class)
				}
				checkRel(t, "probs", slices.Concat(probs...), wantProbs, 1e-5)
				wantGrads := loadNpy(t, filepath.Join(dir, fmt.Sprintf("class%d", class), "grads.npy"))
				checkRel(t, "grads", slices.Concat(grads...), wantGrads, 1e-5)
				t.Logf("class %d: relative error of A %.2g, of dA %.2g", class,
					relErr(slices.Concat(probs...), wantProbs), relErr(slices.Concat(grads...), wantGrads))
			}
			if n.AttentionGrad != nil || n.noWeights {
				t.Error("AttentionGrads left its hook or noWeights set")
			}
			if slices.ContainsFunc(n.G.layers[0].qkvW, func(v float32) bool { return v != 0 }) {
				t.Error("AttentionGrads computed the Linear weights' gradients")
			}
		})
	}
}

func TestAttentionGradsNeedsEveryLayer(t *testing.T) {
	c, p := loadGradModel(t, filepath.Join(gradDir, "cls-gelu"), "params")
	n, err := NewNet(*c, p, 1, kernels.NewPool(1), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, _, err := n.AttentionGrads(make([]float32, c.PixelsPerImage()), -1); err == nil {
		t.Error("no error with layer 0 frozen")
	}
}
