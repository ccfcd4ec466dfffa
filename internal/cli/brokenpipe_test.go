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
// embed --out e.npy -o csv DIR | head -1): each ends with ExitBrokenPipe,
// saying nothing after the break, and leaves no --out file or temporary;
// it was exit 1 and "vitctl: writing output: write /dev/stdout: broken
// pipe; stopped after 0 of 3 inputs".
func TestBrokenStdout(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	for _, tc := range []struct {
		name string
		args []string // --out DIR/OUT is added where OUT is set
		out  string
	}{
		{"embed --out", []string{"embed", "-m", "fashion-vit", "-o", "csv", img, img, img}, "e.npy"},
		{"embed", []string{"embed", "-m", "fashion-vit", img, img}, ""},
		{"classify", []string{"classify", "-m", "fashion-vit", "-o", "jsonl", img, img}, ""},
		{"classify text", []string{"classify", "-m", "fashion-vit", img, img}, ""},
		{"eval", []string{"eval", "-m", "fashion-vit", filepath.Join(imagesDir, "fashion", "labels.csv")}, ""},
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
			if left, _ := os.ReadDir(dir); len(left) > 0 {
				t.Errorf("left %s in the --out folder", left[0].Name())
			}
		})
	}
}
