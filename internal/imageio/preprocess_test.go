package imageio

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/prep"
)

// Normalisation is ViTImageProcessor's: (x - mean) / std in float32 on the
// rescaled pixels, so given the golden's rescaled values the result must be
// bit-identical.
func TestNormaliseBitExact(t *testing.T) {
	const golden = "chelsea_png_224x224_bicubic.npy"
	want := loadGolden(t, golden)
	img, err := DecodeFile(filepath.Join(imagesDir, "chelsea.png"), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, ms := range [][2][]float64{
		{{0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}},
		{{0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}},
	} {
		p := prep.Default(224)
		p.Resample = prep.Bicubic
		p.Mean, p.Std = ms[0], ms[1]
		got, err := Preprocess(img, p)
		if err != nil {
			t.Fatal(err)
		}
		n := 224 * 224
		for i, g := range want.Data {
			c := i / n
			w := (g - float32(ms[0][c])) / float32(ms[1][c])
			if math.Float32bits(got[i]) != math.Float32bits(w) {
				t.Fatalf("mean %v: element %d = %v, want %v", ms[0], i, got[i], w)
			}
		}
	}
}

func TestPreprocessErrors(t *testing.T) {
	img := NewRGB8(4, 4)
	p := prep.Default(8)
	p.Resample = 7
	if _, err := Preprocess(img, p); err == nil || !strings.Contains(err.Error(), "filter 7") {
		t.Errorf("unknown filter: %v", err)
	}
	p = prep.Default(8)
	p.Mean = p.Mean[:2]
	if _, err := Preprocess(img, p); err == nil {
		t.Error("two means accepted")
	}
}

func TestLoadImage(t *testing.T) {
	p := prep.Default(16)
	got, err := LoadImage(filepath.Join(imagesDir, "rocket.jpg"), p, 0, Exact)
	if err != nil || len(got) != 3*16*16 {
		t.Fatalf("image input: %d values, %v", len(got), err)
	}
	p.DoResize = false
	if _, err := LoadImage(filepath.Join(imagesDir, "rocket.jpg"), p, 0, Exact); err == nil || !strings.Contains(err.Error(), "does not resize") {
		t.Errorf("size mismatch without resize: %v", err)
	}
}

func TestResizeIdentityAndErrors(t *testing.T) {
	img := &RGB8{W: 2, H: 1, Pix: []uint8{1, 2, 3, 4, 5, 6}}
	for f := range 6 {
		got, err := Resize(img, 2, 1, prep.Resample(f))
		if err != nil || !bytes.Equal(got.Pix, img.Pix) {
			t.Errorf("filter %d: identity resize changed pixels: %v %v", f, got, err)
		}
	}
	if _, err := Resize(img, 0, 3, prep.Bilinear); err == nil {
		t.Error("zero width accepted")
	}
}

func FuzzDecodePreprocess(f *testing.F) {
	for _, name := range []string{"png_palette.png", "gif_trns.gif", "bmp_pal8.bmp", "tiff_lzw.tif", "tiff_cmyk_predictor.tif", "webp_lossy.webp", "jpeg_orient6.jpg"} {
		b, err := os.ReadFile(filepath.Join(imagesDir, "formats", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		if strings.HasPrefix(name, "webp") {
			f.Add(animatedWebP(f, b, 80, 60, 2, 2))
		}
	}
	f.Add(pngHeader(1, 1))
	f.Add(ftyp("mif1", "miaf", "avif"))
	p := prep.Default(8)
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(bytes.NewReader(data), 1<<20)
		if err != nil {
			return
		}
		if img.W <= 0 || img.H <= 0 || len(img.Pix) != 3*img.W*img.H {
			t.Fatalf("decoded %d×%d with %d bytes", img.W, img.H, len(img.Pix))
		}
		x, err := Preprocess(img, p)
		if err != nil || len(x) != 3*8*8 {
			t.Fatalf("preprocess: %d values, %v", len(x), err)
		}
	})
}
