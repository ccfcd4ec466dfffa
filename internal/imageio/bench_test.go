package imageio

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/vitctl/vitctl/internal/model"
)

// BenchmarkDecodePreprocess measures one image from file bytes to the
// model's 224×224 input, per source format.
func BenchmarkDecodePreprocess(b *testing.B) {
	for _, src := range []string{"rocket.jpg", "chelsea.png", "formats/webp_lossy.webp"} {
		data, err := os.ReadFile(filepath.Join(imagesDir, src))
		if err != nil {
			b.Fatal(err)
		}
		for _, resample := range []int{Bilinear, Bicubic} {
			p := model.DefaultPreprocess(224)
			p.Resample = resample
			b.Run("src="+filepath.Base(src)+"/resample="+[]string{Bilinear: "bilinear", Bicubic: "bicubic"}[resample], func(b *testing.B) {
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
