package attention

import (
	"fmt"
	"image"
	"io"
	"math/rand"
	"testing"
)

// BenchmarkRender draws one head's 14×14 map over a size×size picture, as
// inspect-attention does for every head of ViT-B/16, and encodes it.
func BenchmarkRender(b *testing.B) {
	const g = 14
	rng := rand.New(rand.NewSource(1))
	m := make([]float64, g*g)
	for i := range m {
		m[i] = rng.Float64()
	}
	cm, _ := ParseColormap("viridis")
	for _, size := range []int{224, 448} {
		base := image.NewRGBA(image.Rect(0, 0, size, size))
		for i := range base.Pix {
			base.Pix[i] = uint8(rng.Intn(256))
		}
		b.Run(fmt.Sprintf("stage=overlay/size=%d", size), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				Render(base, m, g, g, Bilinear, cm, 0.5)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "maps/s")
		})
		img := Render(base, m, g, g, Bilinear, cm, 0.5)
		b.Run(fmt.Sprintf("stage=png/size=%d", size), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := EncodePNG(io.Discard, img); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "maps/s")
		})
	}
}

// BenchmarkRollout multiplies through 12 layers of ViT-B/16 (T = 197).
func BenchmarkRollout(b *testing.B) {
	const T, L = 197, 12
	rng := rand.New(rand.NewSource(1))
	fused := make([][]float64, L)
	for l := range fused {
		fused[l] = make([]float64, T*T)
		for i := range fused[l] {
			fused[l][i] = rng.Float64()
		}
	}
	for _, ratio := range []float64{0, 0.9} {
		b.Run(fmt.Sprintf("shape=vitb16/discard=%g", ratio), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				Rollout(fused, T, ratio, true)
			}
		})
	}
}
