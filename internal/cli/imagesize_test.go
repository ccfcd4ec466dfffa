package cli

import "testing"

func TestParseImageSize(t *testing.T) {
	for _, tc := range []struct {
		in         string
		h, w       int
		wantErr    bool
		defaultDim int
	}{
		{"", 224, 224, false, 224},
		{"384", 384, 384, false, 224},
		{"320x240", 240, 320, false, 224},
		{"320X240", 240, 320, false, 224},
		{"0", 0, 0, true, 224},
		{"x240", 0, 0, true, 224},
		{"big", 0, 0, true, 224},
		{"-16x16", 0, 0, true, 224},
	} {
		h, w, err := parseImageSize(tc.in, tc.defaultDim)
		if (err != nil) != tc.wantErr || h != tc.h || w != tc.w {
			t.Errorf("%q: got %d×%d (h×w), err %v", tc.in, h, w, err)
		}
	}
}
