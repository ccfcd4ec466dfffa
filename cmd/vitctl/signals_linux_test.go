package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readingPipe waits until one of pid's threads waits in a read of a
// pipe (its /proc wchan says so), and says whether one did within 20 s.
func readingPipe(pid int) bool {
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "wchan"))
		for _, t := range tasks {
			if b, _ := os.ReadFile(t); strings.Contains(string(b), "pipe") {
				return true
			}
		}
	}
	return false
}

// TestSecondSignal: a run blocked where the first signal cannot reach it
// (vitctl classify - reading a list from a pipe that no one writes to,
// as --from-file or --out naming a named pipe wait for its other end)
// says, once stopping takes a while, that a second exits at once, and the
// second, sent once it has said so, does, with that signal's status: a second Ctrl-C did nothing,
// and only SIGKILL ended it.
func TestSecondSignal(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		name string
		want int
	}{{syscall.SIGINT, "Ctrl-C", 130}, {syscall.SIGTERM, "SIGTERM", 143}} {
		cmd := exec.Command(vitctl, "classify", "-")
		stdin, _ := cmd.StdinPipe() // held open, never written to
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if !readingPipe(cmd.Process.Pid) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Skip("no thread of vitctl is seen waiting in a pipe's read (/proc/PID/task/*/wchan)")
		}
		cmd.Process.Signal(tc.sig)
		var said strings.Builder
		done := make(chan error, 1)
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				said.WriteString(sc.Text() + "\n")
				if sc.Text() == "vitctl: stopping; "+tc.name+" again exits at once" {
					cmd.Process.Signal(tc.sig)
				}
			}
			done <- cmd.Wait()
		}()
		select {
		case err := <-done:
			want := "vitctl: stopping; " + tc.name + " again exits at once\nvitctl: " + tc.name + " again: exiting at once\n"
			if got := exitCode(err); got != tc.want || said.String() != want {
				t.Errorf("two %v: exit %d, stderr %q; want %d and %q", tc.sig, got, said.String(), tc.want, want)
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Errorf("two %v: vitctl still running 20 s after", tc.sig)
		}
		stdin.Close()
	}
}
