package bench

import "testing"

// TestCPUListLen: /sys/devices/system/cpu/online's ranges are counted; a
// list that does not read is not taken for a count.
func TestCPUListLen(t *testing.T) {
	for _, c := range []struct {
		list string
		n    int
		ok   bool
	}{
		{"0", 1, true},
		{"0-1", 2, true},
		{"0-3,8-11", 8, true},
		{"0,2,4-5", 4, true},
		{"", 0, false},
		{"3-1", 0, false},
		{"x", 0, false},
		{"0-", 0, false},
	} {
		if n, ok := cpuListLen(c.list); n != c.n || ok != c.ok {
			t.Errorf("%q: %d, %v; want %d, %v", c.list, n, ok, c.n, c.ok)
		}
	}
}
