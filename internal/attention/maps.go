// Package attention turns a ViT's attention probabilities into maps and
// pictures: the CLS token's attention to the patches per layer and head,
// head fusion, attention rollout (Abnar & Zuidema 2020), upsampling,
// colormaps, overlays, labelled grids and PNG encoding. It is pure: it
// never touches files, flags or the clock.
//
// A layer's probabilities for one image are (H, T, T) row-major float32, as
// the model's attention hook delivers them: row i of head h holds how token
// i attends to every token. The prefix tokens (CLS, distillation, registers)
// come first, then the patches in row-major grid order; a Layout says which
// is which. Maps are float64.
package attention

import (
	"fmt"
	"math"
	"slices"
)

// Fusion says how a layer's heads are combined into one (T, T) map.
type Fusion int

// Fusion modes: the element-wise mean, maximum or minimum over heads.
const (
	FuseMean Fusion = iota
	FuseMax
	FuseMin
)

// FusionNames lists the head fusions ParseFusion knows, by Fusion.
var FusionNames = []string{"mean", "max", "min"}

func (f Fusion) String() string { return FusionNames[f] }

// ParseFusion reads a fusion mode by name: mean, max or min.
func ParseFusion(s string) (Fusion, error) {
	for i, n := range FusionNames {
		if s == n {
			return Fusion(i), nil
		}
	}
	return 0, fmt.Errorf("unknown head fusion %q: want mean, max or min", s)
}

// Head returns head h's (T, T) map from a layer's (H, T, T) probabilities.
func Head(probs []float32, T, h int) []float64 {
	src := probs[h*T*T : (h+1)*T*T]
	out := make([]float64, T*T)
	for i, p := range src {
		out[i] = float64(p)
	}
	return out
}

// Fuse combines the given heads of a layer's (H, T, T) probabilities into
// one (T, T) map.
func Fuse(probs []float32, T int, heads []int, f Fusion) []float64 {
	out := Head(probs, T, heads[0])
	for _, h := range heads[1:] {
		src := probs[h*T*T : (h+1)*T*T]
		for i, p := range src {
			switch f {
			case FuseMean:
				out[i] += float64(p)
			case FuseMax:
				out[i] = math.Max(out[i], float64(p))
			case FuseMin:
				out[i] = math.Min(out[i], float64(p))
			}
		}
	}
	if f == FuseMean {
		n := float64(len(heads))
		for i := range out {
			out[i] /= n
		}
	}
	return out
}

// Layout says where a model's patches are among its T tokens and which
// tokens' attention the maps show.
type Layout struct {
	T      int  // tokens
	Prefix int  // tokens before the patches: CLS, distillation, registers
	GH, GW int  // patch grid; token Prefix+y*GW+x is patch (y, x)
	HasCLS bool // token 0 is CLS, whose entry (0, 0) Discard keeps
	// Pooled: the classifier reads the mean of the patch tokens, not CLS.
	// Maps then show the patch tokens' mean attention (what the pooled
	// output attends to) instead of CLS's.
	Pooled bool
}

// PatchMap returns a (T, T) map's attention to the patches, (GH, GW) in
// grid order: row 0 (CLS) or, when pooled, the mean of the patch rows.
func (lo Layout) PatchMap(m []float64) []float64 {
	T, P := lo.T, lo.Prefix
	if !lo.Pooled {
		return append([]float64(nil), m[P:T]...)
	}
	out := make([]float64, T-P)
	for i := P; i < T; i++ {
		for j, v := range m[i*T+P : (i+1)*T] {
			out[j] += v
		}
	}
	for j := range out {
		out[j] /= float64(T - P)
	}
	return out
}

// Query names the tokens whose attention PatchMap shows, for titles.
func (lo Layout) Query() string {
	if lo.Pooled {
		return "mean patch-token attention"
	}
	return "CLS attention"
}

// Discard zeroes, in place, the lowest fraction ratio of a (T, T) map's
// entries; with keepCLS never entry (0, 0), where CLS attends to itself. Of
// the candidate entries the floor(ratio*count) smallest go; ties go in index
// order, so the result is deterministic.
func Discard(m []float64, T int, ratio float64, keepCLS bool) {
	first := 0
	if keepCLS {
		first = 1
	}
	cand := m[first:]
	n := int(math.Floor(ratio * float64(len(cand))))
	if n <= 0 {
		return
	}
	sorted := slices.Clone(cand)
	slices.Sort(sorted)
	cut := sorted[n-1]
	below, _ := slices.BinarySearch(sorted, cut) // entries smaller than cut
	ties := n - below                            // entries equal to cut that go, first first
	for i, v := range cand {
		switch {
		case v < cut:
			cand[i] = 0
		case v == cut && ties > 0:
			cand[i] = 0
			ties--
		}
	}
}

// Rollout returns the attention rollout through the given layers' fused
// (T, T) maps, first layer first: steps[l] is the rollout through layers
// 0..l. Each map, after Discard with discardRatio and keepCLS, gets the
// identity added (the residual connection) and its rows renormalised to sum
// to 1; the rollout is the product A_l · … · A_1 · A_0. The fused maps are
// not changed.
func Rollout(fused [][]float64, T int, discardRatio float64, keepCLS bool) [][]float64 {
	steps := make([][]float64, len(fused))
	var acc []float64
	for l, f := range fused {
		a := append([]float64(nil), f...)
		Discard(a, T, discardRatio, keepCLS)
		addIdentityNormalize(a, T)
		if acc == nil {
			acc = a
		} else {
			acc = matmul(a, acc, T)
		}
		steps[l] = acc
	}
	return steps
}

// addIdentityNormalize computes rows of (A + I) / rowsum(A + I) in place.
func addIdentityNormalize(a []float64, T int) {
	for i := 0; i < T; i++ {
		row := a[i*T : (i+1)*T]
		row[i]++
		var s float64
		for _, v := range row {
			s += v
		}
		for j := range row {
			row[j] /= s
		}
	}
}

// matmul returns the (T, T) product a·b.
func matmul(a, b []float64, T int) []float64 {
	c := make([]float64, T*T)
	for i := 0; i < T; i++ {
		ci := c[i*T : (i+1)*T]
		for k, aik := range a[i*T : (i+1)*T] {
			if aik == 0 {
				continue
			}
			for j, bkj := range b[k*T : (k+1)*T] {
				ci[j] += aik * bkj
			}
		}
	}
	return c
}
