package train

import "testing"

// TestScoreTop5: top-5 accuracy is left out (nil, null in JSON) for 5
// classes or fewer, where every label is among the top 5 and it was
// always 1.
func TestScoreTop5(t *testing.T) {
	for _, tc := range []struct {
		classes int
		want    float64 // -1: nil
	}{
		{2, -1}, {5, -1}, {6, 0.5}, {10, 0.5},
	} {
		labels := make([]string, tc.classes)
		for i := range labels {
			labels[i] = string(rune('a' + i))
		}
		// Example 0's class ranks first, example 1's last.
		up, down := make([]float32, tc.classes), make([]float32, tc.classes)
		for i := range up {
			up[i], down[i] = float32(-i), float32(i)
		}
		r := Score(labels, []int{0, 0}, [][]float32{up, down})
		if got := r.Top5; (got == nil) != (tc.want < 0) || got != nil && *got != tc.want {
			t.Errorf("%d classes: top-5 %v, want %v (-1: nil)", tc.classes, got, tc.want)
		}
		if r.Top1 != 0.5 {
			t.Errorf("%d classes: top-1 %v, want 0.5", tc.classes, r.Top1)
		}
	}
}
