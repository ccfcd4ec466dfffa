//go:build unix

package filelock

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
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
	if lock(f) != nil {
		f.Close()
		return nil, false
	}
	return func() { f.Close() }, true
}

// Claim takes, without waiting, the lock of the lock file at path, which it
// creates: a run's claim on what it will write, for as long as it runs.
// It returns ErrBusy while another holder (in this process or another) has
// it. release removes the file, then drops the lock; a file a killed holder
// left is taken over. The file locked is checked to be the one at path
// still, as a holder releasing it removes it. Where no lock can be taken
// (the file cannot be made, the file system takes none) it holds nothing,
// and release does nothing.
func Claim(path string) (release func(), err error) {
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
		if err != nil {
			return func() {}, nil
		}
		if err := lock(f); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, ErrBusy
			}
			return func() {}, nil
		}
		held, err1 := f.Stat()
		now, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			return func() {
				os.Remove(path)
				f.Close()
			}, nil
		}
		f.Close() // a holder released (removed) it as this one opened it: anew
	}
}

// Busy takes the exclusive lock of the open file f, held until f is
// closed, and reports whether another holder has it instead (in this
// process or another). Where the file system takes no lock, it reports
// false: f is then not locked, and not known to be busy.
func Busy(f *os.File) bool {
	return errors.Is(lock(f), syscall.EWOULDBLOCK)
}

// lock takes f's exclusive lock without waiting.
func lock(f *os.File) error {
	conn, err := f.SyscallConn()
	if err != nil {
		return err
	}
	cerr := conn.Control(func(fd uintptr) {
		err = syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB)
	})
	if cerr != nil {
		return cerr
	}
	return err
}

// Wait takes the exclusive lock of path (a file or a folder), waiting
// while another holder has it: busy, when set, is called once, as the wait
// begins. It returns ctx's error if ctx ends first. Where the lock cannot
// be taken (path cannot be opened, the file system takes none) it holds
// nothing and the returned release does nothing.
func Wait(ctx context.Context, path string, busy func()) (release func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return func() {}, nil
	}
	release, err = WaitFile(ctx, f, busy)
	if err != nil && ctx.Err() == nil { // no lock on this file system
		return func() {}, nil
	}
	return release, err
}

// WaitFile takes the exclusive lock of the open file f, waiting while
// another holder has it: busy, when set, is called once, as the wait
// begins. It returns ctx's error if ctx ends first, and the lock's error
// where the file system refuses it; f is then closed. release closes f.
func WaitFile(ctx context.Context, f *os.File, busy func()) (release func(), err error) {
	for waited := false; ; waited = true {
		switch err := lock(f); {
		case err == nil:
			return func() { f.Close() }, nil
		case !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR):
			f.Close()
			return nil, err
		}
		if !waited && busy != nil {
			busy()
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
