package fileprobe

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestHead: the first n bytes of a regular file, fewer of a shorter one,
// none of a folder or a missing file; Starts compares them.
func TestHead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "m.gguf")
	os.WriteFile(file, []byte("GGUF\x03\x00\x00\x00"), 0o644)
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("GG"), 0o644)
	link := filepath.Join(dir, "link")
	os.Symlink(file, link)
	for _, tc := range []struct {
		path   string
		n      int
		want   string
		starts bool // Starts(path, "GGUF")
	}{
		{file, 4, "GGUF", true},
		{file, 2, "GG", true}, // Starts reads len("GGUF") bytes whatever n
		{short, 4, "GG", false},
		{link, 4, "GGUF", true},
		{dir, 4, "", false},
		{filepath.Join(dir, "missing"), 4, "", false},
	} {
		if got := string(Head(tc.path, tc.n)); got != tc.want {
			t.Errorf("Head(%s, %d) = %q, want %q", filepath.Base(tc.path), tc.n, got, tc.want)
		}
		if got := Starts(tc.path, "GGUF"); got != tc.starts {
			t.Errorf("Starts(%s, GGUF) = %v, want %v", filepath.Base(tc.path), got, tc.starts)
		}
	}
}

func TestKind(t *testing.T) {
	for _, tc := range []struct {
		mode fs.FileMode
		want string
	}{
		{0o644, ""},
		{fs.ModeDir | 0o755, ""},
		{fs.ModeNamedPipe, "a named pipe"},
		{fs.ModeSocket, "a socket"},
		{fs.ModeDevice, "a device"},
		{fs.ModeDevice | fs.ModeCharDevice, "a device"},
		{fs.ModeSymlink, "a link"},
		{fs.ModeIrregular, "a special file (?---------)"},
	} {
		if got := Kind(tc.mode); got != tc.want {
			t.Errorf("Kind(%v) = %q, want %q", tc.mode, got, tc.want)
		}
	}
}
