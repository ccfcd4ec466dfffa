package convert

import (
	"strings"

	"github.com/vitctl/vitctl/internal/model"
)

// Hugging Face ViTForImageClassification state-dict names of the model
// file's tensors.
var hfGlobal = map[string]string{
	model.TensorCLS:       "vit.embeddings.cls_token",
	model.TensorPos:       "vit.embeddings.position_embeddings",
	model.TensorPatchW:    "vit.embeddings.patch_embeddings.projection.weight",
	model.TensorPatchB:    "vit.embeddings.patch_embeddings.projection.bias",
	model.TensorPostNormW: "vit.layernorm.weight",
	model.TensorPostNormB: "vit.layernorm.bias",
	model.TensorClassW:    "classifier.weight",
	model.TensorClassB:    "classifier.bias",
}

var hfBlock = map[string]string{
	model.Norm1W:   "layernorm_before.weight",
	model.Norm1B:   "layernorm_before.bias",
	model.AttnQW:   "attention.attention.query.weight",
	model.AttnQB:   "attention.attention.query.bias",
	model.AttnKW:   "attention.attention.key.weight",
	model.AttnKB:   "attention.attention.key.bias",
	model.AttnVW:   "attention.attention.value.weight",
	model.AttnVB:   "attention.attention.value.bias",
	model.AttnOutW: "attention.output.dense.weight",
	model.AttnOutB: "attention.output.dense.bias",
	model.Norm2W:   "layernorm_after.weight",
	model.Norm2B:   "layernorm_after.bias",
	model.FFNUpW:   "intermediate.dense.weight",
	model.FFNUpB:   "intermediate.dense.bias",
	model.FFNDownW: "output.dense.weight",
	model.FFNDownB: "output.dense.bias",
}

// ignoredTensors are in some checkpoints but not used by
// ViTForImageClassification, which builds its ViTModel without the pooler;
// Hugging Face skips them with a warning when loading, and so does vitctl.
var ignoredTensors = []string{"vit.pooler.dense.weight", "vit.pooler.dense.bias"}

// hfName maps a model-file tensor name to its Hugging Face name, or "" for
// a name this converter does not know.
func hfName(name string) string {
	if n, ok := hfGlobal[name]; ok {
		return n
	}
	rest, ok := strings.CutPrefix(name, "blk.")
	if !ok {
		return ""
	}
	i, suffix, _ := strings.Cut(rest, ".")
	if n, ok := hfBlock[suffix]; ok {
		return "vit.encoder.layer." + i + "." + n
	}
	return ""
}
