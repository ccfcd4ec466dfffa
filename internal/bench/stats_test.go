package bench

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	ms := time.Millisecond
	// Sorted: 1..10 ms. Rank 0.5·9 = 4.5 → 5.5 ms; rank 0.9·9 = 8.1 → 9.1 ms.
	s := Summarize([]time.Duration{10 * ms, 3 * ms, 1 * ms, 2 * ms, 9 * ms, 4 * ms, 8 * ms, 5 * ms, 7 * ms, 6 * ms})
	want := Stats{N: 10, P50: 5500 * time.Microsecond, P90: 9100 * time.Microsecond, Mean: 5500 * time.Microsecond, Min: ms, Max: 10 * ms}
	if s != want {
		t.Errorf("Summarize = %+v, want %+v", s, want)
	}
	if s := Summarize([]time.Duration{7 * ms}); s.P50 != 7*ms || s.P90 != 7*ms || s.N != 1 {
		t.Errorf("one sample: %+v", s)
	}
	if s := Summarize(nil); s != (Stats{}) {
		t.Errorf("no samples: %+v", s)
	}
}

// fakeClock advances by step on every call of f.
type fakeClock struct {
	t    time.Time
	step time.Duration
	runs int
}

func (c *fakeClock) now() time.Time { return c.t }
func (c *fakeClock) f() error       { c.t = c.t.Add(c.step); c.runs++; return nil }

func TestMeasure(t *testing.T) {
	never := func() bool { return false }
	// 100 ms per run: warm-up 300 ms → 3 runs; 1 s budget → 10 timed runs.
	c := &fakeClock{step: 100 * time.Millisecond}
	got, err := Measure(c.f, Budget{Time: time.Second, MinRuns: 3, Warmup: 300 * time.Millisecond}, c.now, never)
	if err != nil || len(got) != 10 || c.runs != 13 || got[0] != 100*time.Millisecond {
		t.Errorf("Measure: %d samples, %d runs, %v", len(got), c.runs, err)
	}
	// A slow run: one warm-up, then MinRuns despite the budget.
	c = &fakeClock{step: 5 * time.Second}
	got, _ = Measure(c.f, Budget{Time: time.Second, MinRuns: 3, Warmup: 300 * time.Millisecond}, c.now, never)
	if len(got) != 3 || c.runs != 4 {
		t.Errorf("slow: %d samples, %d runs", len(got), c.runs)
	}
	// Stop ends early; errors are returned.
	c = &fakeClock{step: time.Millisecond}
	stop := func() bool { return c.runs >= 5 }
	got, _ = Measure(c.f, Budget{Time: time.Hour, MinRuns: 3}, c.now, stop)
	if len(got) != 4 {
		t.Errorf("stop: %d samples", len(got))
	}
	boom := errors.New("boom")
	if _, err := Measure(func() error { return boom }, Budget{Time: time.Second}, time.Now, never); err != boom {
		t.Errorf("error: %v", err)
	}
}

func TestParseStatus(t *testing.T) {
	status := "Name:\tvitctl\nVmPeak:\t 2000000 kB\nVmHWM:\t  123456 kB\nVmRSS:\t  100000 kB\n"
	if got, err := parseStatusKB(strings.NewReader(status), "VmHWM"); err != nil || got != 123456*1024 {
		t.Errorf("VmHWM = %d, %v", got, err)
	}
	if _, err := parseStatusKB(strings.NewReader(status), "VmSwap"); err == nil {
		t.Error("missing field: no error")
	}
	if _, err := parseStatusKB(strings.NewReader("VmHWM: lots\n"), "VmHWM"); err == nil {
		t.Error("bad value: no error")
	}
}

func TestPeakRSS(t *testing.T) {
	n, err := PeakRSS()
	if err != nil {
		t.Skipf("no /proc/self/status here: %v", err)
	}
	if n <= 0 {
		t.Errorf("PeakRSS = %d", n)
	}
}
