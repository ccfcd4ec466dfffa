//go:build unix

package cli

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"image/png"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

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
		interruptNow()
	}
	return len(p), nil
}

// interruptNow sends this process SIGINT and returns once the runtime has
// handed it on (to a channel of its own, as to Main's) and a moment more,
// holding up the writer of the mark meanwhile: a run that goes on at once
// could otherwise finish its few images on a busy machine before the
// goroutine that ends Main's context has run (TestRetryFailedInterrupted
// once exited 0 so under a full go test ./...).
func interruptNow() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGINT)
	defer signal.Stop(c)
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	select {
	case <-c:
	case <-time.After(5 * time.Second):
	}
	time.Sleep(100 * time.Millisecond)
}

// TestBenchmarkInterrupted: Ctrl-C in the second row prints the first,
// charts it in --plot (titled as interrupted) and says how far the run got
// and where its rows are, exit 130; it said "vitctl: interrupted" alone and
// drew no chart. In the first row nothing is written, and it says so.
// -o jsonl has written the rows done, each a whole line. With --out FILE
// the rows measured are in FILE (renamed into place), and with none
// measured there is no FILE.
func TestBenchmarkInterrupted(t *testing.T) {
	for _, tc := range []struct {
		name, mark, threads, format string
		rows                        int
		want                        string
		out                         bool
	}{
		{"second row", "batch 1, threads 1: p50", "1", "csv", 1, "vitctl: interrupted after 1 of 2 rows: the output holds only the rows measured, and PLOT charts them\n", false},
		// The note on too many threads comes before the first row.
		{"first row", "note: --threads", fmt.Sprint(kernels.DefaultThreads() + 1), "csv", 0, "vitctl: interrupted in the first of 2 rows: nothing measured, nothing written\n", false},
		{"second row jsonl", "batch 1, threads 1: p50", "1", "jsonl", 1, "vitctl: interrupted after 1 of 2 rows: the output holds only the rows measured, and PLOT charts them\n", false},
		{"second row --out jsonl", "batch 1, threads 1: p50", "1", "jsonl", 1, "vitctl: interrupted after 1 of 2 rows: OUT holds only the rows measured, and PLOT charts them\n", true},
		{"second row --out csv", "batch 1, threads 1: p50", "1", "csv", 1, "vitctl: interrupted after 1 of 2 rows: OUT holds only the rows measured, and PLOT charts them\n", true},
		{"first row --out", "note: --threads", fmt.Sprint(kernels.DefaultThreads() + 1), "jsonl", 0, "vitctl: interrupted in the first of 2 rows: nothing measured, nothing written\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			plot, file := filepath.Join(dir, "chart.png"), filepath.Join(dir, "rows."+tc.format)
			errw := &interruptAfter{mark: tc.mark}
			var out bytes.Buffer
			args := tinyBench("--time", "500ms", "--min-runs", "1", "--threads", tc.threads, "-o", tc.format, "--plot", plot)
			if tc.out {
				args = append(args, "--out", file)
			}
			code := Main(args, strings.NewReader(""), &out, errw)
			errs := errw.buf.String()
			want := strings.ReplaceAll(strings.ReplaceAll(tc.want, "PLOT", plot), "OUT", file)
			if code != ExitInterrupted || !strings.HasSuffix(errs, want) {
				t.Fatalf("exit %d, stderr %q; want 130 and %q", code, errs, want)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
			if tc.out {
				if out.Len() != 0 {
					t.Errorf("stdout %q with --out", out.String())
				}
				b, err := os.ReadFile(file)
				if err == nil != (tc.rows > 0) {
					t.Fatalf("--out %s after the interrupt: %v", file, err)
				}
				out.Write(b)
			}
			text := out.String()
			recs, err := csv.NewReader(&out).ReadAll()
			if tc.format == "jsonl" {
				recs, err = jsonLines(text)
				recs = append([][]string{nil}, recs...) // as if a header
			}
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
				t.Errorf("%s: %d records, %v, want a header and %d rows:\n%s", tc.format, len(recs), err, tc.rows, text)
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
