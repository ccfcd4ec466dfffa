package imageio

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/prep"
)

// TestLoadImageData checks that bytes named by a URL load exactly as the
// file they came from, that the URL's path (not its query) gives the
// extension that explains a failure, and that errors start with the name.
func TestLoadImageData(t *testing.T) {
	p := prep.Params{DoResize: true, Height: 16, Width: 16, Resample: prep.Resample(2), DoRescale: true, RescaleFactor: 1.0 / 255,
		DoNormalize: true, Mean: []float64{0.5, 0.5, 0.5}, Std: []float64{0.5, 0.5, 0.5}}
	file := filepath.Join(imagesDir, "chelsea.png")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want, err := LoadImage(file, p, 0, Exact)
	if err != nil {
		t.Fatal(err)
	}
	got, err := LoadImageData("https://example.com/cats/chelsea.png?w=1", data, p, 0, Exact)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("from bytes: %v", err)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"https://example.com/a.jpg?v=2", data[:len(data)/2], "https://example.com/a.jpg?v=2: truncated or corrupt image data: PNG data ends early (the content is PNG although the name says JPEG)"},
		{"http://example.com/page", []byte("<html>"), "http://example.com/page: a web page (HTML), not an image"},
		{"http://example.com/page2", []byte("\n<!-- saved -->\n<html lang=en>"), "http://example.com/page2: a web page (HTML)"},
		{"logo.png", []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), "logo.png: an SVG drawing"},
		{"dl", []byte("\x93NUMPY\x01\x00"), "dl: a NumPy array (.npy) by its content"},
		{"notes.png", []byte("<p>hello</p>"), "notes.png: not a supported image"},
		{"http://example.com/empty.png", nil, "http://example.com/empty.png: empty file"},
	}
	for _, tt := range tests {
		_, err := LoadImageData(tt.name, tt.data, p, 0, Exact)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}
