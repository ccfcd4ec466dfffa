package imageio

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/prep"
)

// BenchmarkDecodePreprocess measures one image from file bytes to the
// model's 224×224 input, per source format.
func BenchmarkDecodePreprocess(b *testing.B) {
	for _, src := range []string{"rocket.jpg", "chelsea.png", "formats/webp_lossy.webp"} {
		data, err := os.ReadFile(filepath.Join(imagesDir, src))
		if err != nil {
			b.Fatal(err)
		}
		for _, resample := range []prep.Resample{prep.Bilinear, prep.Bicubic} {
			p := prep.Default(224)
			p.Resample = resample
			b.Run("src="+filepath.Base(src)+"/resample="+resample.String(), func(b *testing.B) {
				for b.Loop() {
					img, err := Decode(bytes.NewReader(data), 0)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := Preprocess(img, p); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "img/s")
			})
		}
	}
}

// BenchmarkLoadImage measures what a folder run does per JPEG, from file
// bytes to the model's 224×224 tensor (decode into pooled buffers, Pillow's
// bilinear resize, rescale and normalise), exact and draft, for each JPEG
// in $VITCTL_JPEG_BENCH_DIR (scripts/bench_jpeg.sh; else rocket.jpg).
// cpu-ms/img is the process's CPU time per image, GC included.
func BenchmarkLoadImage(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(os.Getenv("VITCTL_JPEG_BENCH_DIR"), "*.jpg"))
	if len(files) == 0 {
		files = []string{filepath.Join(imagesDir, "rocket.jpg")}
	}
	p := prep.Default(224)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".jpg")
		for _, dec := range []Decoding{Exact, Draft} {
			b.Run("src="+name+"/decode="+[]string{"exact", "draft"}[dec], func(b *testing.B) {
				c0 := cpuTime()
				for b.Loop() {
					if _, err := LoadImageData(f, data, p, 0, dec); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1e3/float64(b.N), "cpu-ms/img")
			})
		}
	}
}
