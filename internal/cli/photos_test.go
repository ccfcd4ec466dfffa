package cli

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/convert"
	"github.com/vitctl/vitctl/internal/gguf"
)

// photoGolden is one reference prediction from scripts/gen_photo_goldens.py.
type photoGolden struct {
	Top1   int       `json:"top1"`
	Margin float64   `json:"margin"`
	Logits []float64 `json:"logits"`
}

// TestPhotosTop1MatchReference classifies the real photos with every test
// model, end to end (decode, resize, normalise, forward), and requires the
// reference's top-1. PNG and JPEG photos decode exactly like Pillow, so
// their logits must match closely too (≤ 1e-4; observed max |Δ| is logged:
// go test -v -run PhotosTop1).
func TestPhotosTop1MatchReference(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/golden/photos.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden map[string]map[string]photoGolden
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	for name, photos := range golden {
		t.Run(name, func(t *testing.T) {
			mfile := filepath.Join(t.TempDir(), name+".gguf")
			opt := convert.Options{DType: gguf.F32, Version: Version}
			if _, err := convert.Convert(context.Background(), filepath.Join("../../testdata/models", name), mfile, opt); err != nil {
				t.Fatal(err)
			}
			var worstPNG, worstJPEG float64
			for photo, want := range photos {
				code, out, errs := run(t, "", "classify", "-m", mfile, "-o", "jsonl", "-k", "1000", filepath.Join(imagesDir, photo))
				var rec record
				if code != 0 || json.Unmarshal([]byte(out), &rec) != nil || len(rec.TopK) != len(want.Logits) {
					t.Fatalf("%s: exit %d: %s %s", photo, code, out, errs)
				}
				if rec.TopK[0].Index != want.Top1 {
					t.Errorf("%s: top-1 %d, reference %d (margin %.3g)", photo, rec.TopK[0].Index, want.Top1, want.Margin)
				}
				var d float64
				for _, p := range rec.TopK {
					d = math.Max(d, math.Abs(p.Logit-want.Logits[p.Index]))
				}
				if strings.HasSuffix(photo, ".png") {
					worstPNG = math.Max(worstPNG, d)
				} else {
					worstJPEG = math.Max(worstJPEG, d)
				}
			}
			if worstPNG > 1e-4 || worstJPEG > 1e-4 {
				t.Errorf("logits max |Δ|: PNG photos %.3g, JPEG photos %.3g, want ≤ 1e-4", worstPNG, worstJPEG)
			}
			t.Logf("logits max |Δ|: PNG %.2g, JPEG %.2g", worstPNG, worstJPEG)
		})
	}
}
