package imageio

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestAppleDouble: macOS's metadata file beside a photo is recognised by
// its name and signature, and decoding it says what it is, where it said
// "not a supported image" only.
func TestAppleDouble(t *testing.T) {
	meta := []byte("\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")
	png, err := os.ReadFile(filepath.Join("..", "..", "testdata", "images", "chelsea.png"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		data []byte
		want bool
	}{
		{"._IMG_0001.jpg", meta, true},
		{"._x", meta, true},
		{"IMG_0001.jpg", meta, false},    // not named as metadata
		{"._chelsea.png", png, false},    // named so, but a PNG
		{"._short.jpg", meta[:3], false}, // too short for the signature
	} {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		if got := AppleDouble(p); got != c.want {
			t.Errorf("AppleDouble(%s) = %v, want %v", c.name, got, c.want)
		}
	}
	if AppleDouble(filepath.Join(dir, "._missing.jpg")) {
		t.Error("AppleDouble of a missing file: true")
	}
	_, err = DecodeData("._IMG_0001.jpg", meta, 0)
	if !errors.Is(err, ErrAppleDouble) || !errors.Is(err, ErrFormat) {
		t.Fatalf("decoding AppleDouble data: %v; want ErrAppleDouble, also an ErrFormat", err)
	}
}
