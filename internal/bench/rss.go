package bench

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// PeakRSS returns the process's peak resident set size in bytes: Linux's
// VmHWM ("high water mark") from /proc/self/status. Elsewhere it fails.
func PeakRSS() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseStatusKB(f, "VmHWM")
}

// ResetPeakRSS sets the peak RSS back to the current RSS, so the next
// PeakRSS covers only what follows: writing "5" to /proc/self/clear_refs
// (Linux 4.0 and later). It fails where that file is absent or not
// writable (some containers mount /proc read-only); the peak then covers
// the whole process so far.
func ResetPeakRSS() error {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// parseStatusKB reads field (e.g. "VmHWM") from /proc/PID/status text, whose
// memory lines look like "VmHWM:	  123456 kB", and returns it in bytes.
func parseStatusKB(r io.Reader, field string) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || key != field {
			continue
		}
		num, ok := strings.CutSuffix(strings.TrimSpace(val), " kB")
		if !ok {
			return 0, fmt.Errorf("%s: unexpected value %q", field, val)
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", field, err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New(field + " not found")
}
