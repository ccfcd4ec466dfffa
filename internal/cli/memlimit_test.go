package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestMemTotal: the machine's memory, --max-memory's default, is read on
// Linux (/proc/meminfo) and on Windows (GlobalMemoryStatusEx), where it
// was not: a run past it was not refused there, but paged or died for
// memory.
func TestMemTotal(t *testing.T) {
	switch runtime.GOOS {
	case "linux", "windows":
	default:
		t.Skipf("the machine's memory is not read on %s", runtime.GOOS)
	}
	if n := memTotal(); n < 64<<20 {
		t.Errorf("the machine's memory: %d bytes, want it read", n)
	}
}

// TestCgroupLimit: the memory limit is read from this process's own
// cgroup and those above it, as /proc/self/cgroup names it, the lowest
// winning. Only the root of /sys/fs/cgroup was read: right in a container
// with its own cgroup namespace, but a Slurm job's --mem, a systemd unit's
// MemoryMax or a cgroup v1 limit on a folder below the root went unseen,
// so --max-memory's default was the machine's memory and a run too large
// for its job started, to be killed for memory (and rerun by --requeue).
func TestCgroupLimit(t *testing.T) {
	const G = 1 << 30
	slurm := "0::/system.slice/slurmstepd.scope/job_7/step_0/user/task_0\n"
	for _, tc := range []struct {
		name  string
		self  string
		files map[string]string // below /sys/fs/cgroup
		want  int64
	}{
		{"container v2", "0::/\n", map[string]string{"memory.max": "2147483648\n"}, 2 * G},
		{"slurm v2", slurm, map[string]string{
			"system.slice/slurmstepd.scope/job_7/memory.max":                    "2147483648\n",
			"system.slice/slurmstepd.scope/job_7/step_0/user/task_0/memory.max": "max\n",
		}, 2 * G},
		{"lowest of the chain", slurm, map[string]string{
			"system.slice/memory.max":                        "1073741824\n",
			"system.slice/slurmstepd.scope/job_7/memory.max": "2147483648\n",
		}, 1 * G},
		{"v1 below the root", "5:cpuset:/\n4:memory:/process_api/abc\n0::/\n", map[string]string{
			"memory/memory.limit_in_bytes":                 "9223372036854771712\n",
			"memory/process_api/abc/memory.limit_in_bytes": "1073741824\n",
		}, 1 * G},
		{"v1 cgroup mounted as the root", "4:cpu,memory:/docker/0123abcd\n", map[string]string{
			"memory/memory.limit_in_bytes": "536870912\n",
		}, 512 << 20},
		{"no limit", slurm, map[string]string{
			"memory.max": "max\n",
			"system.slice/slurmstepd.scope/job_7/memory.max": "max\n",
		}, 0},
		{"no /proc/self/cgroup", "", map[string]string{"memory.max": "1073741824\n"}, 1 * G},
	} {
		root := t.TempDir()
		for name, text := range tc.files {
			file := filepath.Join(root, filepath.FromSlash(name))
			os.MkdirAll(filepath.Dir(file), 0o755)
			if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got := cgroupLimitIn(root, tc.self); got != tc.want {
			t.Errorf("%s: limit %d, want %d", tc.name, got, tc.want)
		}
	}
}
