package model

import (
	"fmt"
	"slices"
)

// AttentionGrads runs one image's pixels (C, H, W) through n, which must
// train every layer (First 0 or −1), and back from the logit of class (−1:
// the highest). It returns the logits, the class, and per layer the
// attention probabilities A and ∂logit/∂A, (H, T, T) each: what
// gradient-weighted attention maps are made of. The Linear weights'
// gradients, which these maps do not use, are not computed.
func (n *Net) AttentionGrads(pixels []float32, class int) (logits []float32, cls int, probs, grads [][]float32, err error) {
	if n.First > 0 {
		return nil, 0, nil, nil, fmt.Errorf("attention gradients need every layer trained, not layers %d..", n.First)
	}
	logits, err = n.Forward(pixels, 1)
	if err != nil {
		return nil, 0, nil, nil, err
	}
	cls = class
	if cls < 0 {
		cls = argmax(logits)
	}
	if cls >= len(logits) {
		return nil, 0, nil, nil, fmt.Errorf("class %d outside 0..%d", cls, len(logits)-1)
	}
	L := n.Config.NumHiddenLayers
	probs, grads = make([][]float32, L), make([][]float32, L)
	n.AttentionGrad = func(l int, p, dp []float32) {
		probs[l], grads[l] = slices.Clone(p), slices.Clone(dp)
	}
	n.noWeights = true
	defer func() { n.AttentionGrad, n.noWeights = nil, false }()
	dlogits := make([]float32, len(logits))
	dlogits[cls] = 1
	n.Backward(dlogits, 1)
	return logits, cls, probs, grads, nil
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
