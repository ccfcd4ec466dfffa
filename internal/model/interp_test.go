package model_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
)

// TestInterpolatedSizes runs vit-p16-gelu (64×64, 4×4 grid) at other sizes
// against PyTorch's bicubic (align_corners=False) position embeddings and
// logits from scripts/gen_interp_goldens.py. Observed: pos bit-identical,
// logits 2.1e-6 (go test -v -run Interpolated).
func TestInterpolatedSizes(t *testing.T) {
	m := convertAndLoad(t, filepath.Join("..", "..", "testdata", "models", "vit-p16-gelu"))
	gdir := filepath.Join("..", "..", "testdata", "golden", "interp")
	for _, size := range [][2]int{{96, 96}, {80, 48}, {32, 32}} {
		H, W := size[0], size[1]
		tag := fmt.Sprintf("%dx%d", H, W)
		t.Run(tag, func(t *testing.T) {
			r, err := m.NewRunnerAt(kernels.NewPool(2), 2, H, W)
			if err != nil {
				t.Fatal(err)
			}
			checkInterpolated(t, r, gdir, tag)
		})
	}
}

// checkInterpolated compares r's position embeddings (≤ 1e-6) and its
// logits on the golden pixels (≤ logitsTol) with gdir's *_<tag>.npy files.
func checkInterpolated(t *testing.T, r *model.Runner, gdir, tag string) {
	t.Helper()
	pos := readNpy(t, filepath.Join(gdir, "pos_"+tag+".npy"))
	got := r.PositionEmbeddings()
	dp := maxAbsDiff(got, pos.Data)
	if len(got) != len(pos.Data) || dp > 1e-6 {
		t.Fatalf("position embeddings: %d values (want %d), max |Δ| %.3g", len(got), len(pos.Data), dp)
	}
	px := readNpy(t, filepath.Join(gdir, "pixels_"+tag+".npy"))
	logits, err := r.Forward(px.Data, px.Shape[0])
	if err != nil {
		t.Fatal(err)
	}
	want := readNpy(t, filepath.Join(gdir, "logits_"+tag+".npy"))
	d := maxAbsDiff(logits, want.Data)
	if len(logits) != len(want.Data) || d > logitsTol {
		t.Errorf("logits: %d values (want %d), max |Δ| %.3g > %.0e", len(logits), len(want.Data), d, logitsTol)
	}
	t.Logf("%s: pos max |Δ| %.2g, logits max |Δ| %.2g", tag, dp, d)
}
