package bench

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// CPUModel names the processor from /proc/cpuinfo ("model name"), or
// returns "" where that file does not exist.
func CPUModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(val)
		}
	}
	return ""
}

// MachineCPUs is the number of CPUs the machine has online, from
// /sys/devices/system/cpu/online ("0-3,8-11"), whatever this process's
// affinity mask allows (runtime.NumCPU counts those): the load average
// counts the threads of the whole machine. It reports false where that
// file does not exist or does not read.
func MachineCPUs() (int, bool) {
	b, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return 0, false
	}
	return cpuListLen(strings.TrimSpace(string(b)))
}

// cpuListLen counts the CPUs of a Linux CPU list, "0-3,8,10-11".
func cpuListLen(list string) (int, bool) {
	n := 0
	for _, r := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(r, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return 0, false
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return 0, false
			}
		}
		n += b - a + 1
	}
	return n, n > 0
}

// LoadAverage is the one-minute load average from /proc/loadavg: the number
// of threads running or waiting for a CPU, on the whole machine. Above the
// machine's CPUs (MachineCPUs), other programs compete with the benchmark.
func LoadAverage() (float64, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(f[0], 64)
	return v, err == nil
}
