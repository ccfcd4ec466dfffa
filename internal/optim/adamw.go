// Package optim holds the optimizer and learning-rate schedules of
// training: plain code with the papers' symbols, deterministic.
package optim

import "math"

// AdamW is torch.optim.AdamW (Loshchilov & Hutter, decoupled weight decay)
// with bias correction, amsgrad off. Each parameter tensor has its own
// weight decay, so matrices can decay and biases and norms not (timm's
// rule).
type AdamW struct {
	Beta1, Beta2, Eps float64
	t                 int // steps taken
	ps                []*param
}

type param struct {
	name        string
	w, g        []float32
	m, v        []float32 // first and second moment estimates
	weightDecay float64
}

// NewAdamW returns an AdamW with PyTorch's defaults: β1 0.9, β2 0.999, ε 1e-8.
func NewAdamW() *AdamW { return &AdamW{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// Add registers tensor w with gradient g (same length) and its weight decay.
func (o *AdamW) Add(name string, w, g []float32, weightDecay float64) {
	if len(w) != len(g) {
		panic("optim: " + name + ": weight and gradient lengths differ")
	}
	o.ps = append(o.ps, &param{name: name, w: w, g: g, m: make([]float32, len(w)), v: make([]float32, len(w)), weightDecay: weightDecay})
}

// Steps is the number of steps taken.
func (o *AdamW) Steps() int { return o.t }

// Step updates every tensor with learning rate lr, as PyTorch does:
//
//	w ← w·(1 − lr·λ)
//	m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
//	w ← w − lr/(1 − β1ᵗ) · m / (√v/√(1 − β2ᵗ) + ε)
func (o *AdamW) Step(lr float64) {
	o.t++
	bc1 := 1 - math.Pow(o.Beta1, float64(o.t))
	bc2 := math.Sqrt(1 - math.Pow(o.Beta2, float64(o.t)))
	step := lr / bc1
	for _, p := range o.ps {
		decay := 1 - lr*p.weightDecay
		for i, g := range p.g {
			w := float64(p.w[i]) * decay
			m := float64(p.m[i]) + (1-o.Beta1)*(float64(g)-float64(p.m[i]))
			v := o.Beta2*float64(p.v[i]) + (1-o.Beta2)*float64(g)*float64(g)
			p.m[i], p.v[i] = float32(m), float32(v)
			p.w[i] = float32(w - step*float64(p.m[i])/(math.Sqrt(float64(p.v[i]))/bc2+o.Eps))
		}
	}
}

// State is the optimizer's state for saving and resuming: the step count
// and each tensor's moments, by name.
type State struct {
	Step int
	M, V map[string][]float32
}

// State returns the moments (shared, not copied).
func (o *AdamW) State() State {
	s := State{Step: o.t, M: map[string][]float32{}, V: map[string][]float32{}}
	for _, p := range o.ps {
		s.M[p.name], s.V[p.name] = p.m, p.v
	}
	return s
}

// SetState restores a saved state; tensors it lacks keep zero moments.
func (o *AdamW) SetState(s State) {
	o.t = s.Step
	for _, p := range o.ps {
		if m, ok := s.M[p.name]; ok && len(m) == len(p.m) {
			copy(p.m, m)
		}
		if v, ok := s.V[p.name]; ok && len(v) == len(p.v) {
			copy(p.v, v)
		}
	}
}
