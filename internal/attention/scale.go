package attention

import (
	"fmt"
	"math"
	"slices"
)

// Scale says how a map's values become colours.
type Scale int

// Scales: ScaleRobust clips the values above the map's ClipPercentile
// before min-max scaling, so that a few outlier patches (the high-norm
// artifact tokens of supervised ViTs) do not leave the rest of the map
// dark; ScaleMinMax scales the map from its minimum to its maximum.
const (
	ScaleRobust Scale = iota
	ScaleMinMax
)

// ClipPercentile is where ScaleRobust clips.
const ClipPercentile = 99

// ScaleNames lists the colour scales ParseScale knows, by Scale.
var ScaleNames = []string{"robust", "minmax"}

func (s Scale) String() string { return ScaleNames[s] }

// ParseScale reads a colour scale by name: robust or minmax.
func ParseScale(s string) (Scale, error) {
	if i := slices.Index(ScaleNames, s); i >= 0 {
		return Scale(i), nil
	}
	return 0, fmt.Errorf("unknown colour scale %q: want robust or minmax", s)
}

// Apply returns a copy of m ready for Render: with ScaleRobust the values
// above the ClipPercentile-th percentile set to it. Render then scales the
// copy from its minimum to its maximum.
func (s Scale) Apply(m []float64) []float64 {
	out := slices.Clone(m)
	if s == ScaleMinMax || len(m) == 0 {
		return out
	}
	hi := Percentile(m, ClipPercentile)
	for i, v := range out {
		out[i] = math.Min(v, hi)
	}
	return out
}

// Percentile returns the q-th percentile (0..100) of v, interpolating
// linearly between the order statistics as NumPy's default does.
func Percentile(v []float64, q float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	pos := q / 100 * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	f := pos - float64(i)
	return s[i] + f*(s[i+1]-s[i])
}
