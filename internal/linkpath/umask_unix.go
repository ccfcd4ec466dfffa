//go:build unix

package linkpath

import (
	"os"
	"sync/atomic"
	"syscall"
)

// mask is the process's file mode creation mask. umask(2) reads it only
// by setting it, so it is read once, at start, before any goroutine makes
// a file (one made between the two calls would get the mask 0); vitctl
// never changes it but through SetUmask.
var mask atomic.Uint32

func init() {
	m := syscall.Umask(0)
	syscall.Umask(m)
	mask.Store(uint32(m))
}

// umask is the process's file mode creation mask, as read at start or
// set by SetUmask.
func umask() os.FileMode { return os.FileMode(mask.Load()) & os.ModePerm }

// SetUmask sets the process's umask to m, as umask(2) does, and the mask
// NewFileMode and NewFolderMode take, and returns the old one. vitctl
// keeps the mask it starts with; tests run it under others.
func SetUmask(m int) int {
	old := syscall.Umask(m)
	mask.Store(uint32(m))
	return old
}
