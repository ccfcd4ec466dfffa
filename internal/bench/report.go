package bench

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vitctl/vitctl/internal/textcol"
)

// Row is one measured combination. JSON and CSV names are stable.
type Row struct {
	Arch      string `json:"arch"`  // preset name, or the model file's name
	Model     string `json:"model"` // "synthetic" or the model file's path
	Patch     int    `json:"patch"`
	ImageSize int    `json:"image_size"` // N for N×N images; 0 when width ≠ height (see ImageWidth, ImageHeight)
	Tokens    int    `json:"tokens"`     // patches + CLS
	Batch     int    `json:"batch"`
	Threads   int    `json:"threads"`
	Kernel    string `json:"kernel"`

	Params         int64   `json:"params"`
	GFLOPsPerImage float64 `json:"gflops_per_image"` // multiply-add = 2, see Cost
	LoadSeconds    float64 `json:"load_seconds"`

	Runs           int     `json:"runs"` // timed forward passes after warm-up
	BatchP50ms     float64 `json:"latency_p50_ms"`
	BatchP90ms     float64 `json:"latency_p90_ms"`
	ImageP50ms     float64 `json:"per_image_p50_ms"`
	ImageP90ms     float64 `json:"per_image_p90_ms"`
	ImagesPerSec   float64 `json:"images_per_second"` // batch·runs / time of the timed runs: the mean's rate, not the p50's
	GFLOPsPerSec   float64 `json:"gflops_per_second"` // gflops_per_image · images_per_second
	PeakRSSBytes   int64   `json:"peak_rss_bytes"`    // 0 when unknown
	PeakRSSScope   string  `json:"peak_rss_scope"`    // "row", "process" or "unknown"
	BatchMeanms    float64 `json:"latency_mean_ms"`
	BatchMinms     float64 `json:"latency_min_ms"`
	BatchMaxms     float64 `json:"latency_max_ms"`
	ElapsedSeconds float64 `json:"elapsed_seconds"` // wall time of the row, warm-up included
	// CPUShare is the CPU time the process got while the row ran (warm-up
	// included) ÷ (its wall time × threads); well below 1 means the threads
	// waited for a CPU (a busy machine) or for each other. 0 when unknown.
	CPUShare float64 `json:"cpu_share"`
	// Precision of the encoder's Linear layers: fp32, bf16 or int8.
	Precision string `json:"precision"`
	// ImageWidth and ImageHeight are the input's size in pixels, set for
	// square and non-square rows alike.
	ImageWidth  int `json:"image_width"`
	ImageHeight int `json:"image_height"`
	// ModelSHA256 is -m's model's short SHA-256, as classify's records
	// give it, so that rows join with them; "" for a synthetic model.
	// Last, as the CSV column: the columns before it kept their places.
	ModelSHA256 string `json:"model_sha256"`
}

// SetSize sets the image size fields for images of width×height pixels.
func (r *Row) SetSize(width, height int) {
	r.ImageWidth, r.ImageHeight, r.ImageSize = width, height, 0
	if width == height {
		r.ImageSize = width
	}
}

// Size is the image size as people write it: "224" for 224×224, "384x224"
// for 384 wide and 224 high.
func (r *Row) Size() string {
	w, h := r.ImageWidth, r.ImageHeight
	if w == h {
		return strconv.Itoa(w)
	}
	return fmt.Sprintf("%dx%d", w, h)
}

// SetTimes fills the latency and throughput fields from the timed runs'
// statistics; Batch and GFLOPsPerImage must be set.
func (r *Row) SetTimes(st Stats) {
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b := float64(r.Batch)
	r.Runs = st.N
	r.BatchP50ms, r.BatchP90ms = ms(st.P50), ms(st.P90)
	r.ImageP50ms, r.ImageP90ms = ms(st.P50)/b, ms(st.P90)/b
	r.BatchMeanms, r.BatchMinms, r.BatchMaxms = ms(st.Mean), ms(st.Min), ms(st.Max)
	if st.Mean > 0 {
		r.ImagesPerSec = b / st.Mean.Seconds()
	}
	r.GFLOPsPerSec = r.GFLOPsPerImage * r.ImagesPerSec
}

// Report is the whole output of one benchmark run.
type Report struct {
	Version    string  `json:"vitctl_version"`
	GoVersion  string  `json:"go_version"`
	OS         string  `json:"os"`
	GoArch     string  `json:"goarch"`
	CPU        string  `json:"cpu_model"`
	NumCPU     int     `json:"num_cpu"`
	TimeBudget float64 `json:"time_budget_seconds"` // per row
	LoadAvg    float64 `json:"load_average"`        // one-minute load average at the start; -1 unknown
	Rows       []Row   `json:"rows"`
}

// WriteJSON writes the report as one indented JSON object.
func WriteJSON(w io.Writer, rep *Report) error {
	if rep.Rows == nil {
		rep.Rows = []Row{}
	}
	e := json.NewEncoder(w)
	e.SetEscapeHTML(false) // "R&D.gguf" as it is, for grep
	e.SetIndent("", "  ")
	return e.Encode(rep)
}

// WriteJSONLRow writes r as one line of JSON (the fields of a WriteJSON
// row) in a single Write, so that output cut off between rows, by Ctrl-C
// or a kill, holds only whole lines.
func WriteJSONLRow(w io.Writer, r *Row) error {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false) // "R&D.gguf" as it is, for grep
	if err := e.Encode(r); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// column is one CSV column: its name (the Row's JSON name) and value.
type column struct {
	name string
	val  func(*Row) string
}

func itoa(i int) string { return strconv.Itoa(i) }

// ftoa writes f as JSON does, the shortest digits that read back as f, so
// that the CSV and JSON rows of one run hold the same numbers. Fixed
// decimals (3 or 4) kept three digits of the built-in fashion-vit's
// figures (per_image_p50_ms 0.126 for 0.126081921875 at batch 256,
// gflops_per_image 0.0108 for 0.010773248, so that gflops_per_second no
// longer equalled it times images_per_second), and would keep one of a
// time of a few microseconds (0.004 for 0.0041234).
func ftoa(f float64) string {
	b, err := json.Marshal(f) // the exponent as JSON writes it: 1.5e-7, not 1.5e-07
	if err != nil {           // NaN or ±Inf, which JSON has no number for
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return string(b)
}

// columns lists every Row field in declaration order.
var columns = []column{
	{"arch", func(r *Row) string { return r.Arch }},
	{"model", func(r *Row) string { return r.Model }},
	{"patch", func(r *Row) string { return itoa(r.Patch) }},
	{"image_size", func(r *Row) string { return itoa(r.ImageSize) }},
	{"tokens", func(r *Row) string { return itoa(r.Tokens) }},
	{"batch", func(r *Row) string { return itoa(r.Batch) }},
	{"threads", func(r *Row) string { return itoa(r.Threads) }},
	{"kernel", func(r *Row) string { return r.Kernel }},
	{"params", func(r *Row) string { return strconv.FormatInt(r.Params, 10) }},
	{"gflops_per_image", func(r *Row) string { return ftoa(r.GFLOPsPerImage) }},
	{"load_seconds", func(r *Row) string { return ftoa(r.LoadSeconds) }},
	{"runs", func(r *Row) string { return itoa(r.Runs) }},
	{"latency_p50_ms", func(r *Row) string { return ftoa(r.BatchP50ms) }},
	{"latency_p90_ms", func(r *Row) string { return ftoa(r.BatchP90ms) }},
	{"per_image_p50_ms", func(r *Row) string { return ftoa(r.ImageP50ms) }},
	{"per_image_p90_ms", func(r *Row) string { return ftoa(r.ImageP90ms) }},
	{"images_per_second", func(r *Row) string { return ftoa(r.ImagesPerSec) }},
	{"gflops_per_second", func(r *Row) string { return ftoa(r.GFLOPsPerSec) }},
	{"peak_rss_bytes", func(r *Row) string { return strconv.FormatInt(r.PeakRSSBytes, 10) }},
	{"peak_rss_scope", func(r *Row) string { return r.PeakRSSScope }},
	{"latency_mean_ms", func(r *Row) string { return ftoa(r.BatchMeanms) }},
	{"latency_min_ms", func(r *Row) string { return ftoa(r.BatchMinms) }},
	{"latency_max_ms", func(r *Row) string { return ftoa(r.BatchMaxms) }},
	{"elapsed_seconds", func(r *Row) string { return ftoa(r.ElapsedSeconds) }},
	{"cpu_share", func(r *Row) string { return ftoa(r.CPUShare) }},
	{"precision", func(r *Row) string { return r.Precision }},
	{"image_width", func(r *Row) string { return itoa(r.ImageWidth) }},
	{"image_height", func(r *Row) string { return itoa(r.ImageHeight) }},
	{"model_sha256", func(r *Row) string { return r.ModelSHA256 }},
}

// WriteCSV writes a header line of the Row's JSON names, then one line per row.
func WriteCSV(w io.Writer, rows []Row) error {
	c := csv.NewWriter(w)
	rec := make([]string, len(columns))
	for i, col := range columns {
		rec[i] = col.name
	}
	if err := c.Write(rec); err != nil {
		return err
	}
	for i := range rows {
		for j, col := range columns {
			rec[j] = col.val(&rows[i])
		}
		if err := c.Write(rec); err != nil {
			return err
		}
	}
	c.Flush()
	return c.Error()
}

// WriteText writes an aligned table for people; JSON and CSV carry more.
// Its rates are the mean's (images_per_second), marked so, beside p50
// latencies. Its columns are aligned as a terminal shows them (textcol):
// arch is the model file's name with -m, which may be 猫.gguf.
func WriteText(w io.Writer, rows []Row) error {
	table := [][]string{{"arch", "patch", "size", "tokens", "batch", "threads", "params", "GFLOP/img", "load",
		"p50/batch", "p90/batch", "p50/img", "p90/img", "img/s(mean)", "GFLOP/s(mean)", "CPU", "peak RSS", "kernel"}}
	for i := range rows {
		r := &rows[i]
		table = append(table, []string{
			r.Arch, strconv.Itoa(r.Patch), r.Size(), strconv.Itoa(r.Tokens), strconv.Itoa(r.Batch), strconv.Itoa(r.Threads),
			fmtCount(r.Params), fmtG(r.GFLOPsPerImage), fmt.Sprintf("%.2fs", r.LoadSeconds),
			fmtMS(r.BatchP50ms), fmtMS(r.BatchP90ms), fmtMS(r.ImageP50ms), fmtMS(r.ImageP90ms),
			fmt.Sprintf("%.2f", r.ImagesPerSec), fmt.Sprintf("%.1f", r.GFLOPsPerSec), fmt.Sprintf("%.0f%%", 100*r.CPUShare),
			fmtRSS(r.PeakRSSBytes, r.PeakRSSScope), kernelText(r)})
	}
	return textcol.Right(w, table)
}

// fmtMS prints milliseconds with three significant digits or more.
func fmtMS(ms float64) string {
	switch {
	case ms >= 100:
		return fmt.Sprintf("%.0fms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1fms", ms)
	}
	return fmt.Sprintf("%.2fms", ms)
}

// fmtCount prints a parameter count in k or M.
func fmtCount(n int64) string {
	if n < 1e6 {
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprintf("%.1fM", float64(n)/1e6)
}

// fmtG prints x with one decimal, or three significant digits below 10.
func fmtG(x float64) string {
	if x >= 10 {
		return fmt.Sprintf("%.1f", x)
	}
	return strconv.FormatFloat(x, 'g', 3, 64)
}

func fmtRSS(b int64, scope string) string {
	if b <= 0 {
		return "-"
	}
	s := fmt.Sprintf("%.0fMiB", float64(b)/(1<<20))
	if scope == "process" {
		s += "*" // the peak of the whole run so far, see docs/benchmark.md
	}
	return s
}

// Kernels names the kernels rows ran, as the text table's kernel column
// does (avx2, avx2 via fp32 bf16), each once, in the order of the rows.
func Kernels(rows []Row) string {
	var ks []string
	for i := range rows {
		if k := kernelText(&rows[i]); !slices.Contains(ks, k) {
			ks = append(ks, k)
		}
	}
	return strings.Join(ks, ", ")
}

// kernelText is the text table's kernel column: the GEMM implementation,
// and the precision when it is not fp32.
func kernelText(r *Row) string {
	if r.Precision == "" || r.Precision == "fp32" {
		return r.Kernel
	}
	return r.Kernel + " " + r.Precision
}
