package jpeg

import (
	"bytes"
	stdjpeg "image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkDecode decodes each JPEG in $VITCTL_JPEG_BENCH_DIR (made by
// scripts/bench_jpeg.sh; else a small test file) with this package at full
// size and at 1/8 scale, and with Go's image/jpeg (which stops at YCbCr
// planes, before upsampling and colour conversion); vitctl-reused-dst
// decodes into the previous image's buffer. cpu-ms/img is the
// process's CPU time per image (GC included), wall-ms/img the elapsed time.
func BenchmarkDecode(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(os.Getenv("VITCTL_JPEG_BENCH_DIR"), "*.jpg"))
	if len(files) == 0 {
		files = []string{filepath.Join(testDir, "cat_420.jpg")}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".jpg")
		for _, s := range []int{1, 8} {
			b.Run("src="+name+"/impl=vitctl/scale=1_"+string(rune('0'+s)), func(b *testing.B) {
				report(b, func() error {
					_, err := Decode(data, Options{Scale: s})
					return err
				})
			})
		}
		b.Run("src="+name+"/impl=vitctl-reused-dst/scale=1_1", func(b *testing.B) {
			var dst []uint8
			report(b, func() error {
				m, err := Decode(data, Options{Dst: dst})
				if m != nil {
					dst = m.Pix
				}
				return err
			})
		})
		b.Run("src="+name+"/impl=image-jpeg/scale=1_1", func(b *testing.B) {
			report(b, func() error {
				_, err := stdjpeg.Decode(bytes.NewReader(data))
				return err
			})
		})
	}
}

func report(b *testing.B, decode func() error) {
	c0 := cpuTime()
	for b.Loop() {
		if err := decode(); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1e3/n, "cpu-ms/img")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/n, "wall-ms/img")
}
