package cli

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// jpegFolder writes n generated 640×480 JPEGs (a few distinct pictures
// repeated) into a new folder.
func jpegFolder(b *testing.B, n int) string {
	dir := b.TempDir()
	var pics [][]byte
	rng := rand.New(rand.NewSource(1))
	for p := 0; p < 8; p++ {
		img := image.NewRGBA(image.Rect(0, 0, 640, 480))
		for y := 0; y < 480; y++ {
			for x := 0; x < 640; x++ {
				img.Set(x, y, color.RGBA{uint8(x*p/3 + rng.Intn(32)), uint8(y / 2), uint8((x + y) * p), 255})
			}
		}
		var buf bytes.Buffer
		jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
		pics = append(pics, buf.Bytes())
	}
	for i := 0; i < n; i++ {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%05d.jpg", i)), pics[i%len(pics)], 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkClassifyFolder classifies 500 640×480 JPEGs with the built-in fashion-vit
// model: decoding on worker goroutines must keep up with inference.
func BenchmarkClassifyFolder(b *testing.B) {
	dir := jpegFolder(b, 500)
	for _, threads := range []int{1, runtime.NumCPU()} {
		b.Run(fmt.Sprintf("images=500/threads=%d", threads), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				code := Main([]string{"classify", "-m", "fashion-vit", "-o", "jsonl", "--threads", strconv.Itoa(threads),
					"--decoders", strconv.Itoa(threads), dir}, strings.NewReader(""), io.Discard, io.Discard)
				if code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
			b.ReportMetric(float64(500*b.N)/b.Elapsed().Seconds(), "img/s")
		})
	}
}

// peakRSS reads the process's peak resident set (VmHWM) in MiB, 0 if unknown.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkSoak classifies 1,000 then 5,000 images in one process and
// reports the peak RSS after each: memory must stay flat over long runs.
func BenchmarkSoak(b *testing.B) {
	dir := jpegFolder(b, 5000)
	list := func(n int) string {
		var sb strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&sb, "%s\n", filepath.Join(dir, fmt.Sprintf("%05d.jpg", i)))
		}
		return sb.String()
	}
	for i := 0; i < b.N; i++ {
		for _, n := range []int{1000, 5000} {
			if code := Main([]string{"classify", "-m", "fashion-vit", "-o", "jsonl", "-"}, strings.NewReader(list(n)), io.Discard, io.Discard); code != 0 {
				b.Fatalf("exit %d", code)
			}
			b.ReportMetric(peakRSS(), fmt.Sprintf("MiB-peak-RSS@%d", n))
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), fmt.Sprintf("MiB-heap-after-GC@%d", n))
		}
	}
	b.ReportMetric(float64(6000*b.N)/b.Elapsed().Seconds(), "img/s")
}
