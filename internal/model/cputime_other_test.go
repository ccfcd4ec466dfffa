//go:build !unix

package model_test

import "time"

// cpuTime is 0 where getrusage is missing: the benchmarks then report no
// CPU milliseconds.
func cpuTime() time.Duration { return 0 }
