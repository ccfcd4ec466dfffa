package cli

import (
	"fmt"
	"time"

	"github.com/vitctl/vitctl/internal/defaultmodel"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
)

// loadedModel is a model with where it came from and how long loading took.
type loadedModel struct {
	*model.Model
	Source   string
	LoadTime time.Duration
	file     *gguf.File
}

// Close releases the model file's mapping.
func (m *loadedModel) Close() error { return m.file.Close() }

// loadModel opens the model file at path, or the embedded default model
// when path is empty.
func loadModel(path string) (*loadedModel, error) { return openModel(path, false) }

// openModel is loadModel that, with verify, first checks the file's tensor
// data against the checksum recorded when it was written.
func openModel(path string, verify bool) (*loadedModel, error) {
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
	if verify {
		if err := f.Verify(); err != nil {
			f.Close()
			return nil, fmt.Errorf("model %s: %w", src, err)
		}
	}
	m, err := modelFromFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("model %s: %w", src, err)
	}
	return &loadedModel{Model: m, Source: src, LoadTime: time.Since(start), file: f}, nil
}

// modelFromFile builds the network from an open model file.
func modelFromFile(f *gguf.File) (*model.Model, error) {
	cfg, err := model.ConfigFrom(f)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, t := range f.Tensors() {
		names = append(names, t.Name)
	}
	return model.New(*cfg, names, f.Float32s)
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
