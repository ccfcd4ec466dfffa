package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// closedPipe is a stdout whose reader has gone: every write fails as
// os.Stdout's does then.
type closedPipe struct{}

func (closedPipe) Write([]byte) (int, error) {
	return 0, &fs.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
}

// TestBrokenStdout runs commands whose stdout's reader has gone (vitctl
// embed -o csv DIR | head -1): each ends with ExitBrokenPipe, saying
// nothing after the break, and leaves no temporary; it was exit 1 and
// "vitctl: writing output: write /dev/stdout: broken pipe; stopped after 0
// of 3 inputs". embed --out e.npy lists its rows once e.npy is written
// (TestEmbedFailedListsNoRows), so the break comes after, and e.npy, whole,
// is kept.
func TestBrokenStdout(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	img2 := filepath.Join(imagesDir, "fashion", "0001_pullover.png")
	img3 := filepath.Join(imagesDir, "fashion", "0002_trouser.png")
	for _, tc := range []struct {
		name string
		args []string // --out DIR/OUT is added where OUT is set
		out  string
		kept bool // the --out file is there after
	}{
		{"embed --out", []string{"embed", "-m", "fashion-vit", "-o", "csv", img, img2, img3}, "e.npy", true},
		{"embed", []string{"embed", "-m", "fashion-vit", img, img2}, "", false},
		{"classify", []string{"classify", "-m", "fashion-vit", "-o", "jsonl", img, img2}, "", false},
		{"classify text", []string{"classify", "-m", "fashion-vit", img, img2}, "", false},
		{"eval", []string{"eval", "-m", "fashion-vit", filepath.Join(imagesDir, "fashion", "labels.csv")}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := tc.args
			if tc.out != "" {
				args = append(args, "--out", filepath.Join(dir, tc.out))
			}
			var errb bytes.Buffer
			code := Main(args, strings.NewReader(""), closedPipe{}, &errb)
			if code != ExitBrokenPipe || strings.Contains(errb.String(), "vitctl:") {
				t.Errorf("exit %d, want %d, stderr:\n%s", code, ExitBrokenPipe, errb.String())
			}
			left, _ := os.ReadDir(dir)
			if tc.kept && (len(left) != 1 || left[0].Name() != tc.out) {
				t.Errorf("the --out folder holds %v, want %s alone", left, tc.out)
			}
			if !tc.kept && len(left) > 0 {
				t.Errorf("left %s in the --out folder", left[0].Name())
			}
		})
	}
}

// TestBrokenPipeOfThisSystem writes to a real pipe whose reader is closed:
// the error is taken for a broken pipe on every system. On Windows (run
// under Wine) it was ERROR_NO_DATA or ERROR_PIPE_NOT_CONNECTED, not EPIPE,
// and vitctl … | more, quit early, exited 1 with "writing output: write
// /dev/stdout: Pipe not connected." where Linux exits 141 in silence.
func TestBrokenPipeOfThisSystem(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r.Close()
	_, err = w.Write([]byte("x\n"))
	if err == nil || !brokenPipe(err) {
		t.Errorf("write to a pipe with no reader: %v, not taken for a broken pipe", err)
	}
	if brokenPipe(fs.ErrNotExist) || brokenPipe(nil) {
		t.Error("an error of no pipe taken for a broken pipe")
	}
}
