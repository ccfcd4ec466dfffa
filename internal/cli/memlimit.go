package cli

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
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

// cgroupLimit is the memory limit of this process's cgroup (v2, then
// v1); 0 when there is none.
func cgroupLimit() int64 {
	self, _ := os.ReadFile("/proc/self/cgroup")
	return cgroupLimitIn("/sys/fs/cgroup", string(self))
}

// cgroupLimitIn is the lowest memory limit of the cgroup that self (the
// text of /proc/self/cgroup) names and of those above it, as they lie
// below root (/sys/fs/cgroup): memory.max for v2, memory.limit_in_bytes
// below memory/ for v1; 0 when none has one. A container's cgroup is the
// root of what it sees, its path "/"; a Slurm job's, a systemd unit's
// (systemd-run -p MemoryMax=2G) or a container's sharing the host's
// cgroup names is a folder below it, the limit set on it or on one above,
// and the root has none.
func cgroupLimitIn(root, self string) int64 {
	var limit int64
	for _, h := range []struct{ mount, controller, file string }{
		{root, "", "memory.max"},
		{filepath.Join(root, "memory"), "memory", "memory.limit_in_bytes"},
	} {
		for dir := cgroupPath(self, h.controller); ; dir = path.Dir(dir) {
			if v := readLimit(filepath.Join(h.mount, filepath.FromSlash(dir), h.file)); v > 0 && (limit == 0 || v < limit) {
				limit = v
			}
			if dir == "/" {
				break
			}
		}
	}
	return limit
}

// cgroupPath is the path of the cgroup self (the text of
// /proc/self/cgroup) names for controller: v2's line "0::PATH" for "", v1's
// "ID:CONTROLLERS:PATH" whose list holds it; "/" when self names none.
func cgroupPath(self, controller string) string {
	for line := range strings.SplitSeq(self, "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) == 3 && cgroupLine(f[0], f[1], controller) {
			return path.Clean("/" + f[2])
		}
	}
	return "/"
}

// cgroupLine reports whether the line of /proc/self/cgroup with hierarchy
// id and controllers (comma-separated) is controller's: v2's line (id 0, no
// controllers) for "".
func cgroupLine(id, controllers, controller string) bool {
	if controller == "" {
		return id == "0" && controllers == ""
	}
	return slices.Contains(strings.Split(controllers, ","), controller)
}

// readLimit reads a cgroup's memory limit file; 0 for none ("max", or v1's
// huge number for no limit) or when it cannot be read.
func readLimit(file string) int64 {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || v >= 1<<60 {
		return 0
	}
	return v
}
