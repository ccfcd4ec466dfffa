package linkpath

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestNewModes: a new file and folder get the permissions the umask
// gives, read when asked (Linux's /proc/self/status), as open(2) and
// mkdir(2) give them; KeptMode keeps an existing file's.
func TestNewModes(t *testing.T) {
	dir := t.TempDir()
	for _, mask := range []int{0o022, 0o002, 0o077, 0o027} {
		old := syscall.Umask(mask)
		file, folder := NewFileMode(), NewFolderMode()
		syscall.Umask(old)
		if want := os.FileMode(0o666 &^ mask); file != want {
			t.Errorf("umask %03o: NewFileMode %v, want %v", mask, file, want)
		}
		if want := os.FileMode(0o777 &^ mask); folder != want {
			t.Errorf("umask %03o: NewFolderMode %v, want %v", mask, folder, want)
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
