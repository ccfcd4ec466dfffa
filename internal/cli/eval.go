package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vitctl/vitctl/internal/bytestr"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/prep"
	"github.com/vitctl/vitctl/internal/textcol"
	"github.com/vitctl/vitctl/internal/train"
)

func init() { subcommands = append(subcommands, newEvalCmd) }

// evalOptions are eval's flags.
type evalOptions struct {
	model     modelFlags
	precision precisionFlags
	kernel    kernelFlags
	threads   threadsFlags
	output    *outputFlags
	memory    memoryFlags
	decode    decodeFlags
	pipeline  pipelineFlags
	verify    verifyFlags
	plot      string
}

func (o *evalOptions) groups() flagGroups {
	return flagGroups{&o.model, &o.precision, &o.kernel, &o.threads, o.output, &o.memory, &o.decode, &o.pipeline, &o.verify}
}

func newEvalCmd(s streams) *cobra.Command {
	o := &evalOptions{output: newOutputFlags("text", "json")}
	cmd := &cobra.Command{
		Use:   "eval [flags] DATA",
		Short: "Measure a model's accuracy on labelled images",
		Long: `Eval classifies labelled images and reports top-1 and top-5 accuracy (top-5
for a model of more than 5 classes), per-class precision, recall and F1, and
the confusion matrix (rows: true class, columns: predicted). DATA is a
folder with one sub-folder per class or a .csv or .jsonl file of path,label
(a CSV's header, or a JSONL line's keys, may name them: path, file,
filename, file_name or image, and label or class), as for finetune; every
label must be one of the model's (letter case, underscores for spaces
or slashes and the Unicode form of accents aside, where that leaves one
label: folder T-shirt_top is "T-shirt/top"), or, for a model of ImageNet-1k's
labels, a WordNet synset id, the folder names of ImageNet's validation set
(n01440764 for tench). Images that cannot be read are reported and skipped
(exit status 1).

For a model of more than 30 classes, the text tables and --plot show only
the data set's classes, and the predictions of any other class in one
"other" column; -o json has every class.`,
		Example: `  vitctl eval -m flowers.gguf ~/photos/flowers-test
  vitctl eval -m fashion-vit testdata/images/fashion/labels.csv
  vitctl eval ~/imagenet/val
  vitctl eval -m flowers.gguf -o json --plot confusion.png test.csv`,
		Args: dataArg(),
		RunE: func(cmd *cobra.Command, args []string) error { return runEval(cmd, s, o, args[0]) },
	}
	f := cmd.Flags()
	o.groups().register(f)
	f.StringVar(&o.plot, "plot", "", "draw the confusion matrix to this PNG")
	return cmd
}

func runEval(cmd *cobra.Command, s streams, o *evalOptions, data string) error {
	if err := o.groups().validate(); err != nil {
		return err
	}
	if err := checkPlotFile("--plot", o.plot); err != nil {
		return err
	}
	if err := o.kernel.apply(); err != nil {
		return err
	}
	m, err := openModelRef(cmd.Context(), s.err, o.model.path, o.verify.on, &o.precision)
	if err != nil {
		return err
	}
	if !m.Config.HasHead() {
		return fmt.Errorf("model %s has no classifier (a backbone without labels): vitctl finetune -m %s trains one", m.Name, m.Name)
	}
	ds, err := o.openData(s, m, data)
	if err != nil {
		return err
	}
	inputs := make([]input, len(ds.Examples))
	for i, e := range ds.Examples {
		inputs[i] = input{path: e.Path}
	}
	pf := o.pipeline.upTo(inputs)
	runner, pre, err := m.runnerFor(&imageSize{}, pf.runShape(o.threads.n), &o.memory)
	if err != nil {
		return err
	}
	// The report names no model: say here which one it measures.
	fmt.Fprintln(s.err, m.banner(runner.Size()))
	start := time.Now()
	sc, err := o.score(cmd.Context(), s, runner, pre, inputs, ds, pf.batch, len(m.Config.Labels))
	if err != nil { // Ctrl-C said "interrupted" alone, where classify and embed say how far they got
		n := len(sc.truth) + len(sc.failed)
		return noteInterrupted(interruptedAfter(err, n, len(inputs), n), ": no report, which would score only those")
	}
	took := time.Since(start)
	if n := len(sc.failed); len(sc.truth) == 0 { // each was named above
		none := fmt.Sprintf("none of the %d images could be read", n)
		if n == 1 {
			none = "the 1 image could not be read"
		}
		return fmt.Errorf("data %s: no readable images: %s %s", data, none, fixNamedAbove(n))
	}
	rep := train.Score(m.Config.Labels, sc.truth, sc.logits)
	if err := writeReport(s.out, o.output.format.val, evalJSON{rep, m.Name, m.ShortSHA(), sc.failed}); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	if o.plot != "" {
		if err := writeConfusionPlot(s, o.plot, rep); err != nil {
			return err
		}
	}
	// The summary of classify, embed and inspect-attention; the images
	// that failed were named above, and are left out of the scores.
	fmt.Fprintf(s.err, "evaluated %d of %s in %.2fs%s, %d failed\n",
		len(sc.truth), nouns(len(ds.Examples), "image"), took.Seconds(), rate(len(sc.truth), took), len(sc.failed))
	if len(sc.failed) > 0 {
		return errPartial
	}
	return nil
}

// openData reads eval's DATA against the model m's labels, saying what a
// label the model lacks means and which folders are left out, and
// refuses a --plot too large to draw.
func (o *evalOptions) openData(s streams, m *loadedModel, data string) (*train.Dataset, error) {
	ds, err := openData("data", data, m.Config.Labels, func(list string) string {
		return "vitctl eval -m " + cmp.Or(o.model.path, m.Name) + " " + list
	})
	if le := (*train.LabelError)(nil); errors.As(err, &le) { // err says "data: …"
		if o.model.path == "" { // the user may well have meant the model finetune wrote
			return nil, fmt.Errorf("%w (eval measures a model on its own labels, and without -m it measured the built-in %s: give -m OUT.gguf to measure the model vitctl finetune wrote)", err, m.Name)
		}
		return nil, fmt.Errorf("%w (eval measures a model on its own labels; vitctl finetune teaches it new ones)", err)
	}
	if err != nil {
		return nil, err
	}
	warnLeftOut(s.err, data, ds, emptyWhy(m.Config.Labels, "nothing of that class measured",
		"a folder in DATA that is not one of the model's labels"))
	if n := plotRows(ds.Labels, ds.Examples); o.plot != "" && n > maxPlotClasses {
		return nil, usagef("--plot: the confusion matrix would have %d rows; the picture draws at most %d (-o json has the whole matrix)", n, maxPlotClasses)
	}
	return ds, nil
}

// scored is what eval's pass over DATA gives: the true class and the
// logits of each image read, in DATA's order, and the images that failed.
type scored struct {
	truth  []int
	logits [][]float32
	failed []evalFailure // [] when none, for -o json
}

// score classifies the images of inputs, ds's examples, with runner in
// batches of batch, each L logits, naming each image that fails.
func (o *evalOptions) score(ctx context.Context, s streams, runner *model.Runner, pre prep.Params, inputs []input, ds *train.Dataset, batch, L int) (scored, error) {
	pl := &pipeline{
		decode: func(path string) ([][]float32, error) {
			px, err := loadInput(ctx, path, pre, o.decode)
			if err != nil {
				return nil, err // no image: a nil one in the batch stopped the run
			}
			if len(px) != runner.PixelsPerImage() {
				return nil, fmt.Errorf("%s: holds %d images; eval takes one image per labelled path", path, len(px)/runner.PixelsPerImage())
			}
			return [][]float32{px}, nil
		},
		infer:   batchInfer(runner.Forward, runner.PixelsPerImage(), L),
		workers: o.pipeline.decoders, batch: batch,
	}
	bar := newProgress(s.err, len(inputs), "evaluating", "img")
	sc := scored{failed: []evalFailure{}}
	i := 0
	err := pl.run(ctx, inputs, func(r result) error {
		if r.err != nil {
			sc.failed = append(sc.failed, evalFailure{bytestr.String(r.path), strings.TrimPrefix(r.err.Error(), r.path+": ")})
			bar.message(quotedPath(ds.Examples[i].Err(r.err).Error(), r.path))
		} else {
			sc.truth = append(sc.truth, ds.Examples[i].Label)
			sc.logits = append(sc.logits, r.logits)
		}
		i++
		bar.add()
		return nil
	})
	bar.finish()
	return sc, err
}

// writeConfusionPlot draws rep's confusion matrix to the PNG path, its
// labels as the font can draw them (drawnLabels), and says which it
// numbered.
func writeConfusionPlot(s streams, path string, rep train.Report) error {
	v := viewOf(rep)
	drawn, numbered := drawnLabels(v)
	if err := writeFileAtomic(path, func(w io.Writer) error { return plotConfusion(w, drawn, rep.Top1) }); err != nil {
		return err
	}
	other := map[bool]string{true: ` and "other"`}[len(v.cols) > len(v.rows)]
	if len(numbered) > 0 {
		other += "; labels its font cannot draw shown by class number: " + strings.Join(numbered, ", ")
	}
	fmt.Fprintf(s.err, "vitctl: wrote %s (the confusion matrix of %s%s)\n", path, nouns(len(v.rows), "class"), other)
	return nil
}

// evalJSON is eval's -o json object: the report, then the model it
// measured, named as classify's records name it, and the images left out
// of the scores because they could not be used ([] when none), as
// classify's records give a failed image: its path and the error.
type evalJSON struct {
	train.Report
	Model       string        `json:"model"`
	ModelSHA256 string        `json:"model_sha256"` // short SHA-256 of the model's tensor data
	Failed      []evalFailure `json:"failed"`
}

// evalFailure is an image eval could not score.
type evalFailure struct {
	Path  bytestr.String `json:"path"` // the bytes of the name, not UTF-8 ones as \udcXX
	Error string         `json:"error"`
}

// writeReport prints the scores as text tables or one JSON object.
func writeReport(w io.Writer, format string, j evalJSON) error {
	if format == "json" {
		return writeJSON(w, j)
	}
	r := j.Report
	v := viewOf(r)
	fmt.Fprintf(w, "images  %d\ntop-1   %.2f %%\n", r.N, 100*r.Top1)
	if r.Top5 != nil { // a model of 5 classes or fewer has none worth printing: always 100 %
		fmt.Fprintf(w, "top-5   %.2f %%\n", 100**r.Top5)
	}
	fmt.Fprintln(w)
	table := [][]string{{"class", "support", "precision", "recall", "F1"}}
	undefined := false
	for i, c := range v.perClass {
		p, rec, f1 := scoreCells(c, predicted(r, v.ids[i]))
		undefined = undefined || p == "-" || rec == "-"
		table = append(table, []string{bytestr.Text(c.Label), fmt.Sprint(c.Support), p, rec, f1})
	}
	if err := textcol.Right(w, table); err != nil {
		return err
	}
	if undefined {
		fmt.Fprintln(w, "(-: no image of the class, so no recall, or none predicted as it, so no precision)")
	}
	if hidden := len(r.Labels) - len(v.rows); hidden > 0 {
		fmt.Fprintf(w, "(the model's other %s, none in the data set, are left out; -o json has them)\n", nouns(hidden, "class"))
	}
	fmt.Fprintln(w, "\nconfusion (rows: true, columns: predicted)")
	head := []string{""}
	for _, c := range v.cols {
		head = append(head, bytestr.Text(c))
	}
	table = [][]string{head}
	for i, row := range v.confusion {
		cells := []string{bytestr.Text(v.rows[i])}
		for _, n := range row {
			cells = append(cells, fmt.Sprint(n))
		}
		table = append(table, cells)
	}
	return textcol.Right(w, table)
}

// scoreCells are the precision, recall and F1 of a class of the text
// table: "-" where there is none to give, a precision when no image was
// predicted as the class (pred), a recall (and F1) when it has no image.
// They printed 0.000, as if the model failed at a class that the data set
// has no image of (-o json keeps scikit-learn's 0).
func scoreCells(c train.ClassScore, pred int) (p, rec, f1 string) {
	p, rec, f1 = fmt.Sprintf("%.3f", c.Precision), fmt.Sprintf("%.3f", c.Recall), fmt.Sprintf("%.3f", c.F1)
	if pred == 0 {
		p = "-"
	}
	if c.Support == 0 {
		rec, f1 = "-", "-"
	}
	return p, rec, f1
}

// predicted counts the images predicted as class c.
func predicted(r train.Report, c int) int {
	n := 0
	for _, row := range r.Confusion {
		n += row[c]
	}
	return n
}

// viewAll is the most classes a model may have for eval's text and plot
// to show every one; past it they show the data set's classes only.
const viewAll = 30

// maxPlotClasses bounds the confusion picture (24 pixels a cell at most
// classes: 2,600 pixels a side), where 1000 classes asked for 24,160.
const maxPlotClasses = 100

// evalView is what eval's text and --plot show of a report: the rows and
// per-class scores of shownClasses, and as columns the same classes plus,
// when some prediction fell outside them, "other".
type evalView struct {
	ids        []int // the report's class ids of the rows
	rows, cols []string
	confusion  [][]int // (rows, cols)
	perClass   []train.ClassScore
}

func viewOf(r train.Report) evalView {
	var idx []int
	for c, s := range r.PerClass {
		if len(r.Labels) <= viewAll || s.Support > 0 {
			idx = append(idx, c)
		}
	}
	var v evalView
	other := false
	v.ids = idx
	for _, c := range idx {
		v.rows = append(v.rows, r.Labels[c])
		v.perClass = append(v.perClass, r.PerClass[c])
		row, rest := make([]int, len(idx)+1), r.PerClass[c].Support
		for j, k := range idx {
			row[j] = r.Confusion[c][k]
			rest -= row[j]
		}
		row[len(idx)] = rest
		other = other || rest > 0
		v.confusion = append(v.confusion, row)
	}
	v.cols = slices.Clone(v.rows)
	if other {
		v.cols = append(v.cols, "other")
	} else {
		for i := range v.confusion {
			v.confusion[i] = v.confusion[i][:len(idx)]
		}
	}
	return v
}

// plotRows is how many rows evalView will have for a data set of
// examples: the model's classes when it has at most viewAll, else the
// classes the examples have (fewer if all of a class's images fail).
func plotRows(labels []string, examples []train.Example) int {
	if len(labels) <= viewAll {
		return len(labels)
	}
	have := map[int]bool{}
	for _, e := range examples {
		have[e.Label] = true
	}
	return len(have)
}
