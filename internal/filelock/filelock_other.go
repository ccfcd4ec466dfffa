//go:build !unix

package filelock

// TryLock takes no lock on this system (see the package comment).
func TryLock(path string) (release func(), ok bool) { return nil, false }
