// Package linkpath finds the file a write through a symbolic link lands
// in. Renamed onto, a link (results.jsonl -> runs/7/results.jsonl) becomes
// a file of its own and the file it named keeps the old content, so an
// atomic write (a temporary file renamed into place) puts its temporary
// beside Target(path) and renames onto that.
package linkpath

import (
	"os"
	"path/filepath"
)

// maxLinks bounds the links followed by hand in a dangling chain (a loop
// ends there), as the kernel's limit of 40 does.
const maxLinks = 40

// Target is the file that path's links lead to, there or not yet (a
// dangling link names the file to make), or path when it is no link.
func Target(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	for range maxLinks { // dangling: follow by hand as far as the links go
		to, err := os.Readlink(path)
		if err != nil {
			return path
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(filepath.Dir(path), to)
		}
		path = to
	}
	return path
}

// SyncDir syncs the folder dir after a rename into it, so the rename
// outlives a crash of the machine; best effort: failure only weakens
// durability.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
