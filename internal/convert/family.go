package convert

import (
	"slices"

	"github.com/vitctl/vitctl/internal/model"
)

// layout is how one family names the model file's tensors in its
// checkpoints.
type layout struct {
	from    string              // "Hugging Face" or "timm"
	arch    string              // the class refusals name
	name    func(string) string // model-file name to checkpoint name, "" if unknown
	ignored []string            // checkpoint tensors skipped, as the reference does
}

// layoutOf gives cfg's checkpoint layout.
func layoutOf(cfg *model.Config) layout {
	switch cfg.ModelType {
	case "deit":
		return deitLayout(cfg)
	case "timm":
		return timmLayout()
	}
	arch := "ViTForImageClassification"
	if !cfg.HasHead() {
		arch = "ViTModel"
	}
	return layout{from: "Hugging Face", arch: arch, name: hfName, ignored: ignoredTensors}
}

// ckShape is the checkpoint shape of a model-file tensor in every family:
// the embeddings keep their leading batch dimensions of 1.
func ckShape(name string, shape []int) []int {
	switch name {
	case model.TensorCLS, model.TensorDist:
		return append([]int{1, 1}, shape...)
	case model.TensorPos, model.TensorReg:
		return append([]int{1}, shape...)
	}
	return slices.Clone(shape)
}
