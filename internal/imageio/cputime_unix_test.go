//go:build unix

package imageio

import (
	"syscall"
	"time"
)

// cpuTime is the process's user plus system CPU time: under a shared,
// busy machine it says more than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
