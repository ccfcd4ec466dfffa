//go:build !unix

package filelock

import (
	"context"
	"os"
)

// TryLock takes no lock on this system (see the package comment).
func TryLock(path string) (release func(), ok bool) { return nil, false }

// Busy takes no lock on this system and reports false: f is not known to
// be busy.
func Busy(f *os.File) bool { return false }

// Wait takes no lock on this system: it returns at once, holding nothing.
func Wait(ctx context.Context, path string, busy func()) (release func(), err error) {
	return func() {}, nil
}

// Claim takes no lock on this system: it holds nothing.
func Claim(path string) (release func(), err error) { return func() {}, nil }
