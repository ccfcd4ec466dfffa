package model

import (
	"fmt"
	"maps"
)

// Model-file tensor names, shared by the converter and the loader. They
// follow the ggml convention (short, "blk.N." per layer); shapes are given
// row-major, outermost first, as PyTorch prints them. The metadata keys are
// in metadata.go.

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

	TensorDist      = "dist_token"       // (D), with a distillation token
	TensorReg       = "reg_tokens"       // (R, D), with register tokens
	TensorPreNormW  = "pre_norm.weight"  // (D), with pre_norm
	TensorPreNormB  = "pre_norm.bias"    // (D)
	TensorFCNormW   = "fc_norm.weight"   // (D), with fc_norm, instead of post_norm
	TensorFCNormB   = "fc_norm.bias"     // (D)
	TensorDistHeadW = "dist_head.weight" // (L, D), with a distillation head
	TensorDistHeadB = "dist_head.bias"   // (L)
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
	AttnLS   = "attn_ls.weight"  // (D), only with layer scale
	FFNLS    = "ffn_ls.weight"   // (D), only with layer scale
)

// BlockTensor names tensor suffix of encoder layer i.
func BlockTensor(i int, suffix string) string { return fmt.Sprintf("blk.%d.%s", i, suffix) }

// TensorShapes lists every tensor a model with config c must hold, with its
// shape. The converter writes exactly these and the loader requires them.
func TensorShapes(c *Config) map[string][]int {
	D, I, L := c.HiddenSize, c.IntermediateSize, len(c.Labels)
	P, C := c.PatchSize, c.NumChannels
	m := map[string][]int{
		TensorPos:    {c.PosPrefix() + c.NumPatches(), D},
		TensorPatchW: {D, C, P, P},
	}
	opt := func(on bool, shapes map[string][]int) {
		if on {
			maps.Copy(m, shapes)
		}
	}
	opt(c.HasHead(), map[string][]int{TensorClassW: {L, D}, TensorClassB: {L}})
	opt(!c.NoClassToken, map[string][]int{TensorCLS: {D}})
	opt(!c.NoPatchBias, map[string][]int{TensorPatchB: {D}})
	opt(!c.FCNorm, map[string][]int{TensorPostNormW: {D}, TensorPostNormB: {D}})
	opt(c.FCNorm, map[string][]int{TensorFCNormW: {D}, TensorFCNormB: {D}})
	opt(c.DistillationToken, map[string][]int{TensorDist: {D}})
	opt(c.DistillationHead, map[string][]int{TensorDistHeadW: {L, D}, TensorDistHeadB: {L}})
	opt(c.RegisterTokens > 0, map[string][]int{TensorReg: {c.RegisterTokens, D}})
	opt(c.PreNorm, map[string][]int{TensorPreNormW: {D}, TensorPreNormB: {D}})
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
		if c.LayerScale {
			m[BlockTensor(i, AttnLS)] = []int{D}
			m[BlockTensor(i, FFNLS)] = []int{D}
		}
	}
	return m
}
