package shard

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// TestOfMatchesPython: the partition is the documented formula, so other
// tools can reproduce it (values from Python's hashlib).
func TestOfMatchesPython(t *testing.T) {
	for key, want := range map[string][3]int{
		"daisy/100080576_f52e8ee070_n.jpg": {0, 4, 291},
		"a/b.jpg":                          {0, 4, 368},
		"x.png":                            {1, 6, 833},
	} {
		for i, n := range []int{3, 7, 1000} {
			if got := Of(key, n); got != want[i] {
				t.Errorf("Of(%q, %d) = %d, want %d", key, n, got, want[i])
			}
		}
	}
}

// TestShardsCoverOnce: for N = 1, 3, 7 every key is owned by exactly one
// shard, whatever order the keys are listed in, and the shards are about
// even.
func TestShardsCoverOnce(t *testing.T) {
	keys := make([]string, 3000)
	for i := range keys {
		keys[i] = fmt.Sprintf("class%d/img_%05d.jpg", i%5, i)
	}
	for _, n := range []int{1, 3, 7} {
		owners := map[string]int{}
		sizes := make([]int, n)
		rng := rand.New(rand.NewSource(int64(n)))
		for i := range n {
			order := rng.Perm(len(keys)) // each shard lists the inputs in its own order
			for _, j := range order {
				if (Spec{i, n}).Owns(keys[j]) {
					owners[keys[j]]++
					sizes[i]++
				}
			}
		}
		for _, k := range keys {
			if owners[k] != 1 {
				t.Fatalf("N=%d: %s owned by %d shards", n, k, owners[k])
			}
		}
		for i, s := range sizes {
			if want := len(keys) / n; s < want*8/10 || s > want*12/10 {
				t.Errorf("N=%d: shard %d has %d of %d keys", n, i, s, len(keys))
			}
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		spec string
		env  map[string]string
		want Spec
		err  string
	}{
		{"0/1", nil, Spec{0, 1}, ""},
		{"2/3", nil, Spec{2, 3}, ""},
		// The range is named, 0-based: it said "the index must be at least 0
		// and below the count".
		{"3/3", nil, Spec{}, `"3/3": the index counts from 0: with 3 shards it is 0 to 2 (0/3 … 2/3)`},
		{"2/2", nil, Spec{}, `"2/2": the index counts from 0: with 2 shards it is 0 to 1 (0/2 … 1/2)`},
		{"-1/3", nil, Spec{}, "with 3 shards it is 0 to 2"},
		{"1/1", nil, Spec{}, `"1/1": the index counts from 0: with 1 shard it is 0 (0/1)`},
		{"1/0", nil, Spec{}, `"1/0": the count must be at least 1`},
		{"1", nil, Spec{}, "want I/N"},
		{"a/b", nil, Spec{}, "whole numbers"},
		{"auto", map[string]string{EnvK8sIndex: "4", EnvK8sCount: "10"}, Spec{4, 10}, ""},
		{"auto/10", map[string]string{EnvK8sIndex: "4"}, Spec{4, 10}, ""},
		{"auto/10", map[string]string{EnvK8sIndex: "4", EnvK8sCount: "10"}, Spec{4, 10}, ""},
		{"auto/8", map[string]string{EnvK8sIndex: "4", EnvK8sCount: "10"}, Spec{}, "count is 8 by auto/8 but 10 by JOB_COMPLETION_COUNT"},
		{"auto", map[string]string{EnvK8sIndex: "4"}, Spec{}, "count is not known"},
		{"auto", map[string]string{EnvK8sIndex: "x", EnvK8sCount: "10"}, Spec{}, "JOB_COMPLETION_INDEX=\"x\""},
		{"auto", map[string]string{EnvK8sIndex: "10", EnvK8sCount: "10"}, Spec{}, `"auto" (index 10 of 10): the index counts from 0: with 10 shards it is 0 to 9`},
		{"auto", nil, Spec{}, "neither JOB_COMPLETION_INDEX"},
		{"auto/x", map[string]string{EnvK8sIndex: "1"}, Spec{}, "whole number"},
		{"auto", map[string]string{EnvSlurmID: "3", EnvSlurmCount: "5", EnvSlurmMin: "0"}, Spec{3, 5}, ""},
		{"auto", map[string]string{EnvSlurmID: "4", EnvSlurmCount: "5", EnvSlurmMin: "1", EnvSlurmStep: "1"}, Spec{3, 5}, ""},
		{"auto", map[string]string{EnvSlurmID: "7", EnvSlurmCount: "4", EnvSlurmMin: "1", EnvSlurmStep: "2"}, Spec{3, 4}, ""},
		{"auto", map[string]string{EnvSlurmID: "4", EnvSlurmCount: "4", EnvSlurmMin: "1", EnvSlurmStep: "2"}, Spec{}, "multiple of SLURM_ARRAY_TASK_STEP"},
		{"auto", map[string]string{EnvSlurmID: "3"}, Spec{}, "count is not known"},
		{"auto", map[string]string{EnvSlurmID: "3", EnvSlurmCount: "5", EnvK8sIndex: "2"}, Spec{}, "index is 2 by JOB_COMPLETION_INDEX but 3 by SLURM_ARRAY_TASK_ID"},
		{"auto", map[string]string{EnvSlurmID: "3", EnvSlurmCount: "5", EnvK8sIndex: "3"}, Spec{3, 5}, ""},
	} {
		got, err := Parse(tc.spec, func(k string) string { return tc.env[k] })
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s %v: %v", tc.spec, tc.env, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s %v: got %v, want an error containing %q", tc.spec, tc.env, err, tc.err)
		case got != tc.want:
			t.Errorf("%s %v: got %v, want %v", tc.spec, tc.env, got, tc.want)
		}
	}
}
