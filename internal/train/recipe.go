package train

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/vitctl/vitctl/internal/optim"
)

// Recipe is what a fine-tuning run does. The defaults (DefaultRecipe) are
// the recipes measured on flowers5 (docs/finetune.md).
type Recipe struct {
	Train       string  // "head", "last:N" or "all"
	Epochs      int     // passes over the training set
	Batch       int     // images per step
	LR          float64 // peak learning rate
	WeightDecay float64 // AdamW's, on matrices only
	Smoothing   float64 // label smoothing
	WarmupPct   float64 // fraction of the steps spent warming up (one-cycle)
	Seed        uint64  // shuffling and augmentation
	Augment     bool    // random resized crop (scale 0.5–1) + horizontal flip; in head mode the features are then recomputed every epoch instead of cached
}

// DefaultRecipe returns the defaults for mode: head, lr 1e-2; last:N and
// all, lr 1e-4 (PyTorch's figures for ViT-Ti, SOURCE.md of flowers5).
func DefaultRecipe(mode string) Recipe {
	r := Recipe{Train: mode, Epochs: 10, Batch: 32, LR: 1e-2, WeightDecay: 0.05, Smoothing: 0.1, WarmupPct: 0.1, Augment: mode != "head"}
	if mode != "head" {
		r.LR, r.Epochs = 1e-4, 6
	}
	return r
}

// HeadOnly says whether only the classifier trains (head: FirstLayer is
// the model's layer count).
func (r *Recipe) HeadOnly() bool { return r.Train == "head" }

// CachesFeatures says whether the frozen features of the training images
// are computed once, not every epoch: head only, without augmentation.
func (r *Recipe) CachesFeatures() bool { return r.HeadOnly() && !r.Augment }

// FirstLayer is the first trained encoder layer of a model of L layers:
// L for head, L−N for last:N, −1 (the embeddings too) for all.
func (r *Recipe) FirstLayer(L int) (int, error) {
	switch {
	case r.HeadOnly():
		return L, nil
	case r.Train == "all":
		return -1, nil
	case strings.HasPrefix(r.Train, "last:"):
		n, err := strconv.Atoi(strings.TrimPrefix(r.Train, "last:"))
		if err != nil || n < 1 || n > L {
			return 0, fmt.Errorf("--train %s: N must be 1..%d, the model's layers", r.Train, L)
		}
		return L - n, nil
	}
	return 0, fmt.Errorf("--train %q: want head, last:N or all", r.Train)
}

// Validate checks the numbers.
func (r *Recipe) Validate() error {
	switch {
	case r.Epochs < 1:
		return fmt.Errorf("--epochs %d: must be at least 1", r.Epochs)
	case r.Batch < 1:
		return fmt.Errorf("--batch %d: must be at least 1", r.Batch)
	case math.IsNaN(r.LR) || math.IsInf(r.LR, 1): // +Inf made every weight NaN at the first step; NaN said "must be positive"
		return fmt.Errorf("--lr %g: want a finite number, such as %g", r.LR, DefaultRecipe(r.Train).LR)
	case !(r.LR > 0):
		return fmt.Errorf("--lr %g: must be positive", r.LR)
	case math.IsNaN(r.WeightDecay) || math.IsInf(r.WeightDecay, 1): // NaN said "must not be negative"
		return fmt.Errorf("--weight-decay %g: want a finite number, such as %g", r.WeightDecay, DefaultRecipe(r.Train).WeightDecay)
	case !(r.WeightDecay >= 0):
		return fmt.Errorf("--weight-decay %g: must not be negative", r.WeightDecay)
	case !(r.Smoothing >= 0 && r.Smoothing < 1):
		return fmt.Errorf("--label-smoothing %g: want 0 ≤ S < 1", r.Smoothing)
	case !(r.WarmupPct >= 0 && r.WarmupPct < 1):
		return fmt.Errorf("--warmup %g: want a fraction of the steps, 0 ≤ F < 1", r.WarmupPct)
	}
	return nil
}

// NetBatch is the most images one pass of the network holds: the batch,
// or the larger data set when it is smaller (--batch 1000000000 on a
// hundred images needs buffers for a hundred).
func (r *Recipe) NetBatch(nTrain, nVal int) int {
	return max(1, min(r.Batch, max(nTrain, nVal)))
}

// schedule is the one-cycle schedule over the run's steps.
func (r *Recipe) schedule(steps int) optim.Schedule {
	return optim.NewOneCycle(r.LR, steps, r.WarmupPct)
}

func (r *Recipe) String() string {
	return fmt.Sprintf("train=%s epochs=%d batch=%d lr=%g weight_decay=%g label_smoothing=%g schedule=onecycle(warmup=%g) augment=%t seed=%d",
		r.Train, r.Epochs, r.Batch, r.LR, r.WeightDecay, r.Smoothing, r.WarmupPct, r.Augment, r.Seed)
}
