package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress is a progress bar on stderr when it is a terminal and there is
// more than one item; otherwise messages are plain lines and counting is
// silent.
type progress struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func isTerminal(w io.Writer) bool {
	if h, ok := w.(stderrHush); ok {
		w = h.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(w io.Writer, n int, what string) *progress {
	return newProgressOn(w, isTerminal(w), n, what)
}

// newProgressOn is newProgress with the terminal test done, so that tests
// can draw the bar into a buffer.
func newProgressOn(w io.Writer, terminal bool, n int, what string) *progress {
	p := &progress{w: w}
	if n > 1 && terminal {
		p.bar = progressbar.NewOptions(n,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("img"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		// Its clock starts now, not at its first frame, the first item's
		// end: that frame said "(1/4317, 324149 img/s)", and the rate
		// and time left after it were off by the first item's time.
		p.bar.StartWithoutRender()
	}
	return p
}

// newBlankProgress is newProgress drawn at once, at 0, for a first item
// seconds away.
func newBlankProgress(w io.Writer, n int, what string) *progress {
	p := newProgress(w, n, what)
	if p.bar != nil {
		p.bar.RenderBlank()
	}
	return p
}

func (p *progress) add() {
	if p.bar != nil {
		p.bar.Add(1)
	}
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
