//go:build unix

package gguf

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/vitctl/vitctl/internal/linkpath"
)

// TestWriteFileThroughLink: a path that is a symbolic link (m.gguf ->
// runs/7/m.gguf) stays one and the file it leads to, there or not yet, is
// written, its temporary beside it, where the rename replaced the link
// with a file of its own and the file it named kept the old model.
func TestWriteFileThroughLink(t *testing.T) {
	for _, tc := range []struct {
		name  string
		there bool // the link's file exists
	}{
		{"file there", true},
		{"dangling", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			runs := filepath.Join(dir, "runs")
			os.Mkdir(runs, 0o755)
			target := filepath.Join(runs, "m.gguf")
			if tc.there {
				os.WriteFile(target, []byte("old"), 0o644)
			}
			link := filepath.Join(dir, "m.gguf")
			if err := os.Symlink(filepath.Join("runs", "m.gguf"), link); err != nil {
				t.Skip("no symbolic links here:", err)
			}
			w, data := sample(t)
			err := w.WriteFile(link, func(ti TensorInfo, dst io.Writer) error {
				_, err := dst.Write(data[ti.Name])
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			st, err := os.Lstat(link)
			if err != nil || st.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the link is now %v (%v), want a link still", st.Mode(), err)
			}
			f, err := Open(target)
			if err != nil {
				t.Fatalf("the file the link leads to: %v", err)
			}
			defer f.Close()
			if err := f.Verify(); err != nil {
				t.Errorf("the file the link leads to: %v", err)
			}
			for d, want := range map[string]int{dir: 2, runs: 1} { // the link and runs; m.gguf
				if ents, _ := os.ReadDir(d); len(ents) != want {
					t.Errorf("%s holds %v, want %d (no temporary left)", d, ents, want)
				}
			}
		})
	}
}

// TestWriteFileKeepsMode: a model file written over another keeps its
// permissions (a private one stays private, through a link too), and a new
// one has those the umask gives; it was 0644 whatever it replaced.
func TestWriteFileKeepsMode(t *testing.T) {
	for _, tc := range []struct {
		name string
		old  os.FileMode // 0: no file there
		link bool
		want os.FileMode
	}{
		{"new", 0, false, linkpath.NewFileMode()},
		{"private", 0o600, false, 0o600},
		{"group", 0o640, false, 0o640},
		{"private, through a link", 0o600, true, 0o600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "m.gguf")
			if tc.old != 0 {
				os.WriteFile(path, []byte("old"), tc.old)
				os.Chmod(path, tc.old)
			}
			out := path
			if tc.link {
				out = filepath.Join(dir, "link.gguf")
				if err := os.Symlink("m.gguf", out); err != nil {
					t.Skip("no symbolic links here:", err)
				}
			}
			w, data := sample(t)
			if err := w.WriteFile(out, func(ti TensorInfo, dst io.Writer) error {
				_, err := dst.Write(data[ti.Name])
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if st, err := os.Stat(path); err != nil || st.Mode().Perm() != tc.want {
				t.Errorf("mode %v (%v), want %v", st.Mode().Perm(), err, tc.want)
			}
		})
	}
}
