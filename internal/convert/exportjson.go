package convert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/prep"
)

// hfConfigOut is the config.json of an export, in Hugging Face's field
// names; dropout is 0 as vitctl runs inference.
type hfConfigOut struct {
	Architectures             []string  `json:"architectures"`
	ModelType                 string    `json:"model_type"`
	HiddenSize                int       `json:"hidden_size"`
	NumHiddenLayers           int       `json:"num_hidden_layers"`
	NumAttentionHeads         int       `json:"num_attention_heads"`
	IntermediateSize          int       `json:"intermediate_size"`
	HiddenAct                 string    `json:"hidden_act"`
	HiddenDropoutProb         float64   `json:"hidden_dropout_prob"`
	AttentionProbsDropoutProb float64   `json:"attention_probs_dropout_prob"`
	InitializerRange          float64   `json:"initializer_range"`
	LayerNormEps              float64   `json:"layer_norm_eps"`
	ImageSize                 int       `json:"image_size"`
	PatchSize                 int       `json:"patch_size"`
	NumChannels               int       `json:"num_channels"`
	QKVBias                   bool      `json:"qkv_bias"`
	EncoderStride             int       `json:"encoder_stride"`
	ID2Label                  labelList `json:"id2label"`
	Label2ID                  labelIDs  `json:"label2id"`
	TorchDtype                string    `json:"torch_dtype"`
}

// labelList marshals as id2label, {"0": "cat", "1": "dog", …}, in id order.
type labelList []string

func (l labelList) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, s := range l {
		if i > 0 {
			b.WriteByte(',')
		}
		v, _ := json.Marshal(s)
		fmt.Fprintf(&b, "%q:%s", strconv.Itoa(i), v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// labelIDs marshals as label2id, {"cat": 0, …}, in id order; a label that
// names several classes maps to the first.
type labelIDs []string

func (l labelIDs) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	seen := map[string]bool{}
	for i, s := range l {
		if seen[s] {
			continue
		}
		if len(seen) > 0 {
			b.WriteByte(',')
		}
		seen[s] = true
		k, _ := json.Marshal(s)
		fmt.Fprintf(&b, "%s:%d", k, i)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// hwSize is a {"height", "width"} size.
type hwSize struct {
	Height int `json:"height"`
	Width  int `json:"width"`
}

// hfProcessorOut is the preprocessor_config.json of an export.
type hfProcessorOut struct {
	ProcessorType string    `json:"image_processor_type"`
	DoResize      bool      `json:"do_resize"`
	Size          hwSize    `json:"size"`
	Resample      int       `json:"resample"`
	DoCenterCrop  *bool     `json:"do_center_crop,omitempty"`
	CropSize      *hwSize   `json:"crop_size,omitempty"`
	DoRescale     bool      `json:"do_rescale"`
	RescaleFactor float64   `json:"rescale_factor"`
	DoNormalize   bool      `json:"do_normalize"`
	ImageMean     []float64 `json:"image_mean,omitempty"`
	ImageStd      []float64 `json:"image_std,omitempty"`
}

// exportConfigs gives the export's config.json and
// preprocessor_config.json, and notes of what they cannot say exactly.
func exportConfigs(cfg *model.Config) (map[string][]byte, []string, error) {
	c := hfConfigOut{
		Architectures: []string{exportArch}, ModelType: "vit",
		HiddenSize: cfg.HiddenSize, NumHiddenLayers: cfg.NumHiddenLayers,
		NumAttentionHeads: cfg.NumAttentionHeads, IntermediateSize: cfg.IntermediateSize,
		HiddenAct: cfg.HiddenAct, InitializerRange: 0.02, LayerNormEps: cfg.LayerNormEps,
		ImageSize: cfg.ImageSize, PatchSize: cfg.PatchSize, NumChannels: cfg.NumChannels,
		QKVBias: cfg.QKVBias, EncoderStride: cfg.PatchSize,
		ID2Label: cfg.Labels, Label2ID: cfg.Labels, TorchDtype: "float32",
	}
	p, notes := exportPreprocess(cfg.Preprocess)
	if n := duplicateLabels(cfg); n != "" {
		notes = append(notes, n)
	}
	out := map[string][]byte{}
	for file, v := range map[string]any{"config.json": c, "preprocessor_config.json": p} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", file, err)
		}
		out[file] = append(b, '\n')
	}
	return out, notes, nil
}

// exportPreprocess says p as Hugging Face image processor settings: a
// ViTImageProcessor, or a DeiTImageProcessor for a fixed resize then a
// center crop. timm's shorter-side resize and crop has no Hugging Face
// ViT processor; it becomes a straight resize to the input size, as
// Hugging Face's own conversions of timm ViTs have it, with a note.
func exportPreprocess(p prep.Params) (hfProcessorOut, []string) {
	out := hfProcessorOut{
		ProcessorType: "ViTImageProcessor", DoResize: p.DoResize,
		Size: hwSize{p.Height, p.Width}, Resample: int(p.Resample),
		DoRescale: p.DoRescale, RescaleFactor: p.RescaleFactor,
		DoNormalize: p.DoNormalize, ImageMean: p.Mean, ImageStd: p.Std,
	}
	var notes []string
	switch {
	case p.ResizeShortest > 0:
		crop := ""
		if p.CropPct > 0 {
			crop = fmt.Sprintf(" (timm crop_pct %g)", p.CropPct)
		}
		notes = append(notes, fmt.Sprintf("preprocessor_config.json: vitctl resizes the shorter side to %d and crops the central %dx%d%s, which no Hugging Face ViT image processor does: the export resizes the whole image straight to %dx%d, as Hugging Face's own conversions of timm ViTs do, so its outputs on a photo differ a little from vitctl's (the same pixels give the same logits)",
			p.ResizeShortest, p.Width, p.Height, crop, p.Width, p.Height))
	case p.ResizeHeight > 0:
		on := true
		out.ProcessorType, out.DoCenterCrop = "DeiTImageProcessor", &on
		out.Size, out.CropSize = hwSize{p.ResizeHeight, p.ResizeWidth}, &hwSize{p.Height, p.Width}
		if (p.ResizeHeight-p.Height)%2 != 0 || (p.ResizeWidth-p.Width)%2 != 0 {
			notes = append(notes, fmt.Sprintf("preprocessor_config.json: the crop of %dx%d from %dx%d has an odd margin, whose half Hugging Face rounds down where vitctl rounds half to even: the crop may sit one pixel apart",
				p.Width, p.Height, p.ResizeWidth, p.ResizeHeight))
		}
	}
	return out, notes
}

// duplicateLabels notes labels that name more than one class, which
// label2id cannot map back ("" if none).
func duplicateLabels(cfg *model.Config) string {
	dups := cfg.SharedLabels()
	if len(dups) == 0 {
		return ""
	}
	what := "1 label names"
	if len(dups) > 1 {
		what = strconv.Itoa(len(dups)) + " labels name"
	}
	return fmt.Sprintf("config.json: %s more than one class (%s): label2id gives each its first class id; id2label names every class",
		what, andList(dups, 5))
}
