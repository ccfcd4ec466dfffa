package cli

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// globalMemoryStatusEx is kernel32's GlobalMemoryStatusEx, which
// golang.org/x/sys/windows does not wrap.
var globalMemoryStatusEx = windows.NewLazySystemDLL("kernel32.dll").NewProc("GlobalMemoryStatusEx")

// memoryStatusEx is Windows' MEMORYSTATUSEX.
type memoryStatusEx struct {
	length, memoryLoad                                 uint32
	totalPhys, availPhys, totalPageFile, availPageFile uint64
	totalVirtual, availVirtual, availExtendedVirtual   uint64
}

// memTotal is the machine's physical memory, which Windows has in no
// /proc/meminfo: a run past it was not refused there, and paged or died
// for memory; 0 when it cannot be read.
func memTotal() int64 {
	st := memoryStatusEx{length: uint32(unsafe.Sizeof(memoryStatusEx{}))}
	if r, _, _ := globalMemoryStatusEx.Call(uintptr(unsafe.Pointer(&st))); r == 0 {
		return 0
	}
	return int64(st.totalPhys)
}
