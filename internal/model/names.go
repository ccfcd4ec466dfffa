package model

import "fmt"

// Model-file vocabulary shared by the converter and the loader. Tensor names
// follow the ggml convention (short, "blk.N." per layer); shapes are given
// row-major, outermost first, as PyTorch prints them.
const (
	Arch = "vit" // general.architecture

	KeyArch             = "general.architecture"
	KeyName             = "general.name"
	KeySource           = "general.source"
	KeyConverterVersion = "vitctl.converter_version"
	KeyModelType        = "vit.model_type" // Hugging Face model_type of the source ("vit")

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

// Global tensors.
const (
	TensorCLS       = "cls_token"         // (D)
	TensorPos       = "pos_embd"          // (T, D)
	TensorPatchW    = "patch_embd.weight" // (D, C, P, P)
	TensorPatchB    = "patch_embd.bias"   // (D)
	TensorPostNormW = "post_norm.weight"  // (D)
	TensorPostNormB = "post_norm.bias"    // (D)
	TensorClassW    = "cls_head.weight"   // (L, D)
	TensorClassB    = "cls_head.bias"     // (L)
)

// Per-layer tensor suffixes; the full name is BlockTensor(i, suffix).
const (
	Norm1W   = "ln1.weight"      // (D)
	Norm1B   = "ln1.bias"        // (D)
	AttnQW   = "attn_q.weight"   // (D, D)
	AttnQB   = "attn_q.bias"     // (D), only when qkv_bias
	AttnKW   = "attn_k.weight"   // (D, D)
	AttnKB   = "attn_k.bias"     // (D), only when qkv_bias
	AttnVW   = "attn_v.weight"   // (D, D)
	AttnVB   = "attn_v.bias"     // (D), only when qkv_bias
	AttnOutW = "attn_out.weight" // (D, D)
	AttnOutB = "attn_out.bias"   // (D)
	Norm2W   = "ln2.weight"      // (D)
	Norm2B   = "ln2.bias"        // (D)
	FFNUpW   = "ffn_up.weight"   // (I, D)
	FFNUpB   = "ffn_up.bias"     // (I)
	FFNDownW = "ffn_down.weight" // (D, I)
	FFNDownB = "ffn_down.bias"   // (D)
)

// BlockTensor names tensor suffix of encoder layer i.
func BlockTensor(i int, suffix string) string { return fmt.Sprintf("blk.%d.%s", i, suffix) }

// TensorShapes lists every tensor a model with config c must hold, with its
// shape. The converter writes exactly these and the loader requires them.
func TensorShapes(c *Config) map[string][]int {
	D, I, L := c.HiddenSize, c.IntermediateSize, len(c.Labels)
	P, C := c.PatchSize, c.NumChannels
	m := map[string][]int{
		TensorCLS: {D}, TensorPos: {c.Tokens(), D},
		TensorPatchW: {D, C, P, P}, TensorPatchB: {D},
		TensorPostNormW: {D}, TensorPostNormB: {D},
		TensorClassW: {L, D}, TensorClassB: {L},
	}
	for i := 0; i < c.NumHiddenLayers; i++ {
		for s, shape := range map[string][]int{
			Norm1W: {D}, Norm1B: {D}, AttnQW: {D, D}, AttnKW: {D, D}, AttnVW: {D, D},
			AttnOutW: {D, D}, AttnOutB: {D}, Norm2W: {D}, Norm2B: {D},
			FFNUpW: {I, D}, FFNUpB: {I}, FFNDownW: {D, I}, FFNDownB: {D},
		} {
			m[BlockTensor(i, s)] = shape
		}
		if c.QKVBias {
			for _, s := range []string{AttnQB, AttnKB, AttnVB} {
				m[BlockTensor(i, s)] = []int{D}
			}
		}
	}
	return m
}
