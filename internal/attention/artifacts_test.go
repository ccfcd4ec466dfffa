package attention

import "testing"

// TestArtifacts: a CLS token and a 2×3 grid of D=2 tokens, norms 1, 1, 2,
// 1, 30 and 8 (median 1.5): the patches at (1, 1) and (1, 2) exceed 5 × 1.5;
// CLS's huge norm does not count.
func TestArtifacts(t *testing.T) {
	lo := Layout{T: 7, Prefix: 1, GH: 2, GW: 3, HasCLS: true}
	x := []float32{100, 0, 1, 0, 0, 1, 2, 0, 0, 1, 18, 24, 8, 0}
	got, med := lo.Artifacts(x, 2)
	want := []Artifact{{Row: 1, Col: 1, Norm: 30}, {Row: 1, Col: 2, Norm: 8}}
	if med != 1.5 || len(got) != len(want) {
		t.Fatalf("Artifacts = %v, median %g; want %v, median 1.5", got, med, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("artifact %d = %v, want %v", i, got[i], want[i])
		}
	}
}
