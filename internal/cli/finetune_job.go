package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vitctl/vitctl/internal/convert"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/linkpath"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/optim"
	"github.com/vitctl/vitctl/internal/train"
)

// Metadata a fine-tuned model file carries besides the model's own.
const (
	keyFTBase    = "vitctl.finetune.base_model"
	keyFTRecipe  = "vitctl.finetune.recipe"
	keyFTValAcc  = "vitctl.finetune.val_accuracy" // float64, absent without a validation set
	keyFTEpoch   = "vitctl.finetune.epoch"        // the epoch kept
	keyFTHistory = "vitctl.finetune.history"      // JSON array of epochs
	keyFTImages  = "vitctl.finetune.train_images"
	keyFTData    = "vitctl.finetune.labels_from"
	keyFTVal     = "vitctl.finetune.validation" // "--val-split 0.2", "--val /abs/dir"; absent before 2026-12-07
	// Checkpoint (OUT.ckpt) only.
	keyCkEpoch = "vitctl.checkpoint.epoch"
	keyCkStep  = "vitctl.checkpoint.step"
	ckM, ckV   = "adamw.m.", "adamw.v."
)

// baseModel is the model fine-tuning starts from, as trainable parameters.
type baseModel struct {
	cfg    *model.Config
	params *model.Params
	source string // for messages: the built-in name and what it is, or the path
	name   string // the file's model name (metadata)
	ref    string // as records and banners name models: the built-in name or the path
	sha    string // short SHA-256 of the file's tensor data
}

// banner is the model line of classify and eval for the base model, which
// trains in fp32.
func (b *baseModel) banner() string {
	return modelBanner(b.ref, b.sha, len(b.cfg.Labels), b.cfg.ImageSize, b.cfg.ImageSize, kernels.FP32)
}

// openBase reads the model file ms (see findModel) into fp32 Params; with
// verify it first checks the file's tensor data against its checksum.
func openBase(ms modelSource, verify bool) (*baseModel, error) {
	src := ms.desc
	f, err := ms.open()
	if err != nil {
		return nil, modelError(src, err)
	}
	defer f.Close()
	if verify {
		if err := f.Verify(); err != nil {
			return nil, modelError(src, err)
		}
	}
	cfg, err := model.ConfigFrom(f)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", src, err)
	}
	names := slices.DeleteFunc(f.TensorNames(), func(n string) bool { return strings.HasPrefix(n, "adamw.") })
	p, err := model.LoadParams(cfg, names, f.Float32s)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", src, err)
	}
	sha, err := f.TensorDataSHA256()
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", src, err)
	}
	name, _ := f.String(model.KeyName)
	return &baseModel{cfg: cfg, params: p, source: src, name: name, ref: ms.name, sha: shortSHA(sha)}, nil
}

// finetuneJob is one finetune run: its inputs and what it has written.
type finetuneJob struct {
	o          *finetuneOptions
	s          streams
	r          train.Recipe
	base       *baseModel
	train, val *train.Dataset
	resume     *train.Checkpoint
	best       *train.EpochInfo
	steps      []train.StepInfo
	bar        *progress
	start      time.Time
	done       bool            // --resume found every epoch done: nothing was written
	unread     map[string]bool // the paths of unreadable images, each named once (images are met every epoch)
	notes      string          // about the classes (noteClasses), said as training starts
	saved      int             // the epoch OUT.ckpt holds: --resume continues after it
	// The rate printed with each progress line: images and time of the
	// steps since the previous line, each step timed from the one before.
	lastStep   time.Time
	lineImages int
	lineTime   time.Duration
	// lined is when the last line of the progress was written where
	// stderr is no terminal (zero before the first): one is written at
	// least every logEvery, as the other commands' count is (lineDue).
	lined time.Time
	// now is the clock of the lines (time.Now when nil; a test's own).
	now func() time.Time
	// bars, when set, makes the progress bars of a terminal in place of
	// newProgress: a test's, drawn into a buffer by its own clock.
	bars func(n int, what, unit string) *progress
}

// onTerminal reports whether the run's progress is bars (stderr is a
// terminal), not lines.
func (j *finetuneJob) onTerminal() bool { return j.bars != nil || isTerminal(j.s.err) }

// newBar is the progress bar of n items, each a unit, while what runs.
func (j *finetuneJob) newBar(n int, what, unit string) *progress {
	if j.bars != nil {
		return j.bars(n, what, unit)
	}
	return newProgress(j.s.err, n, what, unit)
}

// unlearnt says, after the run, which classes had training images but
// none that could be read: the model has them, and never learnt them
// (their images were each one "skipped" line among the others, and the
// run ended saying only how many images could not be read).
func (j *finetuneJob) unlearnt() []string {
	total, unread := make([]int, len(j.train.Labels)), make([]int, len(j.train.Labels))
	for _, e := range j.train.Examples {
		total[e.Label]++
		if j.unread[e.Path] {
			unread[e.Label]++
		}
	}
	var notes []string
	for c, n := range total {
		if n > 0 && unread[c] == n {
			notes = append(notes, fmt.Sprintf("vitctl: warning: class %q: none of its %s could be read, so the model has the class but never learnt it: fix or replace them, or leave the class out", j.train.Labels[c], nouns(n, "training image")))
		}
	}
	return notes
}

func (j *finetuneJob) run(ctx context.Context) ([]train.EpochInfo, error) {
	j.bar = &progress{w: j.s.err}
	cfg := *j.base.cfg
	fmt.Fprintf(j.s.err, "vitctl: fine-tuning %s on %s, %s (%s): %s\n",
		j.base.source, nouns(len(j.train.Examples), "training image"), nouns(len(j.train.Labels), "class"), valNote(j.val), j.r.String())
	fmt.Fprint(j.s.err, j.notes)
	j.noteFewSteps()
	if !j.cached() {
		j.startSteps()
	}
	opts := train.Options{
		Threads: j.o.threads.n, Workers: j.o.workers, Resume: j.resume,
		Warn:     j.warn,
		Features: j.features,
		Step:     j.step,
		Epoch: func(e train.EpochInfo, p *model.Params) error {
			j.bar.finish()
			j.bar = &progress{w: j.s.err}
			fmt.Fprintf(j.s.err, "vitctl: epoch %d/%d: train loss %.4f, %s%s\n", e.Epoch, j.r.Epochs, e.TrainLoss, epochText(e), keptText(e, j.best))
			j.lined = j.clock()
			if !e.Best {
				return nil
			}
			j.best = &e
			return j.write(j.o.out, &cfg, p, e, nil)
		},
		Save: func(c train.Checkpoint, p *model.Params) error {
			if err := j.write(ckptPath(j.o.out), &cfg, p, train.EpochInfo{}, &c); err != nil {
				return err
			}
			j.saved = c.Epoch
			j.epochEnded()
			return nil
		},
	}
	return train.Run(ctx, &cfg, j.base.params, j.train, j.val, j.r, opts)
}

// warn names an image that could not be read (train.Options.Warn) once,
// however many epochs meet it; a link that leads nowhere says so, as
// classify and eval say it, where it read "too many levels of symbolic
// links" or "no such file or directory" of a file ls lists.
func (j *finetuneJob) warn(err error) {
	se, ok := errors.AsType[*train.SkipError](err) // each is
	if !ok {
		j.bar.message("skipped: " + convertHint(err).Error())
		return
	}
	path := se.Example.Path
	if j.unread[path] { // named in an earlier epoch
		return
	}
	j.unread[path] = true
	j.bar.message("skipped: " + quotedPath(convertHint(causeWorded(path, se.Err, brokenLink)).Error(), path))
}

// epochText is an epoch line's validation result: its accuracy and loss.
func epochText(e train.EpochInfo) string {
	if e.ValLoss == nil {
		return accText(e)
	}
	return fmt.Sprintf("%s, val loss %.*f", accText(e), lossDecimals, *e.ValLoss)
}

// lossDecimals is how many decimals an epoch line prints its validation
// loss with: the loss breaks a tie of accuracy, and with 4 the lines of
// the two epochs often printed the same loss, the later one kept for a
// lower one.
const lossDecimals = 6

// finerLoss is, for an epoch kept for its validation loss lower than
// than, the two losses with the fewest decimals that tell them apart
// (", 0.21791234 < 0.21791236"), when lossDecimals print them the same;
// else nothing.
func finerLoss(loss, than float64) string {
	for d := lossDecimals; d <= 17; d++ {
		a, b := strconv.FormatFloat(loss, 'f', d, 64), strconv.FormatFloat(than, 'f', d, 64)
		switch {
		case a == b:
		case d == lossDecimals:
			return ""
		default:
			return fmt.Sprintf(", %s < %s", a, b)
		}
	}
	return ""
}

// keptText says at the end of an epoch line whether the epoch was written
// to OUT, and why, over best, the epoch kept before it (nil: none):
// "(best, saved)" for a higher validation accuracy, the tie for the same
// one with a lower loss, "(saved)" without a validation set, where every
// epoch is written and none is the best. The line said "(best, saved)" of
// every epoch that tied the best accuracy, which help said was kept only
// when it improved.
func keptText(e train.EpochInfo, best *train.EpochInfo) string {
	switch {
	case !e.Best:
		return ""
	case e.ValAcc == nil:
		return " (saved)"
	case best != nil && best.ValAcc != nil && *best.ValAcc == *e.ValAcc:
		finer := ""
		if e.ValLoss != nil && best.ValLoss != nil {
			finer = finerLoss(*e.ValLoss, *best.ValLoss)
		}
		return fmt.Sprintf(" (best: the top-1 of epoch %d, with a lower val loss%s; saved)", best.Epoch, finer)
	}
	return " (best, saved)"
}

// interrupted is the error of a run stopped by a signal: in which epoch,
// and what it leaves: the best model so far in OUT and the state
// --resume continues from, or, before any epoch ended, nothing (it said
// "interrupted" alone, and after an epoch said it twice).
func (j *finetuneJob) interrupted() error {
	if j.resume != nil && j.saved == 0 {
		j.saved = j.resume.Epoch
	}
	where := fmt.Sprintf("in epoch %d of %d", j.saved+1, j.r.Epochs)
	switch {
	case j.best == nil:
		where += ", before it ended: " + j.leaves()
	case j.saved > 0:
		where += fmt.Sprintf(": %s, and --resume continues after epoch %d (%s)", j.leaves(), j.saved, ckptPath(j.o.out))
	default:
		where += ": " + j.leaves()
	}
	return interrupted{where: where}
}

// leaves says what OUT holds when a run stops before its end (interrupted,
// diverged): the best model so far, or nothing yet.
func (j *finetuneJob) leaves() string {
	if j.best == nil {
		return fmt.Sprintf("nothing written (%s is written as each epoch ends)", j.o.out)
	}
	return fmt.Sprintf("%s holds the best model so far (epoch %d)", j.o.out, j.best.Epoch)
}

// diverged is the error of a run whose loss stopped being finite, with
// what it leaves, as interrupted says (it said nothing of OUT), and
// OUT.ckpt removed, of this run or of the run it resumed: training is
// deterministic, so --resume from it diverged again, and the rerun with
// a lower --lr that the error asks for was refused as one over an
// interrupted run's state.
func (j *finetuneJob) diverged(err error) error {
	leaves := j.leaves()
	if j.saved > 0 || j.resume != nil {
		ckpt := ckptPath(j.o.out)
		if rmErr := os.Remove(ckpt); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s; removing %s, whose run --resume would only diverge again: %w", err, leaves, ckpt, statError(rmErr))
		}
		leaves += fmt.Sprintf("; %s is removed, since --resume from it would diverge again", ckpt)
	}
	return fmt.Errorf("%w: %s", err, leaves)
}

// fewSteps is the fewest optimizer steps a run makes without a note: one
// epoch of the default recipe on a small folder is a handful, and its
// model is near chance.
const fewSteps = 30

// noteFewSteps says on stderr, before training, that the run makes fewer
// than fewSteps optimizer steps, and how to make more.
func (j *finetuneJob) noteFewSteps() {
	perEpoch := (len(j.train.Examples) + j.r.Batch - 1) / j.r.Batch
	steps := j.r.Epochs * perEpoch
	if steps >= fewSteps || perEpoch == 0 {
		return
	}
	head := ", or --train head for a quick look"
	if j.r.HeadOnly() {
		head = ""
	}
	fmt.Fprintf(j.s.err, "vitctl: note: %s of %s at batch %d %s only %s, too few to learn much: give more --epochs (--epochs %d makes %d)%s\n",
		nouns(j.r.Epochs, "epoch"), nouns(len(j.train.Examples), "training image"), j.r.Batch, verb(j.r.Epochs, "is", "are"),
		nouns(steps, "optimizer step"), (fewSteps+perEpoch-1)/perEpoch, (fewSteps+perEpoch-1)/perEpoch*perEpoch, head)
}

// cached says whether the training set's features are computed once, before
// training a head on them in moments: --train head without augmentation.
func (j *finetuneJob) cached() bool { return j.r.CachesFeatures() }

// features shows the extraction of frozen features of the training set,
// or of the validation set (val), which on a few hundred images takes
// seconds before the first step: on a terminal a bar from the start (done
// 0), otherwise a note of what runs, and a line every 10 % of at least 200
// images, and at least one a minute (lineDue). Each names its set: of
// --train head, the note of the training images and that of the
// validation images read the same but for the count ("computing the
// features of 30 images").
func (j *finetuneJob) features(val bool, done, total int) {
	set := "training"
	if val {
		set = "validation"
	}
	if !j.onTerminal() {
		switch {
		case done == 0 && j.r.HeadOnly(): // at every epoch's validation otherwise, the epoch line next
			fmt.Fprintf(j.s.err, "vitctl: computing the features of the %s with the frozen model, once\n", nouns(total, set+" image"))
			j.lined = j.clock()
		case done > 0 && j.lineDue(total >= 200 && (10*done/total > 10*(done-j.r.Batch)/total || done == total)):
			fmt.Fprintf(j.s.err, "vitctl: %s features %d/%d (%s)\n", set, done, total, j.clock().Sub(j.start).Round(time.Second))
		}
		return
	}
	if done == 0 {
		j.bar.finish()
		j.bar = j.newBar(total, set+" features", "img").blank(0)
	}
	j.bar.set(done)
	if done == total {
		j.bar.finish()
		j.bar = &progress{w: j.s.err}
	}
}

// startSteps shows, before the first optimizer step (seconds away on a
// full model), that training runs: on a terminal the bar at 0, otherwise
// a note of the steps to come and how often a line says where they are.
func (j *finetuneJob) startSteps() {
	perEpoch := (len(j.train.Examples) + j.r.Batch - 1) / j.r.Batch
	total, done := j.r.Epochs*perEpoch, 0
	if j.resume != nil {
		done = j.resume.Step
	}
	steps := total - done
	if steps <= 0 {
		return
	}
	if j.onTerminal() {
		j.bar = j.newBar(total, "training", "step").blank(done)
		return
	}
	often := "every 10 % and at least once a minute"
	if steps < 10 {
		often = "each step"
	}
	fmt.Fprintf(j.s.err, "vitctl: training %s, a line %s\n", stepSizes(steps, perEpoch, len(j.train.Examples), j.r.Batch), often)
	j.lined = j.clock()
}

// clock is the time now, by the job's clock.
func (j *finetuneJob) clock() time.Time {
	if j.now != nil {
		return j.now()
	}
	return time.Now()
}

// lineDue says whether a line of the progress is written now where stderr
// is no terminal: at a mark (every 10 % of the steps), or when logEvery
// has passed since the last line, as the other commands write their count
// (a run of ten hours said nothing for an hour at a time; one of two
// minutes still writes its ten lines). It starts logEvery again when so.
func (j *finetuneJob) lineDue(mark bool) bool {
	now := j.clock()
	if !mark && (j.lined.IsZero() || now.Sub(j.lined) < logEvery) {
		return false
	}
	j.lined = now
	return true
}

// stepSizes says how many optimizer steps run and of how many images: n
// training images at batch B make perEpoch steps an epoch, the last of
// them n mod B images when B does not divide n (it said "of 32 images" of
// them all).
func stepSizes(steps, perEpoch, n, B int) string {
	switch last := n - (perEpoch-1)*B; {
	case last == B || perEpoch == 1:
		return fmt.Sprintf("%s of %s (%d an epoch)", nouns(steps, "optimizer step"), nouns(last, "image"), perEpoch)
	default:
		return fmt.Sprintf("%s (%d an epoch: %d of %d images, then 1 of %s)", nouns(steps, "optimizer step"), perEpoch, perEpoch-1, B, nouns(last, "image"))
	}
}

// step updates the progress: on a terminal the bar, counting the run's
// steps (a bar made after an epoch ended counted those left, 1/4 of a
// run at step 5 of 8), with the loss; otherwise a line every 10 % and at
// least one a minute (lineDue). A bar made at a step, the first of an
// epoch after the first, is made once that step is done: its rate is of
// the steps after it (counted among those it saw done, that step took no
// time, and the rate of the next was twice the true one).
func (j *finetuneJob) step(s train.StepInfo) {
	j.steps = append(j.steps, s)
	if j.bar.bar == nil && j.onTerminal() {
		j.bar = j.newBar(s.Steps, "", "step").from(s.Step)
	}
	if j.bar.bar != nil {
		j.bar.describe(fmt.Sprintf("epoch %d loss %.3f", s.Epoch, s.Loss))
		j.bar.set(s.Step)
		return
	}
	// Not a terminal: a line every 10 % of the run's steps, and at least
	// one a minute.
	now := j.clock()
	if !j.lastStep.IsZero() {
		j.lineImages += s.Images
		j.lineTime += now.Sub(j.lastStep)
	}
	j.lastStep = now
	// Every 10 % of this run's steps, as startSteps said: a run resumed
	// with fewer than ten steps left prints each (counted over the whole
	// run's, it skipped some after saying "a line each step").
	done, steps := s.Step, s.Steps
	if j.resume != nil {
		done, steps = done-j.resume.Step, steps-j.resume.Step
	}
	if j.lineDue(steps > 0 && 10*done/steps > 10*(done-1)/steps) {
		rate := ""
		// A head trained on cached features steps through a linear layer
		// only: its tens of thousands of img/s said nothing of the run,
		// whose time went to extracting the features.
		if j.lineTime > 0 && !j.cached() {
			rate = fmt.Sprintf(", %.1f img/s", float64(j.lineImages)/j.lineTime.Seconds())
		}
		fmt.Fprintf(j.s.err, "vitctl: step %d/%d, epoch %d, loss %.4f, lr %.3g%s\n", s.Step, s.Steps, s.Epoch, s.Loss, s.LR, rate)
		j.lineImages, j.lineTime = 0, 0
	}
}

// epochEnded starts the next step's time when an epoch's validation and
// saves are done: the first progress line of the next epoch gave a rate
// that counted them (4.1 img/s where the steps ran at 9).
func (j *finetuneJob) epochEnded() {
	if !j.lastStep.IsZero() {
		j.lastStep = j.clock()
	}
}

// write saves the model (ck nil) or a checkpoint with the optimizer state.
func (j *finetuneJob) write(path string, cfg *model.Config, p *model.Params, e train.EpochInfo, ck *train.Checkpoint) error {
	hist, _ := json.Marshal([]train.EpochInfo{e})
	wr := convert.Written{Name: j.base.name + " fine-tuned", Source: j.base.source, Version: Version,
		Extra: func(w *gguf.Writer) {
			w.AddString(keyFTBase, j.base.source)
			w.AddString(keyFTRecipe, j.r.String())
			if e.ValAcc != nil {
				w.AddFloat64(keyFTValAcc, *e.ValAcc)
			}
			w.AddUint32(keyFTEpoch, uint32(e.Epoch))
			w.AddUint32(keyFTImages, uint32(len(j.train.Examples)))
			w.AddString(keyFTData, j.o.data)
			w.AddString(keyFTVal, j.o.validation())
			if ck == nil {
				w.AddString(keyFTHistory, string(hist))
			} else {
				all, _ := json.Marshal(ck.History)
				w.AddString(keyFTHistory, string(all))
				w.AddUint32(keyCkEpoch, uint32(ck.Epoch))
				w.AddUint32(keyCkStep, uint32(ck.Step))
			}
		}}
	if ck != nil {
		wr.Tensors = map[string][]float32{}
		for n, m := range ck.Opt.M {
			wr.Tensors[ckM+n] = m
			wr.Tensors[ckV+n] = ck.Opt.V[n]
		}
	}
	if err := convert.WriteModel(path, cfg, p.Getter(cfg), wr); err != nil {
		return hideTemp(err, path)
	}
	return nil
}

// loadCheckpoint reads OUT.ckpt for --resume: the weights, the optimizer
// state and the epochs done; the recipe must be the same.
func (j *finetuneJob) loadCheckpoint() error {
	path := ckptPath(j.o.out)
	f, err := gguf.Open(path)
	if errors.Is(err, fs.ErrNotExist) { // no run to continue: say how to start one
		return fmt.Errorf("--resume: %w (a run writes it after each epoch): run without --resume to start one", readError(err))
	}
	if de, ok := errors.AsType[*gguf.DamageError](err); ok { // it said "re-run vitctl convert"
		return fmt.Errorf("--resume: %s: %s", path, de.Reword("the run cannot be continued from it: run without --resume to train from the start, which replaces it"))
	}
	if err != nil {
		return fmt.Errorf("--resume: %w", readError(err))
	}
	defer f.Close()
	if rec, err := f.String(keyFTRecipe); err != nil || rec != j.r.String() {
		was, now := recipeDiff(rec, j.r.String())
		return usagef("--resume: %s was made with %s, and this run has %s: use the same flags to continue it, or give another --out to start a new run", path, was, now)
	}
	if err := j.sameData(f, path); err != nil {
		return err
	}
	ck, err := openBase(modelSource{name: path, desc: path, path: path}, false)
	if err != nil {
		return fmt.Errorf("--resume: %w", err)
	}
	if !slices.Equal(ck.cfg.Labels, j.train.Labels) {
		return usagef("--resume: %s was made for the classes %s, and DATA %s has %s: give the same DATA to continue it, or another --out to start a new run",
			path, train.QuoteSome(ck.cfg.Labels, 8), j.o.data, train.QuoteSome(j.train.Labels, 8))
	}
	c := &train.Checkpoint{Opt: optim.State{M: map[string][]float32{}, V: map[string][]float32{}}}
	var hist string
	for _, err := range []error{
		get(f.Int, keyCkEpoch, &c.Epoch), get(f.Int, keyCkStep, &c.Step), get(f.String, keyFTHistory, &hist),
	} {
		if err != nil {
			return fmt.Errorf("--resume: %s: %w", path, err)
		}
	}
	if c.History, err = readHistory(hist); err != nil {
		return fmt.Errorf("--resume: %s: history: %w", path, err)
	}
	c.Opt.Step = c.Step
	for _, n := range f.TensorNames() {
		for prefix, dst := range map[string]map[string][]float32{ckM: c.Opt.M, ckV: c.Opt.V} {
			if name, ok := strings.CutPrefix(n, prefix); ok {
				x, _, err := f.Float32s(n)
				if err != nil {
					return fmt.Errorf("--resume: %s: %w", path, err)
				}
				dst[name] = slices.Clone(x)
			}
		}
	}
	j.base.params, j.resume = ck.params, c
	j.best = train.Kept(c.History) // the epoch OUT holds, as train.Run keeps it
	return nil
}

// ckptPath is where the checkpoint of a run writing the model file out
// goes: OUT.ckpt beside the file out leads to when it is a link, as out
// itself is written there (writeFileAtomic follows links), where it went
// beside the link.
func ckptPath(out string) string {
	return linkpath.Target(out) + ".ckpt"
}

// checkUnfinished refuses a new run (no --resume) over OUT.ckpt of a run
// with epochs left: the new run overwrote it, and OUT, as its first epoch
// ended, so a rerun that forgot --resume lost the interrupted run's
// epochs without a word. A checkpoint that cannot be read, or of a
// finished run, is no state to keep.
func checkUnfinished(out string) error {
	path := ckptPath(out)
	f, err := gguf.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	done, err := f.Int(keyCkEpoch)
	if err != nil {
		return nil
	}
	rec, _ := f.String(keyFTRecipe)
	total := recipeEpochs(rec)
	if done >= total {
		return nil
	}
	return usagef("--out %s: %s holds a run interrupted after epoch %d of %d: give --resume and that run's recipe (%s) to continue it, or remove %s or give another --out to start a new run",
		out, path, done, total, rec, path)
}

// recipeEpochs reads epochs=N of a recipe as Recipe.String writes it; 0
// when it has none.
func recipeEpochs(rec string) int {
	for _, f := range strings.Fields(rec) {
		if v, ok := strings.CutPrefix(f, "epochs="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

// sameData refuses to resume from the checkpoint f at path a run given
// another validation set or another number of training images: it went on
// with the new ones, and the promise of a result bit-identical to one
// uninterrupted run no longer held, without a word.
func (j *finetuneJob) sameData(f *gguf.File, path string) error {
	was, _ := f.String(keyFTVal) // absent in older files: not compared
	n, err := f.Int(keyFTImages)
	if err != nil {
		return fmt.Errorf("--resume: %s: %w", path, err)
	}
	now := j.o.validation()
	if (was == "" || was == now) && n == len(j.train.Examples) {
		return nil
	}
	if was == "" {
		was = "another validation set"
	}
	return usagef("--resume: %s was made with %s (%s), and this run has %s (%s): give the same DATA and validation to continue it, or another --out to start a new run",
		path, was, nouns(n, "training image"), now, nouns(len(j.train.Examples), "training image"))
}

// recipeDiff gives the settings (key=value, as Recipe.String writes
// them) in which the recipes was and now differ, each side in its order.
func recipeDiff(was, now string) (string, string) {
	a, b := strings.Fields(was), strings.Fields(now)
	var da, db []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			da = append(da, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			db = append(db, x)
		}
	}
	if len(da) == 0 {
		da = []string{"no recipe"}
	}
	return strings.Join(da, " "), strings.Join(db, " ")
}

// readHistory reads the epochs of keyFTHistory. Older files say −1, not
// null, for "no validation set".
func readHistory(s string) ([]train.EpochInfo, error) {
	var hist []train.EpochInfo
	if err := json.Unmarshal([]byte(s), &hist); err != nil {
		return nil, err
	}
	for i, h := range hist {
		if h.ValAcc != nil && *h.ValAcc < 0 {
			hist[i].ValAcc = nil
		}
	}
	return hist, nil
}

func get[T any](fn func(string) (T, error), key string, dst *T) error {
	v, err := fn(key)
	*dst = v
	return err
}
