package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const builtinGolden = "../../testdata/golden/vit-tiny-in1k"

// builtinPhoto is one photo's entry in scripts/gen_zoo_goldens.py's photos.json.
type builtinPhoto struct {
	Photo   string  `json:"photo"`
	Top1    int     `json:"top1"`     // reference with the f16-rounded weights vitctl embeds
	Top1F32 int     `json:"top1_f32"` // reference with the original f32 weights
	Margin  float64 `json:"margin"`
}

// TestBuiltinModelGolden classifies the photos with no -m, end to end, and
// compares the built-in vit-tiny-in1k's logits with the plain-PyTorch
// reference over the same f16 weights: PNG and JPEG photos decode exactly as
// Pillow does, so within 1e-4 (observed: PNG 1.2e-5, JPEG 9.1e-6), and
// every photo keeps the reference's top-1, which is also the f32 model's.
// The log gives the distance to the f32 weights' logits.
func TestBuiltinModelGolden(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(builtinGolden, "photos.json"))
	if err != nil {
		t.Fatal(err)
	}
	var golden struct{ Photos []builtinPhoto }
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	l16, l32 := readNpy(t, filepath.Join(builtinGolden, "logits_f16.npy")), readNpy(t, filepath.Join(builtinGolden, "logits_f32.npy"))
	L := 1000
	if len(golden.Photos) == 0 || l16.Shape[0] != len(golden.Photos) || l16.Shape[1] != L || len(l32.Data) != len(l16.Data) {
		t.Fatalf("goldens: %d photos, logits %v and %v", len(golden.Photos), l16.Shape, l32.Shape)
	}
	args := []string{"classify", "-o", "jsonl", "-k", "1000"}
	for _, g := range golden.Photos {
		args = append(args, filepath.Join(imagesDir, g.Photo))
	}
	code, out, errs := run(t, "", args...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != len(golden.Photos) {
		t.Fatalf("exit %d, %d lines: %s", code, len(lines), errs)
	}
	var worstPNG, worstJPEG, worstF32 float64
	for i, g := range golden.Photos {
		var rec record
		if err := json.Unmarshal([]byte(lines[i]), &rec); err != nil || len(rec.TopK) != L || filepath.Base(string(rec.Path)) != g.Photo {
			t.Fatalf("%s: %v: %.200s", g.Photo, err, lines[i])
		}
		if got := rec.TopK[0].Index; got != g.Top1 || got != g.Top1F32 {
			t.Errorf("%s: top-1 %d, reference %d (f32 weights %d; margin %.3g)", g.Photo, got, g.Top1, g.Top1F32, g.Margin)
		}
		var d, d32 float64
		for _, p := range rec.TopK {
			d = math.Max(d, math.Abs(p.Logit-float64(l16.Data[i*L+p.Index])))
			d32 = math.Max(d32, math.Abs(p.Logit-float64(l32.Data[i*L+p.Index])))
		}
		if strings.HasSuffix(g.Photo, ".png") {
			worstPNG, worstF32 = math.Max(worstPNG, d), math.Max(worstF32, d32)
		} else {
			worstJPEG = math.Max(worstJPEG, d)
		}
	}
	if worstPNG > 1e-4 || worstJPEG > 1e-4 {
		t.Errorf("logits max |Δ| from the reference: PNG %.3g, JPEG %.3g; want ≤ 1e-4", worstPNG, worstJPEG)
	}
	t.Logf("logits max |Δ| from the f16 reference: PNG %.2g, JPEG %.2g; PNG from the f32 weights' reference: %.2g", worstPNG, worstJPEG, worstF32)
}

// TestDefaultModelKnowsPhotos: with no -m, photos get the answer a person
// would give.
func TestDefaultModelKnowsPhotos(t *testing.T) {
	cases := []struct {
		photo string
		want  []string // any of these top-1 labels
	}{
		{"chelsea.png", []string{"tabby", "tiger cat", "Persian cat", "Siamese cat", "Egyptian cat"}},
		{"coffee.png", []string{"espresso", "cup", "coffee mug"}},
		{"camera.png", []string{"tripod", "reflex camera", "Polaroid camera"}},
	}
	args := []string{"classify", "-o", "jsonl", "-k", "1"}
	for _, tc := range cases {
		args = append(args, filepath.Join(imagesDir, tc.photo))
	}
	code, out, errs := run(t, "", args...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != len(cases) {
		t.Fatalf("exit %d, %d lines: %s", code, len(lines), errs)
	}
	for i, tc := range cases {
		var rec record
		if err := json.Unmarshal([]byte(lines[i]), &rec); err != nil || len(rec.TopK) != 1 {
			t.Fatalf("%s: %v: %s", tc.photo, err, lines[i])
		}
		if got := rec.TopK[0].Label; !slices.Contains(tc.want, got) {
			t.Errorf("%s: %q (%.0f %%), want one of %q", tc.photo, got, 100*rec.TopK[0].Prob, tc.want)
		}
	}
}
