package prep

import (
	"strings"
	"testing"
)

// TestPreprocessAt checks the resize-then-crop sizes for another input size.
func TestPreprocessAt(t *testing.T) {
	timm := Params{Height: 224, Width: 224, ResizeShortest: 256, CropPct: 0.875}
	deit := Params{Height: 224, Width: 224, ResizeHeight: 256, ResizeWidth: 256}
	plain := Params{Height: 224, Width: 224}
	for _, tc := range []struct {
		name   string
		p      Params
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

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		change func(p *Params)
		want   string // "" for valid
	}{
		{func(p *Params) {}, ""},
		{func(p *Params) { p.ResizeShortest, p.CropPct = 256, 0.875 }, ""},
		{func(p *Params) { p.ResizeHeight, p.ResizeWidth = 256, 240 }, ""},
		{func(p *Params) { p.DoNormalize, p.Mean, p.Std = false, nil, nil }, ""},
		{func(p *Params) { p.Resample = 6 }, "unknown resample filter 6"},
		{func(p *Params) { p.Resample = -1 }, "unknown resample filter -1"},
		{func(p *Params) { p.Width = 0 }, "must be positive"},
		{func(p *Params) { p.ResizeShortest = 223 }, "center crop"},
		{func(p *Params) { p.ResizeShortest, p.ResizeHeight = 256, 256 }, "center crop"},
		{func(p *Params) { p.ResizeHeight, p.ResizeWidth = 256, 200 }, "center crop"},
		{func(p *Params) { p.ResizeHeight = -1 }, "center crop"},
		{func(p *Params) { p.Mean = p.Mean[:2] }, "one per channel"},
		{func(p *Params) { p.Std = []float64{1, 0, 1} }, "has a zero"},
		// float32, as pixels are normalised: Inf there, and a std of 0.
		{func(p *Params) { p.Mean = []float64{0.5, 1e308, 0.5} }, "image_mean [0.5 1e+308 0.5]: 1e+308 is outside float32's range"},
		{func(p *Params) { p.Std = []float64{0.5, 0.5, -1e39} }, "image_std [0.5 0.5 -1e+39]: -1e+39 is outside float32's range"},
		{func(p *Params) { p.Std = []float64{1e-50, 0.5, 0.5} }, "image_std [1e-50 0.5 0.5]: 1e-50 is outside float32's range"},
		{func(p *Params) { p.RescaleFactor = 1e37 }, "rescale_factor 1e+37 makes a pixel of 255 outside float32's range"},
		{func(p *Params) { p.DoNormalize, p.Mean, p.Std = false, []float64{1e308, 1e308, 1e308}, nil }, ""},
		{func(p *Params) { p.Mean, p.Std = []float64{3e38, -3e38, 1e-50}, []float64{3e38, 1e-40, 1} }, ""},
	} {
		p := Default(224)
		tc.change(&p)
		err := p.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: got %v, want %q", p, err, tc.want)
		}
	}
}

func TestResampleNames(t *testing.T) {
	for r := Nearest; r <= Hamming; r++ {
		got, err := ParseResample(r.String())
		if err != nil || got != r {
			t.Errorf("%d: %q parses as %d, %v", int(r), r.String(), int(got), err)
		}
	}
	if Bicubic.String() != "bicubic" || Resample(9).String() != "filter 9" {
		t.Errorf("names: %v %v", Bicubic, Resample(9))
	}
	if _, err := ParseResample("cubic"); err == nil {
		t.Error("cubic accepted")
	}
}
