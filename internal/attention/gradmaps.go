package attention

// Gradient-weighted maps: a layer's probabilities A and the gradient of
// one class logit with respect to them, dA, both (H, T, T), make maps
// specific to that class.

// WeightedFuse returns mean_heads((dA ⊙ A)⁺) over the given heads of a
// layer, the clamp applied per head before the mean: the head fusion of
// Chefer, Gur & Wolf's relevance.
func WeightedFuse(probs, grads []float32, T int, heads []int) []float64 {
	out := make([]float64, T*T)
	for _, h := range heads {
		a, g := probs[h*T*T:(h+1)*T*T], grads[h*T*T:(h+1)*T*T]
		for i := range out {
			if v := float64(a[i]) * float64(g[i]); v > 0 {
				out[i] += v
			}
		}
	}
	scale(out, 1/float64(len(heads)))
	return out
}

// GradFuse returns max(mean_heads(A ⊙ dA), 0) over the given heads of a
// layer, the clamp after the mean: the head fusion of grad-rollout
// (jacobgil/vit-explain), which then goes through Rollout.
func GradFuse(probs, grads []float32, T int, heads []int) []float64 {
	out := make([]float64, T*T)
	for _, h := range heads {
		a, g := probs[h*T*T:(h+1)*T*T], grads[h*T*T:(h+1)*T*T]
		for i := range out {
			out[i] += float64(a[i]) * float64(g[i])
		}
	}
	scale(out, 1/float64(len(heads)))
	for i, v := range out {
		out[i] = max(v, 0)
	}
	return out
}

// Relevance returns the relevance through the given layers' weighted
// fusions (WeightedFuse), first layer first, as Chefer, Gur & Wolf 2021
// propagate it for ViTs: R = I, then R ← R + Ā_l·R for every layer;
// steps[l] is R after layer l. Row 0 (CLS) at the patches is the map.
func Relevance(weighted [][]float64, T int) [][]float64 {
	R := make([]float64, T*T)
	for i := range T {
		R[i*T+i] = 1
	}
	steps := make([][]float64, len(weighted))
	for l, a := range weighted {
		next := matmul(a, R, T)
		for i, v := range R {
			next[i] += v
		}
		R = next
		steps[l] = R
	}
	return steps
}

func scale(v []float64, s float64) {
	for i := range v {
		v[i] *= s
	}
}
