package convert

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/prep"
)

// maxLabels bounds a label count taken from a config.
const maxLabels = 1 << 20

// hfConfig is the part of a Hugging Face config.json vitctl reads. Pointers
// tell absent fields, which take ViTConfig's defaults.
type hfConfig struct {
	ModelType         string          `json:"model_type"`
	Architectures     []string        `json:"architectures"`
	HiddenSize        *int            `json:"hidden_size"`
	NumHiddenLayers   *int            `json:"num_hidden_layers"`
	NumAttentionHeads *int            `json:"num_attention_heads"`
	IntermediateSize  *int            `json:"intermediate_size"`
	HiddenAct         *string         `json:"hidden_act"`
	LayerNormEps      *float64        `json:"layer_norm_eps"`
	ImageSize         json.RawMessage `json:"image_size"`
	PatchSize         json.RawMessage `json:"patch_size"`
	NumChannels       *int            `json:"num_channels"`
	QKVBias           *bool           `json:"qkv_bias"`
	ID2Label          id2label        `json:"id2label"`
	NumLabels         *int            `json:"num_labels"`
}

// backbone reports a Hugging Face ViTModel: an encoder without a
// classifier, whose features vitctl embed gives.
func (hc *hfConfig) backbone() bool {
	return hc.ModelType == "vit" && slices.Contains(hc.Architectures, "ViTModel")
}

func or[T any](p *T, def T) T {
	if p != nil {
		return *p
	}
	return def
}

// id2label is config.json's id2label: an object of class ids, or a list
// of labels in class order, which some hand-written configs give.
type id2label map[string]string

func (m *id2label) UnmarshalJSON(b []byte) error {
	var list []string
	if json.Unmarshal(b, &list) == nil {
		*m = make(id2label, len(list))
		for i, s := range list {
			(*m)[strconv.Itoa(i)] = s
		}
		return nil
	}
	var obj map[string]string
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	*m = obj
	return nil
}

// readConfig reads config.json into a model.Config without labels: those
// may depend on the checkpoint (see labels).
func readConfig(path string) (*model.Config, *hfConfig, error) {
	var hc hfConfig
	if err := readJSON(path, &hc); err != nil {
		return nil, nil, err
	}
	if hc.ModelType == "deit" {
		if err := checkDeiTArchitecture(path, &hc); err != nil {
			return nil, nil, err
		}
	} else if hc.ModelType == "" {
		// It said `model_type "" is not supported`, of {} or a config of
		// another tool's (a dataset's, a training run's settings).
		return nil, nil, fmt.Errorf("%s: no \"model_type\" (Hugging Face) nor \"architecture\" (timm): not a model's config.json (vitctl converts model_type \"vit\" and \"deit\", and timm checkpoints)", path)
	} else if hc.ModelType != "vit" {
		return nil, nil, fmt.Errorf("%s: model_type %q is not supported (vitctl converts model_type \"vit\" and \"deit\", and timm checkpoints)", path, hc.ModelType)
	} else if len(hc.Architectures) > 0 && !slices.Contains(hc.Architectures, "ViTForImageClassification") && !hc.backbone() {
		return nil, nil, fmt.Errorf("%s: architectures %v: vitctl converts ViTForImageClassification and ViTModel checkpoints", path, hc.Architectures)
	}
	img, err := squareSize(hc.ImageSize, 224)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: image_size: %w", path, err)
	}
	patch, err := squareSize(hc.PatchSize, 16)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: patch_size: %w", path, err)
	}
	cfg := &model.Config{
		HiddenSize:        or(hc.HiddenSize, 768),
		NumHiddenLayers:   or(hc.NumHiddenLayers, 12),
		NumAttentionHeads: or(hc.NumAttentionHeads, 12),
		IntermediateSize:  or(hc.IntermediateSize, 3072),
		HiddenAct:         or(hc.HiddenAct, "gelu"),
		LayerNormEps:      or(hc.LayerNormEps, 1e-12),
		ImageSize:         img,
		PatchSize:         patch,
		NumChannels:       or(hc.NumChannels, 3),
		QKVBias:           or(hc.QKVBias, true),
	}
	if hc.ModelType == "deit" {
		deitOptions(cfg, &hc)
	}
	if cfg.NumChannels != prep.Channels { // before preprocessor_config.json's per-channel lists are read
		return nil, nil, fmt.Errorf("%s: num_channels %d: vitctl converts models of %d-channel (RGB) input only, as it feeds every image to the model in RGB", path, cfg.NumChannels, prep.Channels)
	}
	const maxDim = 1 << 20 // keeps products of sizes far from overflow
	for _, v := range []int{cfg.HiddenSize, cfg.NumHiddenLayers, cfg.NumAttentionHeads, cfg.IntermediateSize, cfg.ImageSize, cfg.PatchSize, cfg.NumChannels} {
		if v > maxDim {
			return nil, nil, fmt.Errorf("%s: size %d is implausibly large", path, v)
		}
	}
	return cfg, &hc, nil
}

// squareSize reads an int or a [h, w] pair with h == w.
func squareSize(raw json.RawMessage, def int) (int, error) {
	if len(raw) == 0 {
		return def, nil
	}
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n, nil
	}
	var hw []int
	if json.Unmarshal(raw, &hw) == nil && len(hw) == 2 {
		if hw[0] != hw[1] {
			return 0, fmt.Errorf("%v is not square, which vitctl does not support", hw)
		}
		return hw[0], nil
	}
	return 0, fmt.Errorf("%s is neither an integer nor a [height, width] pair", raw)
}

// labels orders id2label by id, checking ids 0..L-1 are all present. With
// no id2label the count comes from num_labels, else from the classifier's
// rows (n), and labels are LABEL_i as Hugging Face names them.
func labels(path string, hc *hfConfig, n int) ([]string, error) {
	if len(hc.ID2Label) == 0 {
		L := or(hc.NumLabels, n)
		if L <= 0 || L > maxLabels {
			return nil, fmt.Errorf("%s: no id2label and %d labels", path, L)
		}
		out := make([]string, L)
		for i := range out {
			out[i] = "LABEL_" + strconv.Itoa(i)
		}
		return out, nil
	}
	out := make([]string, len(hc.ID2Label))
	top := -1
	for k, v := range hc.ID2Label {
		id, err := strconv.Atoi(k)
		if err != nil || id < 0 || id > maxLabels || strconv.Itoa(id) != k {
			return nil, fmt.Errorf("%s: id2label key %q is not a class id (0, 1, 2, …): give each class its number, from 0", path, k)
		}
		top = max(top, id)
		if id < len(out) {
			out[id] = v
		}
	}
	if top >= len(out) {
		var none []string
		for id := range top + 1 {
			if _, ok := hc.ID2Label[strconv.Itoa(id)]; !ok {
				none = append(none, strconv.Itoa(id))
			}
		}
		rows := ""
		if n > 0 {
			rows = fmt.Sprintf(" (the classifier has %d rows)", n)
		}
		verb := "have"
		if len(none) == 1 {
			verb = "has"
		}
		return nil, fmt.Errorf("%s: id2label has %d labels with ids up to %d: %s %s %s none: give every class id from 0 a label%s",
			path, len(out), top, plural(len(none), "id"), andList(none, 5), verb, rows)
	}
	return out, nil
}

// andList joins xs as "a, b and c", keeping the first max and saying how
// many more there are.
func andList(xs []string, max int) string {
	if len(xs) > max {
		return strings.Join(xs[:max], ", ") + fmt.Sprintf(" and %d more", len(xs)-max)
	}
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// hfPreprocess is a ViTImageProcessor's preprocessor_config.json.
type hfPreprocess struct {
	DoResize      *bool           `json:"do_resize"`
	Size          json.RawMessage `json:"size"`
	Resample      *prep.Resample  `json:"resample"`
	DoRescale     *bool           `json:"do_rescale"`
	RescaleFactor *float64        `json:"rescale_factor"`
	DoNormalize   *bool           `json:"do_normalize"`
	ImageMean     json.RawMessage `json:"image_mean"`
	ImageStd      json.RawMessage `json:"image_std"`
	DoCenterCrop  *bool           `json:"do_center_crop"`
	CropSize      json.RawMessage `json:"crop_size"`
	ProcessorType string          `json:"image_processor_type"`
	ExtractorType string          `json:"feature_extractor_type"`
}

// readPreprocess reads preprocessor_config.json, or returns
// ViTImageProcessor's defaults when the file is absent. Warnings say where
// vitctl's preprocessing may differ from the processor's.
func readPreprocess(path string, cfg *model.Config) (prep.Params, []string, error) {
	p := prep.Default(cfg.ImageSize)
	var hp hfPreprocess
	if err := readJSON(path, &hp); errors.Is(err, os.ErrNotExist) {
		return p, []string{fmt.Sprintf("%s not found: using ViTImageProcessor defaults", filepath.Base(path))}, nil
	} else if err != nil {
		return p, nil, err
	}
	var warn []string
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, a...))
	}
	kind := hp.ProcessorType + hp.ExtractorType
	switch kind {
	case "", "ViTImageProcessor", "ViTImageProcessorFast", "ViTFeatureExtractor",
		"DeiTImageProcessor", "DeiTImageProcessorFast", "DeiTFeatureExtractor":
	default:
		warn = append(warn, fmt.Sprintf("%s: processor %s; vitctl applies ViTImageProcessor's steps (resize, rescale, normalize)", path, kind))
	}
	p.DoResize = or(hp.DoResize, p.DoResize)
	p.Resample = or(hp.Resample, p.Resample)
	p.DoRescale = or(hp.DoRescale, p.DoRescale)
	p.RescaleFactor = or(hp.RescaleFactor, p.RescaleFactor)
	p.DoNormalize = or(hp.DoNormalize, p.DoNormalize)
	if len(hp.Size) > 0 && p.DoResize { // without do_resize, size is not used
		w, err := readSize(hp.Size, &p)
		if err != nil {
			return p, nil, bad("size: %v", err)
		}
		if w != "" {
			warn = append(warn, fmt.Sprintf("%s: %s", path, w))
		}
	}
	if or(hp.DoCenterCrop, false) {
		if err := centerCrop(&p, hp.Size, hp.CropSize); err != nil {
			return p, nil, bad("%v", err)
		}
	}
	var err error
	if p.Mean, err = perChannel(hp.ImageMean, p.Mean, cfg.NumChannels); err != nil {
		return p, nil, bad("image_mean: %v", err)
	}
	if p.Std, err = perChannel(hp.ImageStd, p.Std, cfg.NumChannels); err != nil {
		return p, nil, bad("image_std: %v", err)
	}
	switch {
	case p.DoRescale && !(p.RescaleFactor > 0):
		return p, nil, bad("rescale_factor %g must be positive", p.RescaleFactor)
	case p.DoResize && (p.Height != cfg.ImageSize || p.Width != cfg.ImageSize):
		return p, nil, bad("size %dx%d differs from image_size %d in config.json; the model only accepts %dx%d images (fix one of the two files)",
			p.Height, p.Width, cfg.ImageSize, cfg.ImageSize, cfg.ImageSize)
	}
	if err := p.Validate(); err != nil {
		return p, nil, bad("%v", err)
	}
	return p, warn, nil
}

// readSize accepts an int, {"height", "width"} or {"shortest_edge"}.
func readSize(raw json.RawMessage, p *prep.Params) (warning string, err error) {
	var n int
	var hw struct {
		Height       *int `json:"height"`
		Width        *int `json:"width"`
		ShortestEdge *int `json:"shortest_edge"`
	}
	switch {
	case json.Unmarshal(raw, &n) == nil:
		p.Height, p.Width = n, n
	case json.Unmarshal(raw, &hw) != nil:
		return "", fmt.Errorf("%s is not a size", raw)
	case hw.Height != nil && hw.Width != nil:
		p.Height, p.Width = *hw.Height, *hw.Width
	case hw.ShortestEdge != nil:
		n = *hw.ShortestEdge
		p.Height, p.Width = n, n
		warning = fmt.Sprintf("size {shortest_edge: %d}: vitctl resizes every image to %dx%d", n, n, n)
	default:
		return "", fmt.Errorf("%s has neither height and width nor shortest_edge", raw)
	}
	if p.Height <= 0 || p.Width <= 0 || p.Height > 1<<16 || p.Width > 1<<16 {
		return "", fmt.Errorf("%dx%d is not a usable size", p.Height, p.Width)
	}
	return warning, nil
}

// perChannel reads a list of C floats or one float for all channels.
func perChannel(raw json.RawMessage, def []float64, C int) ([]float64, error) {
	if len(raw) == 0 {
		raw, _ = json.Marshal(def)
	}
	var x float64
	if json.Unmarshal(raw, &x) == nil {
		out := make([]float64, C)
		for i := range out {
			out[i] = x
		}
		return out, nil
	}
	var xs []float64
	if err := json.Unmarshal(raw, &xs); err != nil {
		return nil, fmt.Errorf("%s is not a list of numbers", raw)
	}
	if len(xs) != C {
		return nil, fmt.Errorf("%d values for %d channels", len(xs), C)
	}
	return xs, nil
}
