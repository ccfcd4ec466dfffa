package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// vitctl is the binary built once for these end-to-end tests.
var vitctl string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vitctl-e2e")
	if err != nil {
		panic(err)
	}
	vitctl = filepath.Join(dir, "vitctl")
	if out, err := exec.Command("go", "build", "-o", vitctl, ".").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("go build: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestBinaryExitCodes(t *testing.T) {
	img := "../../testdata/images/chelsea.png"
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"classify", img}, 0},
		{[]string{"classify", img, "missing.png"}, 1},
		{[]string{"classify", "-k", "-1", img}, 2},
		{[]string{"--version"}, 0},
	} {
		out, err := exec.Command(vitctl, tc.args...).CombinedOutput()
		if got := exitCode(err); got != tc.want {
			t.Errorf("vitctl %v: exit %d, want %d\n%s", tc.args, got, tc.want, out)
		}
	}
}

// TestInterruptedFolderRun sends SIGINT (Ctrl-C), SIGTERM (kill,
// timeout(1), a scheduler ending a job) or SIGHUP (the terminal closed)
// during a long folder run: the exit status is 128 plus the signal's
// number, 130, 143 or 129, as the shell reports of a tool the signal ended
// (SIGTERM gave 130, as if Ctrl-C had been pressed; SIGHUP killed the run
// where it stood, leaving its --out temporary), and every JSONL line
// already printed is complete.
func TestInterruptedFolderRun(t *testing.T) {
	src, err := os.ReadFile("../../testdata/images/chelsea.png")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i := 0; i < 2000; i++ {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%04d.png", i)), src, 0o644)
	}
	for _, tc := range []struct {
		sig  syscall.Signal
		want int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}, {syscall.SIGHUP, 129}} {
		cmd := exec.Command(vitctl, "classify", "-o", "jsonl", "--batch", "1", "--decoders", "1", dir)
		stdout, _ := cmd.StdoutPipe()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		lines := 0
		for sc.Scan() {
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Errorf("%v: line %d is not complete JSON: %q", tc.sig, lines, sc.Text())
			}
			if lines++; lines == 3 {
				cmd.Process.Signal(tc.sig)
			}
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if got := exitCode(err); got != tc.want {
				t.Fatalf("exit %d after %v, want %d", got, tc.sig, tc.want)
			}
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("vitctl did not stop within 60 s of %v", tc.sig)
		}
		if lines >= 2000 {
			t.Errorf("all %d images ran despite %v", lines, tc.sig)
		}
		if want := fmt.Sprintf("vitctl: interrupted after %d of 2000 images\n", lines); !strings.HasSuffix(stderr.String(), want) {
			t.Errorf("%v: stderr ends %q, want %q", tc.sig, stderr.String(), want)
		}
	}
}

// TestInterruptedOutSays: an interrupted run with --out says what became
// of its results: an --out file is not written (it said only "interrupted
// after N of M images", and hours of results were gone without a word),
// a --resume file holds the records done, or, stopped before the first,
// none (it said "their records are in FILE" of records never written).
func TestInterruptedOutSays(t *testing.T) {
	src, err := os.ReadFile("../../testdata/images/chelsea.png")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i := range 500 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%03d.png", i)), src, 0o644)
	}
	out := t.TempDir()
	for _, tc := range []struct {
		file, format string
		resume       bool
		want         string
	}{
		{"labels.txt", "text", false, "; " + filepath.Join(out, "labels.txt") + " is not written (with -o jsonl --out " + filepath.Join(out, "labels.jsonl") + " --resume, the records done are kept and the same command finishes the run)\n"},
		{"labels.jsonl", "jsonl", true, "; their records are in " + filepath.Join(out, "labels.jsonl") + ": the same command finishes the run\n"},
	} {
		file := filepath.Join(out, tc.file)
		args := []string{"classify", "-o", tc.format, "--out", file, "--batch", "1", "--decoders", "1", "--threads", "1", dir}
		if tc.resume {
			args = append(args, "--resume")
		}
		cmd := exec.Command(vitctl, args...)
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		var all strings.Builder
		for sc.Scan() { // the first line comes once --out is open: the banner, or the --resume count
			all.WriteString(sc.Text() + "\n")
			if all.Len() == len(sc.Text())+1 {
				cmd.Process.Signal(syscall.SIGINT)
			}
		}
		want := tc.want
		if tc.resume && strings.Contains(all.String(), "interrupted after 0 of ") {
			want = "; no record was written: " + file + " holds none yet, and the same command runs it again\n"
		}
		if err := cmd.Wait(); exitCode(err) != 130 || !strings.HasSuffix(all.String(), want) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant exit 130 and %q", tc.file, exitCode(err), all.String(), want)
		}
		if _, err := os.Stat(file); err == nil != tc.resume {
			t.Errorf("%s: stat %v after the interrupt", tc.file, err)
		}
	}
	// embed --out FILE.npy lists its rows on stdout once the file is
	// written: interrupted, it lists none. It prints nothing as it starts,
	// so the signal goes once its temporary file is there.
	npy := filepath.Join(out, "vecs.npy")
	cmd := exec.Command(vitctl, "embed", "--out", npy, "--batch", "1", "--decoders", "1", "--threads", "1", dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	err = waitForTemp(done, out, ".vecs.npy.")
	if err == nil {
		cmd.Process.Signal(syscall.SIGINT)
		err = <-done
	}
	want := "; " + npy + " is not written, and no row is listed\n"
	if exitCode(err) != 130 || !strings.HasSuffix(stderr.String(), want) || stdout.Len() > 0 {
		t.Errorf("embed: exit %d, %d bytes on stdout, stderr:\n%s\nwant exit 130, no row and %q", exitCode(err), stdout.Len(), stderr.String(), want)
	}
}

// waitForTemp waits until dir holds a file whose name starts with prefix
// (nil), or the command ends first (its Wait's error, or errEnded).
func waitForTemp(done chan error, dir, prefix string) error {
	for {
		select {
		case err := <-done:
			if err == nil {
				err = errEnded
			}
			return err
		case <-time.After(10 * time.Millisecond):
		}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), prefix) {
				return nil
			}
		}
	}
}

var errEnded = errors.New("the command ended before its temporary file was seen")

// TestClosedStdout runs embed --out into a pipe whose reader has gone, as
// "vitctl embed --out e.npy -o csv DIR | head -1" leaves it: the rows are
// listed once e.npy is written whole, so the run ends with e.npy in place,
// exit 141 and nothing on stderr, and no temporary (SIGPIPE killed it,
// leaving .e.npy.NNN.tmp).
func TestClosedStdout(t *testing.T) {
	const img = "../../testdata/images/fashion/0000_ankle_boot.png"
	const img2, img3 = "../../testdata/images/fashion/0001_pullover.png", "../../testdata/images/fashion/0002_trouser.png"
	dir := t.TempDir()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	defer w.Close()
	cmd := exec.Command(vitctl, "embed", "-m", "fashion-vit", "-o", "csv", "--out", filepath.Join(dir, "e.npy"), img, img2, img3)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	if err := cmd.Run(); exitCode(err) != 141 || stderr.Len() > 0 {
		t.Errorf("exit %d (%v), want 141, stderr:\n%s", exitCode(err), err, stderr.String())
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 1 || left[0].Name() != "e.npy" {
		t.Errorf("left %v beside --out, want e.npy alone", left)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "e.npy")); err != nil || !bytes.HasPrefix(data, []byte("\x93NUMPY")) {
		t.Errorf("e.npy: %v, %d bytes, want a NumPy file", err, len(data))
	}
}
