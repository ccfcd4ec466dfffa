package cli

import (
	"strings"
	"testing"
)

func TestImageSizeFlag(t *testing.T) {
	for _, tc := range []struct {
		in      string
		h, w    int
		wantErr bool
	}{
		{"", 224, 224, true},
		{"384", 384, 384, false},
		{"320x240", 240, 320, false},
		{"320X240", 240, 320, false},
		{"0", 0, 0, true},
		{"x240", 0, 0, true},
		{"big", 0, 0, true},
		{"-16x16", 0, 0, true},
	} {
		var s imageSize
		err := s.Set(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: err %v", tc.in, err)
		}
		if err != nil {
			continue
		}
		if h, w := s.or(224); h != tc.h || w != tc.w {
			t.Errorf("%q: got %d×%d (h×w), want %d×%d", tc.in, h, w, tc.h, tc.w)
		}
	}
	var unset imageSize
	if h, w := unset.or(224); h != 224 || w != 224 {
		t.Errorf("unset: %d×%d, want the model's 224×224", h, w)
	}
}

// TestImageSizeMessages: a bad --image-size is one line with exit status 2
// that quotes the value once, as given, says which side is off, and names
// the nearest sizes that fit the patch.
func TestImageSizeMessages(t *testing.T) {
	img := imagesDir + "/chelsea.png"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "--image-size", "0", img}, `vitctl: --image-size "0": want N or WIDTHxHEIGHT in pixels, e.g. 384 or 320x240` + "\n"},
		{[]string{"benchmark", "--image-size", "224,0"}, `vitctl: --image-size "224,0": "0": want N or WIDTHxHEIGHT`},
		{[]string{"classify", "-m", "fashion-vit", "--image-size", "30", img}, "vitctl: --image-size 30: 30 is not a multiple of the model's patch size 7; try 28 or 35\n"},
		{[]string{"classify", "-m", "fashion-vit", "--image-size", "3", img}, "patch size 7; try 7\n"},
		{[]string{"embed", "--image-size", "230x100", img}, "vitctl: --image-size 230x100: neither 230 nor 100 is a multiple of the model's patch size 16; try 224x96 or 240x112\n"},
		{[]string{"embed", "--image-size", "224x100", img}, "the height 100 is not a multiple of the model's patch size 16; try 224x96 or 224x112\n"},
		{[]string{"benchmark", "-m", "fashion-vit", "--image-size", "30"}, "vitctl: --image-size 30: 30 is not a multiple of the model's patch size 7; try 28 or 35\n"},
		{[]string{"benchmark", "--arch", "vit-ti", "--image-size", "100x50"}, "vitctl: skipping vit-ti/16 at 100x50: neither 100 nor 50 is a multiple of the patch size (96x48 or 112x64 would be)\n"},
		// A square WxH is echoed as given, where it was the N it means.
		{[]string{"classify", "-m", "fashion-vit", "--image-size", "20x20", img}, "vitctl: --image-size 20x20: 20 is not a multiple of the model's patch size 7; try 14 or 21\n"},
		{[]string{"inspect-attention", "-m", "fashion-vit", "--image-size", "20X20", "--out", t.TempDir(), img}, "vitctl: --image-size 20X20: 20 is not a multiple"},
		{[]string{"benchmark", "-m", "fashion-vit", "--image-size", "28,20x20"}, "vitctl: --image-size 20x20: 20 is not a multiple"},
		{[]string{"benchmark", "--arch", "vit-ti", "--image-size", "20x20"}, "vitctl: skipping vit-ti/16 at 20x20: 20 is not a multiple"},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != ExitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, want 2 and %q in\n%s", tc.args, code, tc.want, errs)
		}
	}
}
