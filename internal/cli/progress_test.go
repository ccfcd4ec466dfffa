package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestProgress draws the bar as on a terminal into a buffer: messages come
// out as whole lines, and the bar is cleared when done. Off a terminal, or
// for one item, only the messages are written.
func TestProgress(t *testing.T) {
	var b bytes.Buffer
	p := newProgressOn(&b, true, 3, "classifying")
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
		p := newProgressOn(&b, tc.terminal, tc.n, "classifying")
		p.add()
		p.message("m")
		p.finish()
		if b.String() != "vitctl: m\n" {
			t.Errorf("terminal %v, %d items: %q, want the message alone", tc.terminal, tc.n, b.String())
		}
	}
}

// TestProgressClock: the bar's clock starts when it is made, so that the
// rate of its first frame, drawn when the first item is done, counts that
// item's time: it started at that frame, which said "(1/4317, 324149
// img/s)" however long the item took.
func TestProgressClock(t *testing.T) {
	p := newProgressOn(&bytes.Buffer{}, true, 3, "classifying")
	if !p.bar.IsStarted() {
		t.Error("the bar's clock has not started when it is made; want it started")
	}
}
