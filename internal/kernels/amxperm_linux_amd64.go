//go:build !purego

package kernels

import "syscall"

// amxPermit asks Linux for this process's permission to use the AMX tile
// data (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)); without it
// the first instruction touching tile data raises SIGILL. The permission
// holds for every thread of the process.
func amxPermit() bool {
	const archReqXcompPerm, xfeatureXtiledata = 0x1023, 18
	_, _, errno := syscall.RawSyscall(syscall.SYS_ARCH_PRCTL, archReqXcompPerm, xfeatureXtiledata, 0)
	return errno == 0
}
