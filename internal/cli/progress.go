package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rivo/uniseg"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress is a progress bar on stderr when it is a terminal and there is
// more than one item; otherwise messages are plain lines, and so is the
// count, at most every logEvery (a log file, a service's journal). The
// bar says its rate and the time left itself (rate), after the count, and
// is drawn at most every drawEvery by its own clock.
type progress struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	hush  *hushWriter // the bar's writer, silenced while the count is set
	what  string      // what runs: "classifying", "epoch 2 loss 0.512"
	unit  string      // what is counted: img, step
	n     int         // items in all
	first int         // items done before the bar started (a run resumed, or an epoch in)
	done  int
	// start is when the bar was made, and now the clock (time.Now; a
	// test's own): the rate is of the items done since start.
	start, drawn time.Time
	now          func() time.Time
	// logged is when the count was last written as a line (logLine), or
	// the start.
	logged time.Time
}

// minRateTime is how long a bar runs before it gives a rate: the first
// item's alone, timed from a start microseconds before (a bar drawn only
// when its first item was done), was 39672 img/s, the time left 0s.
const minRateTime = time.Second

// drawEvery is the shortest time between two drawings of a bar: a
// terminal need not redraw faster than it can be read.
const drawEvery = 100 * time.Millisecond

// logEvery is the shortest time between two lines of the count where
// stderr is no terminal (2>run.log, systemd's journal, a CI log), and the
// time before the first: a run of hours said nothing until its summary,
// and one shorter than logEvery still says nothing.
const logEvery = time.Minute

// isTerminal says whether w is a terminal (stderr under its hush and its
// lineWriter, a file opened here), asked through its descriptor without
// Fd, which would make the file's reads blocking: a read left waiting at
// a terminal opened here (--from-file /dev/tty) when Ctrl-C stops the run
// ends at Close.
func isTerminal(w io.Writer) bool {
	if h, ok := w.(stderrHush); ok {
		w = h.w
	}
	if l, ok := w.(*lineWriter); ok {
		w = l.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	tty := false
	rc.Control(func(fd uintptr) { tty = term.IsTerminal(int(fd)) })
	return tty
}

// newProgress is the bar of n items, each a unit (img, step, row), while
// what runs.
func newProgress(w io.Writer, n int, what, unit string) *progress {
	return newProgressOn(w, isTerminal(w), n, what, unit, time.Now)
}

// newProgressOn is newProgress with the terminal test done, what is
// counted (unit) and the clock given, so that tests can draw the bar into
// a buffer at the times they choose.
func newProgressOn(w io.Writer, terminal bool, n int, what, unit string, now func() time.Time) *progress {
	p := &progress{w: w, what: what, unit: unit, n: n, start: now(), now: now}
	p.logged = p.start
	if n > 1 && terminal {
		p.hush = &hushWriter{w: &lineWiper{w: w}}
		p.bar = progressbar.NewOptions(n,
			progressbar.OptionSetWriter(p.hush),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowDescriptionAtLineEnd(),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(false), // rate's, which starts sanely
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// blank says that first items were done before the bar started (from)
// and draws it at once, for a next item seconds away.
func (p *progress) blank(first int) *progress {
	p.from(first).set(first)
	return p
}

// from says that first items were done before the bar started: it counts
// on from there, and its rate is of the items it saw done.
func (p *progress) from(first int) *progress {
	p.first, p.done = first, first
	return p
}

func (p *progress) add() { p.set(p.done + 1) }

// set moves the bar to done items, and draws it when it was not drawn in
// the last drawEvery, or is done (the library's own throttle drew only
// one of a new description and a new count, leaving the other behind).
// Each drawing is one frame: the library draws on a new count and again
// on a new description, and the first, with the old description, is
// hushed (every frame went out twice, the count and then the words).
func (p *progress) set(done int) {
	p.done = done
	if p.bar == nil {
		if p.n > 1 { // no terminal: the count is a line (logLine)
			p.logLine()
		}
		return
	}
	now := p.now()
	if !p.drawn.IsZero() && now.Sub(p.drawn) < drawEvery && done < p.n {
		return
	}
	p.drawn = now
	if done >= p.n {
		p.bar.Set(done) // cleared
		return
	}
	p.hush.on = true
	p.bar.Set(done)
	p.hush.on = false
	p.bar.Describe(p.what + p.rate()) // the frame, with both
}

// logLine writes the count as a line of its own, with the time since the
// start, the rate and the time left, when logEvery has passed since the
// start or the last line, and items are left (the run's summary follows
// the last): "vitctl: classifying 1200/4317 after 3m12s: 6.2 img/s, 8m19s
// left". It is a bar for a log, which a bar's carriage returns garble.
func (p *progress) logLine() {
	now := p.now()
	if p.done >= p.n || now.Sub(p.logged) < logEvery {
		return
	}
	p.logged = now
	fmt.Fprintf(p.w, "vitctl: %s %d/%d after %s%s\n", p.what, p.done, p.n, now.Sub(p.start).Round(time.Second), p.rate())
}

// hushWriter passes writes to w but while on, when it drops them.
type hushWriter struct {
	w  io.Writer
	on bool
}

func (h *hushWriter) Write(b []byte) (int, error) {
	if h.on {
		return len(b), nil
	}
	return h.w.Write(b)
}

// lineWiper is a bar's writer: it keeps the width of what the bar drew on
// the line, and makes the library's clearing of the line on Windows, a
// bare "\r" (progressbar's clearProgressBar there), blank it as the
// library does elsewhere: "\r", spaces to that width, "\r". A message
// shorter than the bar, a frame shorter than the last, or the next file's
// bar was written over the old one there, whose end stayed on screen.
type lineWiper struct {
	w          io.Writer
	col, shown int // the cursor's column, and the width drawn on the line
}

func (l *lineWiper) Write(b []byte) (int, error) {
	if string(b) == "\r" && l.shown > 0 {
		_, err := io.WriteString(l.w, "\r"+strings.Repeat(" ", l.shown)+"\r")
		l.col, l.shown = 0, 0
		return len(b), err
	}
	for rest := b; len(rest) > 0; {
		i := bytes.IndexAny(rest, "\r\n")
		if i < 0 {
			i = len(rest)
		}
		l.col += uniseg.StringWidth(string(rest[:i])) // a wide character (猫) takes two columns
		l.shown = max(l.shown, l.col)
		if i < len(rest) {
			if rest[i] == '\n' {
				l.shown = 0
			}
			l.col, i = 0, i+1
		}
		rest = rest[i:]
	}
	return l.w.Write(b)
}

// describe says what runs now, before the rate.
func (p *progress) describe(what string) { p.what = what }

// rate is the bar's rate, the items done since it started over the time
// since, and the time left at that rate: ": 12 img/s, 1m30s left"; ""
// until minRateTime has passed with an item done.
func (p *progress) rate() string {
	took := p.now().Sub(p.start)
	if p.done <= p.first || took < minRateTime {
		return ""
	}
	r := float64(p.done-p.first) / took.Seconds()
	var s string
	switch {
	case r >= 10:
		s = fmt.Sprintf("%.0f %s/s", r, p.unit)
	case r >= 1:
		s = fmt.Sprintf("%.1f %s/s", r, p.unit)
	default:
		s = fmt.Sprintf("%.1f %s/min", 60*r, p.unit)
	}
	if left := p.n - p.done; left > 0 {
		d := max(time.Duration(float64(left)/r*float64(time.Second)).Round(time.Second), time.Second) // not "0s left" of items to come
		s += ", " + d.String() + " left"
	}
	return ": " + s
}

// message prints a line without breaking the bar.
func (p *progress) message(s string) {
	if p.bar != nil {
		p.bar.Clear()
	}
	fmt.Fprintf(p.w, "vitctl: %s\n", s)
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
