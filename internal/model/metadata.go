package model

import (
	"fmt"

	"github.com/vitctl/vitctl/internal/kernels"
)

// Metadata is the typed key-value store of a model file (a *gguf.File).
// Getters fail with an error naming the key when it is missing or mistyped.
type Metadata interface {
	Has(key string) bool
	Int(key string) (int, error)
	Float(key string) (float64, error)
	Bool(key string) (bool, error)
	String(key string) (string, error)
	Strings(key string) ([]string, error)
	Floats(key string) ([]float64, error)
}

// mdReader collects the first error while reading many keys.
type mdReader struct {
	md  Metadata
	err error
}

func (r *mdReader) int(key string, dst *int) {
	if r.err == nil {
		*dst, r.err = r.md.Int(key)
	}
}

func (r *mdReader) float(key string, dst *float64) {
	if r.err == nil {
		*dst, r.err = r.md.Float(key)
	}
}

func (r *mdReader) bool(key string, dst *bool) {
	if r.err == nil {
		*dst, r.err = r.md.Bool(key)
	}
}

func (r *mdReader) str(key string, dst *string) {
	if r.err == nil {
		*dst, r.err = r.md.String(key)
	}
}

func (r *mdReader) strs(key string, dst *[]string) {
	if r.err == nil {
		*dst, r.err = r.md.Strings(key)
	}
}

func (r *mdReader) floats(key string, dst *[]float64) {
	if r.err == nil {
		*dst, r.err = r.md.Floats(key)
	}
}

// opt reads key through get only when the file has it, so files written
// before a key existed keep the zero value.
func opt[T any](r *mdReader, key string, dst *T, get func(*mdReader, string, *T)) {
	if r.err == nil && r.md.Has(key) {
		get(r, key, dst)
	}
}

// ConfigFrom reads a model's Config from model-file metadata.
func ConfigFrom(md Metadata) (*Config, error) {
	var arch string
	r := &mdReader{md: md}
	r.str(KeyArch, &arch)
	if r.err == nil && arch != Arch {
		return nil, fmt.Errorf("architecture %q is not %q (not a vitctl ViT model file)", arch, Arch)
	}
	c := &Config{}
	r.int(KeyHiddenSize, &c.HiddenSize)
	r.int(KeyLayers, &c.NumHiddenLayers)
	r.int(KeyHeads, &c.NumAttentionHeads)
	r.int(KeyIntermediate, &c.IntermediateSize)
	r.str(KeyHiddenAct, &c.HiddenAct)
	r.float(KeyLayerNormEps, &c.LayerNormEps)
	r.int(KeyImageSize, &c.ImageSize)
	r.int(KeyPatchSize, &c.PatchSize)
	r.int(KeyChannels, &c.NumChannels)
	r.bool(KeyQKVBias, &c.QKVBias)
	r.strs(KeyLabels, &c.Labels)
	p := &c.Preprocess
	r.bool(KeyDoResize, &p.DoResize)
	r.int(KeyHeight, &p.Height)
	r.int(KeyWidth, &p.Width)
	r.int(KeyResample, &p.Resample)
	r.bool(KeyDoRescale, &p.DoRescale)
	r.float(KeyRescaleFactor, &p.RescaleFactor)
	r.bool(KeyDoNormalize, &p.DoNormalize)
	r.floats(KeyMean, &p.Mean)
	r.floats(KeyStd, &p.Std)
	opt(r, KeyResizeShortest, &p.ResizeShortest, (*mdReader).int)
	opt(r, KeyResizeHeight, &p.ResizeHeight, (*mdReader).int)
	opt(r, KeyResizeWidth, &p.ResizeWidth, (*mdReader).int)
	opt(r, KeyCropPct, &p.CropPct, (*mdReader).float)
	opt(r, KeyModelType, &c.ModelType, (*mdReader).str)
	opt(r, KeyNoClassToken, &c.NoClassToken, (*mdReader).bool)
	opt(r, KeyDistillationToken, &c.DistillationToken, (*mdReader).bool)
	opt(r, KeyDistillationHead, &c.DistillationHead, (*mdReader).bool)
	opt(r, KeyRegisterTokens, &c.RegisterTokens, (*mdReader).int)
	opt(r, KeyNoEmbedClass, &c.NoEmbedClass, (*mdReader).bool)
	opt(r, KeyPreNorm, &c.PreNorm, (*mdReader).bool)
	opt(r, KeyNoPatchBias, &c.NoPatchBias, (*mdReader).bool)
	opt(r, KeyLayerScale, &c.LayerScale, (*mdReader).bool)
	opt(r, KeyPooling, &c.Pooling, (*mdReader).str)
	opt(r, KeyFCNorm, &c.FCNorm, (*mdReader).bool)
	if r.err != nil {
		return nil, fmt.Errorf("model metadata: %w (re-run vitctl convert)", r.err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Source is a model file: its metadata and its tensors (a *gguf.File).
type Source interface {
	Metadata
	TensorNames() []string
	Float32s(name string) ([]float32, []int, error)
}

// Load builds the model src describes, with the encoder's Linear weights
// packed in precision p (see NewAt).
func Load(src Source, p kernels.Precision) (*Model, error) {
	cfg, err := ConfigFrom(src)
	if err != nil {
		return nil, err
	}
	return NewAt(*cfg, src.TensorNames(), src.Float32s, p)
}
