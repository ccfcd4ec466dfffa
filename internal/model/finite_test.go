package model

import (
	"strings"
	"testing"
)

func TestCheckFinite(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    []float32
		want string // "" for no error
	}{
		{"empty", nil, ""},
		{"finite", []float32{0, -1, 3.4e38, -3.4e38, 1e-45}, ""},
		{"nan", []float32{1, nan, 2}, "holds 1 NaN or Inf value (first NaN at element 1)"},
		{"inf and nan", []float32{1, 2, -inf, nan, inf}, "holds 3 NaN or Inf values (first -Inf at element 2)"},
		{"last", []float32{0, 0, 0, inf}, "holds 1 NaN or Inf value (first +Inf at element 3)"},
	} {
		err := CheckFinite(tc.x)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// BenchmarkCheckFinite scans ViT-B/16's 86M weights, what loading such a
// model file adds to make sure none is NaN or Inf.
func BenchmarkCheckFinite(b *testing.B) {
	x := make([]float32, 86_567_656)
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		if err := CheckFinite(x); err != nil {
			b.Fatal(err)
		}
	}
}
