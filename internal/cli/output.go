package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rivo/uniseg"

	"github.com/vitctl/vitctl/internal/bytestr"
)

// prediction is one of an image's top-k classes; field names are stable.
type prediction struct {
	Index int     `json:"index"`
	Label string  `json:"label"`
	Prob  float64 `json:"prob"`
	Logit float64 `json:"logit"`
}

// record is one image's line of output: its top-k, or why it failed, and
// the model that answered.
type record struct {
	Path        bytestr.String `json:"path"`         // the bytes of the name, not UTF-8 ones as \udcXX
	Model       string         `json:"model"`        // built-in name or model file path
	ModelSHA256 string         `json:"model_sha256"` // short SHA-256 of the model's tensor data
	TopK        []prediction   `json:"top_k,omitempty"`
	Error       string         `json:"error,omitempty"`
	// Pictures is the folder inspect-attention drew the image's pictures
	// into (OUT/NAME, or OUT/NAME-2 … of another image's name); "" where
	// none were drawn, and in other commands' records.
	Pictures bytestr.String `json:"pictures,omitempty"`
}

// topK returns the k most probable classes, probabilities from a softmax in
// float64, ties broken by class index.
func topK(logits []float32, labels []string, k int) []prediction {
	m := math.Inf(-1)
	for _, z := range logits {
		m = math.Max(m, float64(z))
	}
	var sum float64
	for _, z := range logits {
		sum += math.Exp(float64(z) - m)
	}
	idx := make([]int, len(logits))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return logits[idx[a]] > logits[idx[b]] })
	k = min(k, len(idx))
	out := make([]prediction, k)
	for r, i := range idx[:k] {
		z := float64(logits[i])
		out[r] = prediction{Index: i, Label: labels[i], Prob: math.Exp(z-m) / sum, Logit: z}
	}
	return out
}

// emptyReport prints on w, for a run that found no image, the document
// of no records in format: [] for json, the header line for csv, nothing
// for jsonl and text. A script reading stdout then parses an empty result,
// where -o json printed nothing, which no JSON reader takes; the error
// stays on stderr, and the exit status 1.
func emptyReport(format string, w io.Writer) {
	if rep, err := newReporter(format, w, ""); err == nil {
		rep.close() // a write error says nothing the run's error does not
	}
}

// reporter writes records in one output format.
type reporter interface {
	add(r record) error
	close() error
}

// newReporter writes records to w in format. A text file (not stdout)
// begins with header, the model line, as the other formats name the model
// in every record, and holds the failures too; "" writes none.
func newReporter(format string, w io.Writer, header string) (reporter, error) {
	switch format {
	case "text":
		return &textReporter{w: w, header: header, failures: header != ""}, nil
	case "json":
		return newJSONReporter(w), nil
	case "jsonl":
		return &jsonlReporter{enc: newJSONEncoder(w)}, nil
	case "csv":
		c := csv.NewWriter(w)
		return &csvReporter{w: c}, c.Write(csvColumns)
	}
	return nil, usagef("-o %q: want text, json, jsonl or csv", format)
}

// csvColumns is the header of classify's CSV rows.
var csvColumns = []string{"path", "model", "model_sha256", "rank", "index", "label", "prob", "logit", "error"}

// newPicturesReporter is newReporter for inspect-attention, whose CSV
// rows end in one more column, pictures (JSON has the field).
func newPicturesReporter(format string, w io.Writer) (reporter, error) {
	if format != "csv" {
		return newReporter(format, w, "")
	}
	c := csv.NewWriter(w)
	return &csvReporter{w: c, pictures: true}, c.Write(append(slices.Clone(csvColumns), "pictures"))
}

// textReporter prints a small table per image; failures go to stderr
// only, unless it writes a file, which says what failed as stderr does
// (a block of the path and "error: …"), as the other formats' records do:
// --out labels.txt held nothing of the inputs that failed.
// Its labels are padded to the widest as a terminal shows them (uniseg's
// cells: 猫 and 🌹 take two, the accent of an NFD "rosé", as macOS names
// folders, none), where text/tabwriter counted runes and the columns after
// such labels were out of line; a label with a line break, a tab or a
// space at an end is quoted, as bytestr.Text quotes a path and eval's table
// a label (a label from config.json or a finetune list, "rose\n", split
// the table).
type textReporter struct {
	w        io.Writer
	n        int    // blocks written: the header and the tables
	header   string // the first line, until it is written
	failures bool   // failed records are written too (a file)
}

// begin writes the header line, once.
func (t *textReporter) begin() error {
	if t.header == "" {
		return nil
	}
	h := t.header
	t.header, t.n = "", t.n+1
	_, err := fmt.Fprintln(t.w, h)
	return err
}

func (t *textReporter) add(r record) error {
	if err := t.begin(); err != nil {
		return err
	}
	if r.Error != "" && !t.failures {
		return nil
	}
	var b strings.Builder
	if t.n++; t.n > 1 {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%s\n", bytestr.Text(string(r.Path)))
	if r.Error != "" {
		fmt.Fprintf(&b, "  error: %s\n", r.Error)
	}
	rankW, labelW := len(strconv.Itoa(len(r.TopK))), 0
	labels := make([]string, len(r.TopK))
	for i, p := range r.TopK {
		labels[i] = bytestr.Text(p.Label) // quoted as eval's table quotes it
		labelW = max(labelW, uniseg.StringWidth(labels[i]))
	}
	for i, p := range r.TopK {
		pad := strings.Repeat(" ", labelW-uniseg.StringWidth(labels[i]))
		fmt.Fprintf(&b, "  %-*d  %s%s  %6.2f%%  (class %d, logit %.4f)\n", rankW, i+1, labels[i], pad, 100*p.Prob, p.Index, p.Logit)
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

func (t *textReporter) close() error { return t.begin() }

// quotedPath is msg, which names path ("PATH: what is wrong", or after a
// list's "FILE:LINE: "), with path written as bytestr.Text writes it, so that
// a name holding a line break or a tab keeps its message on one line of
// stderr, as classify's and embed's failures are.
func quotedPath(msg, path string) string {
	if q := bytestr.Text(path); q != path {
		return strings.Replace(msg, path+": ", q+": ", 1)
	}
	return msg
}

// writeOutput writes b, a command's whole output held until it is
// complete, to w, saying so when it fails: convert --info > /dev/full
// printed nothing and exited 0, and merge said "write /dev/stdout: …" of
// no output.
func writeOutput(w io.Writer, b *bytes.Buffer) error {
	if _, err := b.WriteTo(w); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	return nil
}

// writtenOutputError is err, of writing to stdout what a run that wrote
// the file (or export's folder) path says of it (convert's, export's and
// finetune's summary, embed's rows), saying that path is written all the
// same; nil when err is. The
// run ended with exit status 0 and said nothing, and a script reading the
// summary had none.
func writtenOutputError(path string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("writing output: %w (%s is written)", err, path)
}

// newJSONEncoder is the encoder of every JSON that vitctl prints: it
// writes &, < and > as they are, where encoding/json's default writes
// them \u0026, \u003c and \u003e for HTML, and grep and awk did not find
// "R&D.jpg" in a JSONL file (JSON readers decode either).
func newJSONEncoder(w io.Writer) *json.Encoder {
	e := json.NewEncoder(w)
	e.SetEscapeHTML(false)
	return e
}

// writeJSON prints v as indented JSON, with newJSONEncoder: the -o json
// output of every command, and inspect-attention's summary.json.
func writeJSON(w io.Writer, v any) error {
	enc := newJSONEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// jsonReporter prints one JSON array, the bytes writeJSON writes of the
// records, each record as it is done: the records were held until the
// run ended, 2 to 3 KB an image (11 MB more than -o jsonl for flowers5's
// 4,317 photos, GBs for millions), and nothing showed until then.
type jsonReporter struct {
	w   io.Writer
	n   int // records written
	buf bytes.Buffer
	enc *json.Encoder // to buf, indented as an element of the array
}

func newJSONReporter(w io.Writer) *jsonReporter {
	j := &jsonReporter{w: w}
	j.enc = newJSONEncoder(&j.buf)
	j.enc.SetIndent("  ", "  ")
	return j
}

func (j *jsonReporter) add(r record) error {
	j.buf.Reset()
	if j.n == 0 {
		j.buf.WriteString("[\n  ")
	} else {
		j.buf.WriteString(",\n  ")
	}
	if err := j.enc.Encode(r); err != nil {
		return err
	}
	j.n++
	_, err := j.w.Write(bytes.TrimSuffix(j.buf.Bytes(), []byte("\n")))
	return err
}

func (j *jsonReporter) close() error {
	end := "\n]\n"
	if j.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(j.w, end)
	return err
}

// jsonlReporter prints one complete JSON object per line as images finish.
type jsonlReporter struct{ enc *json.Encoder }

func (j *jsonlReporter) add(r record) error { return j.enc.Encode(r) }
func (j *jsonlReporter) close() error       { return nil }

// csvReporter prints one row per prediction, or one row with the error.
type csvReporter struct {
	w        *csv.Writer
	pictures bool // a last column, record.Pictures
}

func (c *csvReporter) add(r record) error {
	row := func(cells ...string) {
		if c.pictures {
			cells = append(cells, string(r.Pictures))
		}
		c.w.Write(cells)
	}
	if r.Error != "" {
		row(string(r.Path), r.Model, r.ModelSHA256, "", "", "", "", "", r.Error)
	}
	for i, p := range r.TopK {
		row(string(r.Path), r.Model, r.ModelSHA256, strconv.Itoa(i+1), strconv.Itoa(p.Index), p.Label,
			csvFloat(p.Prob), csvFloat(p.Logit), "")
	}
	c.w.Flush()
	return c.w.Error()
}

func (c *csvReporter) close() error { c.w.Flush(); return c.w.Error() }

// csvFloat writes x as JSON does, the shortest digits that read back as
// x, so that a CSV and a JSON record of one run hold the same numbers
// (8 digits lost logits' last float32 digit: 4.0716796 for 4.071679592132568).
func csvFloat(x float64) string {
	b, _ := json.Marshal(x) // finite: topK's probabilities and logits are checked
	return string(b)
}
