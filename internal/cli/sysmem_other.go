//go:build !windows

package cli

// systemMemory is the machine's memory where /proc/meminfo does not say
// it: not read on this system.
func systemMemory() int64 { return 0 }
