package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/bench"
	"github.com/vitctl/vitctl/internal/kernels"
)

// tinyBench returns the arguments of a benchmark that finishes in well
// under a second, with flags in extra (given as pairs) replacing the
// defaults: list flags given twice would append.
func tinyBench(extra ...string) []string {
	args := []string{"benchmark"}
	flags := [][2]string{{"--arch", "vit-ti"}, {"--patch", "32"}, {"--image-size", "64"},
		{"--batch", "1,2"}, {"--threads", "1"}, {"--time", "1ms"}, {"--warmup", "0"}, {"--min-runs", "2"}}
	for _, f := range flags {
		if !slices.Contains(extra, f[0]) {
			args = append(args, f[0], f[1])
		}
	}
	return append(args, extra...)
}

func TestBenchmarkJSON(t *testing.T) {
	code, out, errs := run(t, "", tinyBench("-o", "json")...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if len(rep.Rows) != 2 {
		t.Fatalf("%d rows, want 2 (batch 1 and 2)", len(rep.Rows))
	}
	r := rep.Rows[1]
	// vit-ti/32 at 64: 4 patches + CLS.
	if r["arch"] != "vit-ti" || r["tokens"] != 5.0 || r["batch"] != 2.0 || r["runs"].(float64) < 2 || r["model"] != "synthetic" {
		t.Errorf("row %v", r)
	}
	if r["images_per_second"].(float64) <= 0 || r["gflops_per_second"].(float64) <= 0 || r["kernel"] == "" {
		t.Errorf("row not measured: %v", r)
	}
}

func TestBenchmarkCSVAndPlot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chart.png")
	code, out, errs := run(t, "", tinyBench("--patch", "16,32", "-o", "csv", "--plot", path, "--plot-size", "800x400")...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 5 || recs[0][0] != "arch" {
		t.Fatalf("CSV: %d records, %v\n%s", len(recs), err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width != 800 || cfg.Height != 400 {
		t.Errorf("chart: %dx%d, %v", cfg.Width, cfg.Height, err)
	}
	// It says what it wrote; it wrote the chart without a word.
	if want := "vitctl: wrote " + path + " (the p50 latency and the mean throughput against tokens per image, 4 rows)\n"; !strings.HasSuffix(errs, want) {
		t.Errorf("stderr %q: want it to end with %q", errs, want)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestBenchmarkText(t *testing.T) {
	code, out, errs := run(t, "", tinyBench("--image-size", "64,96")...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// 96 is a multiple of 32: four rows.
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 5 || !strings.Contains(lines[0], "GFLOP/s") {
		t.Errorf("text output:\n%s", out)
	}
	code, _, errs = run(t, "", tinyBench("--patch", "16,48")...)
	if code != ExitOK || !strings.Contains(errs, "skipping vit-ti/48 at 64") {
		t.Errorf("exit %d, want a skip note on stderr: %s", code, errs)
	}
}

// TestBenchmarkNonSquare runs WxH sizes from --image-size and --shape:
// tokens are CLS + (W/P)·(H/P), GFLOPs those of bench.CostAt, and the JSON
// row has image_size 0 with the width and height in their own fields.
func TestBenchmarkNonSquare(t *testing.T) {
	code, out, errs := run(t, "", tinyBench("--image-size", "96x64,64x50", "--batch", "2", "--shape", "vit-ti/16@32x48", "-o", "json")...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "skipping vit-ti/32 at 64x50: the height 50 is not a multiple of the patch size") {
		t.Errorf("no skip note for 64x50:\n%s", errs)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	want := []struct{ patch, w, h, tokens int }{{32, 96, 64, 7}, {16, 32, 48, 7}}
	if len(rep.Rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rep.Rows), len(want), out)
	}
	for i, w := range want {
		r := rep.Rows[i]
		cfg := bench.Archs["vit-ti"].Config(w.patch, min(w.w, w.h)) // synthetic weights for the shorter side
		gflops := float64(bench.CostAt(&cfg, w.h, w.w).FLOPs()) / 1e9
		if r.Params != bench.Params(&cfg) {
			t.Errorf("row %d: %d params, want %d (position embeddings for %d×%d)", i, r.Params, bench.Params(&cfg), min(w.w, w.h), min(w.w, w.h))
		}
		if r.Patch != w.patch || r.ImageWidth != w.w || r.ImageHeight != w.h || r.ImageSize != 0 || r.Tokens != w.tokens ||
			r.GFLOPsPerImage != gflops || r.Batch != 2 || r.Runs < 2 || r.ImagesPerSec <= 0 {
			t.Errorf("row %d: %+v; want patch %d, %dx%d, %d tokens, %g GFLOP/image", i, r, w.patch, w.w, w.h, w.tokens, gflops)
		}
	}
}

func TestBenchmarkShapes(t *testing.T) {
	// The grid (vit-ti/32@64) plus one --shape row, each at batch 1 and 2.
	code, out, errs := run(t, "", tinyBench("--shape", "vit-ti/16@32", "-o", "csv")...)
	if code != ExitOK || strings.Count(out, "\nvit-ti,synthetic,16,32,") != 2 || strings.Count(out, "\n") != 5 {
		t.Errorf("grid + --shape: exit %d\n%s%s", code, out, errs)
	}
	// --shape alone runs only its rows, as its help says (it said the
	// rows were outside the grid, as if the default grid ran too).
	if _, help, _ := run(t, "", "benchmark", "--help"); !strings.Contains(help, "without --arch, --patch and --image-size, only these rows run") {
		t.Errorf("--shape's help does not say it runs alone:\n%s", help)
	}
	code, out, errs = run(t, "", "benchmark", "--shape", "vit-ti/16@32,vit-ti/8@32", "--threads", "1", "--time", "1ms", "--warmup", "0", "--min-runs", "1", "-o", "csv")
	if code != ExitOK || strings.Count(out, "\n") != 3 || !strings.Contains(out, "\nvit-ti,synthetic,8,32,") {
		t.Errorf("--shape alone: exit %d\n%s%s", code, out, errs)
	}
}

func TestBenchmarkUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-o", "xml"}, `--output "xml": want text, json, jsonl or csv`},
		{[]string{"--patch", "0"}, "--patch"},
		{[]string{"--batch", "1,-2"}, "--batch"},
		{[]string{"--batch", "1, x"}, `vitctl: --batch "1, x": "x": want a whole number` + "\n"},
		{[]string{"--threads", "two"}, `vitctl: --threads "two": want a whole number` + "\n"},
		{[]string{"--arch", "vit-x"}, "unknown architecture"},
		{[]string{"--image-size", "50"}, "multiple"},
		{[]string{"--time", "0s"}, "--time"},
		{[]string{"--plot-size", "big"}, "--plot-size"},
		{[]string{"--kernel", "sse"}, "--kernel"},
		{[]string{"-m", "x.gguf", "--arch", "vit-b"}, "not with -m"},
		{[]string{"--verify-model"}, "vitctl: --verify-model: checks the model file of -m, and random-weight architectures have none: give -m MODEL, or leave --verify-model out\n"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--shape", "vit-b/16"}, "ARCH/PATCH@SIZE"},
		{[]string{"--shape", "vit-b/16@100"}, "multiple"},
		{[]string{"--shape", "vit-q/16@224"}, "unknown architecture"},
		// Empty lists: --arch "" said no --patch and --image-size fit, and
		// --shape "" ran the whole default grid.
		{[]string{"--arch", ""}, "vitctl: --arch: give at least one architecture: vit-ti, vit-s, vit-b, vit-l\n"},
		{[]string{"--shape", ""}, "vitctl: --shape: give at least one row as ARCH/PATCH@SIZE, e.g. vit-b/16@384\n"},
	} {
		code, _, errs := run(t, "", tinyBench(tc.args...)...)
		if code != ExitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 mentioning %q", tc.args, code, errs, tc.want)
		}
	}
	code, out, errs := run(t, "", "benchmark", "-m", filepath.Join(t.TempDir(), "missing.gguf"), "--time", "1ms")
	if code != ExitFailed || !strings.Contains(errs, "missing.gguf") || out != "" {
		t.Errorf("missing model: exit %d, stdout %q (want nothing), stderr %q", code, out, errs)
	}
}

// TestBenchmarkModelImageSize runs a model file at its own size and at
// another, as classify's --image-size does.
func TestBenchmarkModelImageSize(t *testing.T) {
	gguf := convertTestModel(t, "vit-p16-gelu")
	code, out, errs := run(t, "", "benchmark", "-m", gguf, "--image-size", "32,48,48x32", "--threads", "1",
		"--time", "1ms", "--warmup", "0", "--min-runs", "1", "-o", "csv")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 4 {
		t.Fatalf("%d records (%v):\n%s", len(recs), err, out)
	}
	col := slices.Index(recs[0], "tokens")
	if recs[1][col] != "5" || recs[2][col] != "10" || recs[3][col] != "7" {
		t.Errorf("tokens %s, %s and %s, want 5 (CLS + 2×2), 10 (CLS + 3×3) and 7 (CLS + 3 wide × 2 high)", recs[1][col], recs[2][col], recs[3][col])
	}
	if !strings.Contains(errs, "images/s at that p50") {
		t.Errorf("stderr pairs p50 with another rate:\n%s", errs)
	}
	code, _, errs = run(t, "", "benchmark", "-m", gguf, "--image-size", "40", "--time", "1ms")
	if code != ExitUsage || !strings.Contains(errs, "multiple of the model's patch size 16") {
		t.Errorf("--image-size 40: exit %d, %q", code, errs)
	}
}

// TestBenchmarkOutputChecks: --plot is checked before any row runs, its
// legend's size too.
func TestBenchmarkOutputChecks(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "d.png"), 0o755)
	for _, tc := range []struct {
		plot, want string
		extra      []string
	}{
		{filepath.Join(dir, "c.jpg"), "ending in .png", nil},
		{filepath.Join(dir, "nodir", "c.png"), "does not exist", nil},
		{filepath.Join(dir, "d.png"), "is a folder", nil},
		// 100 lines of legend in a 300x200 chart: the legend ran off its
		// edge, drawn after every row had run.
		{filepath.Join(dir, "c.png"), "--plot: a 300x200 chart's legend has room for about 6 lines, and these rows make 100 (one per architecture, thread count and batch size): give a taller --plot-size, or fewer --arch, --batch or --threads values",
			[]string{"--plot-size", "300x200", "--batch", "1,2,3,4,5,6,7,8,9,10", "--threads", "1,2,3,4,5,6,7,8,9,10"}},
	} {
		code, out, errs := run(t, "", tinyBench(append([]string{"--plot", tc.plot}, tc.extra...)...)...)
		if code != ExitUsage || !strings.Contains(errs, tc.want) || out != "" || strings.Contains(errs, ".tmp") {
			t.Errorf("--plot %s: exit %d, stdout %q, stderr %q; want exit 2 before any row, mentioning %q", tc.plot, code, out, errs, tc.want)
		}
	}
}

func TestReplaceFileLeavesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "chart.png")
	os.WriteFile(path, []byte("old"), 0o644)
	err := writeFileAtomic(path, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return errors.New("draw failed")
	})
	if err == nil {
		t.Fatal("no error")
	}
	entries, _ := os.ReadDir(dir)
	if b, _ := os.ReadFile(path); len(entries) != 1 || string(b) != "old" {
		t.Errorf("after a failed write: %d files, chart.png = %q", len(entries), b)
	}
}

// TestBenchmarkOversubscribed: more threads than the process's CPUs runs,
// with a note that those rows time threads taking turns.
func TestBenchmarkOversubscribed(t *testing.T) {
	th := kernels.DefaultThreads() + 1
	code, _, errs := run(t, "", tinyBench("--threads", fmt.Sprint(th))...)
	want := fmt.Sprintf("note: --threads %d is more than the %s this process may use", th, nouns(th-1, "CPU")) // "the 1 CPUs" under taskset -c 0
	if code != ExitOK || !strings.Contains(errs, want) {
		t.Errorf("exit %d, stderr %q; want %q", code, errs, want)
	}
	if _, _, errs := run(t, "", tinyBench("--threads", "1")...); strings.Contains(errs, "note: --threads") {
		t.Errorf("1 thread: %q", errs)
	}
}

// TestBenchmarkMemoryRefusal: a row past --max-memory is refused before any
// row runs, naming the architecture and patch of that row (of several
// --arch, the first too large need not be the largest) and the flags that
// make it smaller.
func TestBenchmarkMemoryRefusal(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--arch", "vit-ti,vit-l", "--patch", "16", "--image-size", "224,2048", "--max-memory", "1G"},
			"vitctl: vit-ti/16 at 2048x2048 pixels with batch 1 and 1 thread needs about 1.3 GiB of memory"},
		{[]string{"-m", "fashion-vit", "--image-size", "2800", "--max-memory", "2G"},
			"vitctl: fashion-vit/7 at 2800x2800 pixels with batch 1 and 1 thread needs about"},
	} {
		args := append([]string{"benchmark", "--threads", "1", "--time", "1ms"}, tc.args...)
		code, out, errs := run(t, "", args...)
		hint := "use a smaller --image-size, --batch or --threads (each combination of the lists runs), or raise --max-memory\n"
		if code != ExitUsage || out != "" || !strings.HasPrefix(errs, tc.want) || !strings.HasSuffix(errs, hint) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2, %q … %q", tc.args, code, out, errs, tc.want, hint)
		}
	}
}

// TestBenchmarkRepeatedValues: a value given twice in a list flag runs
// once, with a note saying so, where the row count fell short of what the
// lists multiply to without a word. An architecture's aliases (vit-ti,
// tiny, ti) are one value: --arch vit-ti,tiny ran twice.
func TestBenchmarkRepeatedValues(t *testing.T) {
	// A space after a comma is taken in every list (--batch "1, 2" was no
	// whole number, where --arch and --image-size took it).
	code, out, errs := run(t, "", tinyBench("--arch", "vit-ti,VIT-Ti, vit-ti", "--batch", "1, 2,1 ,1", "--threads", "1, 1", "--image-size", "64, 64x64", "-o", "csv")...)
	if code != ExitOK || strings.Count(out, "\n") != 3 {
		t.Fatalf("exit %d, want 2 rows:\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"vitctl: note: --arch vit-ti given more than once: each combination runs once\n", // any letter case: it ran once each
		"vitctl: note: --batch 1 given more than once: each combination runs once\n",
		"vitctl: note: --threads 1 given more than once: each combination runs once\n",
		"vitctl: note: --image-size 64 given more than once: each combination runs once\n",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr %q: want %q", errs, want)
		}
	}
	code, out, errs = run(t, "", tinyBench("--arch", "vit-ti,tiny", "-o", "csv")...)
	if want := "vitctl: note: --arch vit-ti given more than once: each combination runs once\n"; code != ExitOK || strings.Count(out, "\n") != 3 || !strings.Contains(errs, want) {
		t.Errorf("--arch vit-ti,tiny: exit %d, want 2 rows and %q:\n%s%s", code, want, out, errs)
	}
	if _, _, errs := run(t, "", tinyBench()...); strings.Contains(errs, "more than once") {
		t.Errorf("no repeats: %q", errs)
	}
}

// writeLog is a stdout that keeps each Write apart.
type writeLog struct{ writes []string }

func (w *writeLog) Write(p []byte) (int, error) {
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

// progressSeen is a stderr that notes, at each row's progress line, how
// many writes stdout had had by then.
type progressSeen struct {
	out  *writeLog
	seen []int
}

func (w *progressSeen) Write(p []byte) (int, error) {
	if strings.Contains(string(p), ": p50 ") {
		w.seen = append(w.seen, len(w.out.writes))
	}
	return len(p), nil
}

// TestBenchmarkJSONL: -o jsonl writes each row as one whole line of JSON,
// in one Write, before the row's progress line (as it is measured, not
// when the run ends), with the fields of -o json's rows.
func TestBenchmarkJSONL(t *testing.T) {
	out := &writeLog{}
	errw := &progressSeen{out: out}
	if code := Main(tinyBench("--patch", "16,32", "-o", "jsonl"), strings.NewReader(""), out, errw); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if len(out.writes) != 4 || !slices.Equal(errw.seen, []int{1, 2, 3, 4}) {
		t.Fatalf("%d writes, %v at the progress lines; want 4 rows, each written before its progress line:\n%q", len(out.writes), errw.seen, out.writes)
	}
	_, js, _ := run(t, "", tinyBench("-o", "json")...)
	var rep struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal([]byte(js), &rep); err != nil || len(rep.Rows) == 0 {
		t.Fatalf("-o json: %v\n%s", err, js)
	}
	for i, line := range out.writes {
		var row map[string]any
		if err := json.Unmarshal([]byte(line), &row); err != nil || !strings.HasSuffix(line, "}\n") || strings.Count(line, "\n") != 1 {
			t.Fatalf("write %d %q: want one line of JSON (%v)", i, line, err)
		}
		if !slices.Equal(slices.Sorted(maps.Keys(row)), slices.Sorted(maps.Keys(rep.Rows[0]))) {
			t.Errorf("row %d has fields %v, -o json's rows %v", i, slices.Sorted(maps.Keys(row)), slices.Sorted(maps.Keys(rep.Rows[0])))
		}
		if row["arch"] != "vit-ti" || row["runs"].(float64) < 2 {
			t.Errorf("row %d: %v", i, row)
		}
	}
}

// failWriter is a stdout whose every write fails, as on a full disk.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestBenchmarkJSONLWriteError: a row -o jsonl cannot write stops the
// run there (the rows after it would be measured for nothing), exit 1.
func TestBenchmarkJSONLWriteError(t *testing.T) {
	errw := &progressSeen{out: &writeLog{}}
	var msg bytes.Buffer
	code := Main(tinyBench("--patch", "16,32", "-o", "jsonl"), strings.NewReader(""), failWriter{}, io.MultiWriter(errw, &msg))
	want := "vitctl: writing output: no space left on device; stopped after writing 0 rows\n"
	if code != ExitFailed || !strings.HasSuffix(msg.String(), want) || len(errw.seen) != 0 {
		t.Errorf("exit %d, %d rows run, stderr %q; want 1, none run past the first, and %q", code, len(errw.seen), msg.String(), want)
	}
}

// TestBenchmarkModelName: a row's model names -m's model as classify's
// records name it, so the two join on it: "fashion-vit" for a built-in
// (it was "built-in model fashion-vit", a sentence), the path for a file.
func TestBenchmarkModelName(t *testing.T) {
	gguf := convertTestModel(t, "vit-p16-gelu")
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, m := range []string{"fashion-vit", gguf} {
		code, out, errs := run(t, "", "benchmark", "-m", m, "--threads", "1", "--time", "1ms", "--warmup", "0", "--min-runs", "1", "-o", "jsonl")
		if code != ExitOK {
			t.Fatalf("-m %s: exit %d: %s", m, code, errs)
		}
		var row, rec struct {
			Model       string
			ModelSHA256 string `json:"model_sha256"`
		}
		if _, cout, _ := run(t, "", "classify", "-m", m, "-o", "jsonl", img); json.Unmarshal([]byte(cout), &rec) != nil || rec.ModelSHA256 == "" {
			t.Fatalf("classify -m %s: %q", m, cout)
		}
		if err := json.Unmarshal([]byte(out), &row); err != nil || row != rec {
			t.Errorf("-m %s: model %q, model_sha256 %q (%v), want classify's %q, %q", m, row.Model, row.ModelSHA256, err, rec.Model, rec.ModelSHA256)
		}
	}
	// A synthetic row has no model file to hash.
	if _, out, _ := run(t, "", tinyBench("--batch", "1", "-o", "jsonl")...); !strings.Contains(out, `"model":"synthetic",`) || !strings.HasSuffix(out, `"model_sha256":""}`+"\n") {
		t.Errorf("synthetic row: %s", out)
	}
}

// tempLines is a stderr that notes, at each row's progress line, how many
// lines the temporary files in dir hold by then.
type tempLines struct {
	dir  string
	seen []int
}

func (w *tempLines) Write(p []byte) (int, error) {
	if strings.Contains(string(p), ": p50 ") {
		n := 0
		tmps, _ := filepath.Glob(filepath.Join(w.dir, ".*.tmp"))
		for _, tmp := range tmps {
			b, _ := os.ReadFile(tmp)
			n += strings.Count(string(b), "\n")
		}
		w.seen = append(w.seen, n)
	}
	return len(p), nil
}

// TestBenchmarkOut: --out FILE writes the rows to FILE, not stdout, in the
// format its name says unless -o is given (with a note where they
// differ), through a temporary file renamed at the end (-o jsonl's rows
// reach it as they are measured); a link is followed; names like an
// image's (--plot's), folders, missing folders and -m's model file are
// refused before any row runs, exit 2. benchmark had no --out.
func TestBenchmarkOut(t *testing.T) {
	dir := t.TempDir()
	in := func(name string) string { return filepath.Join(dir, name) }
	os.Mkdir(in("d.csv"), 0o755)
	if err := os.Symlink("target.csv", in("link.csv")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	for _, tc := range []struct {
		out, format string // format: the file's, read back
		extra       []string
		note        string // on stderr
	}{
		{"rows.csv", "csv", nil, ""},
		{"rows.jsonl", "jsonl", nil, ""},
		{"rows.json", "json", nil, ""},
		{"rows.txt", "text", nil, ""},
		{"rows.json", "csv", []string{"-o", "csv"}, "vitctl: note: --out " + in("rows.json") + " gets csv, not json (-o csv wins over the name)\n"},
		{"link.csv", "csv", nil, ""},
	} {
		errw := &tempLines{dir: dir}
		var stdout, stderr bytes.Buffer
		args := tinyBench(append([]string{"--out", in(tc.out)}, tc.extra...)...)
		code := Main(args, strings.NewReader(""), &stdout, io.MultiWriter(errw, &stderr))
		file := in(tc.out)
		if tc.out == "link.csv" {
			file = in("target.csv")
			if st, err := os.Lstat(in(tc.out)); err != nil || st.Mode()&os.ModeSymlink == 0 {
				t.Errorf("--out %s is no longer a link: %v", tc.out, err)
			}
		}
		b, err := os.ReadFile(file)
		text := string(b)
		rows := 0
		switch tc.format {
		case "csv":
			recs, _ := csv.NewReader(strings.NewReader(text)).ReadAll()
			rows = len(recs) - 1
		case "jsonl":
			recs, _ := jsonLines(text)
			rows = len(recs)
			if !slices.Equal(errw.seen, []int{1, 2}) {
				t.Errorf("--out %s: %v lines in its temporary file at the progress lines; want each row there as it is measured", tc.out, errw.seen)
			}
		case "json":
			var rep bench.Report
			json.Unmarshal(b, &rep)
			rows = len(rep.Rows)
		case "text":
			rows = strings.Count(text, "\n") - 1
		}
		want := tc.note + "vitctl: wrote " + in(tc.out) + " (2 rows)\n"
		if code != ExitOK || err != nil || rows != 2 || stdout.Len() != 0 || !strings.HasPrefix(stderr.String(), tc.note) || !strings.HasSuffix(stderr.String(), "vitctl: wrote "+in(tc.out)+" (2 rows)\n") {
			t.Errorf("--out %s %q: exit %d, %d rows of %s (%v), stdout %q, stderr\n%s\nwant exit 0, 2 rows, nothing on stdout and\n%s", tc.out, tc.extra, code, rows, tc.format, err, stdout.String(), stderr.String(), want)
		}
		if left, _ := filepath.Glob(in(".*tmp*")); len(left) != 0 {
			t.Errorf("--out %s: temporary files left: %v", tc.out, left)
		}
	}
	gguf := convertTestModel(t, "vit-p16-gelu")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", in("rows.png")}, "vitctl: --out " + in("rows.png") + ": a .png name, for results that are not one; give a name such as results.txt"},
		{[]string{"--out", in("d.csv")}, "vitctl: --out " + in("d.csv") + ": is a folder; give a file name\n"},
		{[]string{"--out", in("none/rows.csv")}, "vitctl: --out " + in("none/rows.csv") + ": folder " + in("none") + " does not exist\n"},
		{[]string{"benchmark", "-m", gguf, "--out", gguf, "-o", "jsonl"}, "vitctl: --out " + gguf + ": is the model -m " + gguf + "; writing it would overwrite that file: give another name\n"},
	} {
		args := tinyBench(tc.args...)
		if tc.args[0] == "benchmark" {
			args = tc.args
		}
		before, _ := os.ReadFile(gguf)
		code, stdout, errs := run(t, "", args...)
		after, _ := os.ReadFile(gguf)
		if code != ExitUsage || !strings.HasPrefix(errs, tc.want) || stdout != "" || string(before) != string(after) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 before any row and %q", tc.args, code, stdout, errs, tc.want)
		}
	}
}

// jsonLines reads JSON Lines, each line's fields' names (an error for a
// line that is not a whole JSON object, or for text not ending in a newline).
func jsonLines(text string) ([][]string, error) {
	if text == "" {
		return nil, nil
	}
	if !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("%q does not end in a newline", text)
	}
	var recs [][]string
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			return nil, fmt.Errorf("line %q: %w", line, err)
		}
		recs = append(recs, slices.Sorted(maps.Keys(m)))
	}
	return recs, nil
}

// TestBenchmarkDocsKernelColumn: docs/benchmark.md's table of columns
// names every kernel the kernel column can show (amx was missing), and
// what the text table adds after it.
func TestBenchmarkDocsKernelColumn(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "docs", "benchmark.md"))
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, "| `kernel` |") {
			row = line
		}
	}
	for _, name := range append(kernels.Known(), "avx2 via fp32", "avx512 via fp32", "generic via fp32", "avx2 via fp32 bf16") {
		if !strings.Contains(row, "`"+name+"`") {
			t.Errorf("docs/benchmark.md's kernel row does not name `%s`: %q", name, row)
		}
	}
}

// TestBenchmarkChartTitle: --plot's title names the kernels the rows ran,
// as their kernel column does, where it named the fp32 kernel over rows of
// bf16 or int8 that ran on another (avx512vnni, avx2 via fp32).
func TestBenchmarkChartTitle(t *testing.T) {
	rep := &bench.Report{CPU: "EPYC", NumCPU: 2, GoVersion: "go1.26", Rows: []bench.Row{
		{Kernel: "avx2 via fp32", Precision: "bf16"}, {Kernel: "avx2 via fp32", Precision: "bf16"},
		{Kernel: "avx512vnni", Precision: "int8"}, {Kernel: "avx512", Precision: "fp32"},
	}}
	if got, want := chartTitle(rep, false, 4), "vitctl benchmark: kernel avx2 via fp32 bf16, avx512vnni int8, avx512; EPYC (2 CPUs), go1.26"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	if got, want := chartTitle(rep, true, 8), " (interrupted after 4 of 8 rows)"; !strings.HasSuffix(got, want) {
		t.Errorf("interrupted: title %q, want it to end %q", got, want)
	}
	rep.NumCPU = 1 // under taskset -c 0: it said "(1 CPUs)"
	if got, want := chartTitle(rep, false, 4), "; EPYC (1 CPU), go1.26"; !strings.HasSuffix(got, want) {
		t.Errorf("one CPU: title %q, want it to end %q", got, want)
	}
}

// TestBenchmarkLoadNote: the machine-wide load average is weighed against
// the machine's CPUs, and an affinity mask that allows fewer is said
// apart. Under taskset -c 0 on two CPUs it said "load average 2.9 on 1
// CPUs", and warned of a load of 1.5 that two CPUs carry.
func TestBenchmarkLoadNote(t *testing.T) {
	for _, c := range []struct {
		load            float64
		machine, usable int
		want            string
	}{
		{1.5, 2, 1, ""},
		{2, 2, 2, ""},
		{2.94, 2, 1, "vitctl: load average 2.9 on a machine of 2 CPUs (its affinity mask gives this process 1 of them): other programs compete for the CPUs, expect noisy numbers (see the CPU column)"},
		{2.5, 2, 2, "vitctl: load average 2.5 on a machine of 2 CPUs: other programs compete for the CPUs, expect noisy numbers (see the CPU column)"},
		{1.2, 1, 1, "vitctl: load average 1.2 on a machine of 1 CPU: other programs compete for the CPUs, expect noisy numbers (see the CPU column)"},
	} {
		if got := loadNote(c.load, c.machine, c.usable); got != c.want {
			t.Errorf("load %.2f, %d CPUs, %d usable: %q, want %q", c.load, c.machine, c.usable, got, c.want)
		}
	}
}
