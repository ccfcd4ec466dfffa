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

// TestProgressLog: off a terminal (2>run.log, a service's journal) the
// count is a plain line at most every logEvery, the first logEvery in, by
// the bar's clock, with the time since the start, the rate and the time
// left; none once every item is done (the summary follows), and none from
// a run shorter than logEvery. A run of hours said nothing until its end.
func TestProgressLog(t *testing.T) {
	t0 := time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)
	now := t0
	var b bytes.Buffer
	p := newProgressOn(&b, false, 100, "classifying", "img", func() time.Time { return now })
	for _, tc := range []struct {
		at   time.Duration
		done int
		want string
	}{
		{time.Second, 1, ""},
		{59 * time.Second, 10, ""},
		{time.Minute, 12, "vitctl: classifying 12/100 after 1m0s: 12.0 img/min, 7m20s left\n"},
		{90 * time.Second, 13, ""},
		{2 * time.Minute, 30, "vitctl: classifying 30/100 after 2m0s: 15.0 img/min, 4m40s left\n"},
		{5 * time.Minute, 100, ""},
	} {
		b.Reset()
		now = t0.Add(tc.at)
		p.set(tc.done)
		if got := b.String(); got != tc.want {
			t.Errorf("%d of 100 at %v: wrote %q, want %q", tc.done, tc.at, got, tc.want)
		}
	}
	b.Reset()
	now = t0
	p = newProgressOn(&b, true, 100, "classifying", "img", func() time.Time { return now })
	now = t0.Add(time.Hour)
	p.set(50)
	if strings.Contains(b.String(), "\n") {
		t.Errorf("a bar at a terminal wrote a line: %q", b.String())
	}
}

// TestProgressRate: the bar gives no rate until a second has passed with an
// item done, then the items done since it started over the time since, in
// the unit it counts, and the time left at that rate, after the count. Its
// first tick said 39672 img/s and 0s left (one item timed from a start
// microseconds before), and finetune's bar of optimizer steps and
// benchmark's of rows counted them as img. A bar of a run resumed, or
// made an epoch in (from), counts on from the items done before it.
func TestProgressRate(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		unit           string
		n, first, done int
		at             time.Duration // when done items are, after the bar started
		want           string
	}{
		{"img", 100, 0, 1, time.Millisecond, ""},
		{"img", 100, 0, 8, 999 * time.Millisecond, ""},
		{"img", 100, 0, 2, 2 * time.Second, ": 1.0 img/s, 1m38s left"},
		{"img", 40, 0, 20, time.Second, ": 20 img/s, 1s left"},
		{"step", 12, 0, 1, 20 * time.Second, ": 3.0 step/min, 3m40s left"},
		{"step", 8, 4, 5, 2 * time.Second, ": 30.0 step/min, 6s left"},
		{"row", 3, 0, 2, 2 * time.Second, ": 1.0 row/s, 1s left"},
		{"step", 8, 0, 6, 2900 * time.Millisecond, ": 2.1 step/s, 1s left"}, // 0.97 s: it said 0s
		{"step", 8, 0, 7, 2 * time.Second, ": 3.5 step/s, 1s left"},         // 0.29 s
	} {
		var b bytes.Buffer
		now := t0
		p := newProgressOn(&b, true, tc.n, "run", tc.unit, func() time.Time { return now }).from(tc.first)
		now = t0.Add(tc.at)
		p.set(tc.done)
		if got := p.rate(); got != tc.want {
			t.Errorf("%d (from %d) of %d %s at %v: rate %q, want %q", tc.done, tc.first, tc.n, tc.unit, tc.at, got, tc.want)
		}
		drawn := fmt.Sprintf("(%d/%d) run%s ", tc.done, tc.n, tc.want)
		if !strings.HasSuffix(b.String(), drawn) || strings.Contains(b.String(), "/s)") {
			t.Errorf("%d (from %d) of %d %s at %v: bar %q, want it ending %q, no rate of its own", tc.done, tc.first, tc.n, tc.unit, tc.at, b.String(), drawn)
		}
	}
}

// TestProgressDraws: a bar is drawn at most every drawEvery, by its own
// clock, each time with its count and what runs as they are then (the
// library's throttle drew one of them and left the other behind: "(1/4) "
// without the "epoch 2 loss 0.680" said with that step), and when done.
func TestProgressDraws(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	p := newProgressOn(&b, true, 4, "", "step", func() time.Time { return now })
	for i, tc := range []struct {
		after time.Duration
		drawn string // "": not drawn
	}{
		{0, "(1/4) epoch 1 loss 0.9 "},
		{50 * time.Millisecond, ""},
		{50 * time.Millisecond, "(3/4) epoch 3 loss 0.7 "},
		{time.Millisecond, "\r"}, // done: cleared
	} {
		b.Reset()
		now = now.Add(tc.after)
		p.describe(fmt.Sprintf("epoch %d loss 0.%d", i+1, 9-i))
		p.set(i + 1)
		if got := b.String(); tc.drawn == "" && got != "" || tc.drawn != "" && !strings.HasSuffix(got, tc.drawn) {
			t.Errorf("step %d, %v after the last: drew %q, want %q", i+1, tc.after, got, tc.drawn)
		}
	}
}

// TestProgressFrameOnce: each drawing of the bar writes its frame once,
// count and words together; every frame went out twice, first with the
// new count and the old words, then again with the new words.
func TestProgressFrameOnce(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	p := newProgressOn(&b, true, 4, "classifying", "img", func() time.Time { return now })
	for i := 1; i <= 3; i++ {
		b.Reset()
		now = now.Add(time.Second)
		p.describe(fmt.Sprintf("epoch %d", i))
		p.set(i)
		count := fmt.Sprintf("(%d/4)", i)
		if n := strings.Count(b.String(), count); n != 1 {
			t.Errorf("set(%d) drew %s %d times: %q", i, count, n, b.String())
		}
		if strings.Contains(b.String(), fmt.Sprintf("epoch %d ", i-1)) {
			t.Errorf("set(%d) drew the last frame's words: %q", i, b.String())
		}
	}
}

// TestByteBarsEnd: a byte bar stopped midway (a download or conversion
// that failed, or Ctrl-C) is cleared by end, so the run's message starts
// its own line; it was left drawn, the message written after it. A file
// done ends its bar itself. convert drew a bar of its own, with no file.
func TestByteBarsEnd(t *testing.T) {
	var b bytes.Buffer
	bars := &byteBars{w: &b, verb: "downloading"}
	bars.set("a.safetensors", 50, 100)
	bars.set("a.safetensors", 100, 100)
	bars.set("b.safetensors", 10, 100)
	if !strings.Contains(b.String(), "downloading a.safetensors") || !strings.Contains(b.String(), "downloading b.safetensors") {
		t.Errorf("bars %q; want one per file, named", b.String())
	}
	bars.end()
	out := b.String()
	if last := out[strings.LastIndex(strings.TrimSuffix(out, "\r"), "\r"):]; strings.TrimSpace(last) != "" {
		t.Errorf("the bar stopped midway is not cleared: %q", out)
	}
	bars.end() // nothing drawn: nothing to clear
	if b.String() != out {
		t.Errorf("end with no bar wrote %q", b.String()[len(out):])
	}
}

// TestLineWiper: the library clears a bar on Windows with a bare "\r",
// which left the end of a longer bar on screen under a shorter message,
// frame or next file's bar (TestByteBarsEnd failed under Wine); the bar's
// writer blanks the width drawn on the line, as the library does on other
// systems, counting a wide character as two columns, and a line ended
// (a message's "\n") as none. Other writes pass as they are.
func TestLineWiper(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		want   string // what the last write wrote
	}{
		{"frame", []string{"\r(1/3) classifying ", "\r"}, "\r" + strings.Repeat(" ", 18) + "\r"},
		{"shorter frame after", []string{"\r(1/3) epoch 10 loss 0.5 ", "\r", "\r(2/3) epoch 9 ", "\r(3/3) e ", "\r"}, "\r" + strings.Repeat(" ", 14) + "\r"},
		{"frame in pieces", []string{"\r(1/3)", " classifying ", "\r"}, "\r" + strings.Repeat(" ", 18) + "\r"},
		{"wide characters", []string{"\rdownloading 猫.gguf ", "\r"}, "\r" + strings.Repeat(" ", 20) + "\r"},
		{"line ended", []string{"\r(1/3) classifying ", "\n", "\r"}, "\r"},
		{"nothing drawn", []string{"\r"}, "\r"},
		{"other systems' clear", []string{"\r(1/3) x ", "\r         \r"}, "\r         \r"},
	} {
		var b bytes.Buffer
		w := &lineWiper{w: &b}
		for _, s := range tc.writes {
			b.Reset()
			if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
				t.Fatalf("%s: Write(%q) = %d, %v", tc.name, s, n, err)
			}
		}
		if b.String() != tc.want {
			t.Errorf("%s: the last write wrote %q, want %q", tc.name, b.String(), tc.want)
		}
	}
}
