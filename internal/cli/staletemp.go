package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/vitctl/vitctl/internal/filelock"
)

// A run killed by SIGKILL (an evicted pod, the out-of-memory killer) runs no
// cleanup: it leaves the temporary file of createAtomic (".NAME.123.tmp"
// beside NAME) or the temporary folder of an image's pictures
// (".NAME.123.tmp" in --out) behind. A later run removes those it can tell
// are dead, by two tests:
//
//   - The writer holds an exclusive lock (flock) on its temporary file or
//     folder until it is renamed into place or removed. The kernel drops it
//     when the process ends, however it ends, so a lock still held means a
//     writer is alive, in this process or another, whatever its PID
//     namespace; on NFS, Linux takes the lock on the server, so a run on
//     another machine sharing --out keeps its temporaries too. A process
//     ID in the name would not do: IDs are reused, and two containers
//     sharing a folder see each other's IDs as gone.
//   - The temporary was last modified over staleAfter ago: a writer locks
//     it just after creating it, and the age keeps a cleanup from taking
//     a temporary in that moment for a dead one.
//
// Where no lock can be taken (systems without flock), nothing is removed.
const staleAfter = time.Minute

// tempFileName matches the temporary names createAtomic gives files beside
// one named base: os.CreateTemp puts decimal digits for the "*".
func tempFileName(base string) *regexp.Regexp {
	return regexp.MustCompile(`^\.` + regexp.QuoteMeta(base) + `\.\d+\.tmp$`)
}

// tempFolderName matches the temporary folders of newPictureFolder.
var tempFolderName = regexp.MustCompile(`^\..+\.\d+\.tmp$`)

// removeStaleTempFiles removes the temporary files a killed run left beside
// path (tempFileName), best effort: a run goes on whatever it finds.
func removeStaleTempFiles(path string) {
	dir, temp := filepath.Dir(path), tempFileName(filepath.Base(path))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() && temp.MatchString(e.Name()) {
			removeIfDead(filepath.Join(dir, e.Name()), false)
		}
	}
}

// removeStaleTempFolders removes the temporary folders of pictures a killed
// run left in out, best effort. Only folders named as newPictureFolder
// names them, and holding nothing but the files it writes (pictureName),
// are taken: --out may be a folder of other things too.
func removeStaleTempFolders(out string) {
	entries, err := os.ReadDir(out)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && tempFolderName.MatchString(e.Name()) && onlyPictures(filepath.Join(out, e.Name())) {
			removeIfDead(filepath.Join(out, e.Name()), true)
		}
	}
}

// onlyPictures reports whether dir holds only files inspect-attention
// writes into an image's folder, or their temporary files.
func onlyPictures(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !pictureName.MatchString(e.Name()) {
			return false
		}
	}
	return true
}

// removeIfDead removes path (a folder and what it holds when folder) when
// it was last modified over staleAfter ago and no writer holds its lock.
// The lock is taken while removing, so a writer cannot start on it then.
func removeIfDead(path string, folder bool) {
	st, err := os.Lstat(path)
	if err != nil || time.Since(st.ModTime()) < staleAfter {
		return
	}
	if folder && newerInside(path) {
		return
	}
	unlock, ok := filelock.TryLock(path)
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

// newerInside reports whether a file in dir was modified within staleAfter.
func newerInside(dir string) bool {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) < staleAfter {
			return true
		}
	}
	return false
}
