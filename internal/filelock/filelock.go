// Package filelock marks a writer's temporary file or folder as in use, so
// that a later run can tell what a killed writer left behind (SIGKILL: an
// evicted pod, the out-of-memory killer, which runs no cleanup) from a
// live writer's work in progress, and remove only the former.
//
// A temporary is taken for a dead writer's by two tests:
//
//   - No one holds its lock. A writer holds an exclusive advisory lock
//     (flock) on its temporary until it is renamed into place or removed;
//     the kernel drops it when the process ends, however it ends, so a
//     lock still held means a writer is alive, in this process or
//     another, whatever its PID namespace; on NFS, Linux takes the lock on
//     the server, so a writer on another machine keeps its temporaries
//     too. A process ID in the name would not do: IDs are reused, and two
//     containers sharing a folder see each other's IDs as gone.
//   - It, and for a folder everything in it, was last modified over
//     StaleAfter ago: a writer locks its temporary just after creating it,
//     and the age keeps a cleanup from taking one in that moment for a
//     dead writer's.
//
// Where the system has no flock, no lock is ever taken: TryLock always
// fails, Hold holds nothing and RemoveDead removes nothing.
package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"time"
)

// ErrBusy is Claim's error when another holder has the lock.
var ErrBusy = errors.New("claimed by another run, which holds its lock")

// StaleAfter is how long a temporary must have been left unmodified before
// RemoveDead may take it for a dead writer's.
const StaleAfter = time.Minute

// Hold takes path's lock for as long as its writer works on it and returns
// what drops it; where the lock cannot be taken it holds nothing and the
// returned func does nothing.
func Hold(path string) (release func()) {
	if release, ok := TryLock(path); ok {
		return release
	}
	return func() {}
}

// RemoveDead removes, best effort, the entries of dir that ours accepts
// (the names the caller's writer gives its temporaries) and that a dead
// writer left: unlocked and unmodified for StaleAfter (see the package
// comment). The lock is held while removing, so no writer can start on
// one then. A folder ours accepts goes with whatever it holds; for a
// writer's temporary folders, in a place that may hold others' folders
// too, see RemoveDeadFolders.
func RemoveDead(dir string, ours func(os.DirEntry) bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if ours(e) {
			removeIfDead(filepath.Join(dir, e.Name()), e.IsDir(), nil)
		}
	}
}

// RemoveDeadFolders is RemoveDead for temporary folders: it removes the
// folders of dir whose name ours accepts that a dead writer left, and
// only those each entry of which holds accepts (what the caller's writer
// puts in one), so that a folder of someone else's of a like name is kept.
func RemoveDeadFolders(dir string, ours func(name string) bool, holds func(os.DirEntry) bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && ours(e.Name()) {
			removeIfDead(filepath.Join(dir, e.Name()), true, holds)
		}
	}
}

// removeIfDead removes path (a folder and what it holds when folder) when
// it is unlocked and unmodified for StaleAfter, and, for a folder, so is
// every entry in it, each one holds accepts (nil: any).
func removeIfDead(path string, folder bool, holds func(os.DirEntry) bool) {
	st, err := os.Lstat(path)
	if err != nil || time.Since(st.ModTime()) < StaleAfter || folder && !deadInside(path, holds) {
		return
	}
	unlock, ok := TryLock(path)
	if !ok {
		return
	}
	defer unlock()
	if folder {
		os.RemoveAll(path)
	} else {
		os.Remove(path)
	}
}

// deadInside reports whether every entry of dir was last modified over
// StaleAfter ago and is one holds accepts; with holds set, a dir that
// cannot be read is not taken.
func deadInside(dir string, holds func(os.DirEntry) bool) bool {
	entries, err := os.ReadDir(dir)
	if err != nil && holds != nil {
		return false
	}
	for _, e := range entries {
		if holds != nil && !holds(e) {
			return false
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) < StaleAfter {
			return false
		}
	}
	return true
}
