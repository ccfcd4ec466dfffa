package cli

import (
	"context"
	"errors"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lines is a stderr that hands each line written on to a channel.
type lines struct {
	mu sync.Mutex
	c  chan string
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c <- string(p)
	return len(p), nil
}

// next is the next line written, failing the test when none comes.
func (l *lines) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-l.c:
		return s
	case <-time.After(20 * time.Second):
		t.Fatal("no line written within 20 s")
		return ""
	}
}

// TestWatchSignals: the first signal ends the run's context with that
// signal as its cause (exit 130, 143, 129); a run still going hintAfter
// later says that a second exits at once, and the second does, with its
// status: a second Ctrl-C did nothing where a run blocked outside the
// context (opening a named pipe given as --from-file or --out that no
// one writes to or reads), and SIGHUP killed the run untidily.
func TestWatchSignals(t *testing.T) {
	for _, tc := range []struct {
		first, second os.Signal
		code          int
		hint, again   string
	}{
		{syscall.SIGINT, syscall.SIGINT, ExitInterrupted, "vitctl: stopping; Ctrl-C again exits at once\n", "vitctl: Ctrl-C again: exiting at once\n"},
		{syscall.SIGTERM, syscall.SIGTERM, ExitTerminated, "vitctl: stopping; SIGTERM again exits at once\n", "vitctl: SIGTERM again: exiting at once\n"},
		{syscall.SIGHUP, syscall.SIGINT, ExitInterrupted, "vitctl: stopping; SIGHUP again exits at once\n", "vitctl: Ctrl-C again: exiting at once\n"},
	} {
		c, errw, exited := make(chan os.Signal), &lines{c: make(chan string, 4)}, make(chan int, 1)
		ctx, stop := watchSignals(c, errw, func(code int) { exited <- code }, 0)
		c <- tc.first
		<-ctx.Done()
		if got, want := interruptedCode(ctx), stopSignals[tc.first].code; got != want || !errors.Is(ctx.Err(), context.Canceled) {
			t.Errorf("%v: exit %d (%v), want %d", tc.first, got, ctx.Err(), want)
		}
		if got := errw.next(t); got != tc.hint {
			t.Errorf("%v: said %q, want %q", tc.first, got, tc.hint)
		}
		c <- tc.second
		if got := errw.next(t); got != tc.again {
			t.Errorf("%v then %v: said %q, want %q", tc.first, tc.second, got, tc.again)
		}
		if code := <-exited; code != tc.code {
			t.Errorf("%v then %v: exit %d, want %d", tc.first, tc.second, code, tc.code)
		}
		stop()
	}
	if got := stopSignals[syscall.SIGHUP].code; got != 129 {
		t.Errorf("SIGHUP: exit %d, want 129", got)
	}
}

// TestWatchSignalsStopped: once the run has ended (stop), a signal is
// not taken: it neither exits nor says anything.
func TestWatchSignalsStopped(t *testing.T) {
	for _, before := range []bool{false, true} {
		c, errw, exited := make(chan os.Signal, 1), &lines{c: make(chan string, 4)}, make(chan int, 1)
		ctx, stop := watchSignals(c, errw, func(code int) { exited <- code }, time.Hour)
		if before {
			c <- syscall.SIGINT
			<-ctx.Done()
		}
		stop()
		c <- syscall.SIGINT // buffered: no one is left to take it
		if len(c) != 1 || len(exited) != 0 || len(errw.c) != 0 {
			t.Errorf("signal before stop %v: the signal after it was taken (exit %d, %d lines said)", before, len(exited), len(errw.c))
		}
	}
}

// TestStopNotesOwnLine: the notes of a run stopping by a signal (the
// hint of a second signal, the exit at once, exitCode's "interrupted
// after …") start a line of their own where a progress bar's drawing
// left one open, ending it; "vitctl: stopping; Ctrl-C again exits at
// once" was written on the bar's line, after its frame.
func TestStopNotesOwnLine(t *testing.T) {
	const hint, again = "vitctl: stopping; Ctrl-C again exits at once\n", "vitctl: Ctrl-C again: exiting at once\n"
	for _, tc := range []struct {
		before, end string // written before the signal; written to end its line
	}{
		{"\r(3/10) classifying ", "\n"},                        // a bar drawn
		{"\r(3/10) classifying \r                     \r", ""}, // a bar cleared
		{"vitctl: a.png: not a supported image\n", ""},
		{"", ""},
	} {
		l := &lines{c: make(chan string, 4)}
		errw := &lineWriter{w: l}
		c, exited := make(chan os.Signal), make(chan int, 1)
		ctx, stop := watchSignals(c, errw, func(code int) { exited <- code }, 0)
		drawn := func() { // as the bar, or a message, writes it
			if tc.before != "" {
				errw.Write([]byte(tc.before))
				l.next(t)
			}
		}
		drawn()
		c <- syscall.SIGINT
		<-ctx.Done()
		if got := l.next(t); got != tc.end+hint {
			t.Errorf("after %q: hint %q, want %q", tc.before, got, tc.end+hint)
		}
		drawn()
		c <- syscall.SIGINT
		if got := l.next(t); got != tc.end+again {
			t.Errorf("after %q: %q, want %q", tc.before, got, tc.end+again)
		}
		<-exited
		stop()
		drawn()
		exitCode(ctx, interrupted{done: 3, total: 10, images: 3}, errw)
		if got, want := l.next(t), tc.end+"vitctl: interrupted after 3 of 10 images\n"; got != want {
			t.Errorf("after %q: exitCode wrote %q, want %q", tc.before, got, want)
		}
	}
}
