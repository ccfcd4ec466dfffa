package cli

import (
	"fmt"
	"io/fs"
	"runtime/debug"
	"strings"
	"time"

	"github.com/vitctl/vitctl/internal/defaultmodel"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/prep"
)

// loadedModel is a model with where it came from and how long loading took.
// It holds copies of every tensor it uses; the file is closed by then.
type loadedModel struct {
	*model.Model
	Source   string
	LoadTime time.Duration
}

// openModel loads the model file at path, or the embedded default model
// when path is empty, with the encoder's Linear weights packed straight
// into the precision prec names (none: the file's). With verify it first
// checks the file's tensor data against the checksum recorded when it was
// written.
func openModel(path string, verify bool, prec *precisionFlags) (*loadedModel, error) {
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
		return nil, modelError(src, err)
	}
	defer f.Close()
	if verify {
		if err := f.Verify(); err != nil {
			return nil, modelError(src, err)
		}
	}
	lm := &loadedModel{Source: src}
	if lm.Model, err = model.Load(f, prec.or(fileprecision(f))); err != nil {
		return nil, modelError(src, err)
	}
	// Decoding and packing left garbage the size of the weights; give it
	// back now rather than carry it through a long run.
	debug.FreeOSMemory()
	lm.LoadTime = time.Since(start)
	return lm, nil
}

// fileprecision is bf16 when f stores bf16 tensors, int8 for q8_0, else
// fp32: the default of --precision.
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

// runnerFor returns a runner at size (unset: the model's size) and the
// preprocessing that goes with that size, after checking that the run
// (shaped by s; its size is filled in here) fits in memory.
func (m *loadedModel) runnerFor(size *imageSize, s runShape, mem *memoryFlags) (*model.Runner, prep.Params, error) {
	cfg := &m.Config
	s.h, s.w = size.or(cfg.ImageSize)
	if err := mem.check(s.String(), estimateMemory(cfg, m.Precision(), s)); err != nil {
		return nil, prep.Params{}, err
	}
	r, err := m.NewRunnerAt(kernels.NewPool(s.threads), s.batch, s.h, s.w)
	if err != nil {
		return nil, prep.Params{}, usagef("--image-size: %v", err)
	}
	return r, cfg.Preprocess.At(s.h, s.w), nil
}

// modelError names the model once: "model m.gguf: not a GGUF file", not
// "model m.gguf: m.gguf: …" nor "model m.gguf: open m.gguf: …".
func modelError(src string, err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		err = pe.Err
	}
	if strings.HasPrefix(err.Error(), src+": ") {
		return fmt.Errorf("model %w", err)
	}
	return fmt.Errorf("model %s: %w", src, err)
}
