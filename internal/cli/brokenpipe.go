package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// errBrokenPipe is the cause of a run stopped because stdout's reader
// has gone (vitctl embed … | head -1); exitCode makes it ExitBrokenPipe.
var errBrokenPipe = errors.New("stdout closed by its reader")

// watchStdout readies a run for a stdout whose reader goes away. SIGPIPE,
// asked for, no longer kills the process at a write to a closed stdout,
// which fails with EPIPE instead: the run is then cancelled (the results
// after it would be computed for nothing) and ends as an interrupted one
// does, removing its --out temporary, and stderr says nothing more, as of
// a tool that SIGPIPE ended. release undoes the signal request.
func watchStdout(ctx context.Context, out, errw io.Writer) (_ context.Context, _, _ io.Writer, release func()) {
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	ctx, cancel := context.WithCancelCause(ctx)
	g := &pipeGone{cancel: cancel}
	return ctx, stdoutWatch{out, g}, stderrHush{errw, g}, func() {
		cancel(nil)
		signal.Stop(pipe)
	}
}

// pipeGone is shared by a run's stdout and stderr: set once stdout's
// reader has gone.
type pipeGone struct {
	gone   atomic.Bool
	cancel context.CancelCauseFunc
}

// stdoutWatch passes writes to w and notes a broken pipe.
type stdoutWatch struct {
	w io.Writer
	g *pipeGone
}

func (s stdoutWatch) Write(b []byte) (int, error) {
	n, err := s.w.Write(b)
	if brokenPipe(err) {
		s.g.gone.Store(true)
		s.g.cancel(errBrokenPipe)
	}
	return n, err
}

// brokenPipe says whether err, of a write, is that of a pipe whose
// reader has gone: EPIPE, or one of the errors Windows gives instead
// (pipeGoneErrnos), where vitctl embed … | more, quit early, said
// "vitctl: writing output: write /dev/stdout: The pipe is being closed."
// and exited 1.
func brokenPipe(err error) bool {
	if errors.Is(err, syscall.EPIPE) {
		return true
	}
	for _, e := range pipeGoneErrnos {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// stderrHush passes writes to w until stdout's pipe is broken, and drops
// them after.
type stderrHush struct {
	w io.Writer
	g *pipeGone
}

func (s stderrHush) Write(b []byte) (int, error) {
	if s.g.gone.Load() {
		return len(b), nil
	}
	return s.w.Write(b)
}
