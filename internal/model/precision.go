package model

import (
	"slices"

	"github.com/vitctl/vitctl/internal/kernels"
)

// WithPrecision returns a model that runs the encoder blocks' Linear
// layers (qkv, attention output, FFN up and down; 95 % of ViT-B/16's
// FLOPs) with weights in precision p, sharing every other tensor with m.
// The patch embedding, the head, LayerNorm, attention and the residual
// stream stay fp32. Weights already in p are shared; going back to fp32
// widens the stored weights, it cannot restore the originals.
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
