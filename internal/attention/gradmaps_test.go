package attention

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/vitctl/vitctl/internal/npy"
)

func readNpy(t *testing.T, path string) []float32 {
	t.Helper()
	a, err := npy.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return a.Data
}

// TestGradMapsGolden draws relevance and grad-rollout from PyTorch's A and
// dA and compares them with PyTorch's maps (scripts/gen_relevance_goldens.py).
func TestGradMapsGolden(t *testing.T) {
	for _, name := range []string{"cls-gelu", "avg-fcnorm-ls-tanh", "cls-relu-noembedclass"} {
		dir := filepath.Join("../../testdata/relevance", name)
		b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
		if err != nil {
			t.Fatal(err)
		}
		var meta struct {
			Classes      []int   `json:"classes"`
			Heads        int     `json:"heads"`
			DiscardRatio float64 `json:"discard_ratio"`
			Grid         [2]int  `json:"grid"`
			PrefixTokens int     `json:"prefix_tokens"`
			Pooled       bool    `json:"pooled"`
		}
		if err := json.Unmarshal(b, &meta); err != nil {
			t.Fatal(err)
		}
		lo := Layout{Prefix: meta.PrefixTokens, GH: meta.Grid[0], GW: meta.Grid[1], HasCLS: true, Pooled: meta.Pooled}
		lo.T = lo.Prefix + lo.GH*lo.GW
		probs := readNpy(t, filepath.Join(dir, "probs.npy"))
		T := lo.T
		H := meta.Heads
		L := len(probs) / (H * T * T)
		for _, class := range meta.Classes {
			cd := filepath.Join(dir, fmt.Sprintf("class%d", class))
			grads := readNpy(t, filepath.Join(cd, "grads.npy"))
			var weighted, fused [][]float64
			heads := make([]int, H)
			for h := range heads {
				heads[h] = h
			}
			for l := range L {
				p, g := probs[l*H*T*T:(l+1)*H*T*T], grads[l*H*T*T:(l+1)*H*T*T]
				weighted = append(weighted, WeightedFuse(p, g, T, heads))
				fused = append(fused, GradFuse(p, g, T, heads))
			}
			rel := Relevance(weighted, T)
			roll := Rollout(fused, T, meta.DiscardRatio, lo.HasCLS)
			what := fmt.Sprintf("%s/class%d", name, class)
			closeTo(t, what+"/relevance", lo.PatchMap(rel[len(rel)-1]), readNpy(t, filepath.Join(cd, "relevance.npy")))
			closeTo(t, what+"/grad_rollout", lo.PatchMap(roll[len(roll)-1]), readNpy(t, filepath.Join(cd, "grad_rollout.npy")))
		}
	}
}

// closeTo asserts |got − want| ≤ 1e-5·max(1, |want|) everywhere.
func closeTo(t *testing.T, what string, got []float64, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	var worst float64
	for i, w := range want {
		e := math.Abs(got[i]-float64(w)) / max(1, math.Abs(float64(w)))
		worst = max(worst, e)
	}
	if !(worst <= 1e-5) {
		t.Errorf("%s: worst error %.3g > 1e-5", what, worst)
	}
}
