package imageio

import (
	"bufio"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/prep"
)

// TestDraftPipeline: draft decoding, EXIF orientation and the resize give
// Pillow's pixels for draft("RGB", size) → exif_transpose → resize
// (testdata/jpeg/pipeline.tsv from scripts/gen_jpeg_goldens.py).
func TestDraftPipeline(t *testing.T) {
	f, err := os.Open("../../testdata/jpeg/pipeline.tsv")
	if err != nil {
		t.Fatalf("%v (run scripts/gen_jpeg_goldens.sh)", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		w, _ := strconv.Atoi(c[2])
		h, _ := strconv.Atoi(c[3])
		r, _ := strconv.Atoi(c[4])
		img, err := decodeFile(filepath.Join(imagesDir, c[1]), decodeOptions{target: func(int, int) (int, int) { return w, h }})
		if err != nil {
			t.Fatalf("%s: %v", c[1], err)
		}
		got, err := Resize(img, w, h, prep.Resample(r))
		if err != nil {
			t.Fatal(err)
		}
		want := readPNG(t, filepath.Join("../../testdata/jpeg", c[0]))
		diff := 0
		for i := range want {
			if got.Pix[i] != want[i] {
				diff++
			}
		}
		if len(got.Pix) != len(want) || diff > 0 {
			t.Errorf("%s: %d of %d samples differ from Pillow", c[0], diff, len(want))
		}
	}
}

// TestDraftScale: the scale Pillow's draft picks, with orientation.
func TestDraftScale(t *testing.T) {
	for _, c := range []struct{ W, H, o, w, h, want int }{
		{4000, 3000, 1, 224, 224, 8},
		{4000, 3000, 1, 256, 341, 8}, // 3000/341 = 8.8
		{4000, 3000, 1, 600, 224, 4},
		{1024, 768, 1, 224, 224, 2},
		{448, 448, 1, 224, 224, 2},
		{447, 448, 1, 224, 224, 1},
		{4000, 3000, 6, 224, 600, 4}, // stored 4000×3000 shows 3000×4000
		{100, 100, 1, 224, 224, 1},
	} {
		got := draftScale(c.W, c.H, c.o, func(int, int) (int, int) { return c.w, c.h })
		if got != c.want {
			t.Errorf("%d×%d orientation %d to %d×%d: scale 1/%d, want 1/%d", c.W, c.H, c.o, c.w, c.h, got, c.want)
		}
	}
}

func readPNG(t *testing.T, path string) []uint8 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	rgba, ok := m.(*image.RGBA)
	if !ok {
		t.Fatalf("%s decodes as %T", path, m)
	}
	var pix []uint8
	for i := 0; i < len(rgba.Pix); i += 4 {
		pix = append(pix, rgba.Pix[i:i+3]...)
	}
	return pix
}

// TestLoadImageReusesBuffers: decoding into recycled buffers, in turn with
// other images and in parallel, gives the same inputs every time.
func TestLoadImageReusesBuffers(t *testing.T) {
	p := prep.Default(32)
	names := []string{"rocket.jpg", "formats/jpeg_gray.jpg", "formats/jpeg_cmyk.jpg", "formats/jpeg_orient6.jpg"}
	want := map[string][]float32{}
	for _, n := range names {
		x, err := LoadImage(filepath.Join(imagesDir, n), p, 0, Exact)
		if err != nil {
			t.Fatal(err)
		}
		want[n] = x
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 12 {
				n := names[(g+i)%len(names)]
				x, err := LoadImage(filepath.Join(imagesDir, n), p, 0, Exact)
				if err == nil && !slices.Equal(x, want[n]) {
					err = fmt.Errorf("%s: differs on a reused buffer", n)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
