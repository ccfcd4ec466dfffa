package convert

import (
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/model"
)

// Written names a model file's provenance for WriteModel.
type Written struct {
	Name, Source, Version string
	// Extra adds metadata after the model's own keys (nil: none).
	Extra func(*gguf.Writer)
	// Tensors are written after the model's, as 1-D f32 (a training
	// checkpoint's optimizer state); a loader of the model rejects them.
	Tensors map[string][]float32
}

// WriteModel writes an ordinary model file for cfg whose tensors, every one
// of model.TensorShapes(cfg), come from get, all in f32 (a fine-tuned
// model, for example). The file appears at path only once complete.
func WriteModel(path string, cfg *model.Config, get model.Getter, wr Written) error {
	w := gguf.NewWriter()
	model.WriteMetadata(w, cfg, model.Provenance{Name: wr.Name, Source: wr.Source, ConverterVersion: wr.Version})
	if wr.Extra != nil {
		wr.Extra(w)
	}
	shapes := model.TensorShapes(cfg)
	names := slices.SortedFunc(maps.Keys(shapes), tensorCmp)
	for _, n := range names {
		if err := w.AddTensor(n, shapes[n], gguf.F32); err != nil {
			return err
		}
	}
	extra := slices.Sorted(maps.Keys(wr.Tensors))
	for _, n := range extra {
		if err := w.AddTensor(n, []int{len(wr.Tensors[n])}, gguf.F32); err != nil {
			return err
		}
	}
	var buf []byte
	return w.WriteFile(path, func(t gguf.TensorInfo, dst io.Writer) error {
		if x, ok := wr.Tensors[t.Name]; ok {
			buf, _ = gguf.PutF32(buf[:0], x, gguf.F32)
			_, err := dst.Write(buf)
			return err
		}
		x, shape, err := get(t.Name)
		if err != nil {
			return fmt.Errorf("tensor %s: %w", t.Name, err)
		}
		if !slices.Equal(shape, shapes[t.Name]) {
			return fmt.Errorf("tensor %s: shape %v, want %v", t.Name, shape, shapes[t.Name])
		}
		if buf, err = gguf.PutF32(buf[:0], x, gguf.F32); err != nil {
			return err
		}
		_, err = dst.Write(buf)
		return err
	})
}
