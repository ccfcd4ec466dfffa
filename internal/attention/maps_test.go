package attention

import (
	"math"
	"sort"
	"testing"
)

// handLayers is a hand-made case: 3 layers of 2 heads over T=5 tokens (CLS
// and a 2×2 grid). Every row is a list of distinct positive weights; the
// test divides it by its sum, so rows are probabilities as a softmax gives.
var handLayers = [3][2][5][5]float64{
	{
		{{9, 1, 2, 3, 4}, {2, 8, 1, 5, 3}, {1, 2, 7, 3, 6}, {4, 3, 1, 9, 2}, {3, 5, 2, 1, 8}},
		{{2, 7, 1, 3, 5}, {6, 1, 4, 2, 9}, {8, 3, 5, 1, 2}, {1, 9, 2, 6, 3}, {5, 2, 8, 4, 1}},
	},
	{
		{{1, 12, 3, 2, 6}, {7, 4, 9, 1, 2}, {3, 1, 2, 11, 5}, {2, 6, 4, 3, 13}, {9, 2, 1, 5, 7}},
		{{4, 2, 10, 1, 3}, {1, 5, 2, 8, 6}, {11, 4, 3, 2, 1}, {3, 2, 7, 5, 4}, {2, 9, 5, 3, 6}},
	},
	{
		{{5, 3, 1, 14, 2}, {2, 10, 3, 1, 4}, {6, 2, 9, 5, 1}, {1, 4, 2, 3, 12}, {8, 1, 6, 2, 3}},
		{{3, 6, 2, 4, 15}, {9, 2, 1, 3, 5}, {2, 8, 4, 6, 1}, {7, 1, 5, 2, 3}, {1, 3, 12, 2, 4}},
	},
}

const handT, handH = 5, 2

// handProbs returns layer l of the hand-made case as (H, T, T) float32.
func handProbs(l int) []float32 {
	var out []float32
	for h := 0; h < handH; h++ {
		for _, row := range handLayers[l][h] {
			var s float64
			for _, v := range row {
				s += v
			}
			for _, v := range row {
				out = append(out, float32(v/s))
			}
		}
	}
	return out
}

// refFuse fuses as a [][]float64 matrix, from the float32 probabilities.
func refFuse(probs []float32, heads []int, f Fusion) [][]float64 {
	m := make([][]float64, handT)
	for i := range m {
		m[i] = make([]float64, handT)
		for j := range m[i] {
			var vals []float64
			for _, h := range heads {
				vals = append(vals, float64(probs[(h*handT+i)*handT+j]))
			}
			sort.Float64s(vals)
			switch f {
			case FuseMin:
				m[i][j] = vals[0]
			case FuseMax:
				m[i][j] = vals[len(vals)-1]
			case FuseMean:
				for _, v := range vals {
					m[i][j] += v / float64(len(vals))
				}
			}
		}
	}
	return m
}

// refRollout is the textbook rollout over matrices. The discard sorts the
// entries (but (0,0) with keepCLS) by value, then row, then column, and
// zeroes the first floor(ratio*count).
func refRollout(fused [][][]float64, ratio float64, keepCLS bool) [][]float64 {
	n := len(fused[0])
	var acc [][]float64
	for _, f := range fused {
		a := make([][]float64, n)
		var rest [][2]int
		for i := range f {
			a[i] = append([]float64(nil), f[i]...)
			for j := range f[i] {
				if !keepCLS || i != 0 || j != 0 {
					rest = append(rest, [2]int{i, j})
				}
			}
		}
		sort.Slice(rest, func(x, y int) bool {
			p, q := rest[x], rest[y]
			if vp, vq := f[p[0]][p[1]], f[q[0]][q[1]]; vp != vq {
				return vp < vq
			}
			if p[0] != q[0] {
				return p[0] < q[0]
			}
			return p[1] < q[1]
		})
		for _, ij := range rest[:int(ratio*float64(len(rest)))] {
			a[ij[0]][ij[1]] = 0
		}
		for i := range a {
			a[i][i]++
			var s float64
			for _, v := range a[i] {
				s += v
			}
			for j := range a[i] {
				a[i][j] /= s
			}
		}
		if acc == nil {
			acc = a
			continue
		}
		next := make([][]float64, n)
		for i := range next {
			next[i] = make([]float64, n)
			for j := range next[i] {
				for k := 0; k < n; k++ {
					next[i][j] += a[i][k] * acc[k][j]
				}
			}
		}
		acc = next
	}
	return acc
}

func TestFuse(t *testing.T) {
	probs := handProbs(0)
	for _, f := range []Fusion{FuseMean, FuseMax, FuseMin} {
		for _, heads := range [][]int{{0}, {1}, {0, 1}, {1, 0}} {
			got := Fuse(probs, handT, heads, f)
			want := refFuse(probs, heads, f)
			for i := 0; i < handT; i++ {
				for j := 0; j < handT; j++ {
					if d := math.Abs(got[i*handT+j] - want[i][j]); d > 1e-15 {
						t.Fatalf("%v heads %v: (%d,%d) = %g, want %g", f, heads, i, j, got[i*handT+j], want[i][j])
					}
				}
			}
		}
	}
}

func TestRolloutMatchesReference(t *testing.T) {
	for _, f := range []Fusion{FuseMean, FuseMax, FuseMin} {
		for _, c := range []struct {
			ratio   float64
			keepCLS bool
		}{{0, true}, {0.1, true}, {0.5, true}, {0.9, true}, {1, true}, {0.5, false}, {1, false}} {
			ratio := c.ratio
			var fused [][]float64
			var ref [][][]float64
			for l := range handLayers {
				p := handProbs(l)
				fused = append(fused, Fuse(p, handT, []int{0, 1}, f))
				ref = append(ref, refFuse(p, []int{0, 1}, f))
			}
			steps := Rollout(fused, handT, ratio, c.keepCLS)
			for l := range steps {
				want := refRollout(ref[:l+1], ratio, c.keepCLS)
				for i := 0; i < handT; i++ {
					var rowSum float64
					for j := 0; j < handT; j++ {
						g := steps[l][i*handT+j]
						rowSum += g
						if d := math.Abs(g - want[i][j]); d > 1e-14 {
							t.Fatalf("%v ratio %g (keep CLS %v) through layer %d: (%d,%d) = %.17g, want %.17g", f, ratio, c.keepCLS, l, i, j, g, want[i][j])
						}
					}
					if math.Abs(rowSum-1) > 1e-14 {
						t.Errorf("%v ratio %g layer %d: row %d sums to %.17g", f, ratio, l, i, rowSum)
					}
				}
			}
		}
	}
}

// TestRolloutByHand checks numbers worked out on paper for T=2.
func TestRolloutByHand(t *testing.T) {
	a := []float64{0.5, 0.5, 0.25, 0.75}
	b := []float64{0.9, 0.1, 0.6, 0.4}
	// (a+I) row-normalised: [.75 .25; .125 .875]; (b+I): [.95 .05; .3 .7].
	// Through both: (b+I)'·(a+I)' = [.71875 .28125; .3125 .6875].
	steps := Rollout([][]float64{a, b}, 2, 0, true)
	want := [][]float64{{0.75, 0.25, 0.125, 0.875}, {0.71875, 0.28125, 0.3125, 0.6875}}
	for l := range want {
		for i := range want[l] {
			if math.Abs(steps[l][i]-want[l][i]) > 1e-15 {
				t.Errorf("step %d: got %v, want %v", l, steps[l], want[l])
				break
			}
		}
	}
	// Discard 1/2 of the 3 entries other than (0,0): floor(1.5) = 1, the
	// 0.25 at (1,0). Row 1 becomes [0, .75] + I -> [0, 1].
	steps = Rollout([][]float64{a}, 2, 0.5, true)
	if got, want := steps[0], []float64{0.75, 0.25, 0, 1}; !near(got, want) {
		t.Errorf("discard 0.5: got %v, want %v", got, want)
	}
	if a[2] != 0.25 {
		t.Error("Rollout changed its input")
	}
}

func TestDiscardKeepsCLS(t *testing.T) {
	m := []float64{0.01, 0.5, 0.2, 0.3, 0.02, 0.4, 0.9, 0.1, 0.6}
	Discard(m, 3, 1, true)
	want := []float64{0.01, 0, 0, 0, 0, 0, 0, 0, 0}
	if !near(m, want) {
		t.Errorf("ratio 1: got %v, want %v", m, want)
	}
	// Without a CLS token (0, 0) is an entry like the others: the smallest
	// two of 0.01, 0.5, 0.2, 0.3 go.
	m = []float64{0.01, 0.5, 0.2, 0.3}
	Discard(m, 2, 0.5, false)
	if want := []float64{0, 0.5, 0, 0.3}; !near(m, want) {
		t.Errorf("no CLS: got %v, want %v", m, want)
	}
	// Ties go in index order: of three equal lowest values the first two go.
	m = []float64{0.5, 0.1, 0.1, 0.1}
	Discard(m, 2, 0.67, true) // floor(0.67*3) = 2
	if want := []float64{0.5, 0, 0, 0.1}; !near(m, want) {
		t.Errorf("ties: got %v, want %v", m, want)
	}
}

func TestPatchMap(t *testing.T) {
	// T=4: CLS, a distillation token, then a 1×2 grid.
	m := []float64{
		1, 2, 3, 4,
		5, 6, 7, 8,
		9, 10, 11, 12,
		13, 14, 15, 16,
	}
	lo := Layout{T: 4, Prefix: 2, GH: 1, GW: 2, HasCLS: true}
	if got := lo.PatchMap(m); !near(got, []float64{3, 4}) {
		t.Errorf("CLS row: %v, want [3 4]", got)
	}
	lo.Pooled = true // mean of rows 2 and 3, columns 2 and 3
	if got := lo.PatchMap(m); !near(got, []float64{13, 14}) {
		t.Errorf("pooled: %v, want [13 14]", got)
	}
	if m[2] != 3 {
		t.Error("PatchMap changed its input")
	}
}

func TestParseFusion(t *testing.T) {
	for _, s := range []string{"mean", "max", "min"} {
		if f, err := ParseFusion(s); err != nil || f.String() != s {
			t.Errorf("ParseFusion(%q) = %v, %v", s, f, err)
		}
	}
	if _, err := ParseFusion("median"); err == nil {
		t.Error("ParseFusion accepted median")
	}
}

func near(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-15 {
			return false
		}
	}
	return true
}
