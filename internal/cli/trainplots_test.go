package cli

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestExactTicks: every labelled tick of finetune's curves reads as its
// value, in decimals (40, not 4e+01), so no two labels are the same: plot.DefaultTicks labelled ticks
// at 1.59, 1.6, 1.61 and 1.62 (one epoch's losses) all "1.6".
func TestExactTicks(t *testing.T) {
	for _, tc := range []struct{ lo, hi float64 }{
		{1.5951, 1.614}, {1.59, 1.62}, {2.3, 2.31}, {0.2171, 0.2179}, {0.5, 0.9}, {39, 41}, {0, 100}, {1e-4, 3e-4},
	} {
		seen := map[string]bool{}
		for _, tk := range (exactTicks{}).Ticks(tc.lo, tc.hi) {
			if tk.Label == "" {
				continue
			}
			v, err := strconv.ParseFloat(tk.Label, 64)
			if err != nil || math.Abs(v-tk.Value) > 1e-6*(tc.hi-tc.lo) || seen[tk.Label] || strings.ContainsAny(tk.Label, "eE") {
				t.Errorf("axis %g…%g: tick %g labelled %q (twice: %v)", tc.lo, tc.hi, tk.Value, tk.Label, seen[tk.Label])
			}
			seen[tk.Label] = true
		}
		if len(seen) < 2 {
			t.Errorf("axis %g…%g: %d labels; want 2 or more", tc.lo, tc.hi, len(seen))
		}
	}
}
