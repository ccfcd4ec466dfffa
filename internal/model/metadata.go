package model

import (
	"cmp"
	"fmt"
	"reflect"

	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/prep"
)

// Metadata keys of the model file (its schema: fields, WriteMetadata and
// ConfigFrom below).
const (
	Arch = "vit" // general.architecture

	KeyArch             = "general.architecture"
	KeyName             = "general.name"
	KeySource           = "general.source"
	KeyConverterVersion = "vitctl.converter_version"
	KeyModelType        = "vit.model_type" // source layout: "vit", "deit" (Hugging Face model_type) or "timm"

	KeyHiddenSize   = "vit.hidden_size"
	KeyLayers       = "vit.num_hidden_layers"
	KeyHeads        = "vit.num_attention_heads"
	KeyIntermediate = "vit.intermediate_size"
	KeyHiddenAct    = "vit.hidden_act"
	KeyLayerNormEps = "vit.layer_norm_eps" // float64
	KeyImageSize    = "vit.image_size"
	KeyPatchSize    = "vit.patch_size"
	KeyChannels     = "vit.num_channels"
	KeyQKVBias      = "vit.qkv_bias"
	KeyLabels       = "vit.labels" // array of strings, index = class id

	// Family options; absent keys take the zero value (Hugging Face ViT).
	KeyNoClassToken      = "vit.no_class_token"
	KeyDistillationToken = "vit.distillation_token"
	KeyDistillationHead  = "vit.distillation_head"
	KeyRegisterTokens    = "vit.register_tokens"
	KeyNoEmbedClass      = "vit.no_embed_class"
	KeyPreNorm           = "vit.pre_norm"
	KeyNoPatchBias       = "vit.no_patch_bias"
	KeyLayerScale        = "vit.layer_scale"
	KeyPooling           = "vit.pooling" // "cls" or "avg"
	KeyFCNorm            = "vit.fc_norm"

	KeyResizeShortest = "vit.preprocess.resize_shortest"
	KeyResizeHeight   = "vit.preprocess.resize_height"
	KeyResizeWidth    = "vit.preprocess.resize_width"
	KeyCropPct        = "vit.preprocess.crop_pct" // float64

	KeyDoResize      = "vit.preprocess.do_resize"
	KeyHeight        = "vit.preprocess.height"
	KeyWidth         = "vit.preprocess.width"
	KeyResample      = "vit.preprocess.resample"
	KeyDoRescale     = "vit.preprocess.do_rescale"
	KeyRescaleFactor = "vit.preprocess.rescale_factor" // float64
	KeyDoNormalize   = "vit.preprocess.do_normalize"
	KeyMean          = "vit.preprocess.image_mean" // array of float64
	KeyStd           = "vit.preprocess.image_std"  // array of float64
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

// MetadataWriter adds typed keys to a model file (a *gguf.Writer).
type MetadataWriter interface {
	AddUint32(key string, v uint32)
	AddFloat64(key string, v float64)
	AddBool(key string, v bool)
	AddString(key, v string)
	AddStrings(key string, v []string)
	AddFloat64s(key string, v []float64)
}

// Provenance says where a model file came from.
type Provenance struct {
	Name             string // general.name
	Source           string // the checkpoint, general.source
	ConverterVersion string
}

// field is one metadata key and the Config field that holds its value.
type field struct {
	key string
	dst any  // *int, *prep.Resample, *bool, *float64, *string, *[]string or *[]float64
	opt bool // newer than the first files: written only when not zero, read as zero when absent
}

// fields is the schema of a model's config in its file, in writing order.
func fields(c *Config) []field {
	p := &c.Preprocess
	return []field{
		{KeyModelType, &c.ModelType, true},
		{KeyHiddenSize, &c.HiddenSize, false},
		{KeyLayers, &c.NumHiddenLayers, false},
		{KeyHeads, &c.NumAttentionHeads, false},
		{KeyIntermediate, &c.IntermediateSize, false},
		{KeyHiddenAct, &c.HiddenAct, false},
		{KeyLayerNormEps, &c.LayerNormEps, false},
		{KeyImageSize, &c.ImageSize, false},
		{KeyPatchSize, &c.PatchSize, false},
		{KeyChannels, &c.NumChannels, false},
		{KeyQKVBias, &c.QKVBias, false},
		{KeyLabels, &c.Labels, false},
		{KeyDoResize, &p.DoResize, false},
		{KeyHeight, &p.Height, false},
		{KeyWidth, &p.Width, false},
		{KeyResample, &p.Resample, false},
		{KeyDoRescale, &p.DoRescale, false},
		{KeyRescaleFactor, &p.RescaleFactor, false},
		{KeyDoNormalize, &p.DoNormalize, false},
		{KeyMean, &p.Mean, false},
		{KeyStd, &p.Std, false},
		{KeyNoClassToken, &c.NoClassToken, true},
		{KeyDistillationToken, &c.DistillationToken, true},
		{KeyDistillationHead, &c.DistillationHead, true},
		{KeyNoEmbedClass, &c.NoEmbedClass, true},
		{KeyPreNorm, &c.PreNorm, true},
		{KeyNoPatchBias, &c.NoPatchBias, true},
		{KeyLayerScale, &c.LayerScale, true},
		{KeyFCNorm, &c.FCNorm, true},
		{KeyRegisterTokens, &c.RegisterTokens, true},
		{KeyResizeShortest, &p.ResizeShortest, true},
		{KeyResizeHeight, &p.ResizeHeight, true},
		{KeyResizeWidth, &p.ResizeWidth, true},
		{KeyPooling, &c.Pooling, true},
		{KeyCropPct, &p.CropPct, true},
	}
}

// WriteMetadata records c and where it came from; ConfigFrom reads it back.
func WriteMetadata(w MetadataWriter, c *Config, prov Provenance) {
	w.AddString(KeyArch, Arch)
	w.AddString(KeyName, prov.Name)
	w.AddString(KeySource, prov.Source)
	w.AddString(KeyConverterVersion, prov.ConverterVersion)
	cc := *c
	cc.ModelType = cmp.Or(c.ModelType, "vit")
	for _, f := range fields(&cc) {
		if f.opt && reflect.ValueOf(f.dst).Elem().IsZero() {
			continue
		}
		switch v := f.dst.(type) {
		case *int:
			w.AddUint32(f.key, uint32(*v))
		case *prep.Resample:
			w.AddUint32(f.key, uint32(*v))
		case *bool:
			w.AddBool(f.key, *v)
		case *float64:
			w.AddFloat64(f.key, *v)
		case *string:
			w.AddString(f.key, *v)
		case *[]string:
			w.AddStrings(f.key, *v)
		case *[]float64:
			w.AddFloat64s(f.key, *v)
		default:
			panic(fmt.Sprintf("model: metadata field %s has type %T", f.key, f.dst))
		}
	}
}

// ConfigFrom reads a model's Config from model-file metadata.
func ConfigFrom(md Metadata) (*Config, error) {
	c := &Config{}
	if err := foreign(md); err != nil {
		return nil, err
	}
	if err := readMetadata(md, c); err != nil {
		return nil, fmt.Errorf("model metadata: %w (re-run vitctl convert)", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// foreign refuses a GGUF file that is not a vitctl model file (no
// general.architecture, or another's: llama.cpp's "clip", "llama"), which
// no conversion of vitctl's made: "re-run vitctl convert" would not do.
func foreign(md Metadata) error {
	arch, err := md.String(KeyArch)
	if err == nil && arch == Arch {
		return nil
	}
	what := fmt.Sprintf("no %s key", KeyArch)
	if err == nil {
		what = fmt.Sprintf("%s is %q, not %q", KeyArch, arch, Arch)
		if name, err := md.String("general.name"); err == nil && name != "" {
			what += fmt.Sprintf(" (general.name %q)", name)
		}
	}
	return fmt.Errorf("model metadata: %s: a GGUF file of another tool, not a vitctl model file: vitctl runs the files vitctl convert writes, so convert the checkpoint this one came from (a Hugging Face or timm folder)", what)
}

// readMetadata fills c from md, whose architecture foreign has checked.
func readMetadata(md Metadata, c *Config) error {
	for _, f := range fields(c) {
		if f.opt && !md.Has(f.key) {
			continue
		}
		if err := readField(md, f); err != nil {
			return err
		}
	}
	return nil
}

func readField(md Metadata, f field) (err error) {
	switch v := f.dst.(type) {
	case *int:
		*v, err = md.Int(f.key)
	case *prep.Resample:
		var n int
		n, err = md.Int(f.key)
		*v = prep.Resample(n)
	case *bool:
		*v, err = md.Bool(f.key)
	case *float64:
		*v, err = md.Float(f.key)
	case *string:
		*v, err = md.String(f.key)
	case *[]string:
		*v, err = md.Strings(f.key)
	case *[]float64:
		*v, err = md.Floats(f.key)
	default:
		panic(fmt.Sprintf("model: metadata field %s has type %T", f.key, f.dst))
	}
	return err
}

// Source is a model file: its metadata and its tensors (a *gguf.File).
type Source interface {
	Metadata
	TensorNames() []string
	Float32s(name string) ([]float32, []int, error)
}

// Load builds the model src describes, with the encoder's Linear weights
// packed in precision p (see NewAt). A src that can decode tensors into a
// buffer (Float32sInto, as gguf.File) has them decoded into buffers reused
// from tensor to tensor.
func Load(src Source, p kernels.Precision) (*Model, error) {
	cfg, err := ConfigFrom(src)
	if err != nil {
		return nil, err
	}
	var into decodeInto
	if d, ok := src.(interface {
		Float32sInto(name string, buf []float32) ([]float32, []int, error)
	}); ok {
		into = d.Float32sInto
	}
	return newAt(*cfg, src.TensorNames(), src.Float32s, into, p)
}
