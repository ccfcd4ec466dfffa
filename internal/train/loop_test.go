package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/optim"
	"github.com/vitctl/vitctl/internal/prep"
)

// tinySetup is the cls-gelu gradient-golden model (16×16 images) with
// its preprocessing, and an ImageFolder of 12 random images in 3 classes
// whose class sets the mean colour.
func tinySetup(t *testing.T) (*model.Config, *model.Params, *Dataset) {
	t.Helper()
	dir := filepath.Join(goldenDir, "cls-gelu")
	var cfg model.Config
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Preprocess = prep.Default(cfg.ImageSize)
	shapes := model.TensorShapes(&cfg)
	p, err := model.LoadParams(&cfg, slices.Collect(maps.Keys(shapes)), func(n string) ([]float32, []int, error) {
		return readNpy(t, filepath.Join(dir, "params", n+".npy")), shapes[n], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	r := rand.New(rand.NewPCG(9, 9))
	for c, class := range []string{"red", "green", "blue"} {
		os.MkdirAll(filepath.Join(root, class), 0o755)
		for i := range 4 {
			img := image.NewRGBA(image.Rect(0, 0, 20, 18))
			for y := range 18 {
				for x := range 20 {
					v := [3]uint8{uint8(r.IntN(128)), uint8(r.IntN(128)), uint8(r.IntN(128))}
					v[c] += 100
					img.Set(x, y, color.RGBA{v[0], v[1], v[2], 255})
				}
			}
			f, _ := os.Create(filepath.Join(root, class, fmt.Sprintf("%d.png", i)))
			png.Encode(f, img)
			f.Close()
		}
	}
	ds, err := Open(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &cfg, p, ds
}

func cloneParams(t *testing.T, cfg *model.Config, p *model.Params) *model.Params {
	names := p.Names(cfg)
	q, err := model.LoadParams(cfg, names, p.Getter(cfg))
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func equalParams(cfg *model.Config, a, b *model.Params) bool {
	ta, tb := a.Tensors(cfg), b.Tensors(cfg)
	for n, x := range ta {
		if !slices.Equal(x, tb[n]) {
			return false
		}
	}
	return true
}

// TestRunResumeAndThreads: a run stopped after epoch 1 and resumed from
// its checkpoint ends with the same bits as an uninterrupted one, and the
// bits do not depend on the number of threads.
func TestRunResumeAndThreads(t *testing.T) {
	cfg0, p0, ds := tinySetup(t)
	tr, val, _ := ds.Split(0.25, 1)
	r := DefaultRecipe("all")
	r.Epochs, r.Batch, r.LR, r.Seed = 3, 4, 1e-3, 5
	train := func(threads int, p *model.Params, o Options) (*model.Config, []EpochInfo, error) {
		cfg := *cfg0
		o.Threads, o.Workers = threads, 2
		h, err := Run(context.Background(), &cfg, p, tr, val, r, o)
		return &cfg, h, err
	}
	full := cloneParams(t, cfg0, p0)
	cfg, hist, err := train(1, full, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || !(hist[2].TrainLoss < hist[0].TrainLoss) {
		t.Errorf("history %+v: want 3 epochs, the loss going down", hist)
	}
	threaded := cloneParams(t, cfg0, p0)
	if _, _, err := train(3, threaded, Options{}); err != nil {
		t.Fatal(err)
	}
	if !equalParams(cfg, full, threaded) {
		t.Error("3 threads: weights differ from 1 thread")
	}
	stopped := errors.New("stop")
	var ck Checkpoint
	var saved *model.Params
	part := cloneParams(t, cfg0, p0)
	_, _, err = train(2, part, Options{Save: func(c Checkpoint, p *model.Params) error {
		ck = Checkpoint{Epoch: c.Epoch, Step: c.Step, History: slices.Clone(c.History),
			Opt: optim.State{Step: c.Opt.Step, M: maps.Clone(c.Opt.M), V: maps.Clone(c.Opt.V)}}
		for n := range ck.Opt.M {
			ck.Opt.M[n], ck.Opt.V[n] = slices.Clone(ck.Opt.M[n]), slices.Clone(ck.Opt.V[n])
		}
		pc := *cfg0
		pc.Labels = ds.Labels
		saved = cloneParams(t, &pc, p)
		return stopped
	}})
	if !errors.Is(err, stopped) || ck.Epoch != 1 {
		t.Fatalf("stop after epoch 1: %v, checkpoint of epoch %d", err, ck.Epoch)
	}
	if _, hist2, err := train(2, saved, Options{Resume: &ck}); err != nil || len(hist2) != 3 {
		t.Fatalf("resume: %v, %d epochs in the history", err, len(hist2))
	}
	if !equalParams(cfg, full, saved) {
		t.Error("resumed run: weights differ from the uninterrupted run")
	}
}

// TestNetBatch: the network is sized for the batch, or for the larger data
// set when that is smaller.
func TestNetBatch(t *testing.T) {
	for _, c := range []struct{ batch, train, val, want int }{
		{32, 1000, 100, 32}, {1_000_000_000, 6, 2, 6}, {32, 5, 40, 32}, {64, 5, 40, 40}, {8, 0, 0, 1},
	} {
		r := Recipe{Batch: c.batch}
		if got := r.NetBatch(c.train, c.val); got != c.want {
			t.Errorf("batch %d, %d train, %d val: %d, want %d", c.batch, c.train, c.val, got, c.want)
		}
	}
}

// TestRunDiverges: a learning rate that blows the weights up ends the run
// with ErrDiverged at the first loss that is not finite, instead of
// training on NaN and keeping it as a model.
func TestRunDiverges(t *testing.T) {
	cfg0, p0, ds := tinySetup(t)
	tr, val, _ := ds.Split(0.25, 1)
	for _, mode := range []string{"all", "head"} {
		r := DefaultRecipe(mode)
		r.Epochs, r.Batch, r.LR, r.Seed = 2, 4, 1e30, 5
		cfg := *cfg0
		var steps int
		_, err := Run(context.Background(), &cfg, cloneParams(t, cfg0, p0), tr, val, r,
			Options{Threads: 1, Workers: 1, Step: func(StepInfo) { steps++ }})
		if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "--lr") {
			t.Errorf("%s, lr 1e30: error %v after %d steps, want ErrDiverged", mode, err, steps)
		}
	}
}

// TestRunUnreadableValFirst: a validation set none of whose images can be
// read stops the run before anything else is read, in every mode: with
// --train head it stopped after the features of every training image had
// been computed (minutes of a large set), then the validation images'.
func TestRunUnreadableValFirst(t *testing.T) {
	cfg0, p0, ds := tinySetup(t)
	tr, val, _ := ds.Split(0.25, 1)
	broken := filepath.Join(t.TempDir(), "broken.png")
	os.WriteFile(broken, []byte("\x89PNG not really"), 0o644)
	bad := *val
	bad.Examples = slices.Clone(val.Examples)
	for i := range bad.Examples {
		bad.Examples[i].Path = broken
	}
	for _, mode := range []string{"head", "last:1", "all"} {
		r := DefaultRecipe(mode)
		r.Epochs, r.Batch = 1, 4
		cfg := *cfg0
		var features []int
		var warned int
		_, err := Run(context.Background(), &cfg, cloneParams(t, cfg0, p0), tr, &bad, r, Options{
			Threads: 1, Workers: 1,
			Warn:     func(error) { warned++ },
			Features: func(_ bool, done, total int) { features = append(features, total) },
		})
		var nr *NoneReadError
		if !errors.As(err, &nr) || !nr.Validation || nr.Tried != len(bad.Examples) {
			t.Errorf("%s: error %v, want no readable validation images of %d", mode, err, len(bad.Examples))
		}
		if len(features) > 0 || warned != len(bad.Examples) {
			t.Errorf("%s: features computed for %v images, %d warnings; want none before the validation images were tried, one warning each", mode, features, warned)
		}
	}
}

// TestRunDivergesAtValidation: an epoch whose validation loss is not
// finite (its last steps blew the weights up, the step losses still
// finite) ends the run with ErrDiverged before it is passed on to be
// kept; it was kept as the best epoch for the accuracy of the argmax of
// NaN logits, so OUT became a model that gives nothing but NaN and Inf.
func TestRunDivergesAtValidation(t *testing.T) {
	cfg0, p0, ds := tinySetup(t)
	tr, val, _ := ds.Split(0.25, 1)
	for _, tc := range []struct {
		mode  string
		lr    float64
		epoch int // whose validation loss is NaN
	}{{"head", 1e8, 2}, {"all", 1e6, 1}} {
		r := DefaultRecipe(tc.mode)
		r.Epochs, r.Batch, r.LR, r.Seed = 4, 4, tc.lr, 5
		cfg := *cfg0
		var kept []int
		_, err := Run(context.Background(), &cfg, cloneParams(t, cfg0, p0), tr, val, r,
			Options{Threads: 1, Workers: 1, Epoch: func(e EpochInfo, _ *model.Params) error {
				if math.IsNaN(*e.ValLoss) || math.IsInf(*e.ValLoss, 0) {
					kept = append(kept, e.Epoch)
				}
				return nil
			}})
		// Where the kernels sum as on the AVX2 and pure-Go paths, the
		// run stops at that epoch's validation; the steps of others may
		// blow up a step sooner or later, and none may pass NaN on.
		if !errors.Is(err, ErrDiverged) || len(kept) > 0 {
			t.Errorf("%s, lr %g: error %v, epochs of a NaN validation loss passed on: %v; want ErrDiverged (the validation loss of epoch %d is NaN), none passed on", tc.mode, tc.lr, err, kept, tc.epoch)
		}
	}
}

// TestEpochImproves: an epoch is kept for a higher validation accuracy,
// or the same with a lower loss; without a validation set, or against an
// older file's epoch without a loss, the later epoch wins a tie.
func TestEpochImproves(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	for _, tc := range []struct {
		name string
		e    EpochInfo
		best *EpochInfo
		want bool
	}{
		{"first", EpochInfo{ValAcc: f(0.5), ValLoss: f(1)}, nil, true},
		{"higher accuracy", EpochInfo{ValAcc: f(0.75), ValLoss: f(2)}, &EpochInfo{ValAcc: f(0.5), ValLoss: f(1)}, true},
		{"lower accuracy", EpochInfo{ValAcc: f(0.25), ValLoss: f(0.1)}, &EpochInfo{ValAcc: f(0.5), ValLoss: f(1)}, false},
		{"tie, lower loss", EpochInfo{ValAcc: f(0.5), ValLoss: f(0.9)}, &EpochInfo{ValAcc: f(0.5), ValLoss: f(1)}, true},
		{"tie, higher loss", EpochInfo{ValAcc: f(0.5), ValLoss: f(1.1)}, &EpochInfo{ValAcc: f(0.5), ValLoss: f(1)}, false},
		{"tie, same loss", EpochInfo{ValAcc: f(0.5), ValLoss: f(1)}, &EpochInfo{ValAcc: f(0.5), ValLoss: f(1)}, false},
		{"tie, older file", EpochInfo{ValAcc: f(0.5), ValLoss: f(1)}, &EpochInfo{ValAcc: f(0.5)}, true},
		{"no validation set", EpochInfo{}, &EpochInfo{}, true},
	} {
		if got := tc.e.Improves(tc.best); got != tc.want {
			t.Errorf("%s: Improves %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestRunKeepsBest: an epoch that ties the best validation accuracy with
// a higher validation loss is not marked best (each such tie was, and OUT
// was rewritten with it), and Kept names the epoch last marked.
func TestRunKeepsBest(t *testing.T) {
	cfg, p, ds := tinySetup(t)
	r := DefaultRecipe("head")
	r.Epochs, r.Batch, r.LR, r.Seed = 8, 4, 0.3, 5
	hist, err := Run(context.Background(), cfg, p, ds, ds, r, Options{Threads: 1, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	var best *EpochInfo
	ties := 0
	for i, h := range hist {
		if h.ValAcc == nil || h.ValLoss == nil {
			t.Fatalf("epoch %d: no validation accuracy or loss", h.Epoch)
		}
		if best != nil && *h.ValAcc == *best.ValAcc && *h.ValLoss >= *best.ValLoss {
			ties++
			if h.Best {
				t.Errorf("epoch %d: best, with the top-1 of epoch %d (%g) and a higher loss (%g ≥ %g)", h.Epoch, best.Epoch, *h.ValAcc, *h.ValLoss, *best.ValLoss)
			}
		}
		if h.Best {
			best = &hist[i]
		}
	}
	if ties == 0 {
		t.Errorf("history %s: no epoch tied the best accuracy with a higher loss: the test tests nothing", histText(hist))
	}
	if k := Kept(hist); k != best {
		t.Errorf("Kept: epoch %v, want %d", k, best.Epoch)
	}
}

func histText(hist []EpochInfo) string {
	var b strings.Builder
	for _, h := range hist {
		fmt.Fprintf(&b, "\n  epoch %d: acc %g loss %g best %v", h.Epoch, *h.ValAcc, *h.ValLoss, h.Best)
	}
	return b.String()
}
