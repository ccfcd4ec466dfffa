//go:build unix

package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vitctl/vitctl/internal/shard"
)

// TestResumeBusy: a --resume file another run is appending to (it holds
// the file's lock) is refused, left as it was, where the two runs each
// wrote every input's record and neither --resume nor merge would then
// read the file ("a second record for …"); once that run ends, the same
// command finishes the file.
func TestResumeBusy(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	out := filepath.Join(t.TempDir(), "labels.jsonl")
	other, err := shard.Resume(out) // the other run, holding the lock
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "--resume", "--out", out, img)
	want := "vitctl: --resume: " + out + " is being written by another run, which holds its lock (one run per file): wait for that run to end (the same command then finishes what it left), or give this one another --out\n"
	if after, _ := os.ReadFile(out); code != ExitFailed || errs != want || stdout != "" || len(after) != 0 {
		t.Errorf("while another run holds it: exit %d, file now %q, stderr\n%s\nwant exit 1, the file empty and\n%s", code, after, errs, want)
	}
	other.Close()
	code, _, errs = run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "--resume", "--out", out, img)
	after, _ := os.ReadFile(out)
	if _, paths := jsonlPaths(t, string(after)); code != ExitOK || len(paths) != 1 || paths[0] != img {
		t.Errorf("after the other run ended: exit %d, records of %q\n%s", code, paths, errs)
	}
}

// fullWriter fails every write, as a full disk does.
type fullWriter struct{}

func (fullWriter) Write(p []byte) (int, error) { return 0, syscall.ENOSPC }

// TestWriteErrorStops: results that cannot be written (a full disk) stop
// the run, saying after how many inputs, where it went on to the last
// input, each record failing again: hours of work for nothing on a large
// folder, and a --resume file appended to past a part-written record,
// once there was room again, would have been corrupt (TestLogStopsAtError).
// The last input is a FIFO no one writes to, whose decoding waits for
// ever: a run that goes on after the failed write never ends.
func TestWriteErrorStops(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "never.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	defer func() { // let a decoder still waiting on it end
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	}()
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, args := range [][]string{
		{"classify", "-o", "jsonl"},
		{"classify", "-o", "csv"},
		{"embed", "-o", "jsonl"},
	} {
		args = append(args, "-m", "fashion-vit", "--batch", "1", img, img, fifo)
		var errb bytes.Buffer
		done := make(chan int)
		go func() { done <- Main(args, strings.NewReader(""), fullWriter{}, &errb) }()
		select {
		case code := <-done:
			want := "vitctl: writing output: no space left on device; stopped after 0 of 3 inputs\n"
			if errs := errb.String(); code != ExitFailed || errs != want {
				t.Errorf("%v: exit %d, stderr\n%s\nwant exit 1 and\n%s", args, code, errs, want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%v: still running 20 s after its first record failed to be written", args)
		}
	}
}

// TestWriteErrorNamesOut: an --out file that cannot be written names the
// file, not its temporary ('write out/.a.csv.1288530950.tmp: no space left
// on device'), and says what became of it: a --resume file keeps the
// records before, which the same command finishes.
func TestWriteErrorNamesOut(t *testing.T) {
	enospc := &os.PathError{Op: "write", Path: filepath.Join("out", ".a.csv.1288530950.tmp"), Err: syscall.ENOSPC}
	for _, tc := range []struct {
		run  *scaleRun
		err  error
		want string
	}{
		{&scaleRun{tmp: &atomicFile{}, out: filepath.Join("out", "a.csv")}, enospc,
			"writing out/a.csv: no space left on device; stopped after 5 of 10 inputs, and out/a.csv is not written"},
		{&scaleRun{log: &shard.Log{}, out: filepath.Join("out", "a.jsonl")},
			&os.PathError{Op: "write", Path: filepath.Join("out", "a.jsonl"), Err: syscall.ENOSPC},
			"writing out/a.jsonl: no space left on device; stopped after 5 of 10 inputs: the records before are kept in it, and once there is room the same command finishes the run"},
	} {
		if got := tc.run.writeError(tc.err, 5, 10).Error(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}
