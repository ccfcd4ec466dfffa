//go:build unix

package cli

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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
	img, img2 := filepath.Join(imagesDir, "chelsea.png"), filepath.Join(imagesDir, "coffee.png")
	for _, args := range [][]string{
		{"classify", "-o", "jsonl"},
		{"classify", "-o", "csv"},
		{"embed", "-o", "jsonl"},
	} {
		args = append(args, "-m", "fashion-vit", "--batch", "1", img, img2, fifo)
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

// retryFolder is a folder of n good images, n files that fail (not images)
// and a sub-folder, sub, whose listing fails while broken is true, as an
// NFS mount that drops out does; fix makes the files images and the
// folder readable, as a user fixing the cause would.
func retryFolder(t *testing.T, n int) (root string, fix func()) {
	png, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	root = t.TempDir()
	sub := filepath.Join(root, "sub")
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(sub, "c.png"), png, 0o644)
	for i := range n {
		os.WriteFile(filepath.Join(root, fmt.Sprintf("good%02d.png", i)), png, 0o644)
		os.WriteFile(filepath.Join(root, fmt.Sprintf("bad%02d.png", i)), []byte("not yet a png"), 0o644)
	}
	broken := true
	prev := readDir
	t.Cleanup(func() { readDir = prev })
	readDir = func(dir string) ([]fs.DirEntry, error) {
		if broken && dir == sub {
			return nil, &fs.PathError{Op: "open", Path: dir, Err: syscall.EIO}
		}
		return prev(dir)
	}
	return root, func() {
		broken = false
		for i := range n {
			os.WriteFile(filepath.Join(root, fmt.Sprintf("bad%02d.png", i)), png, 0o644)
		}
	}
}

// checkOneEach checks that the JSONL file holds one record for each of
// want, none of them a failure.
func checkOneEach(t *testing.T, file string, want []string) {
	t.Helper()
	b, _ := os.ReadFile(file)
	_, paths := jsonlPaths(t, string(b))
	slices.Sort(paths)
	slices.Sort(want)
	if !slices.Equal(paths, want) || strings.Contains(string(b), `"error"`) {
		t.Errorf("%s holds records for\n%q\nwant one for each of\n%q\n%s", file, paths, want, b)
	}
}

// TestRetryFailed: --resume keeps the record of an input that failed, and
// runs it again only with --retry-failed, which removes the failures'
// records first: after the cause is fixed, the file ends with exactly one
// record per input. A folder that could not be read, and now can, names
// its record for no input of the run and says that --retry-failed removes
// it, and a file whose only records are such failures is that run's.
// --retry-failed without --resume is a usage error.
func TestRetryFailed(t *testing.T) {
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--retry-failed", "--out", filepath.Join(t.TempDir(), "a.jsonl"), imagesDir); code != ExitUsage || !strings.Contains(errs, "give it with --resume") {
		t.Errorf("--retry-failed without --resume: exit %d\n%s", code, errs)
	}
	for _, tc := range []struct {
		name  string
		n     int  // good and bad images each
		plain bool // a --resume run without --retry-failed after the fix
	}{
		{"only the folder", 0, false},
		{"images and the folder", 3, false},
		{"a plain --resume first", 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, fix := retryFolder(t, tc.n)
			out := filepath.Join(t.TempDir(), "labels.jsonl")
			args := []string{"classify", "-m", "fashion-vit", "-r", "-o", "jsonl", "--resume", "--out", out, root}
			if code, _, errs := run(t, "", args...); code != ExitFailed {
				t.Fatalf("first run: exit %d\n%s", code, errs)
			}
			fix()
			var want []string
			for i := range tc.n {
				want = append(want, filepath.Join(root, fmt.Sprintf("good%02d.png", i)), filepath.Join(root, fmt.Sprintf("bad%02d.png", i)))
			}
			want = append(want, filepath.Join(root, "sub", "c.png"))
			if tc.plain {
				code, _, errs := run(t, "", args...)
				note := "for no input of this run (" + filepath.Join(root, "sub") + "): removed or renamed since? It stays in the file, and vitctl merge --inputs will refuse it; 1 is a failed input's record, which --retry-failed removes\n"
				if code != ExitOK || !strings.Contains(errs, note) {
					t.Errorf("plain --resume: exit %d\n%s\nwant %q", code, errs, note)
				}
			}
			code, _, errs := run(t, "", append(args, "--retry-failed")...)
			removed := fmt.Sprintf("%s: removed the %s of failed inputs; they are run again\n", out, nouns(tc.n+1, "record"))
			if code != ExitOK || !strings.Contains(errs, removed) || strings.Contains(errs, "for no input") {
				t.Errorf("--retry-failed: exit %d\n%s\nwant exit 0 and %q", code, errs, removed)
			}
			checkOneEach(t, out, want)
			before, _ := os.ReadFile(out)
			code, _, errs = run(t, "", append(args, "--retry-failed")...)
			if after, _ := os.ReadFile(out); code != ExitOK || string(after) != string(before) || strings.Contains(errs, "removed") {
				t.Errorf("--retry-failed with nothing failed: exit %d, file changed %v\n%s", code, string(after) != string(before), errs)
			}
		})
	}
}

// TestRetryFailedInterrupted: a --retry-failed run interrupted after it
// removed the failures' records, and the temporary a run killed while
// writing them left, leave a file that the same command (with or without
// --retry-failed) finishes with one record per input, the temporary gone.
func TestRetryFailedInterrupted(t *testing.T) {
	root, fix := retryFolder(t, 20)
	dir := t.TempDir()
	out := filepath.Join(dir, "labels.jsonl")
	args := []string{"classify", "-m", "fashion-vit", "-r", "-o", "jsonl", "--batch", "1", "--decoders", "1", "--threads", "1", "--resume", "--out", out, root}
	if code, _, errs := run(t, "", args...); code != ExitFailed {
		t.Fatalf("first run: exit %d\n%s", code, errs)
	}
	fix()
	stale := filepath.Join(dir, ".labels.jsonl.123.tmp") // a killed rewrite's, a minute old
	os.WriteFile(stale, []byte("{\"path\":\"x\""), 0o644)
	old := time.Now().Add(-2 * time.Minute)
	os.Chtimes(stale, old, old)
	errw := &interruptAfter{mark: "removed the 21 records of failed inputs"}
	code := Main(append(args, "--retry-failed"), strings.NewReader(""), io.Discard, errw)
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want 130\n%s", code, errw.buf.String())
	}
	if b, _ := os.ReadFile(out); strings.Contains(string(b), `"error"`) {
		t.Fatalf("the interrupted run left the failures' records:\n%s", b)
	}
	if code, _, errs := run(t, "", args...); code != ExitOK {
		t.Fatalf("resumed: exit %d\n%s", code, errs)
	}
	var want []string
	for i := range 20 {
		want = append(want, filepath.Join(root, fmt.Sprintf("good%02d.png", i)), filepath.Join(root, fmt.Sprintf("bad%02d.png", i)))
	}
	checkOneEach(t, out, append(want, filepath.Join(root, "sub", "c.png")))
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("the killed rewrite's temporary %s is still there", stale)
	}
}
