package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vitctl/vitctl/internal/bytestr"
	"github.com/vitctl/vitctl/internal/filelock"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/linkpath"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/train"
)

func init() { subcommands = append(subcommands, newFinetuneCmd) }

// finetuneOptions are finetune's flags.
type finetuneOptions struct {
	model                              modelFlags
	kernel                             kernelFlags
	threads                            threadsFlags
	output                             *outputFlags
	memory                             memoryFlags
	verify                             verifyFlags
	out, val, trainMode, plot          string
	data                               string // the DATA argument
	valSplit                           float64
	epochs, batch, workers             int
	lr, weightDecay, smoothing, warmup float64
	seed                               uint64
	resume                             bool
	augment                            enumValue
	epochsSet, lrSet                   bool // given on the command line: 0 is then refused, not the default
	valSplitSet                        bool // given on the command line: with --val it would be ignored
}

// defaultTrain is --train's default: every layer. On flowers5 it reaches
// 86.1 % where the last two layers stop at 83.4 % and the linear probe at
// 78.9 %, and on a 1,000-photo folder 82.0 % against 78.5 and 76.5 %, for
// about twice the time of last:2 (docs/finetune.md).
const defaultTrain = "all"

func newFinetuneCmd(s streams) *cobra.Command {
	o := &finetuneOptions{model: modelFlags{help: "base model: a built-in name (vitctl models), a .gguf file, a checkpoint folder or ORG/NAME[@REVISION]; default: vit-tiny-in1k"}, output: newOutputFlags("text", "json")}
	cmd := &cobra.Command{
		Use:   "finetune [flags] DATA --out OUT.gguf",
		Short: "Teach a model your own classes (training on the CPU)",
		Long: `Finetune trains a new classifier, and with --train last:N or all the encoder
too, on labelled images, and writes an ordinary model file with the new
labels that classify, eval and inspect-attention use as is. It records the base
model, the recipe and the validation accuracy in the file's metadata.

DATA is a folder with one sub-folder of images per class (the folder name is
the label, as torchvision's ImageFolder), or a .csv or .jsonl file of
path,label (a CSV's header, or a JSONL line's keys, may name them: path,
file, filename, file_name or image, and label or class; a relative path is
taken from the list's folder, as in Hugging Face datasets' metadata.csv and
metadata.jsonl). Validation: --val DIR, or --val-split F of DATA
(default 0.2, shuffled with Python's random.Random(--seed) over the sorted
paths).

--train all (the default) trains every encoder layer with the new
classifier, with augmentation (random resized crop, flip); last:N trains only
the last N layers (about half the time for N = 2, a few points less
accurate). head is a linear probe: the frozen model's features are computed
once, then the classifier is trained on them, which takes seconds per epoch
but is less accurate still (docs/finetune.md).

Defaults, for a few hundred to a few thousand photos: last:N and all: 6
epochs, lr 1e-4; head: 10 epochs, lr 1e-2; AdamW (weight decay 0.05 on the
matrices), batch 32, one-cycle schedule with 10 % warm-up, label smoothing
0.1 (the recipe measured on flowers5 in docs/finetune.md). The best epoch by
validation accuracy is kept, a tie going to the lower validation loss: OUT
is written after each epoch that improves on the best so far (a higher
accuracy, or the same with a lower loss; without a validation set after
every epoch, so the last is kept), and an interrupt (Ctrl-C) leaves the
best model so far. OUT.ckpt (beside the file OUT leads to, when it is a
link) holds the last epoch's state for --resume; a run without --resume does not
replace that of a run with epochs left.`,
		Example: `  vitctl finetune -m fashion-vit testdata/images/fashion/labels.csv --out fashion-mine.gguf --train head --epochs 30
  vitctl classify -m fashion-mine.gguf testdata/images/fashion
  vitctl finetune ~/photos/flowers --out flowers.gguf --plot curve.png
  vitctl finetune labels.csv --out mine.gguf -m vit-small.gguf --train last:2 --epochs 3 -o json
  vitctl classify -m flowers.gguf garden.jpg`,
		Args: dataArg(),
		RunE: func(cmd *cobra.Command, args []string) error { return runFinetune(cmd, s, o, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "model file to write (required), e.g. mine.gguf")
	flagGroups{&o.model, &o.kernel, &o.threads, o.output, &o.memory, &o.verify}.register(f)
	f.StringVar(&o.val, "val", "", "validation set: a folder or CSV/JSONL like DATA (instead of --val-split)")
	f.Float64Var(&o.valSplit, "val-split", 0.2, "fraction of DATA held out for validation, instead of --val (0: none, the last epoch is kept)")
	f.StringVar(&o.trainMode, "train", defaultTrain, "what to train: last:N (the last N encoder layers and the classifier), all, or head (a linear probe on frozen features: fastest, least accurate)")
	f.IntVar(&o.epochs, "epochs", 0, "passes over the training set (default: 10 for head, 6 otherwise)")
	f.IntVar(&o.batch, "batch", 32, "images per optimizer step")
	f.Float64Var(&o.lr, "lr", 0, "peak learning rate (default: 1e-2 for head, 1e-4 otherwise)")
	f.Float64Var(&o.weightDecay, "weight-decay", 0.05, "weight decay of AdamW (matrices only)")
	f.Float64Var(&o.smoothing, "label-smoothing", 0.1, "label smoothing of the cross-entropy")
	f.Float64Var(&o.warmup, "warmup", 0.1, "fraction of the steps warming up (one-cycle schedule)")
	f.Uint64Var(&o.seed, "seed", 0, "seed of the split, the shuffling and the augmentation")
	o.augment = enumValue{val: "auto", names: []string{"on", "off", "auto"}}
	f.Var(&o.augment, "augment", "random resized crops (scale 0.5–1) and flips: on, off or auto (on for last:N and all; off for head, whose features are then computed once instead of every epoch)")
	registerDecoders(f, &o.workers)
	f.StringVar(&o.plot, "plot", "", "draw the loss and accuracy curves to this PNG")
	f.BoolVar(&o.resume, "resume", false, "continue the run whose state is in OUT.ckpt")
	return cmd
}

func (o *finetuneOptions) recipe() (train.Recipe, error) {
	o.trainMode = strings.ToLower(o.trainMode) // HEAD, Last:2
	r := train.DefaultRecipe(o.trainMode)
	if o.epochs != 0 || o.epochsSet {
		r.Epochs = o.epochs
	}
	if o.lr != 0 || o.lrSet {
		r.LR = o.lr
	}
	r.Batch, r.WeightDecay, r.Smoothing, r.WarmupPct, r.Seed = o.batch, o.weightDecay, o.smoothing, o.warmup, o.seed
	if o.augment.val != "auto" {
		r.Augment = o.augment.val == "on"
	}
	if err := r.Validate(); err != nil {
		return r, usageError{err}
	}
	switch {
	case o.out == "":
		return r, usagef("--out OUT.gguf is required: the model file to write")
	case o.val != "" && o.valSplitSet:
		return r, usagef("--val and --val-split are alternatives: --val names the validation set, --val-split holds part of DATA out; give one of them")
	case !(o.valSplit >= 0 && o.valSplit < 1): // NaN too: it panicked splitting DATA
		return r, usagef("--val-split %g: want 0 ≤ F < 1", o.valSplit)
	}
	return r, checkThreads("--decoders", o.workers)
}

// claimOut claims OUT for this run until it ends (a lock file beside it,
// .OUT.lock, removed then), so that a second finetune into the same OUT,
// by any path to it, is refused at once: where two ran at once, each
// wrote OUT and OUT.ckpt over the other's after every epoch, and one
// started after the other's first epoch was told that OUT.ckpt held "a
// run interrupted after epoch 1" and to --resume it, while it ran. OUT is
// no device or pipe: checkModelName refused those.
func claimOut(out string) (release func(), err error) {
	release, err = filelock.Claim(outClaimPath(out))
	if errors.Is(err, filelock.ErrBusy) {
		return nil, fmt.Errorf("--out %s: another vitctl finetune is writing it and %s now: wait for that run to end, or give this one another --out", out, ckptPath(out))
	}
	return release, err
}

// outClaimPath is the lock file of claimOut: .OUT.lock beside the file
// that OUT's links lead to.
func outClaimPath(out string) string {
	t := linkpath.Target(out)
	return filepath.Join(filepath.Dir(t), "."+filepath.Base(t)+".lock")
}

func runFinetune(cmd *cobra.Command, s streams, o *finetuneOptions, data string) error {
	o.epochsSet, o.lrSet, o.valSplitSet = cmd.Flags().Changed("epochs"), cmd.Flags().Changed("lr"), cmd.Flags().Changed("val-split")
	r, err := o.recipe()
	if err != nil {
		return err
	}
	if err := (flagGroups{&o.model, &o.kernel, &o.threads, o.output, &o.memory, &o.verify}).validate(); err != nil {
		return err
	}
	release, err := o.claimOutputs(data)
	if err != nil {
		return err
	}
	defer release()
	if err := o.kernel.apply(); err != nil {
		return err
	}
	o.data = data
	ms, err := findModel(cmd.Context(), s.err, o.model.path)
	if err != nil {
		return err
	}
	if err := checkNotRead("--out", o.out, [2]string{"the base model -m " + ms.path, ms.path}); err != nil {
		return err
	}
	base, err := openBase(ms, o.verify.on)
	if err != nil {
		return err
	}
	first, err := r.FirstLayer(base.cfg.NumHiddenLayers)
	if err != nil {
		return usageError{err}
	}
	var notes strings.Builder // about the classes, said when training starts
	trainSet, valSet, err := o.datasets(s.err, &notes, data)
	if err != nil {
		return err
	}
	if err := o.checkMemory(r, base.cfg, first, len(trainSet.Examples), valCount(valSet)); err != nil {
		return err
	}
	job := &finetuneJob{o: o, s: s, r: r, base: base, train: trainSet, val: valSet, start: time.Now(), unread: map[string]bool{}, notes: notes.String()}
	if o.resume {
		if err := job.loadCheckpoint(); err != nil {
			return err
		}
		if job.resume.Epoch >= r.Epochs {
			return job.upToDate()
		}
	}
	fmt.Fprintln(s.err, base.banner()) // after every check: an error stays one line
	if job.resume != nil {
		fmt.Fprintf(s.err, "vitctl: resuming after epoch %d of %d (%s of optimizer state)\n", job.resume.Epoch, r.Epochs, nouns(len(job.resume.Opt.M), "tensor"))
	}
	hist, err := job.run(cmd.Context())
	job.bar.finish()
	return job.finish(cmd.Context(), hist, err)
}

// checkMemory refuses, over --max-memory, a run of recipe r from the model
// cfg, training its layers first.., on nTrain and nVal images.
func (o *finetuneOptions) checkMemory(r train.Recipe, cfg *model.Config, first, nTrain, nVal int) error {
	L, B := cfg.NumHiddenLayers, r.NetBatch(nTrain, nVal)
	trained := 0
	if first < L {
		trained = L - max(first, 0)
	}
	what := fmt.Sprintf("fine-tuning %s at %dx%d pixels with batch %d and %s", o.trainMode, cfg.ImageSize, cfg.ImageSize, B, nouns(o.threads.n, "thread"))
	return o.memory.checkHint(what, smallerRun(r), estimateTraining(cfg, trained, B, o.threads.n, nTrain+nVal))
}

// claimOutputs checks the files the run writes after the training, --out,
// its training state and --plot, before it, and claims --out (claimOut)
// until release.
func (o *finetuneOptions) claimOutputs(data string) (release func(), err error) {
	if err := checkOutputFile("--out", o.out); err != nil {
		return nil, err
	}
	if err := checkModelName("--out", o.out); err != nil {
		return nil, err
	}
	if err := checkNotRead("--out", o.out, [2]string{"DATA " + data, data}, [2]string{"--val " + o.val, o.val}); err != nil {
		return nil, err
	}
	// After checkNotRead: --out labels.csv is DATA.
	if err := checkNotResultsName(o.out, "finetune", "", "the summary, text or -o json, goes to stdout: vitctl finetune … > "+o.out); err != nil {
		return nil, err
	}
	release, err = claimOut(o.out)
	if err != nil {
		return nil, err
	}
	err = o.checkOtherOutputs()
	if err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// checkOtherOutputs checks, once --out is claimed, that a run without
// --resume leaves an unfinished run's state alone, and --plot.
func (o *finetuneOptions) checkOtherOutputs() error {
	if !o.resume {
		if err := checkUnfinished(o.out); err != nil {
			return err
		}
	}
	if err := checkPlotFile("--plot", o.plot); err != nil {
		return err
	}
	return checkDistinctOutputs([2]string{"--out", o.out}, [2]string{"--out's training state", ckptPath(o.out)}, [2]string{"--plot", o.plot})
}

// finish ends a run that ended with hist and err: what an interrupted,
// diverged or unread run leaves, or the plot, the summary and the images
// that could not be read.
func (j *finetuneJob) finish(ctx context.Context, hist []train.EpochInfo, err error) error {
	if err != nil && ctx.Err() != nil {
		return j.interrupted()
	}
	if errors.Is(err, train.ErrDiverged) {
		return j.diverged(err)
	}
	if ne := (*train.NoneReadError)(nil); errors.As(err, &ne) {
		return noneRead(ne, j.o.val)
	}
	if err != nil {
		return err
	}
	if j.o.plot != "" {
		if err := writeFileAtomic(j.o.plot, func(w io.Writer) error { return plotCurves(w, hist, j.steps) }); err != nil {
			return err
		}
		fmt.Fprintf(j.s.err, "vitctl: wrote %s (%s)\n", j.o.plot, curvesText(j.val != nil))
	}
	if err := j.summary(hist); err != nil {
		return err
	}
	if len(j.unread) > 0 {
		n := len(j.unread)
		fmt.Fprintf(j.s.err, "vitctl: %s could not be read and %s skipped\n", nouns(n, "image"), verb(n, "was", "were"))
		for _, w := range j.unlearnt() {
			fmt.Fprintln(j.s.err, w)
		}
		return errPartial
	}
	return nil
}

// noneRead is the error of a run none of whose training images, or none
// of whose validation images, could be read: each was named as skipped.
// Of the validation set it says what else to give: the run stopped before
// its first step, where it stopped after the first epoch saying only "no
// readable validation images".
func noneRead(e *train.NoneReadError, val string) error {
	return fmt.Errorf("%w %s%s", e, fixNamedAbove(e.Tried), noneReadHint(e, val))
}

// fixNamedAbove is what to do of the n images of a run none of which
// could be read (finetune's training or validation set, eval's DATA),
// each named as it failed.
func fixNamedAbove(n int) string {
	if n == 1 {
		return "(named above): fix or replace it"
	}
	return "(each is named above): fix or replace them"
}

// noneReadHint is what else to do when none of the validation images
// could be read.
func noneReadHint(e *train.NoneReadError, val string) string {
	switch {
	case !e.Validation:
		return ""
	case val != "":
		return fmt.Sprintf(", or give another --val than %s", val)
	}
	return ", or give --val-split 0 to train without a validation set"
}

// smallerRun says, for a run over --max-memory, what makes it smaller: a
// smaller --batch, or --train head, which keeps no activations of the
// encoder for its backward pass (said to runs of --train head too).
func smallerRun(r train.Recipe) string {
	if r.HeadOnly() {
		return "--batch"
	}
	return "--batch (or --train head)"
}

// validation says what the run validates on, as the model file records
// it for --resume: --val's absolute path (a run resumed from another
// folder is the same run), or --val-split's fraction.
func (o *finetuneOptions) validation() string {
	if o.val != "" {
		abs, err := filepath.Abs(o.val)
		if err != nil {
			abs = o.val
		}
		return "--val " + abs
	}
	return fmt.Sprintf("--val-split %g", o.valSplit)
}

// upToDate ends a --resume of a run whose epochs are all done: OUT holds
// its result, and neither it nor OUT.ckpt nor --plot is written again
// (the run used to say "resuming after epoch 1 of 1", compute the
// features of head mode and print "wrote OUT" for a file it left as it
// was). The summary still goes to stdout: it is the run's result.
func (j *finetuneJob) upToDate() error {
	n, ckpt := j.resume.Epoch, ckptPath(j.o.out)
	epochs := fmt.Sprintf("%s %s %s", verb(n, "the", "all"), nouns(n, "epoch"), verb(n, "is", "are"))
	if _, err := os.Stat(j.o.out); err != nil {
		return fmt.Errorf("--resume: %s: %s done, but %s, the model kept, is missing (%w): run without --resume to train again", ckpt, epochs, j.o.out, statError(err))
	}
	fmt.Fprintf(j.s.err, "vitctl: %s: %s already done; %s is the result; nothing to do\n", ckpt, epochs, j.o.out)
	j.done = true
	return j.summary(j.resume.History)
}

// datasets opens DATA and the validation set (--val, or --val-split of DATA).
// It warns on errw of what it leaves out, and writes to notes what the
// training should know of the classes (noteClasses), for the line that
// starts it: printed here, they came before an error of --resume, which
// was then no longer one line.
func (o *finetuneOptions) datasets(errw, notes io.Writer, data string) (*train.Dataset, *train.Dataset, error) {
	all, err := openData("data", data, nil, func(list string) string {
		m := ""
		if o.model.path != "" {
			m = "-m " + o.model.path + " "
		}
		return fmt.Sprintf("vitctl finetune %s%s --out %s", m, list, cmp.Or(o.out, "OUT.gguf"))
	})
	if err != nil {
		return nil, nil, err
	}
	warnLeftOut(errw, data, all, func(string) string { return "not a class" })
	if len(all.Labels) < 2 {
		return nil, nil, fmt.Errorf("data %s: %s; need at least 2 (one sub-folder per class)", data, nouns(len(all.Labels), "class"))
	}
	if o.val != "" {
		val, err := openData("--val", o.val, all.Labels, func(list string) string { return "--val " + list })
		if le := (*train.LabelError)(nil); errors.As(err, &le) {
			return nil, nil, valLabelsError(data, o.val, le)
		}
		if err != nil {
			return nil, nil, err
		}
		warnLeftOut(errw, o.val, val, emptyWhy(all.Labels, "nothing of that class validated",
			"a folder in --val that is not one of the training classes ("+train.QuoteSome(all.Labels, 8)+")"))
		noteClasses(notes, data, all, val, o.valUnvalidated)
		noteShared(notes, o.val, all.Shared(val), len(val.Examples))
		return all, val, nil
	}
	if o.valSplit == 0 {
		noteClasses(notes, data, all, nil, nil)
		return all, nil, nil
	}
	tr, val, kept := all.Split(o.valSplit, o.seed)
	if len(val.Examples) == 0 || len(tr.Examples) == 0 {
		return nil, nil, fmt.Errorf("data %s: %s %s too few to hold out %g for validation: give a larger --val-split, --val DIR with validation images, or --val-split 0 to train on them all without validation",
			data, nouns(len(all.Examples), "image"), verb(len(all.Examples), "is", "are"), o.valSplit)
	}
	noteClasses(notes, data, all, val, o.splitUnvalidated(kept))
	return tr, val, nil
}

// warnLeftOut names each class folder of d (read from path) without an
// image, and what that means (why of the folder), on errw: a class that silently went
// missing from a fine-tuned model's labels, or from a measurement, would
// surprise. So would photos left out for their format (HEIC), which it
// counts, images beside the class folders, which have no class
// (ImageFolder leaves them out too, but said nothing), and links that lead
// nowhere, such as a class folder's in a subset made with ln -s, once it
// is moved (left out without a word).
func warnLeftOut(errw io.Writer, path string, d *train.Dataset, why func(dir string) string) {
	for _, dir := range d.Empty {
		fmt.Fprintf(errw, "vitctl: warning: %s: no images; %s\n", dir, why(dir))
	}
	for _, link := range d.Dangling {
		_, err := os.Stat(link)
		fmt.Fprintf(errw, "vitctl: warning: %s: %v; not a class\n", bytestr.Text(link), brokenLink(link, err))
	}
	if n := len(d.Loose); n > 0 {
		names := make([]string, len(d.Loose))
		for i, p := range d.Loose {
			names[i] = filepath.Base(p)
		}
		fmt.Fprintf(errw, "vitctl: warning: %s: left out %s outside the class folders (%s): %s no class; move %s into %s\n",
			path, nouns(n, "image"), train.QuoteSome(names, 3), verb(n, "it has", "they have"), verb(n, "it", "them"), filepath.Join(path, "CLASS"))
	}
	if u := &d.Undecodable; u.Files > 0 {
		fmt.Fprintf(errw, "vitctl: warning: %s: left out %s: %s\n", path, u, convertAdvice(u))
	}
}

// emptyWhy is warnLeftOut's why for a set read against labels: of an empty
// folder named after one of them (as train.Open matches: letter case and
// underscores aside, or by synset id for ImageNet-1k's labels), class; of another, other, which says what the folder is not
// (an empty folder in --val that was no class of DATA was said to leave
// "nothing of that class validated", as if it were one).
func emptyWhy(labels []string, class, other string) func(string) string {
	names := train.Namer(labels)
	return func(dir string) string {
		if names(filepath.Base(dir)) {
			return class
		}
		return other
	}
}

// summary prints the result on stdout: in text the kept model, in JSON
// also every epoch. The text leaves the epochs to the progress lines on
// stderr, which show them as they end; printed again here, a terminal
// showed each twice.
func (j *finetuneJob) summary(hist []train.EpochInfo) error {
	if j.o.output.format.val == "json" {
		// An epoch's "best" says it was kept when it ended, so several
		// are: "kept_epoch" is the one the model file holds.
		var kept *int
		var sha *string
		if j.best != nil {
			kept = &j.best.Epoch
			s, err := modelFileSHA(j.o.out)
			if err != nil {
				return err
			}
			sha = &s
		}
		// model and base_model name models as classify's records do, with
		// their model_sha256 beside them.
		return writtenOutputError(j.o.out, writeJSON(j.s.out, map[string]any{"model": j.o.out, "model_sha256": sha, "base_model": j.base.ref,
			"base_model_sha256": j.base.sha, "recipe": j.r.String(),
			"train_images": len(j.train.Examples), "val_images": valCount(j.val), "epochs": hist, "best": j.best,
			"kept_epoch": kept, "labels": j.train.Labels}))
	}
	var err error
	switch {
	case j.best != nil && j.done:
		_, err = fmt.Fprintf(j.s.out, "%s: epoch %d, %s (written by the run before)\n", j.o.out, j.best.Epoch, accText(*j.best))
	case j.best != nil:
		_, err = fmt.Fprintf(j.s.out, "wrote %s: epoch %d, %s (%s)\n", j.o.out, j.best.Epoch, accText(*j.best), time.Since(j.start).Round(time.Second))
	}
	return writtenOutputError(j.o.out, err)
}

// modelFileSHA is the short SHA-256 of the tensor data of the model file
// at path, as records give it in model_sha256.
func modelFileSHA(path string) (string, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return "", fmt.Errorf("reading %s back: %w", path, err)
	}
	defer f.Close()
	sum, err := f.TensorDataSHA256()
	if err != nil {
		return "", fmt.Errorf("reading %s back: %w", path, err)
	}
	return shortSHA(sum), nil
}

// curvesText says what plotCurves draws.
func curvesText(val bool) string {
	if !val {
		return "the training loss per step and per epoch"
	}
	return "the training loss per step and per epoch, the validation accuracy per epoch"
}

func accText(h train.EpochInfo) string {
	if h.ValAcc == nil {
		return "no validation set"
	}
	return fmt.Sprintf("val top-1 %.2f %%", 100**h.ValAcc)
}

// valNote says what the run validates on, for the line that starts it:
// "and 6 for validation", or "no validation set" (--val-split 0).
func valNote(d *train.Dataset) string {
	if n := valCount(d); n > 0 {
		return fmt.Sprintf("and %d for validation", n)
	}
	return "no validation set"
}

func valCount(d *train.Dataset) int {
	if d == nil {
		return 0
	}
	return len(d.Examples)
}
