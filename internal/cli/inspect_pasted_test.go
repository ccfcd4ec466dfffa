package cli

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/attention"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/npy"
)

// realViTTiny is the ImageNet ViT-Ti that /work/shared holds next to the
// repository, or "" when it is absent.
func realViTTiny() string {
	dir := filepath.Join("..", "..", "..", "shared", "models", "vit-tiny-in1k")
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err != nil {
		return ""
	}
	return dir
}

// pastedPhotos are the photos of testdata/images pasted onto the canvas.
var pastedPhotos = []string{"astronaut.png", "camera.png", "chelsea.png", "coffee.png", "rocket.jpg"}

// TestPastedObject pastes each photo, squashed to a box of a quarter of
// the 224² canvas (112², 7×7 patches), at nine patch-aligned places onto
// mid-grey, and reports for rollout, relevance and grad-rollout the share
// of the map inside the box and how often its largest patch is inside.
// Relevance must meet the bar: a mean share of at least 0.8 and
// the largest patch inside the box in 90 % of the canvases.
func TestPastedObject(t *testing.T) {
	src := realViTTiny()
	if src == "" {
		t.Skip("no ../shared/models/vit-tiny-in1k next to the repository")
	}
	if testing.Short() {
		t.Skip("-short: 45 images through the real ViT-Ti")
	}
	path := convertModelDir(t, src)
	m, err := loadModel(resolveModel(path), false, &precisionFlags{})
	if err != nil {
		t.Fatal(err)
	}
	const S, box, patch = 224, 112, 16
	in, out := t.TempDir(), t.TempDir()
	type place struct {
		name string
		x, y int
	}
	var places []place
	for _, photo := range pastedPhotos {
		img := decodeTestImage(t, filepath.Join(testdataDir, "images", photo))
		for _, y := range []int{0, 48, 112} {
			for _, x := range []int{0, 48, 112} {
				name := fmt.Sprintf("%s_%03d_%03d", strings.TrimSuffix(photo, filepath.Ext(photo)), x, y)
				writePixels(t, filepath.Join(in, name+".npy"), pasteOnGrey(img, S, x, y, box), &m.Config)
				places = append(places, place{name, x, y})
			}
		}
	}
	code, _, stderr := run(t, "", "inspect-attention", "-m", path, in, "--out", out, "--raw", "--size", "32",
		"--layers", "11", "--method", "rollout,relevance,grad-rollout", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	methods := []string{"rollout", "relevance", "grad_rollout"}
	share, hit := map[string]float64{}, map[string]int{}
	for _, p := range places {
		inBox := func(i, gw int) bool {
			x, y := i%gw*patch, i/gw*patch
			return x >= p.x && x < p.x+box && y >= p.y && y < p.y+box
		}
		for _, meth := range methods {
			a := readNpy(t, filepath.Join(out, p.name, meth+".npy"))
			gw := a.Shape[1]
			var in, all float64
			for i, v := range a.Data {
				all += float64(v)
				if inBox(i, gw) {
					in += float64(v)
				}
			}
			share[meth] += in / all / float64(len(places))
			if inBox(slices.Index(a.Data, slices.Max(a.Data)), gw) {
				hit[meth]++
			}
		}
	}
	t.Logf("%d canvases (5 photos × 9 places, box 25 %% of the area; a uniform map gives 0.25):", len(places))
	for _, meth := range methods {
		t.Logf("  %-12s share inside the box %.3f, largest patch inside %d/%d", meth, share[meth], hit[meth], len(places))
	}
	// The bar for relevance (rollout measured 0.54–0.63 there).
	if share["relevance"] < 0.8 || float64(hit["relevance"]) < 0.9*float64(len(places)) {
		t.Errorf("relevance: share inside the box %.3f (want ≥ 0.8), largest patch inside %d of %d (want ≥ 90 %%)",
			share["relevance"], hit["relevance"], len(places))
	}
}

func decodeTestImage(t *testing.T, path string) image.Image {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// pasteOnGrey returns an S×S mid-grey canvas with img squashed to a box×box
// square at (x, y).
func pasteOnGrey(img image.Image, S, x, y, box int) *image.RGBA {
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	small := attention.Resize(rgba, box, box, attention.Bilinear)
	canvas := image.NewRGBA(image.Rect(0, 0, S, S))
	draw.Draw(canvas, canvas.Bounds(), &image.Uniform{color.RGBA{128, 128, 128, 255}}, image.Point{}, draw.Src)
	draw.Draw(canvas, image.Rect(x, y, x+box, y+box), small, image.Point{}, draw.Src)
	return canvas
}

// writePixels writes img preprocessed as the model expects (rescale and
// normalise, no resize: the canvas is the model's size) as (C, H, W) .npy.
func writePixels(t *testing.T, path string, img *image.RGBA, c *model.Config) {
	t.Helper()
	p := c.Preprocess
	S := img.Bounds().Dx()
	a := &npy.Array{Shape: []int{3, S, S}, Data: make([]float32, 3*S*S)}
	for ch := range 3 {
		for i := range S * S {
			v := float64(img.Pix[4*i+ch])
			if p.DoRescale {
				v *= p.RescaleFactor
			}
			if p.DoNormalize {
				v = (v - p.Mean[ch]) / p.Std[ch]
			}
			a.Data[ch*S*S+i] = float32(v)
		}
	}
	var buf bytes.Buffer
	if err := npy.Write(&buf, a); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
