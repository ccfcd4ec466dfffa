package cli

import (
	"fmt"
	"runtime/debug"
	"time"

	"github.com/vitctl/vitctl/internal/defaultmodel"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
)

// loadedModel is a model with where it came from and how long loading took.
// It holds copies of every tensor it uses; the file is closed by then.
type loadedModel struct {
	*model.Model
	Source   string
	LoadTime time.Duration
	// filePrecision is what the file's tensor types suggest: bf16 for bf16
	// tensors, int8 for q8_0, else fp32 — the default of --precision.
	filePrecision kernels.Precision
}

// loadModel loads the model file at path, or the embedded default model
// when path is empty, at the file's own precision.
func loadModel(path string) (*loadedModel, error) { return openModel(path, false, "") }

// openModel is loadModel that, with verify, first checks the file's tensor
// data against the checksum recorded when it was written, and packs the
// encoder's Linear weights straight into precision (empty: the file's).
func openModel(path string, verify bool, precision string) (*loadedModel, error) {
	start := time.Now()
	var f *gguf.File
	var err error
	src := path
	if path == "" {
		src = "embedded default model (" + defaultmodel.Name + ")"
		f, err = gguf.FromBytes(defaultmodel.GGUF)
	} else {
		f, err = gguf.Open(path)
	}
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", src, err)
	}
	defer f.Close()
	if verify {
		if err := f.Verify(); err != nil {
			return nil, fmt.Errorf("model %s: %w", src, err)
		}
	}
	lm := &loadedModel{Source: src, filePrecision: fileprecision(f)}
	if lm.Model, err = model.Load(f, precisionFor(lm, precision)); err != nil {
		return nil, fmt.Errorf("model %s: %w", src, err)
	}
	// Decoding and packing left garbage the size of the weights; give it
	// back now rather than carry it through a long run.
	debug.FreeOSMemory()
	lm.LoadTime = time.Since(start)
	return lm, nil
}

// fileprecision is bf16 when f stores bf16 tensors, int8 for q8_0, else fp32.
func fileprecision(f *gguf.File) kernels.Precision {
	for _, t := range f.Tensors() {
		switch t.Type {
		case gguf.BF16:
			return kernels.BF16
		case gguf.Q8_0:
			return kernels.INT8
		}
	}
	return kernels.FP32
}

// precisionFor is the --precision named, or without one the file's.
func precisionFor(m *loadedModel, name string) kernels.Precision {
	if p, err := kernels.ParsePrecision(name); err == nil {
		return p
	}
	return m.filePrecision
}

// runnerFor sets the model's precision (--precision; empty means the file's)
// and returns a runner for --image-size (empty means the model's size) with
// the preprocessing that goes with that size.
func (m *loadedModel) runnerFor(precision, imageSize string, threads, batch int) (*model.Runner, model.Preprocess, error) {
	m.Model = m.WithPrecision(precisionFor(m, precision))
	cfg := &m.Config
	h, w, err := parseImageSize(imageSize, cfg.ImageSize)
	if err != nil {
		return nil, model.Preprocess{}, err
	}
	r, err := m.NewRunnerAt(kernels.NewPool(threads), batch, h, w)
	if err != nil {
		return nil, model.Preprocess{}, usagef("--image-size: %v", err)
	}
	return r, cfg.Preprocess.At(h, w), nil
}
