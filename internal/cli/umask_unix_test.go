//go:build unix

package cli

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/vitctl/vitctl/internal/linkpath"
)

// TestOutputsFollowUmask: what vitctl makes (results, vectors, model
// files, attention pictures, an exported folder, a --resume file, the
// model cache's folders, files and locks) has the permissions the umask
// gives, as open(2) and mkdir(2) give them. Every file was 0644 and
// every folder 0755 whatever the umask: a cache shared by a group
// (umask 002) held files and locks the group's other users could not
// write, and a run under umask 077 left its results readable by all.
func TestOutputsFollowUmask(t *testing.T) {
	for _, mask := range []int{0o077, 0o002} {
		old := linkpath.SetUmask(mask)
		func() {
			defer linkpath.SetUmask(old)
			dir := t.TempDir()
			t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
			out := func(name string) string { return filepath.Join(dir, name) }
			img := filepath.Join(imagesDir, "chelsea.png")
			for _, args := range [][]string{
				{"classify", "-m", "fashion-vit", "--out", out("r.jsonl"), img},
				{"classify", "-m", "fashion-vit", "--out", out("resumed.jsonl"), "--resume", img},
				{"embed", "-m", "fashion-vit", "--out", out("e.npy"), img},
				{"convert", "fashion-vit", "--out", out("m.gguf")},
				{"inspect-attention", "-m", "fashion-vit", "--out", out("attn"), img},
				{"export", "fashion-vit", "--out", out("exported")},
				{"classify", "-m", filepath.Join(testdataDir, "models", "vit-p16-gelu"), img},
			} {
				if code, _, errs := run(t, "", args...); code != ExitOK {
					t.Fatalf("%q: exit %d\n%s", args, code, errs)
				}
			}
			n := 0
			filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || path == dir {
					return err
				}
				st, err := os.Stat(path)
				if err != nil {
					return err
				}
				want := os.FileMode(0o666 &^ mask)
				if st.IsDir() {
					want = 0o777 &^ os.FileMode(mask)
				}
				if st.Mode().Perm() != want {
					t.Errorf("umask %03o: %s is %v, want %v", mask, path, st.Mode().Perm(), want)
				}
				n++
				return nil
			})
			if n < 15 {
				t.Errorf("umask %03o: %d files and folders made, want at least 15", mask, n)
			}
		}()
	}
}
