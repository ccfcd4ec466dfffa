//go:build unix

package gguf

import (
	"os"
	"syscall"
)

// tryLock takes the exclusive lock of the file at path without waiting;
// release drops it. ok is false when another writer holds it or path
// cannot be opened. The lock belongs to the open file it takes, so a
// second one in the same process is refused too.
func tryLock(path string) (release func(), ok bool) {
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
