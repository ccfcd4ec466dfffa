//go:build unix

package linkpath

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// startUmask is the umask at start. umask(2) reads it only by setting it,
// so it is read once, before any goroutine makes a file: one made between
// the two calls would get the mask 0.
var startUmask = func() os.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m)
}()

// umask is the process's file mode creation mask: Linux says it in
// /proc/self/status (since 4.7), read without changing it; elsewhere the
// mask at start.
func umask() os.FileMode {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return startUmask
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("Umask:")); ok {
			if m, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 8, 32); err == nil {
				return os.FileMode(m) & os.ModePerm
			}
		}
	}
	return startUmask
}
