package train

import (
	"context"
	"fmt"
	"sync"

	"github.com/vitctl/vitctl/internal/imageio"
	"github.com/vitctl/vitctl/internal/prep"
)

// maxPixels bounds a decoded image, as classify does.
const maxPixels = 1 << 26

// batch is a run of examples decoded to pixels (B, C, H, W).
type batch struct {
	pixels []float32
	labels []int
	failed []error // examples that could not be read, skipped
}

// SkipError is Options.Warn's error: an example that could not be read,
// skipped. Its message is Err's; Example says which image of which class.
type SkipError struct {
	Example Example
	Err     error
}

func (e *SkipError) Error() string { return e.Err.Error() }
func (e *SkipError) Unwrap() error { return e.Err }

// loader decodes examples on worker goroutines, one batch ahead of the
// consumer, with augmentation seeded per (epoch, example) so the pixels do
// not depend on which goroutine decoded them.
type loader struct {
	pre     prep.Params
	workers int
	seed    uint64
}

// image decodes one example: with aug, a random resized crop (scale
// 0.5–1) and flip at the model's input size; else the model's own
// preprocessing.
func (l *loader) image(e Example, epoch, idx int, aug bool) ([]float32, error) {
	img, err := imageio.DecodeFile(e.Path, maxPixels)
	if err != nil {
		return nil, err
	}
	if !aug {
		x, err := imageio.Preprocess(img, l.pre)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Path, err)
		}
		return x, nil
	}
	r := rng(l.seed, 1, uint64(epoch), uint64(idx))
	img, err = imageio.RandomResizedCrop(img, r, l.pre.Width, l.pre.Height, 0.5, 1, l.pre.Resample, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.Path, err)
	}
	p := l.pre
	p.DoResize = false
	x, err := imageio.Preprocess(img, p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.Path, err)
	}
	return x, nil
}

// batches sends ex in batches of size B, in order. ids are the examples'
// indices for seeding augmentation.
func (l *loader) batches(ctx context.Context, ex []Example, B, epoch int, aug bool) <-chan batch {
	out := make(chan batch, 1)
	go func() {
		defer close(out)
		for s := 0; s < len(ex); s += B {
			part := ex[s:min(s+B, len(ex))]
			px := make([][]float32, len(part))
			errs := make([]error, len(part))
			var wg sync.WaitGroup
			next := make(chan int)
			for range min(l.workers, len(part)) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range next {
						px[i], errs[i] = l.image(part[i], epoch, s+i, aug)
						errs[i] = part[i].Err(errs[i])
					}
				}()
			}
			for i := range part {
				next <- i
			}
			close(next)
			wg.Wait()
			var b batch
			for i, e := range part {
				if errs[i] != nil {
					b.failed = append(b.failed, &SkipError{Example: e, Err: errs[i]})
					continue
				}
				b.pixels = append(b.pixels, px[i]...)
				b.labels = append(b.labels, e.Label)
			}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
