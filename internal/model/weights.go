package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/vitctl/vitctl/internal/kernels"
)

// Getter returns a tensor's data as float32 and its row-major shape. A
// model's loader calls it from several goroutines at once.
type Getter func(name string) ([]float32, []int, error)

// layer holds one encoder block's weights, ready for the kernels.
type layer struct {
	ln1W, ln1B []float32
	qkv        *kernels.PackedB // (3D, D): query, key and value stacked
	qkvB       []float32        // (3D) or nil when qkv_bias is false
	out        *kernels.PackedB // (D, D)
	outB       []float32
	ln2W, ln2B []float32
	up         *kernels.PackedB // (I, D)
	upB        []float32
	down       *kernels.PackedB // (D, I)
	downB      []float32
	ls1, ls2   []float32 // (D) layer scales, nil without
}

// weights is the whole network's parameters.
type weights struct {
	cls     []float32        // (D), nil without a class token
	dist    []float32        // (D), nil without a distillation token
	reg     []float32        // (R, D), nil without register tokens
	prefix  []float32        // (PrefixTokens, D): cls, dist and reg rows in token order
	pos     []float32        // (PosPrefix+Np, D)
	patch   *kernels.PackedB // (D, C*P*P)
	patchB  []float32        // (D), nil without a bias
	preW    []float32        // norm_pre, nil without
	preB    []float32
	layers  []layer
	normW   []float32 // final LayerNorm (or fc_norm after pooling)
	normB   []float32
	head    *kernels.PackedB // (L, D), nil without a classifier
	headB   []float32
	distH   *kernels.PackedB // (L, D), nil without a distillation head
	distHB  []float32
	nParams int
}

// CheckNames compares the tensor names a source holds with those cfg needs
// and reports every missing and every unused tensor by name.
func CheckNames(cfg *Config, have []string) error {
	want := TensorShapes(cfg)
	var missing, unused []string
	seen := make(map[string]bool, len(have))
	for _, n := range have {
		seen[n] = true
		if _, ok := want[n]; !ok {
			unused = append(unused, n)
		}
	}
	for n := range want {
		if !seen[n] {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	sort.Strings(unused)
	var msgs []string
	if len(missing) > 0 {
		msgs = append(msgs, "missing tensors: "+strings.Join(missing, ", "))
	}
	if len(unused) > 0 {
		msgs = append(msgs, "tensors this model does not use: "+strings.Join(unused, ", "))
	}
	if len(msgs) > 0 {
		return fmt.Errorf("%s (re-run vitctl convert)", strings.Join(msgs, "; "))
	}
	return nil
}

// loader fetches tensors and checks each shape against the config. Every
// tensor it keeps is a copy, so the source (a memory-mapped file) can be
// closed once the model is built.
type loader struct {
	get    Getter
	shapes map[string][]int
	prec   kernels.Precision // of the encoder blocks' Linear weights
	n      int
	err    error
}

// tensor returns a copy of the named tensor.
func (l *loader) tensor(name string) []float32 { return slices.Clone(l.raw(name)) }

// raw returns the named tensor as the source holds it, possibly aliased.
func (l *loader) raw(name string) []float32 {
	if l.err != nil {
		return nil
	}
	data, shape, err := l.get(name)
	if err != nil {
		l.err = fmt.Errorf("tensor %s: %w", name, err)
		return nil
	}
	want := l.shapes[name]
	if !slices.Equal(shape, want) {
		l.err = fmt.Errorf("tensor %s: shape %v, want %v for this config (re-run vitctl convert)", name, shape, want)
		return nil
	}
	if err := CheckFinite(data); err != nil {
		l.err = fmt.Errorf("tensor %s %w: the weights are broken (convert the checkpoint again)", name, err)
		return nil
	}
	l.n += len(data)
	return data
}

// optional fetches a tensor the config may not have, nil when it has not.
func (l *loader) optional(name string) []float32 {
	if _, ok := l.shapes[name]; !ok {
		return nil
	}
	return l.tensor(name)
}

// packed packs the named matrix (N, K…) in fp32; nil when the config has none.
func (l *loader) packed(name string) *kernels.PackedB { return l.packedAt(name, kernels.FP32) }

// packedAt packs the named matrix in precision p.
func (l *loader) packedAt(name string, p kernels.Precision) *kernels.PackedB {
	if _, ok := l.shapes[name]; !ok {
		return nil
	}
	w := l.raw(name)
	if w == nil {
		return nil
	}
	s := l.shapes[name]
	return kernels.PackBPrecision(w, s[0], len(w)/s[0], p)
}

func (l *loader) block(i int, c *Config) layer {
	t := func(s string) []float32 { return l.tensor(BlockTensor(i, s)) }
	D := c.HiddenSize
	var qkv [][]float32
	for _, s := range []string{AttnQW, AttnKW, AttnVW} {
		qkv = append(qkv, l.raw(BlockTensor(i, s)))
	}
	var qkvB []float32
	if c.QKVBias {
		for _, s := range []string{AttnQB, AttnKB, AttnVB} {
			qkvB = append(qkvB, t(s)...)
		}
	}
	ly := layer{
		ln1W: t(Norm1W), ln1B: t(Norm1B), qkvB: qkvB,
		out: l.packedAt(BlockTensor(i, AttnOutW), l.prec), outB: t(AttnOutB),
		ln2W: t(Norm2W), ln2B: t(Norm2B),
		up: l.packedAt(BlockTensor(i, FFNUpW), l.prec), upB: t(FFNUpB),
		down: l.packedAt(BlockTensor(i, FFNDownW), l.prec), downB: t(FFNDownB),
		ls1: l.optional(BlockTensor(i, AttnLS)), ls2: l.optional(BlockTensor(i, FFNLS)),
	}
	if l.err == nil {
		ly.qkv = kernels.PackBStack(qkv, D, l.prec)
	}
	return ly
}

// blocks loads the encoder blocks, several at a time on the CPUs this
// process may use: decoding, checking and packing ViT-B/16's 85M weights
// is most of the time a model takes to load. The first error in block
// order is returned.
func (l *loader) blocks(c *Config) ([]layer, error) {
	L := c.NumHiddenLayers
	layers, subs := make([]layer, L), make([]loader, L)
	kernels.NewPool(0).For(L, func(i int) {
		subs[i] = loader{get: l.get, shapes: l.shapes, prec: l.prec}
		layers[i] = subs[i].block(i, c)
	})
	for i := range subs {
		if subs[i].err != nil {
			return nil, subs[i].err
		}
		l.n += subs[i].n
	}
	return layers, nil
}

// loadWeights reads every tensor cfg needs through get, packing the encoder
// blocks' Linear weights in precision p.
func loadWeights(c *Config, get Getter, p kernels.Precision) (w *weights, err error) {
	l := &loader{get: get, shapes: TensorShapes(c), prec: p}
	w = &weights{
		cls: l.optional(TensorCLS), dist: l.optional(TensorDist), reg: l.optional(TensorReg),
		pos:   l.tensor(TensorPos),
		patch: l.packed(TensorPatchW), patchB: l.optional(TensorPatchB),
		preW: l.optional(TensorPreNormW), preB: l.optional(TensorPreNormB),
		head: l.packed(TensorClassW), headB: l.optional(TensorClassB),
		distH: l.packed(TensorDistHeadW), distHB: l.optional(TensorDistHeadB),
	}
	if c.FCNorm {
		w.normW, w.normB = l.tensor(TensorFCNormW), l.tensor(TensorFCNormB)
	} else {
		w.normW, w.normB = l.tensor(TensorPostNormW), l.tensor(TensorPostNormB)
	}
	if l.err != nil {
		return nil, l.err
	}
	if w.layers, err = l.blocks(c); err != nil {
		return nil, err
	}
	w.prefix = slices.Concat(w.cls, w.dist, w.reg)
	w.nParams = l.n
	return w, nil
}
