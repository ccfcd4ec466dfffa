package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

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
	into   decodeInto // nil: get
	shapes map[string][]int
	prec   kernels.Precision // of the encoder blocks' Linear weights
	n      int
	err    error
	bufs   *[3][]float32 // into's buffers, reused from tensor to tensor
}

// decodeInto is a Getter that decodes into buf when it has room
// (gguf.File.Float32sInto).
type decodeInto func(name string, buf []float32) ([]float32, []int, error)

// tensor returns a copy of the named tensor.
func (l *loader) tensor(name string) []float32 { return slices.Clone(l.raw(name)) }

// raw returns the named tensor as the source holds it, possibly aliased,
// in buffer 0: valid until the next call.
func (l *loader) raw(name string) []float32 { return l.rawIn(name, 0) }

// rawIn is raw decoding, where the source decodes, into buffer b (< 3):
// the decoded copies of an f16 model's weights are then not new memory,
// touched once and thrown away (ViT-B/16's would be 340 MB).
func (l *loader) rawIn(name string, b int) []float32 {
	if l.err != nil {
		return nil
	}
	want := l.shapes[name]
	var data []float32
	var shape []int
	var err error
	if l.into != nil {
		n := 1
		for _, d := range want {
			n *= d
		}
		if l.bufs == nil {
			l.bufs = new([3][]float32)
		}
		if cap(l.bufs[b]) < n {
			l.bufs[b] = make([]float32, n)
		}
		data, shape, err = l.into(name, l.bufs[b])
	} else {
		data, shape, err = l.get(name)
	}
	if err != nil {
		l.err = fmt.Errorf("tensor %s: %w", name, err)
		return nil
	}
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
	for j, s := range []string{AttnQW, AttnKW, AttnVW} {
		qkv = append(qkv, l.rawIn(BlockTensor(i, s), j))
	}
	var ly layer
	if l.err == nil { // packed before the next tensor reuses the buffers
		ly.qkv = kernels.PackBStack(qkv, D, l.prec)
	}
	var qkvB []float32
	if c.QKVBias {
		for _, s := range []string{AttnQB, AttnKB, AttnVB} {
			qkvB = append(qkvB, t(s)...)
		}
	}
	ly.ln1W, ly.ln1B, ly.qkvB = t(Norm1W), t(Norm1B), qkvB
	ly.out, ly.outB = l.packedAt(BlockTensor(i, AttnOutW), l.prec), t(AttnOutB)
	ly.ln2W, ly.ln2B = t(Norm2W), t(Norm2B)
	ly.up, ly.upB = l.packedAt(BlockTensor(i, FFNUpW), l.prec), t(FFNUpB)
	ly.down, ly.downB = l.packedAt(BlockTensor(i, FFNDownW), l.prec), t(FFNDownB)
	ly.ls1, ly.ls2 = l.optional(BlockTensor(i, AttnLS)), l.optional(BlockTensor(i, FFNLS))
	return ly
}

// blocks loads the encoder blocks, several at a time on the CPUs this
// process may use: decoding, checking and packing ViT-B/16's 85M weights
// is most of the time a model takes to load. The first error in block
// order is returned.
func (l *loader) blocks(c *Config) ([]layer, error) {
	L := c.NumHiddenLayers
	layers, subs := make([]layer, L), make([]loader, L)
	var bufs sync.Pool // a set of decoding buffers per goroutine at work
	kernels.NewPool(0).For(L, func(i int) {
		b, _ := bufs.Get().(*[3][]float32)
		subs[i] = loader{get: l.get, into: l.into, shapes: l.shapes, prec: l.prec, bufs: b}
		layers[i] = subs[i].block(i, c)
		bufs.Put(subs[i].bufs)
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
func loadWeights(c *Config, get Getter, into decodeInto, p kernels.Precision) (w *weights, err error) {
	l := &loader{get: get, into: into, shapes: TensorShapes(c), prec: p}
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
