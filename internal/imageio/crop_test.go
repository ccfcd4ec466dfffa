package imageio

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/prep"
)

// TestCropParity runs resize-then-center-crop against torchvision's
// Resize + CenterCrop on Pillow images (scripts/gen_crop_goldens.py):
// timm's shorter-side resize at crop_pct 0.875 and 0.9, odd margins (the
// half-to-even offset), and Hugging Face DeiT's fixed 256×256 resize.
// Bounds are TestPixelParity's. Observed: PNG bit-exact; JPEG max 1.0/255,
// mean 0.022/255 (go test -v -run CropParity); flooring the offsets instead
// fails the odd-margin case (max 108/255).
func TestCropParity(t *testing.T) {
	f, err := os.Open(filepath.Join(pixelsDir, "crop", "manifest.tsv"))
	if err != nil {
		t.Skip("no testdata/pixels/crop")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		col := strings.Split(sc.Text(), "\t")
		n := make([]int, 6)
		for i := range n {
			n[i], _ = strconv.Atoi(col[2+i])
		}
		p := prep.Params{DoResize: true, ResizeShortest: n[0], ResizeWidth: n[1], ResizeHeight: n[2],
			Width: n[3], Height: n[4], Resample: prep.Resample(n[5]), DoRescale: true, RescaleFactor: 1.0 / 255}
		img, err := DecodeFile(filepath.Join(imagesDir, col[1]), 0)
		if err != nil {
			t.Fatalf("%s: %v", col[0], err)
		}
		got, err := Preprocess(img, p)
		if err != nil {
			t.Fatalf("%s: %v", col[0], err)
		}
		want := loadGolden(t, filepath.Join("crop", col[0]))
		if len(got) != len(want.Data) {
			t.Fatalf("%s: %d values, golden has %d", col[0], len(got), len(want.Data))
		}
		var maxd, sum float64
		for i := range got {
			d := math.Abs(float64(got[i]) - float64(want.Data[i]))
			maxd, sum = max(maxd, d), sum+d
		}
		mean := sum / float64(len(got))
		t.Logf("%-40s max %.3f/255 mean %.4f/255", col[0], maxd*255, mean*255)
		if maxd > exactMax {
			t.Errorf("%s: max |Δ| %.3f/255", col[0], maxd*255)
		}
	}
}

// TestCenterCropOffsets: an odd margin 2k+1 starts at k or k+1, whichever
// is even, as Python's round does.
func TestCenterCropOffsets(t *testing.T) {
	for _, tc := range []struct{ in, out, x0 int }{{10, 4, 3}, {11, 4, 4}, {13, 4, 4}, {9, 4, 2}, {4, 4, 0}} {
		img := NewRGB8(tc.in, 1)
		for i := range img.Pix {
			img.Pix[i] = uint8(i / 3)
		}
		if got := CenterCrop(img, tc.out, 1); got.Pix[0] != uint8(tc.x0) {
			t.Errorf("CenterCrop %d → %d starts at %d, want %d", tc.in, tc.out, got.Pix[0], tc.x0)
		}
	}
}
