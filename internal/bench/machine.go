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

// LoadAverage is the one-minute load average from /proc/loadavg: the number
// of threads running or waiting for a CPU. Above the number of CPUs, other
// programs compete with the benchmark.
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
