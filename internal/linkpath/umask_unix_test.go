//go:build unix

package linkpath

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestNewModes: a new file and folder get the permissions the umask
// gives, the one read at start or set with SetUmask, as open(2) and
// mkdir(2) give them; KeptMode keeps an existing file's.
func TestNewModes(t *testing.T) {
	dir := t.TempDir()
	start := syscall.Umask(0)
	syscall.Umask(start)
	if got := umask(); got != os.FileMode(start) {
		t.Errorf("umask %03o at start, read as %03o", start, got)
	}
	for i, mask := range []int{0o022, 0o002, 0o077, 0o027} {
		made := filepath.Join(dir, fmt.Sprint(i))
		old := SetUmask(mask)
		file, folder := NewFileMode(), NewFolderMode()
		os.WriteFile(made+".file", nil, 0o666)
		os.Mkdir(made+".folder", 0o777)
		SetUmask(old)
		if want := os.FileMode(0o666 &^ mask); file != want {
			t.Errorf("umask %03o: NewFileMode %v, want %v", mask, file, want)
		}
		if want := os.FileMode(0o777 &^ mask); folder != want {
			t.Errorf("umask %03o: NewFolderMode %v, want %v", mask, folder, want)
		}
		for _, m := range []struct {
			path string
			want os.FileMode
		}{{made + ".file", file}, {made + ".folder", folder}} {
			if st, err := os.Stat(m.path); err != nil {
				t.Error(err)
			} else if st.Mode().Perm() != m.want {
				t.Errorf("umask %03o: open(2) or mkdir(2) made %s %v, want %v: SetUmask did not set the process's", mask, m.path, st.Mode().Perm(), m.want)
			}
		}
	}
	kept := filepath.Join(dir, "kept")
	os.WriteFile(kept, nil, 0o600)
	os.Chmod(kept, 0o604)
	if got := KeptMode(kept); got != 0o604 {
		t.Errorf("KeptMode of a 0604 file: %v", got)
	}
	if got := KeptMode(filepath.Join(dir, "new")); got != NewFileMode() {
		t.Errorf("KeptMode of no file: %v, want NewFileMode's %v", got, NewFileMode())
	}
}
