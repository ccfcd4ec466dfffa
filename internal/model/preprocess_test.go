package model

import "testing"

// TestPreprocessAt checks the resize-then-crop sizes for another input size.
func TestPreprocessAt(t *testing.T) {
	timm := Preprocess{Height: 224, Width: 224, ResizeShortest: 256, CropPct: 0.875}
	deit := Preprocess{Height: 224, Width: 224, ResizeHeight: 256, ResizeWidth: 256}
	plain := Preprocess{Height: 224, Width: 224}
	for _, tc := range []struct {
		name   string
		p      Preprocess
		h, w   int
		s      int
		rh, rw int
	}{
		{"timm square", timm, 384, 384, 438, 0, 0}, // floor(384/0.875) = floor(438.86)
		{"timm non-square", timm, 320, 240, 0, 365, 274},
		{"deit", deit, 448, 224, 0, 512, 256},
		{"plain", plain, 320, 240, 0, 0, 0},
	} {
		got := tc.p.At(tc.h, tc.w)
		if got.Height != tc.h || got.Width != tc.w || got.ResizeShortest != tc.s || got.ResizeHeight != tc.rh || got.ResizeWidth != tc.rw {
			t.Errorf("%s: At(%d, %d) = %+v", tc.name, tc.h, tc.w, got)
		}
	}
}
