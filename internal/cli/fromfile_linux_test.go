package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal: its master, where a test types, and
// the name of its terminal, skipping the test where there is none.
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { m.Close() })
	rc, _ := m.SyscallConn()
	var n int
	rc.Control(func(fd uintptr) {
		if err = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); err == nil {
			n, err = unix.IoctlGetInt(int(fd), unix.TIOCGPTN)
		}
	})
	if err != nil {
		t.Skip(err)
	}
	return m, fmt.Sprintf("/dev/pts/%d", n)
}

// TestFromFileTerminal: --from-file naming a terminal (/dev/stdin at a
// prompt, /dev/tty) is read as - is there: the note says the run waits for
// typed paths, and Ctrl-C stops the wait, exit 130. It waited without a
// word, and only Ctrl-D or a kill ended it.
func TestFromFileTerminal(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	note := "vitctl: reading paths from the terminal, one a line; Ctrl-D ends them"
	for _, typed := range []bool{true, false} {
		m, tty := openPTY(t)
		ctx, cancel := context.WithCancel(context.Background())
		var errb bytes.Buffer
		errw := &onWrite{}
		if typed {
			m.Write([]byte(img + "\n\x04")) // a path, then Ctrl-D
		} else {
			errw.f = cancel // Ctrl-C once the note says the run waits
		}
		var out bytes.Buffer
		args := []string{"classify", "-m", "fashion-vit", "--from-file", tty}
		done := make(chan error, 1)
		go func() {
			done <- newRootCmd(streams{in: strings.NewReader(""), out: &out, err: errw}, args).ExecuteContext(ctx)
		}()
		select {
		case err := <-done:
			code := exitCode(ctx, err, &errb)
			said := errw.String() + errb.String()
			if typed && (code != ExitOK || !strings.HasPrefix(said, note) || !strings.Contains(out.String(), img)) {
				t.Errorf("%s typed: exit %d, stdout %q, stderr %q; want the note, then its result", img, code, out.String(), said)
			}
			if !typed && (code != ExitInterrupted || !strings.HasPrefix(said, note) || !strings.HasSuffix(said, "vitctl: interrupted\n")) {
				t.Errorf("nothing typed, Ctrl-C: exit %d, stderr %q; want the note, then exit 130", code, said)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("typed %v: still reading %s 20 s after", typed, tty)
		}
		cancel()
	}
}
