package imageio

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/npy"
	"github.com/vitctl/vitctl/internal/prep"
)

const (
	imagesDir = "../../testdata/images"
	pixelsDir = "../../testdata/pixels"
)

// Parity bounds against Pillow, in [0,1] pixel units before normalisation.
// Observed with `go test -tags purego ./internal/imageio -run TestPixelParity
// -v` on the goldens of scripts/gen_pixel_goldens.py (Pillow 9.4.0 with
// libjpeg-turbo 2.1.5 and libwebp 1.2.4, Debian 12), 122 goldens:
// PNG (43 goldens), BMP (10), TIFF (20), GIF (10), WebP (10, lossy
// included) and JPEG (29, decoded by internal/imageio/jpeg): bit-exact,
// max |Δ| = 0 required.
const exactMax = 0

type goldenCase struct {
	golden, image string
	w, h          int
	resample      prep.Resample
}

func readManifest(t *testing.T) []goldenCase {
	t.Helper()
	f, err := os.Open(filepath.Join(pixelsDir, "manifest.tsv"))
	if err != nil {
		t.Fatalf("%v (run scripts/gen_pixel_goldens.sh)", err)
	}
	defer f.Close()
	var cases []goldenCase
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 5 {
			t.Fatalf("manifest line %q: want 5 fields", sc.Text())
		}
		n := make([]int, 3)
		for i := range n {
			if n[i], err = strconv.Atoi(c[2+i]); err != nil {
				t.Fatalf("manifest line %q: %v", sc.Text(), err)
			}
		}
		cases = append(cases, goldenCase{c[0], c[1], n[0], n[1], prep.Resample(n[2])})
	}
	return cases
}

func loadGolden(t *testing.T, name string) *npy.Array {
	t.Helper()
	a, err := npy.ReadFile(filepath.Join(pixelsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// unitPreprocess is ViTImageProcessor without normalisation: the goldens'
// units.
func unitPreprocess(w, h int, resample prep.Resample) prep.Params {
	return prep.Params{DoResize: w > 0, Width: w, Height: h, Resample: resample, DoRescale: true, RescaleFactor: 1.0 / 255}
}

func TestPixelParity(t *testing.T) {
	type stat struct {
		max, mean float64
		n         int
	}
	worst := map[string]*stat{}
	for _, c := range readManifest(t) {
		img, err := DecodeFile(filepath.Join(imagesDir, c.image), 0)
		if err != nil {
			t.Errorf("%s: %v", c.golden, err)
			continue
		}
		want := loadGolden(t, c.golden)
		w, h := c.w, c.h
		if w == 0 {
			w, h = img.W, img.H
		}
		if len(want.Shape) != 3 || want.Shape[0] != 3 || want.Shape[1] != h || want.Shape[2] != w {
			t.Errorf("%s: golden shape %v, decoded %d×%d", c.golden, want.Shape, w, h)
			continue
		}
		got, err := Preprocess(img, unitPreprocess(c.w, c.h, c.resample))
		if err != nil {
			t.Fatalf("%s: %v", c.golden, err)
		}
		var maxd, sum float64
		for i := range got {
			d := math.Abs(float64(got[i]) - float64(want.Data[i]))
			maxd = max(maxd, d)
			sum += d
		}
		mean := sum / float64(len(got))
		kind := sourceKind(c.image)
		s := worst[kind]
		if s == nil {
			s = &stat{}
			worst[kind] = s
		}
		s.max, s.mean, s.n = max(s.max, maxd), max(s.mean, mean), s.n+1
		t.Logf("%-50s max %.3f/255 mean %.4f/255", c.golden, maxd*255, mean*255)
		if maxd > exactMax {
			t.Errorf("%s: max |Δ| %.3f/255, want 0", c.golden, maxd*255)
		}
	}
	kinds := make([]string, 0, len(worst))
	for k := range worst {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		s := worst[k]
		t.Logf("summary %-5s %3d goldens: worst max |Δ| %.3f/255, worst mean |Δ| %.4f/255", k, s.n, s.max*255, s.mean*255)
	}
}

// sourceKind names the decoder a golden's source goes through.
func sourceKind(image string) string {
	switch strings.ToLower(filepath.Ext(image)) {
	case ".jpg", ".jpeg":
		return "jpeg"
	case ".tif", ".tiff":
		return "tiff"
	}
	return strings.TrimPrefix(strings.ToLower(filepath.Ext(image)), ".")
}
