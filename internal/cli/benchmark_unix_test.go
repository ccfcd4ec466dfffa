//go:build unix

package cli

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/vitctl/vitctl/internal/kernels"
)

// interruptAfter is a stderr that sends this process SIGINT (which Main
// catches) once it has been written text containing mark.
type interruptAfter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	mark string
	sent bool
}

func (w *interruptAfter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.sent && strings.Contains(w.buf.String(), w.mark) {
		w.sent = true
		syscall.Kill(os.Getpid(), syscall.SIGINT)
	}
	return len(p), nil
}

// TestBenchmarkInterrupted: Ctrl-C in the second row prints the first,
// charts it in --plot (titled as interrupted) and says how far the run got
// and where its rows are, exit 130; it said "vitctl: interrupted" alone and
// drew no chart. In the first row nothing is written, and it says so.
func TestBenchmarkInterrupted(t *testing.T) {
	for _, tc := range []struct {
		name, mark, threads string
		rows                int
		want                string
	}{
		{"second row", "batch 1, threads 1: p50", "1", 1, "vitctl: interrupted after 1 of 2 rows: the output holds only the rows measured, and PLOT charts them\n"},
		// The note on too many threads comes before the first row.
		{"first row", "note: --threads", fmt.Sprint(kernels.DefaultThreads() + 1), 0, "vitctl: interrupted in the first of 2 rows: nothing measured, nothing written\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plot := filepath.Join(t.TempDir(), "chart.png")
			errw := &interruptAfter{mark: tc.mark}
			var out bytes.Buffer
			args := tinyBench("--time", "500ms", "--min-runs", "1", "--threads", tc.threads, "-o", "csv", "--plot", plot)
			code := Main(args, strings.NewReader(""), &out, errw)
			errs := errw.buf.String()
			want := strings.ReplaceAll(tc.want, "PLOT", plot)
			if code != ExitInterrupted || !strings.HasSuffix(errs, want) {
				t.Fatalf("exit %d, stderr %q; want 130 and %q", code, errs, want)
			}
			recs, err := csv.NewReader(&out).ReadAll()
			if tc.rows == 0 {
				if out.Len() != 0 {
					t.Errorf("stdout %q, want nothing", out.String())
				}
				if _, err := os.Stat(plot); err == nil {
					t.Errorf("%s written", plot)
				}
				return
			}
			if err != nil || len(recs) != 1+tc.rows {
				t.Errorf("CSV: %d records, %v, want a header and %d rows", len(recs), err, tc.rows)
			}
			f, err := os.Open(plot)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := png.DecodeConfig(f); err != nil {
				t.Errorf("chart: %v", err)
			}
		})
	}
}
