package bench

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rivo/uniseg"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// rowKeys is the JSON and CSV schema of a row. Changing it breaks users'
// scripts: add fields at the end, never rename or remove one.
var rowKeys = []string{
	"arch", "model", "patch", "image_size", "tokens", "batch", "threads", "kernel",
	"params", "gflops_per_image", "load_seconds",
	"runs", "latency_p50_ms", "latency_p90_ms", "per_image_p50_ms", "per_image_p90_ms",
	"images_per_second", "gflops_per_second", "peak_rss_bytes", "peak_rss_scope",
	"latency_mean_ms", "latency_min_ms", "latency_max_ms", "elapsed_seconds", "cpu_share", "precision",
	"image_width", "image_height", "model_sha256",
}

var reportKeys = []string{"vitctl_version", "go_version", "os", "goarch", "cpu_model", "num_cpu", "time_budget_seconds", "load_average", "rows"}

func sampleRows() []Row {
	var rows []Row
	for _, c := range costCases[:6] {
		for _, th := range []int{1, 2} {
			for _, b := range []int{1, 8} {
				cfg := Archs[c.arch].Config(c.patch, c.size)
				r := Row{Arch: c.arch, Model: "synthetic", Patch: c.patch, Tokens: cfg.Tokens(),
					Batch: b, Threads: th, Kernel: "generic", Params: c.params, GFLOPsPerImage: float64(2*c.macs) / 1e9,
					PeakRSSBytes: 400 << 20, PeakRSSScope: "row"}
				r.SetSize(c.size, c.size)
				per := time.Duration(float64(c.macs) / float64(th) / 10) // 20 GFLOP/s per thread
				r.SetTimes(Summarize([]time.Duration{per * time.Duration(b), per * time.Duration(b) * 11 / 10}))
				rows = append(rows, r)
			}
		}
	}
	return rows
}

// jsonKeys returns the keys of a JSON object in the order they appear.
func jsonKeys(t *testing.T, data []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	var keys []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				depth++
			} else {
				depth--
			}
		case string:
			if depth == 1 { // a key; its value is a scalar or, last, the rows
				keys = append(keys, v)
				if v == "rows" {
					return keys
				}
				dec.Token() // the value
			}
		}
	}
	return keys
}

func TestRowSchema(t *testing.T) {
	r := sampleRows()[0]
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(data, &m)
	var tags []string
	rt := reflect.TypeOf(r)
	for i := 0; i < rt.NumField(); i++ {
		tags = append(tags, strings.Split(rt.Field(i).Tag.Get("json"), ",")[0])
	}
	if !reflect.DeepEqual(tags, rowKeys) || len(m) != len(rowKeys) {
		t.Errorf("row JSON fields changed:\n got %v\nwant %v", tags, rowKeys)
	}
	var names []string
	for _, c := range columns {
		names = append(names, c.name)
	}
	if !reflect.DeepEqual(names, rowKeys) {
		t.Errorf("CSV columns differ from the JSON fields:\n got %v\nwant %v", names, rowKeys)
	}
}

func TestReportJSON(t *testing.T) {
	var buf bytes.Buffer
	rep := &Report{Version: "0.1.0", GoVersion: "go1.26", OS: "linux", GoArch: "amd64", NumCPU: 2, TimeBudget: 3}
	if err := WriteJSON(&buf, rep); err != nil {
		t.Fatal(err)
	}
	if got := jsonKeys(t, buf.Bytes()); !reflect.DeepEqual(got, reportKeys) {
		t.Errorf("report keys %v, want %v", got, reportKeys)
	}
	if !strings.Contains(buf.String(), `"rows": []`) {
		t.Errorf("no rows should print as [], got\n%s", buf.String())
	}
	rep.Rows = sampleRows()
	buf.Reset()
	WriteJSON(&buf, rep)
	var back Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || !reflect.DeepEqual(back.Rows, rep.Rows) {
		t.Errorf("JSON does not round-trip: %v", err)
	}
}

func TestCSVAndText(t *testing.T) {
	rows := sampleRows()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(recs) != len(rows)+1 || !reflect.DeepEqual(recs[0], rowKeys) {
		t.Fatalf("CSV: %d records, header %v, %v", len(recs), recs[0], err)
	}
	if recs[1][0] != "vit-b" || recs[1][9] != "35.127656448" {
		t.Errorf("CSV first row %v", recs[1])
	}
	buf.Reset()
	if err := WriteText(&buf, rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(rows)+1 || !strings.Contains(lines[1], "86.6M") || !strings.Contains(lines[1], " 35.1 ") {
		t.Errorf("text table:\n%s", buf.String())
	}
	// The rates are the mean's, not 1/p50 (the progress line's): the
	// header says so.
	header := strings.Fields(lines[0])
	for _, want := range []string{"p50/img", "img/s(mean)", "GFLOP/s(mean)"} {
		if !slices.Contains(header, want) {
			t.Errorf("text header %q has no %q", lines[0], want)
		}
	}
}

// TestTextWideArch: the text table's rows are as wide as its header, in a
// terminal's cells, with -m's arch, the model file's name, wide (猫.gguf)
// or with a combining accent (an NFD rosé.gguf): text/tabwriter counted
// runes, and every column after it was out of line.
func TestTextWideArch(t *testing.T) {
	rows := sampleRows()[:3]
	rows[0].Arch, rows[1].Arch = "猫", "rose\u0301"
	var buf bytes.Buffer
	if err := WriteText(&buf, rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	for _, l := range lines[1:] {
		if uniseg.StringWidth(l) != uniseg.StringWidth(lines[0]) {
			t.Errorf("a row %d cells wide, the header %d:\n%s", uniseg.StringWidth(l), uniseg.StringWidth(lines[0]), buf.String())
		}
	}
}

// TestNonSquareRow: a 384×224 row has image_size 0, its width and height in
// their own fields, and "384x224" in the text table's size column.
func TestNonSquareRow(t *testing.T) {
	rows := sampleRows()[:1]
	rows[0].SetSize(384, 224)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	recs, _ := csv.NewReader(&buf).ReadAll()
	col := func(name string) string { return recs[1][slices.Index(recs[0], name)] }
	if col("image_size") != "0" || col("image_width") != "384" || col("image_height") != "224" {
		t.Errorf("CSV sizes: image_size %s, image_width %s, image_height %s", col("image_size"), col("image_width"), col("image_height"))
	}
	buf.Reset()
	WriteText(&buf, rows)
	if fields := strings.Fields(strings.Split(buf.String(), "\n")[1]); fields[2] != "384x224" {
		t.Errorf("text size column %q, want 384x224:\n%s", fields[2], buf.String())
	}
	rows[0].SetSize(224, 224)
	if rows[0].ImageSize != 224 || rows[0].Size() != "224" {
		t.Errorf("square row: image_size %d, Size %q", rows[0].ImageSize, rows[0].Size())
	}
}

func TestSetTimes(t *testing.T) {
	r := Row{Batch: 8, GFLOPsPerImage: 35}
	r.SetTimes(Summarize([]time.Duration{600 * time.Millisecond, 1000 * time.Millisecond, 700 * time.Millisecond, 900 * time.Millisecond}))
	// p50 800 ms per batch of 8 → 100 ms per image; mean 800 ms → 10 img/s → 350 GFLOP/s
	if r.BatchP50ms != 800 || r.ImageP50ms != 100 || r.Runs != 4 || r.ImagesPerSec != 10 || r.GFLOPsPerSec != 350 {
		t.Errorf("SetTimes: %+v", r)
	}
}

func TestChartPNG(t *testing.T) {
	for _, size := range [][2]int{{1400, 600}, {640, 400}} {
		var buf bytes.Buffer
		if err := WriteChart(&buf, sampleRows(), "vitctl benchmark (test)", size[0], size[1]); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatalf("not a PNG: %v", err)
		}
		if b := img.Bounds(); b.Dx() != size[0] || b.Dy() != size[1] {
			t.Errorf("chart is %dx%d, want %dx%d", b.Dx(), b.Dy(), size[0], size[1])
		}
	}
	if err := WriteChart(&bytes.Buffer{}, nil, "", 100, 100); err == nil {
		t.Error("tiny chart: no error")
	}
	if err := WriteChart(&bytes.Buffer{}, nil, "empty", 800, 400); err == nil {
		t.Error("chart of no rows: no error")
	}
}

// TestChartLegend: a legend longer than the chart is tall goes into
// columns, each no taller than the room beside the panels (36 lines in a
// 600-pixel chart ran off its bottom edge, the last 6 undrawn); one
// whose columns would take more than half the width is refused.
func TestChartLegend(t *testing.T) {
	rowsOf := func(archs, threads, batches int) []Row {
		var rows []Row
		for a := range archs {
			for th := 1; th <= threads; th++ {
				for b := 1; b <= batches; b++ {
					rows = append(rows, Row{Arch: ArchNames()[a], Threads: th, Batch: b, Tokens: 197 + 100*b, ImageP50ms: float64(th + b), ImagesPerSec: float64(10 * th)})
				}
			}
		}
		return rows
	}
	for _, tc := range []struct {
		rows          []Row
		width, height int
		cols          int // 0: refused
	}{
		{rowsOf(1, 1, 1), 1400, 600, 1},
		{rowsOf(4, 3, 3), 1400, 600, 2},
		{rowsOf(4, 5, 6), 1400, 600, 4},
		{rowsOf(4, 6, 6), 1400, 600, 0},
		{rowsOf(4, 6, 6), 1400, 2000, 2},
		{rowsOf(1, 10, 10), 300, 200, 0},
	} {
		n := len(seriesOf(tc.rows))
		err := CheckChart(tc.rows, tc.width, tc.height)
		if (err == nil) != (tc.cols > 0) {
			t.Errorf("%d lines at %dx%d: %v, want refused %v", n, tc.width, tc.height, err, tc.cols == 0)
		}
		if err != nil {
			if want := fmt.Sprintf("and these rows make %d (one per architecture, thread count and batch size)", n); !strings.HasSuffix(err.Error(), want) {
				t.Errorf("%d lines: %q, want it to end %q", n, err, want)
			}
			continue
		}
		room := vg.Length(tc.height)*vg.Inch/chartDPI - chartHead - vg.Points(12)
		legs, _ := legendColumns(seriesOf(tc.rows), make([][]plot.Thumbnailer, n), vg.Length(tc.height)*vg.Inch/chartDPI)
		if len(legs) != tc.cols {
			t.Errorf("%d lines at %dx%d: %d columns, want %d", n, tc.width, tc.height, len(legs), tc.cols)
		}
		for i := range legs {
			if r := legs[i].Rectangle(draw.Canvas{}); r.Max.Y-r.Min.Y > room {
				t.Errorf("%d lines at %dx%d: column %d is %v tall, room for %v", n, tc.width, tc.height, i, r.Max.Y-r.Min.Y, room)
			}
		}
		if err := WriteChart(&bytes.Buffer{}, tc.rows, "t", tc.width, tc.height); err != nil {
			t.Errorf("%d lines at %dx%d: %v", n, tc.width, tc.height, err)
		}
	}
}

// TestChartOneValue: a chart whose rows give an axis one value, as one row
// does, draws at any value: under 1 image/s it panicked ("Values must be
// greater than 0 for a log scale"), at exactly 1 it never ended.
func TestChartOneValue(t *testing.T) {
	for _, v := range []float64{0.05, 0.5, 1, 19.7, 2000} {
		rows := []Row{{Arch: "vit-l", Tokens: 577, Threads: 1, Batch: 1, ImageP50ms: 1000 / v, ImagesPerSec: v}}
		if v == 1 {
			rows = append(rows, Row{Arch: "vit-l", Tokens: 577, Threads: 2, Batch: 1, ImageP50ms: 1000, ImagesPerSec: 1})
		}
		var buf bytes.Buffer
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%g images/s: panic: %v", v, r)
				}
			}()
			if err := WriteChart(&buf, rows, "one value", 800, 400); err != nil {
				t.Errorf("%g images/s: %v", v, err)
			}
		}()
		if _, err := png.Decode(&buf); err != nil && buf.Len() > 0 {
			t.Errorf("%g images/s: not a PNG: %v", v, err)
		}
	}
}

// TestChartValueAxisLabelled: the value axis has two labelled ticks or
// more, however narrow its data: fashion-vit at batch 1 and 8 (0.137 and 0.171 ms per image,
// 4113 and 4745 images/s) fell between two marks, and the chart had no
// number on either value axis.
func TestChartValueAxisLabelled(t *testing.T) {
	for _, tc := range []struct{ lo, hi float64 }{
		{0.137, 0.171}, {4113, 4745}, {19.7, 19.7}, {0.05, 0.05}, {1, 1}, {0.2, 0.3}, {3, 700}, {99.5, 100.5},
	} {
		p := plot.New()
		p.Y.Scale = plot.LogScale{}
		p.Y.Min, p.Y.Max = tc.lo, tc.hi
		widenLog(&p.Y)
		snapLog(&p.Y)
		var labels []float64
		for _, tk := range (logTicks{}).Ticks(p.Y.Min, p.Y.Max) {
			if tk.Label != "" {
				labels = append(labels, tk.Value)
			}
		}
		if len(labels) < 2 || p.Y.Min > tc.lo || p.Y.Max < tc.hi {
			t.Errorf("data %g…%g: axis %g…%g, labelled ticks %v; want the data on the axis and 2 or more labels",
				tc.lo, tc.hi, p.Y.Min, p.Y.Max, labels)
		}
	}
}

// TestCSVMatchesJSON: every CSV cell reads back as the JSON row's value, a
// small model's fractions of a millisecond and tiny GFLOP counts included
// (the CSV kept 3 or 4 decimals: 0.004 for 0.0041234, 0.0108 for
// 0.010773248).
func TestCSVMatchesJSON(t *testing.T) {
	small := sampleRows()[0]
	small.GFLOPsPerImage, small.LoadSeconds = 0.010773248, 0.007515634
	small.ImageP50ms, small.ImageP90ms, small.CPUShare = 0.0041234, 1.5e-7, 1.008334842551217
	rows := []Row{sampleRows()[3], small}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(recs) != len(rows)+1 {
		t.Fatalf("CSV: %d records, %v", len(recs), err)
	}
	for i := range rows {
		data, _ := json.Marshal(rows[i])
		var want map[string]any
		json.Unmarshal(data, &want)
		for j, name := range recs[0] {
			cell := recs[i+1][j]
			switch w := want[name].(type) {
			case float64:
				if got, err := strconv.ParseFloat(cell, 64); err != nil || got != w {
					t.Errorf("row %d %s: CSV %q, JSON %v", i, name, cell, w)
				}
			case string:
				if cell != w {
					t.Errorf("row %d %s: CSV %q, JSON %q", i, name, cell, w)
				}
			}
		}
	}
}

// TestFtoaAsJSON: a CSV number is the text encoding/json writes for it,
// exponents included (1.5e-7, where strconv's 'e' wrote 1.5e-07).
func TestFtoaAsJSON(t *testing.T) {
	for _, f := range []float64{0, 1, -2.5, 0.126081921875, 0.010773248, 1.5e-7, -3e-9, 2e21, 123456789.125} {
		b, _ := json.Marshal(f)
		if got := ftoa(f); got != string(b) {
			t.Errorf("ftoa(%v) = %q, encoding/json %q", f, got, b)
		}
	}
	if got := ftoa(math.NaN()); got != "NaN" {
		t.Errorf("ftoa(NaN) = %q, want NaN", got)
	}
}
