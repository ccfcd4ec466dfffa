package train

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/optim"
)

// Options are how a run executes, not what it computes.
type Options struct {
	Threads int // compute goroutines
	Workers int // decoding goroutines
	// Step, when set, is called after every optimizer step.
	Step func(StepInfo)
	// Epoch, when set, is called after every epoch with its validation
	// result; when Best is set, Params are the best weights so far (valid
	// during the call). An error stops the run.
	Epoch func(EpochInfo, *model.Params) error
	// Warn receives each example that could not be read (it is skipped),
	// as a *SkipError.
	Warn func(error)
	// Features, when set, is called as features are extracted (in head mode
	// the training set's once; the validation set's once in head mode, at
	// every epoch otherwise; val says which): with done 0 before the first
	// batch, then after each batch with the examples done of total.
	Features func(val bool, done, total int)
	// Save, when set, is called after every epoch (after Epoch) with the
	// state to resume from and the current weights. An error stops the run.
	Save func(Checkpoint, *model.Params) error
	// Resume continues a run from a checkpoint; p must hold its weights
	// (with its classifier), and the recipe must be the one it was made with.
	Resume *Checkpoint
}

// Checkpoint is what resuming a run needs besides the weights.
type Checkpoint struct {
	Epoch   int         // epochs done
	Step    int         // optimizer steps done
	History []EpochInfo // of the epochs done
	Opt     optim.State
}

// StepInfo describes one optimizer step.
type StepInfo struct {
	Epoch, Step, Steps int // Step counts from 1 over the whole run
	Loss, LR           float64
	Images             int
}

// EpochInfo is one epoch's outcome.
type EpochInfo struct {
	Epoch     int      `json:"epoch"` // from 1
	TrainLoss float64  `json:"train_loss"`
	ValAcc    *float64 `json:"val_accuracy"` // top-1; nil (null) without a validation set
	// ValLoss is the mean cross-entropy on the validation set, without
	// label smoothing; nil (null) without one, and in older files.
	ValLoss *float64 `json:"val_loss"`
	Best    bool     `json:"best"` // kept when it ended: it Improves on the epochs before
}

// Improves says whether epoch e is kept over best, the epoch kept before it
// (nil: none): a higher validation accuracy, or the same accuracy with a
// lower validation loss. An accuracy tie with an epoch of an older file,
// which has no loss, goes to e, the later, as it did; so does every epoch
// without a validation set, so the last is kept. Equal accuracy and loss
// keep the earlier: e is no better.
func (e EpochInfo) Improves(best *EpochInfo) bool {
	switch {
	case best == nil || e.ValAcc == nil || best.ValAcc == nil:
		return true
	case *e.ValAcc != *best.ValAcc:
		return *e.ValAcc > *best.ValAcc
	case e.ValLoss == nil || best.ValLoss == nil:
		return true
	}
	return *e.ValLoss < *best.ValLoss
}

// Kept is the epoch of hist that a run keeps (Improves), nil when hist is
// empty.
func Kept(hist []EpochInfo) *EpochInfo {
	var best *EpochInfo
	for i := range hist {
		if hist[i].Improves(best) {
			best = &hist[i]
		}
	}
	return best
}

// Run fine-tunes the model (cfg, p) on train, validating on val (may be
// nil) after every epoch. The classifier is replaced by a zeroed one for
// train's labels; cfg.Labels becomes them. p is updated in place.
func Run(ctx context.Context, cfg *model.Config, p *model.Params, train, val *Dataset, r Recipe, o Options) ([]EpochInfo, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	first, err := r.FirstLayer(cfg.NumHiddenLayers)
	if err != nil {
		return nil, err
	}
	cfg.Labels = train.Labels
	if o.Resume == nil {
		p.ResetHead(len(train.Labels), cfg.HiddenSize)
	}
	pool := kernels.NewPool(o.Threads)
	net, err := model.NewNet(*cfg, p, first, pool, r.NetBatch(len(train.Examples), valLen(val)))
	if err != nil {
		return nil, err
	}
	t := &run{net: net, r: r, o: o, train: train, val: val, first: first,
		ld: &loader{pre: cfg.Preprocess, workers: max(o.Workers, 1), seed: r.Seed}}
	t.opt = optim.NewAdamW()
	grads := net.G.Tensors(cfg)
	params := p.Tensors(cfg)
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if trained(name, first, cfg.NumHiddenLayers) {
			wd := 0.0
			if decays(name, model.TensorShapes(cfg)[name]) {
				wd = r.WeightDecay
			}
			t.opt.Add(name, params[name], grads[name], wd)
		}
	}
	if o.Resume != nil {
		t.opt.SetState(o.Resume.Opt)
		t.step = o.Resume.Step
	}
	return t.loop(ctx)
}

// valLen is the size of the validation set, 0 without one.
func valLen(val *Dataset) int {
	if val == nil {
		return 0
	}
	return len(val.Examples)
}

// trained says whether tensor name is trained when layers first.. are.
func trained(name string, first, L int) bool {
	switch {
	case strings.HasPrefix(name, "cls_head."):
		return true
	case first >= L:
		return false
	case strings.HasPrefix(name, "post_norm.") || strings.HasPrefix(name, "fc_norm."):
		return true
	case strings.HasPrefix(name, "blk."):
		var i int
		fmt.Sscanf(name, "blk.%d.", &i)
		return i >= first
	}
	return first < 0
}

// decays is timm's rule: weight decay on matrices, not on biases, norms,
// tokens or position embeddings.
func decays(name string, shape []int) bool {
	return len(shape) >= 2 && name != model.TensorPos && name != model.TensorReg
}

type run struct {
	net       *model.Net
	r         Recipe
	o         Options
	train     *Dataset
	val       *Dataset
	first     int
	ld        *loader
	opt       *optim.AdamW
	sched     optim.Schedule
	step      int
	trainFeat *features // head mode: cached
	valFeat   *features
}

// features are cached classifier inputs (N, D) and labels.
type features struct {
	x      []float32
	labels []int
}

// head says whether only the classifier is trained.
func (t *run) head() bool { return t.first >= t.net.Config.NumHiddenLayers }

// cached says whether the training features are computed once: head mode
// without augmentation.
func (t *run) cached() bool { return t.r.CachesFeatures() }

func (t *run) loop(ctx context.Context) ([]EpochInfo, error) {
	if t.val != nil {
		if err := t.probe(ctx, t.val.Examples); err != nil {
			return nil, err
		}
	}
	if t.head() {
		var err error
		if t.cached() {
			if t.trainFeat, err = t.extract(ctx, t.train.Examples, false); err != nil {
				return nil, err
			}
		}
		if t.val != nil {
			if t.valFeat, err = t.extract(ctx, t.val.Examples, true); err != nil {
				return nil, err
			}
			if len(t.valFeat.labels) == 0 { // probe read one: it is gone now
				return nil, &NoneReadError{Tried: len(t.val.Examples), Validation: true}
			}
		}
	}
	n := len(t.train.Examples)
	if t.trainFeat != nil {
		n = len(t.trainFeat.labels)
	}
	if n == 0 {
		return nil, &NoneReadError{Tried: len(t.train.Examples)}
	}
	perEpoch := (n + t.r.Batch - 1) / t.r.Batch
	t.sched = t.r.schedule(perEpoch * t.r.Epochs)
	var hist []EpochInfo
	start := 1
	if c := t.o.Resume; c != nil {
		hist, start = slices.Clone(c.History), c.Epoch+1
	}
	for e := start; e <= t.r.Epochs; e++ {
		loss, err := t.epoch(ctx, e, perEpoch*t.r.Epochs)
		if err != nil {
			return hist, err
		}
		info := EpochInfo{Epoch: e, TrainLoss: loss}
		if t.val != nil {
			acc, vloss, err := t.validate(ctx)
			if err != nil {
				return hist, err
			}
			// Weights blown up by the epoch's last steps give logits past
			// float32's range: a model whose every output is NaN or Inf,
			// which was kept (written) for its accuracy over the argmax
			// of NaNs, in place of the last finite best.
			if math.IsNaN(vloss) || math.IsInf(vloss, 0) {
				return hist, fmt.Errorf("%w: the validation loss of epoch %d is %v (a lower --lr may help)", ErrDiverged, e, vloss)
			}
			info.ValAcc, info.ValLoss = &acc, &vloss
		}
		info.Best = info.Improves(Kept(hist))
		hist = append(hist, info)
		if t.o.Epoch != nil {
			if err := t.o.Epoch(info, t.net.P); err != nil {
				return hist, err
			}
		}
		if t.o.Save != nil {
			c := Checkpoint{Epoch: e, Step: t.step, History: hist, Opt: t.opt.State()}
			if err := t.o.Save(c, t.net.P); err != nil {
				return hist, err
			}
		}
	}
	return hist, nil
}

// order is the epoch's shuffled example order.
func (t *run) order(epoch, n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	rng(t.r.Seed, 0, uint64(epoch)).Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	return idx
}

// ErrDiverged is the error of a run whose loss stopped being a finite
// number: the weights can only get worse, so it stops, and the best epoch
// written so far stays as it is.
var ErrDiverged = errors.New("training diverged")

// epoch runs one pass over the training set and returns its mean loss.
func (t *run) epoch(ctx context.Context, e, steps int) (float64, error) {
	var sum float64
	var count int
	stepFn := func(loss float64, images int) error {
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return fmt.Errorf("%w: the loss of step %d is %v (a lower --lr may help)", ErrDiverged, t.step+1, loss)
		}
		lr := t.sched.LR(t.step)
		t.opt.Step(lr)
		t.step++
		sum += loss * float64(images)
		count += images
		if t.o.Step != nil {
			t.o.Step(StepInfo{Epoch: e, Step: t.step, Steps: steps, Loss: loss, LR: lr, Images: images})
		}
		return nil
	}
	if t.cached() {
		f := t.trainFeat
		D := t.net.Config.HiddenSize
		idx := t.order(e, len(f.labels))
		for s := 0; s < len(idx); s += t.r.Batch {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			part := idx[s:min(s+t.r.Batch, len(idx))]
			x, y := make([]float32, 0, len(part)*D), make([]int, len(part))
			for i, k := range part {
				x = append(x, f.x[k*D:(k+1)*D]...)
				y[i] = f.labels[k]
			}
			if err := stepFn(t.headStep(x, y), len(y)); err != nil {
				return 0, err
			}
			t.net.PackHead()
		}
		return sum / float64(count), nil
	}
	idx := t.order(e, len(t.train.Examples))
	ex := make([]Example, len(idx))
	for i, k := range idx {
		ex[i] = t.train.Examples[k]
	}
	for b := range t.ld.batches(ctx, ex, t.r.Batch, e, t.r.Augment) {
		t.warn(b.failed)
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if len(b.labels) == 0 {
			continue
		}
		loss, err := t.fullStep(b)
		if err != nil {
			return 0, err
		}
		if err := stepFn(loss, len(b.labels)); err != nil {
			return 0, err
		}
		if t.head() {
			t.net.PackHead()
		} else {
			t.net.Pack()
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if count == 0 { // no step: the model would be the base with a head that learnt nothing
		return 0, &NoneReadError{Tried: len(ex)}
	}
	return sum / float64(count), nil
}

// NoneReadError is Run's error when none of the training images, or
// none of the validation images, could be read (each was given to
// Options.Warn): no epoch ends, so nothing is written. Tried is how many
// there were.
type NoneReadError struct {
	Tried      int
	Validation bool // of the validation set, found before the first step
}

func (e *NoneReadError) Error() string {
	set := "training"
	if e.Validation {
		set = "validation"
	}
	if e.Tried == 1 {
		return fmt.Sprintf("no readable %s images: the 1 %s image could not be read", set, set)
	}
	return fmt.Sprintf("no readable %s images: none of the %d %s images could be read", set, e.Tried, set)
}

// probe decodes examples in order until one can be read, giving each that
// cannot to Options.Warn, so that a validation set none of whose images
// can be read stops the run before anything else is read, not after an
// epoch of training that it then could not keep (or, with --train head,
// the features of every training image). It is usually one image.
func (t *run) probe(ctx context.Context, ex []Example) error {
	for i, e := range ex {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := t.ld.image(e, 0, i, false)
		if err == nil {
			return nil
		}
		t.warn([]error{&SkipError{Example: e, Err: e.Err(err)}})
	}
	return &NoneReadError{Tried: len(ex), Validation: true}
}

func (t *run) warn(errs []error) {
	if t.o.Warn != nil {
		for _, err := range errs {
			t.o.Warn(err)
		}
	}
}

// headStep computes the loss and gradients of the classifier alone on
// features x (B, D).
func (t *run) headStep(x []float32, y []int) float64 {
	n := t.net
	n.ZeroGrad()
	logits := n.HeadForward(x, len(y))
	dl := make([]float32, len(logits))
	loss := model.CrossEntropy(dl, logits, y, len(n.Config.Labels), t.r.Smoothing)
	n.HeadBackward(dl, x, len(y))
	return loss
}

// fullStep is one forward and backward pass through the trained layers.
func (t *run) fullStep(b batch) (float64, error) {
	n := t.net
	n.ZeroGrad()
	logits, err := n.Forward(b.pixels, len(b.labels))
	if err != nil {
		return 0, err
	}
	dl := make([]float32, len(logits))
	loss := model.CrossEntropy(dl, logits, b.labels, len(n.Config.Labels), t.r.Smoothing)
	n.Backward(dl, len(b.labels))
	return loss, nil
}

// extract computes the frozen features of examples, of the validation
// set when val, once.
func (t *run) extract(ctx context.Context, ex []Example, val bool) (*features, error) {
	f := &features{}
	done := 0
	if t.o.Features != nil { // before the first batch, which may take seconds
		t.o.Features(val, 0, len(ex))
	}
	for b := range t.ld.batches(ctx, ex, t.r.Batch, 0, false) {
		t.warn(b.failed)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		done += len(b.labels) + len(b.failed)
		if len(b.labels) > 0 {
			x, err := t.net.Features(b.pixels, len(b.labels))
			if err != nil {
				return nil, err
			}
			f.x = append(f.x, x...)
			f.labels = append(f.labels, b.labels...)
		}
		if t.o.Features != nil {
			t.o.Features(val, done, len(ex))
		}
	}
	return f, ctx.Err()
}

// validate is top-1 accuracy and the mean cross-entropy (without label
// smoothing, as timm validates) on the validation set.
func (t *run) validate(ctx context.Context) (acc, loss float64, err error) {
	f := t.valFeat
	if f == nil {
		if f, err = t.extract(ctx, t.val.Examples, true); err != nil {
			return 0, 0, err
		}
	}
	if len(f.labels) == 0 { // probe read one before the first step: it is gone now
		return 0, 0, &NoneReadError{Tried: len(t.val.Examples), Validation: true}
	}
	D, L := t.net.Config.HiddenSize, len(t.net.Config.Labels)
	correct := 0
	for s := 0; s < len(f.labels); s += t.r.Batch {
		e := min(s+t.r.Batch, len(f.labels))
		logits := t.net.HeadForward(f.x[s*D:e*D], e-s)
		loss += model.CrossEntropy(nil, logits, f.labels[s:e], L, 0) * float64(e-s)
		for i, y := range f.labels[s:e] {
			if rank(logits[i*L : (i+1)*L])[0] == y {
				correct++
			}
		}
	}
	n := float64(len(f.labels))
	return float64(correct) / n, loss / n, nil
}
