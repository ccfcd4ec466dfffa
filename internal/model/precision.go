package model

import (
	"slices"

	"github.com/vitctl/vitctl/internal/kernels"
)

// WithPrecision returns a model that runs the encoder blocks' Linear
// layers (qkv, attention output, FFN up and down; 95 % of ViT-B/16's
// FLOPs) with weights in precision p, sharing every other tensor with m;
// with bf16 also attention's two products (attentionPrecision). The patch
// embedding, the head, LayerNorm, the softmax and the residual stream
// stay fp32. Weights already in p are shared; going back to fp32 widens
// the stored weights, it cannot restore the originals.
func (m *Model) WithPrecision(p kernels.Precision) *Model {
	w := *m.w
	w.layers = slices.Clone(m.w.layers)
	for i := range w.layers {
		ly := &w.layers[i]
		ly.qkv, ly.out, ly.up, ly.down = ly.qkv.To(p), ly.out.To(p), ly.up.To(p), ly.down.To(p)
	}
	c := *m
	c.w = &w
	return &c
}

// Precision is the precision of the encoder blocks' Linear weights.
func (m *Model) Precision() kernels.Precision {
	if len(m.w.layers) == 0 {
		return kernels.FP32
	}
	return m.w.layers[0].qkv.Precision()
}

// attentionPrecision is the precision of attention's products, Q·Kᵀ and
// E·V (kernels.AttentionAt): bf16 in a bf16 model, as PyTorch's bf16
// autocast runs them (which also rounds the scores; here the scores and
// the softmax stay fp32); fp32 otherwise. An int8 model keeps fp32
// attention: its quantisation is per row of a Linear's activations, and
// attention has no int8 kernels.
func (m *Model) attentionPrecision() kernels.Precision {
	if m.Precision() == kernels.BF16 {
		return kernels.BF16
	}
	return kernels.FP32
}
