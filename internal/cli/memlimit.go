package cli

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// memoryLimit is the most memory a run may hold: the machine's memory, or
// the cgroup's limit, or less than half the address-space limit (ulimit
// -v) when lower, and which of them it is. Go's heap grows to about twice
// what is live before it collects, and the runtime reserves address space
// ahead of use: a run estimated at 717 MiB died under ulimit -v 1.5 GB and
// ran under 3 GB. ok is false when no limit can be read.
func memoryLimit() (limit int64, source string, ok bool) {
	consider := func(v int64, src string) {
		if v > 0 && (!ok || v < limit) {
			limit, source, ok = v, src, true
		}
	}
	consider(memTotal(), "this machine's memory")
	consider(cgroupLimit(), "the cgroup")
	if as := addressSpaceLimit(); as > 0 {
		consider(max(as/2-256<<20, 1), fmt.Sprintf("ulimit -v (%s, of which a run may hold less than half)", humanSize(float64(as))))
	}
	return limit, source, ok
}

// memTotal reads MemTotal from /proc/meminfo (Linux); 0 elsewhere.
func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// cgroupLimit reads the memory limit of this process's cgroup (v2, then
// v1); 0 when there is none.
func cgroupLimit() int64 {
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err == nil && v < 1<<60 { // v1 writes a huge number for "no limit"
			return v
		}
	}
	return 0
}
