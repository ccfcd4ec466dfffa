package imageio

import (
	"bytes"
	"os"
	"path/filepath"
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
