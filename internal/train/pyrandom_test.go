package train

import (
	"slices"
	"testing"
)

// TestPyRandomShuffle compares with CPython 3 (Debian's /usr/bin/python3):
//
//	x = list(range(n)); random.Random(seed).shuffle(x)
func TestPyRandomShuffle(t *testing.T) {
	for _, c := range []struct {
		seed      uint64
		n         int
		head, end []int
	}{
		{0, 20, []int{10, 18, 16, 14, 0, 17, 11, 2, 3, 9, 5, 7, 4, 19, 6, 15, 8, 1, 13, 12}, nil},
		{0, 4317, []int{3269, 440, 3972, 4250, 4308, 61, 1364, 3717}, []int{331, 3445, 3155}},
		{7, 100, []int{33, 25, 99, 84, 78, 81, 21, 93, 82, 1}, nil},
	} {
		x := make([]int, c.n)
		for i := range x {
			x[i] = i
		}
		NewPyRandom(c.seed).Shuffle(len(x), func(i, j int) { x[i], x[j] = x[j], x[i] })
		if !slices.Equal(x[:len(c.head)], c.head) || !slices.Equal(x[len(x)-len(c.end):], c.end) {
			t.Errorf("seed %d n %d: got %v … %v, want %v … %v", c.seed, c.n, x[:len(c.head)], x[len(x)-len(c.end):], c.head, c.end)
		}
	}
}
