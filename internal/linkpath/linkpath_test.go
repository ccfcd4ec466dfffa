package linkpath

import (
	"os"
	"path/filepath"
	"testing"
)

// TestTarget: a link leads to its file, there or not yet, through a chain
// of links; a file or a name that is nothing is itself; a loop of links
// ends after maxLinks without hanging.
func TestTarget(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir()) // a temp folder may itself be under a link
	if err != nil {
		t.Fatal(err)
	}
	in := func(name string) string { return filepath.Join(dir, name) }
	os.WriteFile(in("file"), nil, 0o644)
	for _, l := range [][2]string{{"file", "to-file"}, {"to-file", "chain"}, {"new", "dangling"}, {"dangling", "dangling-chain"}, {"loop-a", "loop-b"}, {"loop-b", "loop-a"}} {
		if err := os.Symlink(l[0], in(l[1])); err != nil {
			t.Skip("no symbolic links here:", err)
		}
	}
	for _, tc := range []struct{ path, want string }{
		{"file", "file"},
		{"nothing", "nothing"},
		{"to-file", "file"},
		{"chain", "file"},
		{"dangling", "new"},
		{"dangling-chain", "new"},
	} {
		if got := Target(in(tc.path)); got != in(tc.want) {
			t.Errorf("Target(%s) = %s, want %s", tc.path, got, in(tc.want))
		}
	}
	if got := Target(in("loop-a")); got != in("loop-a") && got != in("loop-b") {
		t.Errorf("Target(loop-a) = %s, want one of the loop's links", got)
	}
}
