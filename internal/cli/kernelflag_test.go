package cli

import (
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/kernels"
)

// TestKernelFlags: the flag wins over the environment; a bad value of
// either is a usage error naming where it came from, found by validate,
// which selects nothing.
func TestKernelFlags(t *testing.T) {
	defer kernels.Select("auto")
	best := kernels.Selected()
	for _, tc := range []struct {
		flag, env, want, err string
	}{
		{"", "", best, ""},
		{"generic", "", "generic", ""},
		{"", "generic", "generic", ""},
		{"auto", "generic", best, ""},
		{"", "sse9", "", "$" + kernelEnv + `: unknown kernel "sse9"`},
		{"sse9", "generic", "", `--kernel: unknown kernel "sse9"`},
	} {
		t.Setenv(kernelEnv, tc.env)
		k := &kernelFlags{name: tc.flag}
		err := k.validate()
		if kernels.Selected() != best {
			t.Fatalf("--kernel %q, %s=%q: validate selected %s", tc.flag, kernelEnv, tc.env, kernels.Selected())
		}
		if tc.err != "" {
			if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("--kernel %q, %s=%q: %v, want a usage error with %q", tc.flag, kernelEnv, tc.env, err, tc.err)
			}
			continue
		}
		if err == nil {
			err = k.apply()
		}
		if err != nil || kernels.Selected() != tc.want {
			t.Errorf("--kernel %q, %s=%q: %v, selected %s, want %s", tc.flag, kernelEnv, tc.env, err, kernels.Selected(), tc.want)
		}
		kernels.Select("auto")
	}
}
