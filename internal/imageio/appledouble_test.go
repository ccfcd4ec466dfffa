package imageio

import (
	"errors"
	"testing"
)

// TestAppleDouble: decoding macOS's metadata file says what it is, where
// it said "not a supported image" only (InFolder's cases recognise it in a
// folder walk).
func TestAppleDouble(t *testing.T) {
	meta := []byte("\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")
	_, err := DecodeData("._IMG_0001.jpg", meta, 0)
	if !errors.Is(err, ErrAppleDouble) || !errors.Is(err, ErrFormat) {
		t.Fatalf("decoding AppleDouble data: %v; want ErrAppleDouble, also an ErrFormat", err)
	}
	if isAppleDouble(meta[:3]) || !isAppleDouble(meta[:4]) {
		t.Error("isAppleDouble: wrong about a 3- or 4-byte prefix of the signature")
	}
}
