// Package cli implements vitctl's commands. Every command reads and writes
// only through the streams it is given, so tests run it on buffers.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// Exit codes shared by every command.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitInterrupted = 130
	// ExitTerminated is a run stopped by SIGTERM (kill, timeout(1), a
	// scheduler ending a job): 128+SIGTERM, what the shell reports of a
	// tool that SIGTERM ended, where Ctrl-C's SIGINT gives 130.
	ExitTerminated = 143
	// ExitHangup is a run stopped by SIGHUP (its terminal closed, ssh
	// cut): 128+SIGHUP. Under nohup, which ignores SIGHUP, the run goes on.
	ExitHangup = 129
	// ExitBrokenPipe is a run whose stdout was closed by its reader
	// (vitctl embed … | head -1): 128+SIGPIPE, what the shell reports of
	// a tool that SIGPIPE ended, but after removing any --out temporary.
	ExitBrokenPipe = 141
)

// Version is the converter and tool version recorded in model files.
const Version = "0.1.0"

// streams bundles the I/O a command may touch.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// usageError marks an error caused by bad flags or arguments (exit 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// interrupted reports a run stopped by a signal, and how far it got: done
// of total inputs, which gave images results (more than done when a
// batched .npy input holds several images).
// note, when set, says what became of the results file; where, when set,
// says where a run that is no list of inputs (finetune) stopped, instead
// of the counts.
type interrupted struct {
	done, total, images int
	note, where         string
}

func (i interrupted) Error() string {
	if i.where != "" {
		return "interrupted " + i.where
	}
	if i.images != i.done {
		return fmt.Sprintf("interrupted after %d of %s (%s)%s", i.done, nouns(i.total, "input"), nouns(i.images, "image"), i.note)
	}
	return fmt.Sprintf("interrupted after %d of %s%s", i.done, nouns(i.total, "image"), i.note)
}

func (i interrupted) Unwrap() error { return context.Canceled }

// interruptedAfter gives a cancelled run's error the count of images done;
// other errors pass unchanged.
func interruptedAfter(err error, done, total, images int) error {
	if errors.Is(err, context.Canceled) {
		return interrupted{done: done, total: total, images: images}
	}
	return err
}

// noteInterrupted adds note to an interrupted run's error (wrapped or
// not: exitCode prints the interrupted alone); other errors pass unchanged.
func noteInterrupted(err error, note string) error {
	if i, ok := errors.AsType[interrupted](err); ok {
		i.note = note
		return i
	}
	return err
}

// errPartial reports that some inputs failed but the command finished (exit 1).
var errPartial = errors.New("some inputs failed")

// newRootCmd builds the command tree to run args (nil: to look at it).
func newRootCmd(s streams, args []string) *cobra.Command {
	root := &cobra.Command{
		Use:   "vitctl",
		Short: "Run Vision Transformers (ViT, DeiT) on the CPU",
		Long: `vitctl runs Vision Transformers (ViT, DeiT, timm ViTs) on the CPU with a
pure-Go engine. It classifies images out of the box with a built-in
ImageNet-1k model (no download):

  vitctl classify photo.jpg

and gives feature vectors, converts Hugging Face and timm checkpoints to one
model file, fine-tunes on your own classes, measures accuracy and speed, and
draws attention maps.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,

		SuggestionsMinimumDistance: 2,
		// Runnable, so that an unknown command reaches runRoot rather
		// than cobra's untyped error.
		Args: cobra.ArbitraryArgs,
		RunE: runRoot,
		// Every command's, none having its own.
		PersistentPreRunE: refuseEmpty,
	}
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	root.SetArgs(args)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return flagError(cmd, err, args) })
	for _, add := range subcommands {
		root.AddCommand(add(s))
	}
	root.InitDefaultHelpCmd()
	if c, _, err := root.Find([]string{"help"}); err == nil && c != root {
		c.RunE, c.Run = runHelp(c.Run), nil
	}
	root.InitDefaultCompletionCmd()
	if c, _, err := root.Find([]string{"completion"}); err == nil && c != root {
		c.Args, c.RunE = cobra.ArbitraryArgs, runCompletion
		for _, sh := range c.Commands() { // cobra's NoArgs: unknown command "extra" for "vitctl completion bash"
			sh.Args = noArgs("the shell is the only argument; its help says how to load the script")
			sh.RunE = scriptOutput(sh.RunE)
		}
	}
	typeArgErrors(root)
	registerCompletions(root)
	return root
}

// subcommands is filled by each command's file in its init function.
var subcommands []func(streams) *cobra.Command

// Main runs vitctl with args and returns the process exit code.
func Main(args []string, in io.Reader, out, errw io.Writer) int {
	errw = &lineWriter{w: errw}
	ctx, stop := notifyContext(errw)
	defer stop()
	ctx, out, errw, release := watchStdout(ctx, out, errw)
	defer release()
	if f, ok := in.(*os.File); ok && isTerminal(f) {
		in = &terminalStdin{ctx: ctx, r: in, w: errw}
	}
	stdout := &firstWriteError{w: out}
	root := newRootCmd(streams{in: in, out: stdout, err: errw}, args)
	err := root.ExecuteContext(ctx)
	return exitCode(ctx, cobraOutputError(err, stdout.err()), errw)
}

// firstWriteError passes writes to w and keeps the first error of one.
type firstWriteError struct {
	w     io.Writer
	first atomic.Pointer[error]
}

func (f *firstWriteError) Write(b []byte) (int, error) {
	n, err := f.w.Write(b)
	if err != nil {
		f.first.CompareAndSwap(nil, &err)
	}
	return n, err
}

// err is the first write's error, nil when every write went through.
func (f *firstWriteError) err() error {
	if p := f.first.Load(); p != nil {
		return *p
	}
	return nil
}

// lineWriter is stderr, which a run's progress bar and the signal
// watcher (watchSignals) write to from two goroutines: it passes each
// write on whole, and knows whether the last left a line open, as a bar's
// drawing does ("\r(3/10) classifying"), so that a note written from
// outside the run ends that line first (ownLine): "vitctl: stopping;
// Ctrl-C again exits at once" was written on the bar's line, after it.
type lineWriter struct {
	mu   sync.Mutex
	w    io.Writer
	open bool // the last byte written is neither a line break nor a carriage return
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.w.Write(b)
	if n > 0 {
		l.open = b[n-1] != '\n' && b[n-1] != '\r'
	}
	return n, err
}

// ownLine writes s and a line break to w, on a line of its own: a line
// a progress bar's drawing left open on w (a lineWriter, or one under a
// stderrHush) is ended first, the bar's last frame kept above s.
func ownLine(w io.Writer, s string) {
	switch l := w.(type) {
	case stderrHush:
		if !l.g.gone.Load() {
			ownLine(l.w, s)
		}
		return
	case *lineWriter:
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.open {
			s = "\n" + s
		}
		l.open = false
		w = l.w
	}
	io.WriteString(w, s+"\n")
}

// cobraOutputError is err of a run whose first failed write to stdout
// gave wrote, with what cobra prints itself worded as every command's
// output is ("writing output: …", exit 1, as writeOutput): help (vitctl
// help, -h, CMD --help) went unchecked and exited 0, and --version's
// error was the write's alone ("write /dev/stdout: …"). A command's own
// errors, which say what they were writing, pass unchanged.
func cobraOutputError(err, wrote error) error {
	if wrote == nil || err != nil && err != wrote {
		return err
	}
	return fmt.Errorf("writing output: %w", wrote)
}

// terminalStdin is stdin when it is a terminal (or a --from-file list that
// is one: /dev/stdin, /dev/tty): its first read says on
// stderr that the run waits for paths typed there, where vitctl classify -
// (or --from-file -) typed at a prompt waited without a word. stdin is
// read for lists of paths only. A read ends when ctx does (Ctrl-C), with
// ctx's error: a terminal's read waits for typing, deaf to the context,
// and Ctrl-C at that prompt did nothing (nor did a second one).
type terminalStdin struct {
	ctx  context.Context
	r    io.Reader
	w    io.Writer
	said bool
}

func (t *terminalStdin) Read(p []byte) (int, error) {
	if !t.said {
		t.said = true
		fmt.Fprintln(t.w, "vitctl: reading paths from the terminal, one a line; Ctrl-D ends them (or pipe a list in: find DIR -iname '*.jpg' | vitctl …)")
	}
	if err := t.ctx.Err(); err != nil {
		return 0, err
	}
	type read struct {
		n   int
		err error
	}
	buf, done := make([]byte, len(p)), make(chan read, 1)
	go func() { // left waiting when ctx ends: the run stops, and with it the process
		n, err := t.r.Read(buf)
		done <- read{n, err}
	}()
	select {
	case r := <-done:
		return copy(p, buf[:r.n]), r.err
	case <-t.ctx.Done():
		return 0, t.ctx.Err()
	}
}

// stopSignal is the cause of Main's context when a signal stops the run.
type stopSignal struct{ sig os.Signal }

func (s stopSignal) Error() string { return s.sig.String() + " signal received" }

// stopSignals stop a run as Ctrl-C does: SIGINT, SIGTERM (kill, docker
// stop, a scheduler ending a job) and SIGHUP (the terminal closed, ssh
// cut); each with how messages name it and its exit status, 128 plus its
// number, what the shell reports of a tool the signal ended. They are the
// signals notifyContext asks for, so every signal watched is here.
var stopSignals = map[os.Signal]struct {
	name string
	code int
}{
	syscall.SIGINT:  {"Ctrl-C", ExitInterrupted},
	syscall.SIGTERM: {"SIGTERM", ExitTerminated},
	syscall.SIGHUP:  {"SIGHUP", ExitHangup},
}

// stopHintAfter is how long a run stopping may take before stderr says
// that a second signal exits at once.
const stopHintAfter = 2 * time.Second

// notifyContext is signal.NotifyContext of stopSignals with the signal
// kept as the context's cause (stopSignal), so that the exit status can
// say which one stopped the run, and a second signal exiting at once
// (watchSignals). A signal the process was started deaf to (nohup's
// SIGHUP, the SIGINT of a script's background job) is left so: asking
// for it would undo that.
func notifyContext(errw io.Writer) (context.Context, func()) {
	c := make(chan os.Signal, 1)
	for sig := range stopSignals {
		if !signal.Ignored(sig) {
			signal.Notify(c, sig)
		}
	}
	ctx, stop := watchSignals(c, errw, os.Exit, stopHintAfter)
	return ctx, func() {
		signal.Stop(c)
		stop()
	}
}

// watchSignals ends the context at the first signal on c. A run that
// has not stopped hintAfter later (one blocked opening a named pipe that
// nothing writes to) says that a second signal ends the process at once,
// and it does, through exit, with that signal's status: Ctrl-C pressed
// again did nothing. stop ends the watch, and returns once it has.
func watchSignals(c <-chan os.Signal, errw io.Writer, exit func(int), hintAfter time.Duration) (_ context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ended, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		var first os.Signal
		select {
		case first = <-c:
			cancel(stopSignal{first})
		case <-ended:
			return
		}
		hint := time.NewTimer(hintAfter)
		defer hint.Stop()
		for {
			select {
			case s := <-c:
				ownLine(errw, fmt.Sprintf("vitctl: %s again: exiting at once", stopSignals[s].name))
				exit(stopSignals[s].code)
				return
			case <-hint.C:
				ownLine(errw, fmt.Sprintf("vitctl: stopping; %s again exits at once", stopSignals[first].name))
			case <-ended:
				return
			}
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() { close(ended) })
		<-watched
		cancel(nil)
	}
}

// interruptedCode is the exit status of a run that ctx's end stopped:
// its signal's (stopSignals), 130 for a context cancelled otherwise.
func interruptedCode(ctx context.Context) int {
	if s, ok := errors.AsType[stopSignal](context.Cause(ctx)); ok {
		return stopSignals[s.sig].code
	}
	return ExitInterrupted
}

// exitCode maps an error to an exit code and prints it; the one place that does.
func exitCode(ctx context.Context, err error, errw io.Writer) int {
	switch {
	case context.Cause(ctx) == errBrokenPipe:
		return ExitBrokenPipe // quietly, as cat or grep: whoever reads has what it wanted
	case err == nil:
		return ExitOK
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		var ie interrupted
		if errors.As(err, &ie) {
			ownLine(errw, fmt.Sprintf("vitctl: %v", ie))
		} else {
			ownLine(errw, "vitctl: interrupted")
		}
		return interruptedCode(ctx)
	case errors.Is(err, errPartial):
		return ExitFailed
	}
	fmt.Fprintf(errw, "vitctl: %v\n", err)
	var u usageError
	if errors.As(err, &u) {
		return ExitUsage
	}
	return ExitFailed
}
