//go:build unix

package cli

import "syscall"

// addressSpaceLimit is RLIMIT_AS (ulimit -v); 0 when unlimited.
func addressSpaceLimit() int64 {
	var r syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_AS, &r) != nil {
		return 0
	}
	cur := uint64(r.Cur) // int64 on some systems; unlimited is all ones
	if cur > 1<<62 {
		return 0
	}
	return int64(cur)
}
