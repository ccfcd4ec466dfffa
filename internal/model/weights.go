package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/vitctl/vitctl/internal/kernels"
)

// Getter returns a tensor's data as float32 and its row-major shape.
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
}

// weights is the whole network's parameters.
type weights struct {
	cls     []float32        // (D)
	pos     []float32        // (T, D)
	patch   *kernels.PackedB // (D, C*P*P)
	patchB  []float32        // (D)
	layers  []layer
	normW   []float32 // final LayerNorm
	normB   []float32
	head    *kernels.PackedB // (L, D)
	headB   []float32
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

// loader fetches tensors and checks each shape against the config.
type loader struct {
	get    Getter
	shapes map[string][]int
	n      int
	err    error
}

func (l *loader) tensor(name string) []float32 {
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
	l.n += len(data)
	return data
}

func (l *loader) packed(name string) *kernels.PackedB {
	w := l.tensor(name)
	if w == nil {
		return nil
	}
	s := l.shapes[name]
	k := 1
	for _, d := range s[1:] {
		k *= d
	}
	return kernels.PackB(w, s[0], k)
}

func (l *loader) block(i int, c *Config) layer {
	t := func(s string) []float32 { return l.tensor(BlockTensor(i, s)) }
	D := c.HiddenSize
	qkv := make([]float32, 0, 3*D*D)
	for _, s := range []string{AttnQW, AttnKW, AttnVW} {
		qkv = append(qkv, t(s)...)
	}
	var qkvB []float32
	if c.QKVBias {
		for _, s := range []string{AttnQB, AttnKB, AttnVB} {
			qkvB = append(qkvB, t(s)...)
		}
	}
	ly := layer{
		ln1W: t(Norm1W), ln1B: t(Norm1B), qkvB: qkvB,
		out: l.packed(BlockTensor(i, AttnOutW)), outB: t(AttnOutB),
		ln2W: t(Norm2W), ln2B: t(Norm2B),
		up: l.packed(BlockTensor(i, FFNUpW)), upB: t(FFNUpB),
		down: l.packed(BlockTensor(i, FFNDownW)), downB: t(FFNDownB),
	}
	if l.err == nil {
		ly.qkv = kernels.PackB(qkv, 3*D, D)
	}
	return ly
}

// loadWeights reads every tensor cfg needs through get.
func loadWeights(c *Config, get Getter) (*weights, error) {
	l := &loader{get: get, shapes: TensorShapes(c)}
	w := &weights{
		cls: l.tensor(TensorCLS), pos: l.tensor(TensorPos),
		patch: l.packed(TensorPatchW), patchB: l.tensor(TensorPatchB),
		normW: l.tensor(TensorPostNormW), normB: l.tensor(TensorPostNormB),
		head: l.packed(TensorClassW), headB: l.tensor(TensorClassB),
	}
	for i := 0; i < c.NumHiddenLayers && l.err == nil; i++ {
		w.layers = append(w.layers, l.block(i, c))
	}
	if l.err != nil {
		return nil, l.err
	}
	w.nParams = l.n
	return w, nil
}
