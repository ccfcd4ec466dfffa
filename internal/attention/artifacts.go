package attention

import (
	"cmp"
	"math"
	"slices"
)

// ArtifactFactor is how many times the median patch's norm a patch token's
// output norm must exceed to count as an artifact token.
const ArtifactFactor = 5

// Artifact is a patch whose token leaves the last block with an outlying
// norm: the high-norm tokens that supervised ViTs grow in uninformative
// patches and use as scratch space (Darcet et al. 2023, "Vision
// Transformers Need Registers"), which soak up CLS's attention.
type Artifact struct {
	Row  int     `json:"row"`
	Col  int     `json:"col"`
	Norm float64 `json:"norm"`
}

// Artifacts returns the patches of one image's last hidden states x
// (T, D) whose norm is above ArtifactFactor times the median patch norm,
// largest first, and that median.
func (lo Layout) Artifacts(x []float32, D int) ([]Artifact, float64) {
	norms := make([]float64, lo.T-lo.Prefix)
	for i := range norms {
		var s float64
		for _, v := range x[(lo.Prefix+i)*D : (lo.Prefix+i+1)*D] {
			s += float64(v) * float64(v)
		}
		norms[i] = math.Sqrt(s)
	}
	med := Percentile(norms, 50)
	var out []Artifact
	for i, n := range norms {
		if n > ArtifactFactor*med {
			out = append(out, Artifact{Row: i / lo.GW, Col: i % lo.GW, Norm: n})
		}
	}
	slices.SortStableFunc(out, func(a, b Artifact) int { return cmp.Compare(b.Norm, a.Norm) })
	return out, med
}
