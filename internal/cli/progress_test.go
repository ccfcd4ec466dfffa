package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestProgress draws the bar as on a terminal into a buffer: messages come
// out as whole lines, and the bar is cleared when done. Off a terminal, or
// for one item, only the messages are written.
func TestProgress(t *testing.T) {
	var b bytes.Buffer
	p := newProgressOn(&b, true, 3, "classifying", "img", time.Now)
	p.add()
	p.message("a.png: not a supported image")
	p.add()
	p.add()
	p.finish()
	out := b.String()
	if !strings.HasSuffix(out, "\r") || strings.Contains(out[strings.LastIndex(out, "\n"):], "█") {
		t.Errorf("the bar is not cleared at the end:\n%q", out)
	}
	for _, want := range []string{"classifying", "(1/3", "vitctl: a.png: not a supported image\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, out)
		}
	}
	for _, tc := range []struct {
		terminal bool
		n        int
	}{{false, 3}, {true, 1}} {
		b.Reset()
		p := newProgressOn(&b, tc.terminal, tc.n, "classifying", "img", time.Now)
		p.add()
		p.message("m")
		p.finish()
		if b.String() != "vitctl: m\n" {
			t.Errorf("terminal %v, %d items: %q, want the message alone", tc.terminal, tc.n, b.String())
		}
	}
}

// TestProgressRate: the bar gives no rate until a second has passed with an
// item done, then the items done over the time since it started, in the
// unit it counts, and the time left at that rate, after the count. Its
// first tick said 39672 img/s and 0s left (one item timed from a start
// microseconds before), and finetune's bar of optimizer steps and
// benchmark's of rows counted them as img.
func TestProgressRate(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		unit    string
		n, done int
		at      time.Duration // when the items are done, after the bar started
		want    string
	}{
		{"img", 100, 1, time.Millisecond, ""},
		{"img", 100, 8, 999 * time.Millisecond, ""},
		{"img", 100, 2, 2 * time.Second, ": 1.0 img/s, 1m38s left"},
		{"img", 40, 20, time.Second, ": 20 img/s, 1s left"},
		{"step", 12, 1, 20 * time.Second, ": 3.0 step/min, 3m40s left"},
		{"row", 2, 2, 2 * time.Second, ": 1.0 row/s"},
	} {
		var b bytes.Buffer
		now := t0
		p := newProgressOn(&b, true, tc.n, "run", tc.unit, func() time.Time { return now })
		now = t0.Add(tc.at)
		p.set(tc.done)
		if got := p.rate(); got != tc.want {
			t.Errorf("%d of %d %s at %v: rate %q, want %q", tc.done, tc.n, tc.unit, tc.at, got, tc.want)
		}
		// Drawn at once, its first time, unless done (then cleared): the
		// count, then what runs.
		if drawn := fmt.Sprintf("(%d/%d) run", tc.done, tc.n); tc.done < tc.n && (!strings.Contains(b.String(), drawn) || strings.Contains(b.String(), "/s)")) {
			t.Errorf("%d of %d %s at %v: bar %q, want %q in it and no rate of its own", tc.done, tc.n, tc.unit, tc.at, b.String(), drawn)
		}
	}
}
