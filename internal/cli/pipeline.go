package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/prep"
)

// decoded is one input after decoding and preprocessing: one image, or
// several from a batched .npy file.
type decoded struct {
	idx    int
	path   string
	images [][]float32 // each (C, H, W); nil when err is set
	err    error
}

// result is what the pipeline reports for one input, in input order.
type result struct {
	path   string
	logits []float32 // (L), nil when err is set
	err    error
	last   bool // the last result of its input (a batched .npy gives several)
}

// pipeline decodes inputs on worker goroutines while batches run through
// the model, and delivers results strictly in input order.
type pipeline struct {
	decode  func(path string) ([][]float32, error)        // one input's images
	infer   func(pixels [][]float32) ([][]float32, error) // one logits row per image
	workers int
	batch   int
}

// run processes inputs and calls emit for each result in input order. It
// stops early, returning ctx's error, when ctx is cancelled, and emit's
// when emit fails (a record that cannot be written).
func (pl *pipeline) run(ctx context.Context, inputs []input, emit func(result) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out, tickets := pl.startDecoders(ctx, inputs)
	pending := make(map[int]decoded)
	var group []decoded // consecutive inputs waiting for a batch
	nOK, next := 0, 0
	flush := func() error {
		if err := pl.inferGroup(group, emit); err != nil {
			return err
		}
		group, nOK = group[:0], 0
		return nil
	}
	for next < len(inputs) {
		if err := ctx.Err(); err != nil {
			return err
		}
		var d decoded
		select {
		case <-ctx.Done():
			return ctx.Err()
		case d = <-out:
		}
		pending[d.idx] = d
		for ; ; next++ {
			d, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			<-tickets // the image left the reorder window
			group = append(group, d)
			nOK += len(d.images)
			if nOK >= pl.batch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// inferGroup runs the images of group in batches of at most pl.batch and
// emits every member, failed ones included, in order; the images of a
// batched .npy file are named FILE[i].
func (pl *pipeline) inferGroup(group []decoded, emit func(result) error) error {
	var px [][]float32
	for _, d := range group {
		px = append(px, d.images...)
	}
	var logits [][]float32
	for len(px) > 0 {
		n := min(len(px), pl.batch)
		l, err := pl.infer(px[:n])
		if err != nil {
			return fmt.Errorf("inference: %w", err)
		}
		logits, px = append(logits, l...), px[n:]
	}
	j := 0
	for _, d := range group {
		if d.err != nil {
			if err := emit(result{path: d.path, err: d.err, last: true}); err != nil {
				return err
			}
			continue
		}
		for i := range d.images {
			path := imagePath(d.path, i, len(d.images))
			r := result{path: path, logits: logits[j], last: i == len(d.images)-1}
			if err := finiteOutput(path, r.logits); err != nil {
				r.logits, r.err = nil, err
			}
			if err := emit(r); err != nil {
				return err
			}
			j++
		}
	}
	return nil
}

// finiteOutput refuses the model's output for the image at path when it
// holds NaN or Inf: finite pixels far out of range can overflow, and one
// image's NaN must not stop the run nor reach a JSON encoder.
func finiteOutput(path string, out []float32) error {
	if err := model.CheckFinite(out); err != nil {
		return fmt.Errorf("%s: the model's output %w; the pixel values are probably far out of range", path, err)
	}
	return nil
}

// startDecoders decodes inputs on pl.workers goroutines. At most a bounded
// number of inputs are between being handed out and being consumed in
// order (each holds a ticket until then), so memory stays flat on any folder
// even when one slow file holds up the order.
func (pl *pipeline) startDecoders(ctx context.Context, inputs []input) (<-chan decoded, chan struct{}) {
	window := decodeWindow(pl.batch, pl.workers)
	tickets := make(chan struct{}, window)
	jobs := make(chan int)
	out := make(chan decoded, window)
	go func() {
		defer close(jobs)
		for i := range inputs {
			select {
			case tickets <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for w := 0; w < pl.workers; w++ {
		go func() {
			for i := range jobs {
				in := inputs[i]
				d := decoded{idx: i, path: in.path, err: in.err}
				if d.err == nil {
					d.images, d.err = pl.decode(in.path)
				}
				select {
				case out <- d:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	return out, tickets
}

// decodeWindow is the number of inputs a pipeline of batch images and
// workers decoders holds decoded at most, before they are consumed in
// order (runShape counts their pixels in a run's memory).
func decodeWindow(batch, workers int) int { return 2*batch + 2*workers }

// imagesPipeline is classify's and embed's pipeline: each input loaded as
// loadInput loads it, decoded as in says and preprocessed with pre, and
// split into its images of per values each; infer runs on batches of them.
func (p *pipelineFlags) imagesPipeline(ctx context.Context, pre prep.Params, in decodeFlags, per int, infer func([][]float32) ([][]float32, error)) *pipeline {
	return &pipeline{
		decode: func(path string) ([][]float32, error) {
			px, err := loadInput(ctx, path, pre, in)
			return splitImages(px, per), err
		},
		infer:   infer,
		workers: p.decoders,
		batch:   p.batch,
	}
}

// imagePath names image i of the n an input at path holds: the path
// itself for one, FILE[i] for each of a .npy file of several.
func imagePath(path string, i, n int) string {
	if n == 1 {
		return path
	}
	return fmt.Sprintf("%s[%d]", path, i)
}

// inputOf is the input a record's path is for, imagePath's inverse: FILE
// for FILE[i], else the path itself.
func inputOf(p string) string {
	if i := strings.LastIndexByte(p, '['); i > 0 && strings.HasSuffix(p, "]") {
		if _, err := strconv.Atoi(p[i+1 : len(p)-1]); err == nil {
			return p[:i]
		}
	}
	return p
}
