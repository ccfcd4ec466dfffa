package bench

import (
	"slices"
	"time"
)

// Stats summarises repeated timings of one operation.
type Stats struct {
	N        int
	P50, P90 time.Duration
	Mean     time.Duration
	Min, Max time.Duration
}

// Summarize computes the statistics of the samples (in any order).
// Percentiles interpolate linearly between order statistics (NumPy's
// default): with samples s₀ ≤ … ≤ sₙ₋₁, the q-quantile is read at rank
// q·(n−1).
func Summarize(samples []time.Duration) Stats {
	n := len(samples)
	if n == 0 {
		return Stats{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Stats{
		N: n, P50: quantile(s, 0.5), P90: quantile(s, 0.9),
		Mean: sum / time.Duration(n), Min: s[0], Max: s[n-1],
	}
}

// quantile reads the q-quantile of sorted s.
func quantile(s []time.Duration, q float64) time.Duration {
	r := q * float64(len(s)-1)
	i := int(r)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	f := r - float64(i)
	return s[i] + time.Duration(f*float64(s[i+1]-s[i])+0.5)
}

// Budget says how long to measure one row.
type Budget struct {
	Time    time.Duration // timed runs continue until this much time is spent
	MinRuns int           // but at least this many timed runs
	Warmup  time.Duration // untimed runs (at least one) until this much time is spent
}

// Measure runs f for warm-up and then repeatedly, timing each call with
// now, until the budget is spent or stop returns true; it returns each
// timed call's duration. The first call allocates scratch memory and
// faults in the weights' pages, which is why warm-up is not timed.
func Measure(f func() error, b Budget, now func() time.Time, stop func() bool) ([]time.Duration, error) {
	start := now()
	for first := true; first || now().Sub(start) < b.Warmup; first = false {
		if stop() {
			return nil, nil
		}
		if err := f(); err != nil {
			return nil, err
		}
	}
	var samples []time.Duration
	var spent time.Duration
	for len(samples) < max(b.MinRuns, 1) || spent < b.Time {
		if stop() {
			break
		}
		t0 := now()
		if err := f(); err != nil {
			return nil, err
		}
		d := now().Sub(t0)
		samples = append(samples, d)
		spent += d
	}
	return samples, nil
}
