package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vitctl/vitctl/internal/bytestr"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/npy"
)

func init() { subcommands = append(subcommands, newEmbedCmd) }

// embedOptions are embed's flags.
type embedOptions struct {
	model     modelFlags
	precision precisionFlags
	kernel    kernelFlags
	threads   threadsFlags
	imageSize imageSizeFlags
	input     inputFlags
	stdin     stdinFlags
	output    *outputFlags
	memory    memoryFlags
	pool      enumValue
	npy       string // --out, or its earlier name --npy
	npyOld    string
	pipeline  pipelineFlags
	verify    verifyFlags
}

func (o *embedOptions) groups() flagGroups {
	return flagGroups{&o.model, &o.precision, &o.kernel, &o.threads, &o.imageSize, &o.input, &o.stdin, o.output, &o.memory, &o.pipeline, &o.verify}
}

func newEmbedCmd(s streams) *cobra.Command {
	o := &embedOptions{
		output: newOutputFlags("jsonl", "csv"),
		pool:   enumValue{names: []string{model.FeatCLS, model.FeatMean, model.FeatTokens}},
	}
	o.output.format.hint = "-o is the format of the records on stdout; --out FILE.npy writes the vectors to a file"
	o.output.format.hintFor = map[string]string{
		"json": "embed prints one JSON object per image as each is done, -o jsonl; jq -s . makes them one array",
		"text": "vectors print as JSON lines, -o jsonl, or with --out FILE.npy as CSV rows, -o csv",
	}
	cmd := &cobra.Command{
		Use:   "embed [flags] PATH...",
		Short: "Feature vectors of images, for search, deduplication and clustering",
		Long: `embed runs each image through the model's encoder and gives what a
classifier head sees, before the head: the hidden states after the final
LayerNorm, pooled by --pool: cls (the class token, D values), mean (the mean
of the patch tokens, D values) or tokens (every token, T×D values). Models
with fc_norm normalise after pooling, as their head does. Backbones without
a classifier (Hugging Face ViTModel, timm num_classes=0) work like
classifiers. PATH is taken as classify takes it.

Without --out each image is one JSON line with its vector inline:
"embedding", a flat list in row-major (C) order, and "shape", [D] or [T, D]
(in NumPy: np.array(r["embedding"], np.float32).reshape(r["shape"])). With
--out FILE.npy the vectors go to one float32 array, (N, D) or (N, T, D), a
row per image that succeeded, and stdout lists the paths in the same order
with their row ("row"), as JSONL or CSV, once the file is written (an
interrupted or failed run lists none). Failed images are reported, get no
row, and make the exit status 1. (--npy FILE, the earlier name of --out,
still works.)`,
		Example: `  vitctl embed testdata/images/chelsea.png > chelsea.jsonl
  vitctl embed -r --out photos.npy -o csv photos/ > photos.csv
  vitctl embed -m dino.gguf --pool tokens --out tokens.npy photos/ > tokens.jsonl`,
		Args: o.stdin.args("an image, a .npy file, a folder, or - to read paths from stdin"),
		RunE: func(cmd *cobra.Command, args []string) error { return runEmbed(cmd, s, o, args) },
	}
	f := cmd.Flags()
	o.groups().register(f)
	f.Var(&o.pool, "pool", "features per image: cls (the class token), mean (the mean of the patch tokens) or tokens (every token); default: what the model's classifier pools")
	f.StringVar(&o.npy, "out", "", "write the vectors to this .npy file, (N, D) or (N, T, D), and list the paths on stdout in row order")
	f.StringVar(&o.npyOld, "npy", "", "the same as --out (its earlier name)")
	return cmd
}

func (o *embedOptions) validate() error {
	if err := o.groups().validate(); err != nil {
		return err
	}
	switch {
	case o.npyOld != "" && o.npy != "" && o.npyOld != o.npy:
		return usagef("--out %q and --npy %q: --npy is the earlier name of --out; give one", o.npy, o.npyOld)
	case o.npyOld != "":
		o.npy = o.npyOld
	}
	if o.output.format.val == "csv" && o.npy == "" {
		return usagef("-o csv lists the rows of --out FILE.npy; without --out, -o jsonl prints each vector inline")
	}
	if f := formatExts[strings.ToLower(filepath.Ext(o.npy))]; f != "" {
		// embed --out vecs.jsonl wrote a NumPy array under that name.
		if f != "text" {
			f = strings.ToUpper(f)
		}
		return usagef("--out %s: embed writes the vectors there as a NumPy array, not %s; give a name ending in .npy (the list of paths and rows goes to stdout), or leave --out out to print each vector inline as JSONL",
			o.npy, f)
	}
	return nil
}

// embedRecord is one image's line of embed's output; field names are stable.
type embedRecord struct {
	Path        bytestr.String `json:"path"`         // the bytes of the name, not UTF-8 ones as \udcXX
	Model       string         `json:"model"`        // built-in name or model file path
	ModelSHA256 string         `json:"model_sha256"` // short SHA-256 of the model's tensor data
	Pool        string         `json:"pool"`
	Row         *int           `json:"row,omitempty"`       // with --out: the image's row in the .npy file
	Shape       []int          `json:"shape,omitempty"`     // without --out: [D] or [T, D]
	Embedding   []float32      `json:"embedding,omitempty"` // without --out: the vector, row-major
	Error       string         `json:"error,omitempty"`
}

// checkOut checks --out before anything is read: a file it may write,
// neither the model nor an input (args), named as a .npy file.
func (o *embedOptions) checkOut(args []string) error {
	if err := checkOutputFile("--out", o.npy); err != nil {
		return err
	}
	read := [][2]string{modelRead(o.model.path)} // the vectors replaced -m m.gguf given as --out m.gguf
	for _, a := range args {
		read = append(read, [2]string{"the input " + a, a})
	}
	if err := checkNotRead("--out", o.npy, read...); err != nil {
		return err
	}
	return checkResultsName("--out", o.npy, "npy")
}

// poolOf is the --pool of m's vectors: the one given, which m must have,
// or m's default.
func (o *embedOptions) poolOf(m *loadedModel) (string, error) {
	pool := o.pool.val
	if pool == "" {
		pool = defaultPool(&m.Config)
	}
	if err := m.Config.CheckPool(pool); err != nil {
		return "", usagef("--pool: model %s: %v", m.Name, err)
	}
	return pool, nil
}

func runEmbed(cmd *cobra.Command, s streams, o *embedOptions, args []string) error {
	if err := o.validate(); err != nil {
		return err
	}
	if err := o.checkOut(args); err != nil {
		return err
	}
	if err := o.kernel.apply(); err != nil {
		return err
	}
	m, err := openModelRef(cmd.Context(), s.err, o.model.path, o.verify.on, &o.precision)
	if err != nil {
		return err
	}
	pool, err := o.poolOf(m)
	if err != nil {
		return err
	}
	if err := m.checkOneImage(&o.imageSize.size, &o.pipeline, o.threads.n, &o.memory); err != nil {
		return err
	}
	lst := o.input.listing()
	listed, err := expand(args, lst, s.in, o.stdin.sep())
	if err != nil {
		return err
	}
	inputs, twice := once(lst.dropListed(listed, nil))
	if len(inputs) == 0 { // before --out is created: nothing is written
		newEmbedWriter(o.output.format.val, s.out).close() // -o csv's header: a table of no rows
		return noImages(args, "", lst.skippedNote())
	}
	pf := o.pipeline.upTo(inputs)
	runner, pre, err := m.runnerFor(&o.imageSize.size, pf.runShape(o.threads.n), &o.memory)
	if err != nil {
		return err
	}
	shape := []int{m.Config.HiddenSize}
	if pool == model.FeatTokens {
		shape = []int{runner.Tokens(), m.Config.HiddenSize}
	}
	per := runner.PixelsPerImage()
	features := func(px []float32, n int) ([]float32, error) { return runner.Features(px, n, pool) }
	e := &embedding{
		pl:     pf.imagesPipeline(cmd.Context(), pre, o.input.decodeFlags, per, batchInfer(features, per, runner.FeatureSize(pool))),
		inputs: inputs,
		lst:    lst,
		base:   embedRecord{Model: m.Name, ModelSHA256: m.ShortSHA(), Pool: pool},
		shape:  shape,
	}
	if err := checkNotInput("--out", o.npy, e.inputs); err != nil {
		return err
	}
	fmt.Fprint(s.err, twiceNote(twice)) // after every check: an error stays one line
	start := time.Now()
	if o.npy == "" {
		err = e.run(cmd, s, newEmbedWriter(o.output.format.val, s.out), nil)
	} else {
		err = e.runNpy(cmd, s, o.npy, o.output.format.val)
	}
	if err != nil {
		return err
	}
	return e.summarize(s, o.npy, time.Since(start))
}

// runNpy embeds into the .npy file path, written through a temporary file,
// and lists the rows on stdout once it is in place: they are held until
// then (a few hundred bytes an image, as merge holds its records), where
// they were printed as the run went, and an interrupted or failed run had
// listed the rows of a file it never wrote.
func (e *embedding) runNpy(cmd *cobra.Command, s streams, path, format string) error {
	var rows bytes.Buffer
	err := writeFileAtomic(path, func(f io.Writer) error {
		st, err := npy.NewStream(f.(io.WriteSeeker), e.shape) // writeFileAtomic's file seeks
		if err != nil {
			return err
		}
		if err := e.run(cmd, s, newEmbedWriter(format, &rows), st); err != nil {
			return err
		}
		return st.Finish()
	})
	if err != nil {
		return noteInterrupted(err, "; "+notWritten(path)+", and no row is listed")
	}
	_, err = rows.WriteTo(s.out)
	return writtenOutputError(path, err)
}

// defaultPool is what the model's classifier pools: the class token, or
// the mean of the patch tokens.
func defaultPool(c *model.Config) string {
	if c.Pooling == model.PoolAvg {
		return model.FeatMean
	}
	return model.FeatCLS
}

// embedding is one run of embed over its inputs.
type embedding struct {
	pl         *pipeline
	inputs     []input
	lst        *listing    // says what the folder listing left out
	base       embedRecord // model and pool, the same on every record
	shape      []int       // of one image's vector
	done       int         // images embedded
	failed     int         // inputs that failed (one result each), folders aside
	folders    unreadable  // folders that could not be read (one result each)
	inputsDone int         // inputs whose every result was written
}

// run embeds every input, writing its record to w, and its vector to st
// (with --out) or inline (without).
func (e *embedding) run(cmd *cobra.Command, s streams, w *embedWriter, st *npy.Stream) error {
	bar := newProgress(s.err, len(e.inputs), "embedding", "img")
	var outErr error
	// A vector or record that cannot be written (a full disk) stops the
	// run: the images after it would be embedded for nothing.
	fail := func(what string, err error) error {
		outErr = stoppedWriting(what, err, e.inputsDone, len(e.inputs))
		return outErr
	}
	runErr := e.pl.run(cmd.Context(), e.inputs, func(r result) error {
		rec := e.base
		rec.Path = bytestr.String(r.path)
		switch {
		case r.err != nil:
			if !e.folders.add(r.path, r.err) {
				e.failed++
			}
			rec.Error = strings.TrimPrefix(r.err.Error(), r.path+": ")
			bar.message(fmt.Sprintf("%s: %s", bytestr.Text(r.path), rec.Error))
		case st != nil:
			row := st.Rows()
			if err := st.Append(r.logits); err != nil {
				return fail("writing vectors", err)
			}
			rec.Row = &row
			e.done++
		default:
			rec.Shape, rec.Embedding = e.shape, r.logits
			e.done++
		}
		if err := w.add(rec); err != nil {
			return fail("writing output", err)
		}
		if r.last {
			e.inputsDone++
			bar.add()
		}
		return nil
	})
	bar.finish()
	if err := w.close(); err != nil && outErr == nil {
		outErr = fmt.Errorf("writing output: %w", err)
	}
	if runErr != nil && outErr == nil { // else the run stopped for outErr
		return interruptedAfter(runErr, e.inputsDone, len(e.inputs), e.done+e.failed)
	}
	return outErr
}

// summarize prints one line on stderr and decides the exit status.
func (e *embedding) summarize(s streams, out string, took time.Duration) error {
	dims := make([]string, len(e.shape))
	for i, d := range e.shape {
		dims[i] = strconv.Itoa(d)
	}
	msg := fmt.Sprintf("embedded %d of %s in %.2fs%s, %d failed; %s pooling, %s values each",
		e.done, nouns(e.done+e.failed, "image"), took.Seconds(), rate(e.done, took), e.failed, e.base.Pool, strings.Join(dims, "×"))
	folders := e.folders.note()
	if none := e.folders.noneFound(e.done + e.failed); none != "" {
		msg, folders = none, ""
	}
	if out != "" {
		msg += fmt.Sprintf("; %s holds (%d, %s)", out, e.done, strings.Join(dims, ", "))
	}
	fmt.Fprintln(s.err, msg+folders+e.lst.skippedNote())
	if e.failed > 0 || len(e.folders) > 0 {
		return errPartial
	}
	return nil
}

// embedWriter writes embed's records as JSON lines or CSV rows.
type embedWriter struct {
	jsonl *json.Encoder
	csv   *csv.Writer
}

func newEmbedWriter(format string, w io.Writer) *embedWriter {
	if format == "csv" {
		c := csv.NewWriter(w)
		c.Write([]string{"path", "model", "model_sha256", "pool", "row", "error"})
		return &embedWriter{csv: c}
	}
	return &embedWriter{jsonl: newJSONEncoder(w)}
}

func (w *embedWriter) add(r embedRecord) error {
	if w.jsonl != nil {
		return w.jsonl.Encode(r)
	}
	row := ""
	if r.Row != nil {
		row = strconv.Itoa(*r.Row)
	}
	w.csv.Write([]string{string(r.Path), r.Model, r.ModelSHA256, r.Pool, row, r.Error})
	w.csv.Flush()
	return w.csv.Error()
}

func (w *embedWriter) close() error {
	if w.csv != nil {
		w.csv.Flush()
		return w.csv.Error()
	}
	return nil
}
