package gguf

import (
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/vitctl/vitctl/internal/filelock"
)

// A convert or finetune killed by SIGKILL (an evicted pod, the
// out-of-memory killer) runs no cleanup and leaves WriteFile's temporary
// (".NAME.tmp-123" beside NAME) behind, often as large as the model. The
// next WriteFile to NAME removes those it can tell are dead, by the two
// tests the CLI's own temporaries use (internal/cli/staletemp.go):
//
//   - WriteFile holds an exclusive lock (flock) on its temporary until it
//     is renamed into place or removed; the kernel drops it when the
//     process ends, however it ends, so a lock still held means a writer
//     is alive, in this process or another (a process ID in the name
//     would not do: IDs are reused, and containers sharing a folder see
//     each other's as gone).
//   - The temporary was last modified over staleAfter ago: the writer
//     locks it just after creating it, and the age keeps a cleanup from
//     taking a temporary in that moment for a dead one.
//
// Where no lock can be taken (systems without flock), nothing is removed.
const staleAfter = time.Minute

// tempName matches the temporary names WriteFile gives files beside one
// named base: os.CreateTemp puts decimal digits for the "*".
func tempName(base string) *regexp.Regexp {
	return regexp.MustCompile(`^\.` + regexp.QuoteMeta(base) + `\.tmp-\d+$`)
}

// removeStaleTemps removes the temporaries a killed WriteFile left beside
// path, best effort: the write goes on whatever it finds.
func removeStaleTemps(path string) {
	dir, temp := filepath.Dir(path), tempName(filepath.Base(path))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() && temp.MatchString(e.Name()) {
			removeIfDead(filepath.Join(dir, e.Name()))
		}
	}
}

// removeIfDead removes the file at path when it was last modified over
// staleAfter ago and no writer holds its lock. The lock is held while
// removing, so a writer cannot start on it then.
func removeIfDead(path string) {
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() || time.Since(st.ModTime()) < staleAfter {
		return
	}
	unlock, ok := filelock.TryLock(path)
	if !ok {
		return
	}
	defer unlock()
	os.Remove(path)
}
