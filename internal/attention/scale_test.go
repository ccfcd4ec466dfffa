package attention

import (
	"math"
	"testing"
)

func TestPercentile(t *testing.T) {
	v := []float64{5, 1, 4, 2, 3} // sorted 1..5
	for _, tc := range []struct{ q, want float64 }{
		{0, 1}, {100, 5}, {50, 3}, {99, 4.96}, {25, 2}, {10, 1.4},
	} {
		if got := Percentile(v, tc.q); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Percentile(%v) = %g, want %g (numpy.percentile)", tc.q, got, tc.want)
		}
	}
}

// TestScaleRobust: two bright outliers among 300 patches are clipped to the
// 99th percentile, so the rest of the map keeps its contrast; minmax keeps
// every value.
func TestScaleRobust(t *testing.T) {
	m := make([]float64, 300)
	for i := range m {
		m[i] = float64(i % 10)
	}
	m[0], m[57] = 1000, 500
	r := ScaleRobust.Apply(m)
	hi := Percentile(m, 99)
	if hi != 9 {
		t.Fatalf("99th percentile %g, want 9", hi)
	}
	for i, v := range r {
		if want := math.Min(m[i], 9); v != want {
			t.Fatalf("robust[%d] = %g, want %g", i, v, want)
		}
	}
	if mm := ScaleMinMax.Apply(m); mm[0] != 1000 || mm[57] != 500 || &mm[0] == &m[0] {
		t.Error("minmax changed the map or did not copy it")
	}
	if m[0] != 1000 {
		t.Error("Apply changed its input")
	}
	for _, name := range []string{"robust", "minmax"} {
		if s, err := ParseScale(name); err != nil || s.String() != name {
			t.Errorf("ParseScale(%q) = %v, %v", name, s, err)
		}
	}
	if _, err := ParseScale("log"); err == nil {
		t.Error("ParseScale(log): no error")
	}
}
