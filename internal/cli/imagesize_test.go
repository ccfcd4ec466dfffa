package cli

import "testing"

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
