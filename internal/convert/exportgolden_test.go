package convert

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/npy"
)

// exportGoldenTol bounds |vitctl − reference| on the logits, relative to
// the largest logit. Observed (go test -v -run ExportGolden, avx2):
// fashion-vit 4.8e-7 of 4.07, vit-tiny-in1k 8.9e-6 of 13.6; the reference
// in float32 is as far from its float64 run (4.3e-7, 9.3e-6).
const exportGoldenTol = 1e-5

// TestExportGolden checks the goldens scripts/gen_export_goldens.py made by
// loading `vitctl export`'s folders into the PyTorch reference: the folder
// exported now is byte for byte the one the goldens were made from (same
// SHA-256s), and vitctl's model gives the reference's logits on its pixels.
func TestExportGolden(t *testing.T) {
	for _, name := range []string{"fashion-vit", "vit-tiny-in1k"} {
		t.Run(name, func(t *testing.T) {
			gdir := filepath.Join("..", "..", "testdata", "golden", "export", name)
			var info map[string]any
			b, err := os.ReadFile(filepath.Join(gdir, "export.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &info); err != nil {
				t.Fatal(err)
			}
			f := builtinFile(t, name)
			dir, _ := exportTo(t, f)
			for _, file := range []string{"config.json", "model.safetensors"} {
				if got := fileSHA256(t, filepath.Join(dir, file)); got != info[file+" sha256"] {
					t.Errorf("%s: sha256 %s, the goldens were made from %v (run scripts/gen_export_goldens.sh if the export changed on purpose)", file, got, info[file+" sha256"])
				}
			}
			m, err := model.Load(f, kernels.FP32)
			if err != nil {
				t.Fatal(err)
			}
			px := readGolden(t, filepath.Join(gdir, "pixels.npy"))
			want := readGolden(t, filepath.Join(gdir, "logits.npy"))
			logits, err := m.NewRunner(kernels.NewPool(2), 1).Forward(px.Data, 1)
			if err != nil {
				t.Fatal(err)
			}
			var d, scale float64
			for i := range want.Data {
				d = math.Max(d, math.Abs(float64(logits[i])-float64(want.Data[i])))
				scale = math.Max(scale, math.Abs(float64(want.Data[i])))
			}
			t.Logf("max |Δ logit| %.2g (largest logit %.4g)", d, scale)
			if len(logits) != len(want.Data) || !(d <= exportGoldenTol*scale) {
				t.Errorf("%d logits, max |Δ| %.3g from the reference's %d, over %.0e × %.3g", len(logits), d, len(want.Data), exportGoldenTol, scale)
			}
		})
	}
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func readGolden(t *testing.T, path string) *npy.Array {
	t.Helper()
	a, err := npy.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
