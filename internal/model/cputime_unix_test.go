//go:build unix

package model_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used: on a shared host, CPU
// milliseconds per image measure the code, wall milliseconds also the
// neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
