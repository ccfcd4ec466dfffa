package convert

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/prep"
)

// Hugging Face DeiT (model_type "deit"): ViT's encoder under "deit.", a
// distillation token after CLS with a position embedding of its own, and
// either one classifier on CLS (DeiTForImageClassification) or one on each
// of the two tokens with their logits averaged
// (DeiTForImageClassificationWithTeacher).
const (
	deitArch        = "DeiTForImageClassification"
	deitTeacherArch = "DeiTForImageClassificationWithTeacher"
)

// checkDeiTArchitecture refuses DeiT checkpoints without a supported head,
// by name.
func checkDeiTArchitecture(path string, hc *hfConfig) error {
	if len(hc.Architectures) == 1 && (hc.Architectures[0] == deitArch || hc.Architectures[0] == deitTeacherArch) {
		return nil
	}
	return fmt.Errorf("%s: architectures %v: vitctl runs DeiT checkpoints with architectures [%q] or [%q] only (a classifier head is needed)",
		path, hc.Architectures, deitArch, deitTeacherArch)
}

// deitOptions sets the family fields of a DeiT config. DeiTConfig's fields
// and defaults are ViTConfig's, so readConfig reads the rest.
func deitOptions(cfg *model.Config, hc *hfConfig) {
	cfg.ModelType = "deit"
	cfg.DistillationToken = true
	cfg.DistillationHead = hc.Architectures[0] == deitTeacherArch
}

// deitLayout names a DeiT checkpoint's tensors.
func deitLayout(cfg *model.Config) layout {
	arch := deitArch
	if cfg.DistillationHead {
		arch = deitTeacherArch
	}
	name := func(n string) string {
		switch n {
		case model.TensorDist:
			return "deit.embeddings.distillation_token"
		case model.TensorDistHeadW:
			return "distillation_classifier.weight"
		case model.TensorDistHeadB:
			return "distillation_classifier.bias"
		case model.TensorClassW, model.TensorClassB:
			if cfg.DistillationHead {
				return "cls_" + hfName(n)
			}
		}
		h := hfName(n)
		if rest, ok := strings.CutPrefix(h, "vit."); ok {
			return "deit." + rest
		}
		return h
	}
	return layout{from: "Hugging Face", arch: arch, name: name, ignored: []string{"deit.pooler.dense.weight", "deit.pooler.dense.bias"}}
}

// centerCrop applies a Hugging Face processor's do_center_crop with
// crop_size after a resize to size: the model sees the crop. Margins must be
// even, where Hugging Face's floored offset and torchvision's rounded one
// (prep.Params) agree.
func centerCrop(p *prep.Params, size, raw json.RawMessage) error {
	if !p.DoResize {
		return fmt.Errorf("do_center_crop without do_resize is not supported (vitctl crops a resized image)")
	}
	var se struct {
		ShortestEdge *int `json:"shortest_edge"`
	}
	if json.Unmarshal(size, &se) == nil && se.ShortestEdge != nil {
		// The long side's margin depends on the image and may be odd.
		return fmt.Errorf("size {shortest_edge} with do_center_crop is not supported (give size as height and width)")
	}
	var crop prep.Params
	if len(raw) == 0 {
		return fmt.Errorf("do_center_crop is set but crop_size is missing")
	}
	if _, err := readSize(raw, &crop); err != nil {
		return fmt.Errorf("crop_size: %v", err)
	}
	if crop.Height > p.Height || crop.Width > p.Width || (p.Height-crop.Height)%2 != 0 || (p.Width-crop.Width)%2 != 0 {
		return fmt.Errorf("crop_size %dx%d from size %dx%d: vitctl needs a crop no larger than the resize with even margins",
			crop.Width, crop.Height, p.Width, p.Height)
	}
	p.ResizeHeight, p.ResizeWidth = p.Height, p.Width
	p.Height, p.Width = crop.Height, crop.Width
	return nil
}
