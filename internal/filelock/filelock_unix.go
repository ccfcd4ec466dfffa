//go:build unix

package filelock

import (
	"os"
	"syscall"
)

// TryLock takes the exclusive lock of path (a file or a folder) without
// waiting; release drops it. ok is false when another holder has it or
// path cannot be opened. The lock belongs to the open file it takes, so a
// second TryLock in the same process is refused too.
func TryLock(path string) (release func(), ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	conn, err := f.SyscallConn()
	if err == nil {
		cerr := conn.Control(func(fd uintptr) {
			err = syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB)
		})
		if cerr != nil {
			err = cerr
		}
	}
	if err != nil {
		f.Close()
		return nil, false
	}
	return func() { f.Close() }, true
}
