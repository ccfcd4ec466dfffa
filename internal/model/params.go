package model

import (
	"fmt"
	"slices"
)

// Params are a model's parameters as flat fp32 tensors, the layout the
// training pass updates (the inference Model keeps packed copies instead).
// The fused qkv weight holds the model file's attn_q, attn_k and attn_v
// stacked; Tensors names sub-slices of it.
type Params struct {
	prefix []float32 // (PrefixTokens, D): CLS, distillation and register tokens
	pos    []float32 // (PosPrefix+Np, D)
	patchW []float32 // (D, C*P*P)
	patchB []float32 // (D) or nil
	preW   []float32 // norm_pre, nil without
	preB   []float32
	layers []layerParams
	normW  []float32 // final LayerNorm, or fc_norm
	normB  []float32
	headW  []float32 // (L, D)
	headB  []float32 // (L)
}

type layerParams struct {
	ln1W, ln1B   []float32
	qkvW, qkvB   []float32 // (3D, D), (3D) or nil
	outW, outB   []float32
	ln2W, ln2B   []float32
	upW, upB     []float32 // (I, D), (I)
	downW, downB []float32 // (D, I), (D)
	ls1, ls2     []float32 // nil without layer scale
}

// newParams allocates zeroed parameters for c.
func newParams(c *Config) *Params {
	D, I, L := c.HiddenSize, c.IntermediateSize, len(c.Labels)
	z := func(n int) []float32 { return make([]float32, n) }
	opt := func(on bool, n int) []float32 {
		if on {
			return z(n)
		}
		return nil
	}
	p := &Params{
		prefix: z(c.PrefixTokens() * D), pos: z((c.PosPrefix() + c.NumPatches()) * D),
		patchW: z(D * c.NumChannels * c.PatchSize * c.PatchSize), patchB: opt(!c.NoPatchBias, D),
		preW: opt(c.PreNorm, D), preB: opt(c.PreNorm, D),
		normW: z(D), normB: z(D), headW: z(L * D), headB: z(L),
	}
	for range c.NumHiddenLayers {
		p.layers = append(p.layers, layerParams{
			ln1W: z(D), ln1B: z(D), qkvW: z(3 * D * D), qkvB: opt(c.QKVBias, 3*D),
			outW: z(D * D), outB: z(D), ln2W: z(D), ln2B: z(D),
			upW: z(I * D), upB: z(I), downW: z(D * I), downB: z(D),
			ls1: opt(c.LayerScale, D), ls2: opt(c.LayerScale, D),
		})
	}
	return p
}

// Tensors maps every model-file tensor name of c to its slice of p.
func (p *Params) Tensors(c *Config) map[string][]float32 {
	D := c.HiddenSize
	m := map[string][]float32{TensorPos: p.pos, TensorPatchW: p.patchW}
	set := func(on bool, name string, s []float32) {
		if on {
			m[name] = s
		}
	}
	// A backbone (no labels) has no classifier to load: fine-tuning one
	// failed on its "missing" cls_head.* before ResetHead could add it.
	set(c.HasHead(), TensorClassW, p.headW)
	set(c.HasHead(), TensorClassB, p.headB)
	off := 0
	token := func(on bool, name string, rows int) {
		if on {
			m[name] = p.prefix[off*D : (off+rows)*D]
			off += rows
		}
	}
	token(!c.NoClassToken, TensorCLS, 1)
	token(c.DistillationToken, TensorDist, 1)
	token(c.RegisterTokens > 0, TensorReg, c.RegisterTokens)
	set(!c.NoPatchBias, TensorPatchB, p.patchB)
	set(c.PreNorm, TensorPreNormW, p.preW)
	set(c.PreNorm, TensorPreNormB, p.preB)
	set(!c.FCNorm, TensorPostNormW, p.normW)
	set(!c.FCNorm, TensorPostNormB, p.normB)
	set(c.FCNorm, TensorFCNormW, p.normW)
	set(c.FCNorm, TensorFCNormB, p.normB)
	for i, ly := range p.layers {
		b := func(s string, v []float32) { m[BlockTensor(i, s)] = v }
		b(Norm1W, ly.ln1W)
		b(Norm1B, ly.ln1B)
		for j, s := range []string{AttnQW, AttnKW, AttnVW} {
			b(s, ly.qkvW[j*D*D:(j+1)*D*D])
		}
		if c.QKVBias {
			for j, s := range []string{AttnQB, AttnKB, AttnVB} {
				b(s, ly.qkvB[j*D:(j+1)*D])
			}
		}
		b(AttnOutW, ly.outW)
		b(AttnOutB, ly.outB)
		b(Norm2W, ly.ln2W)
		b(Norm2B, ly.ln2B)
		b(FFNUpW, ly.upW)
		b(FFNUpB, ly.upB)
		b(FFNDownW, ly.downW)
		b(FFNDownB, ly.downB)
		if c.LayerScale {
			b(AttnLS, ly.ls1)
			b(FFNLS, ly.ls2)
		}
	}
	return m
}

// LoadParams reads every tensor of c through get into fresh Params,
// checking names and shapes as the inference loader does.
func LoadParams(c *Config, names []string, get Getter) (*Params, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := CheckNames(c, names); err != nil {
		return nil, err
	}
	p := newParams(c)
	shapes := TensorShapes(c)
	for name, dst := range p.Tensors(c) {
		data, shape, err := get(name)
		if err != nil {
			return nil, fmt.Errorf("tensor %s: %w", name, err)
		}
		if !slices.Equal(shape, shapes[name]) || len(data) != len(dst) {
			return nil, fmt.Errorf("tensor %s: shape %v, want %v for this config (re-run vitctl convert)", name, shape, shapes[name])
		}
		if err := CheckFinite(data); err != nil {
			return nil, fmt.Errorf("tensor %s %w: the weights are broken (convert the checkpoint again)", name, err)
		}
		copy(dst, data)
	}
	return p, nil
}

// Getter returns a Getter over p's tensors, for building an inference
// Model from trained parameters.
func (p *Params) Getter(c *Config) Getter {
	m, shapes := p.Tensors(c), TensorShapes(c)
	return func(name string) ([]float32, []int, error) {
		t, ok := m[name]
		if !ok {
			return nil, nil, fmt.Errorf("no tensor %s", name)
		}
		return t, shapes[name], nil
	}
}

// Names lists p's tensor names, sorted.
func (p *Params) Names(c *Config) []string {
	return slices.Sorted(func(yield func(string) bool) {
		for n := range p.Tensors(c) {
			if !yield(n) {
				return
			}
		}
	})
}

// ResetHead gives p a new zeroed classifier for L labels.
func (p *Params) ResetHead(L, D int) {
	p.headW, p.headB = make([]float32, L*D), make([]float32, L)
}
