package kernels

import "testing"

// TestPrefaultKeepsContents: mapping pages ahead changes no value, at any
// alignment and length, below and above prefaultMin.
func TestPrefaultKeepsContents(t *testing.T) {
	for _, n := range []int{0, 1, 1000, prefaultMin/4 - 1, prefaultMin / 4, 3*prefaultMin + 17} {
		for _, off := range []int{0, 1, 1023} {
			s := make([]float32, n+off)
			for i := range s {
				s[i] = float32(i) + 0.5
			}
			prefault(s[off:])
			u := make([]uint32, n+off)
			for i := range u {
				u[i] = uint32(i) * 7
			}
			prefault(u[off:])
			for i := range s {
				if s[i] != float32(i)+0.5 || u[i] != uint32(i)*7 {
					t.Fatalf("n=%d off=%d: element %d changed: %v, %v", n, off, i, s[i], u[i])
				}
			}
		}
	}
}
