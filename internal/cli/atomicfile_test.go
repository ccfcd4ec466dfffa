package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mkdirAtEOF reads r, and makes the folder dir when r is read to its end:
// a folder that appears at the output file's name after the command
// checked it, while the inputs are read.
type mkdirAtEOF struct {
	r   io.Reader
	dir string
}

func (m *mkdirAtEOF) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err == io.EOF {
		os.MkdirAll(m.dir, 0o755)
	}
	return n, err
}

// TestFolderInWayOfOutput: a folder at the name of a file written through
// a temporary file (made after the checks before the run, so only the
// rename finds it) is named as in the way, not "file exists"; nothing is
// left beside it.
func TestFolderInWayOfOutput(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, tc := range []struct {
		name string
		args func(out string) []string
	}{
		{"classify --out", func(out string) []string {
			return []string{"classify", "-m", "fashion-vit", "-o", "jsonl", "--out", out, "-"}
		}},
		{"embed --out", func(out string) []string { return []string{"embed", "-m", "fashion-vit", "--out", out, "-"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "res.out")
			var stdout, stderr bytes.Buffer
			code := Main(tc.args(out), &mkdirAtEOF{strings.NewReader(img + "\n"), out}, &stdout, &stderr)
			want := out + ": is a folder, where the output file goes; move it away or give another name"
			if code == ExitOK || !strings.Contains(stderr.String(), want) {
				t.Errorf("exit %d, stderr %q; want an error saying %q", code, stderr.String(), want)
			}
			if strings.Contains(stderr.String(), "file exists") {
				t.Errorf("stderr %q shows the rename's error", stderr.String())
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("%s holds %d entries, want the folder only (no temporary file)", dir, len(entries))
			}
		})
	}
}
