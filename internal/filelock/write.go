package filelock

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync/atomic"
)

// WriteFile writes data to a temporary beside path (TempName), locked
// while it is written (Hold), and renames it into place, making path's
// folder first if need be: a file cut short (a full disk, a kill) is never
// left at path. The temporaries of a writer killed before the rename are
// removed by RemoveDeadTemps.
func WriteFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return err
	}
	tmp := TempName(path)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	defer Hold(tmp)() // until renamed or removed: see RemoveDeadTemps
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

var tempSeq atomic.Int64

// TempName is a name beside path that no other writer, in this process or
// another, uses at the same time: PATH.PID-SEQ.tmp.
func TempName(path string) string {
	return fmt.Sprintf("%s.%d-%d.tmp", path, os.Getpid(), tempSeq.Add(1))
}

// TempNames matches TempName's names beside a file named base.
func TempNames(base string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(base) + `\.\d+-\d+\.tmp$`)
}

// RemoveDeadTemps removes, best effort, the temporary files a killed
// WriteFile left beside path (TempNames; unlocked, and unmodified for
// StaleAfter: RemoveDead). SIGKILL runs no cleanup, and no later write
// reuses their names, so nothing else would ever remove them.
func RemoveDeadTemps(path string) {
	temp := TempNames(filepath.Base(path))
	RemoveDead(filepath.Dir(path), func(e os.DirEntry) bool {
		return e.Type().IsRegular() && temp.MatchString(e.Name())
	})
}
