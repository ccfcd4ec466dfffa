package attention

import (
	"fmt"
	"math"
)

// Resample is how a patch map is enlarged to the picture's size.
type Resample int

// Resampling modes. Bilinear uses pixel centres (PyTorch's
// align_corners=False, OpenCV's INTER_LINEAR) and clamps at the border;
// Nearest shows every patch as a flat square.
const (
	Bilinear Resample = iota
	Nearest
)

// ResampleNames lists the upsamplings ParseResample knows, by Resample.
var ResampleNames = []string{"bilinear", "nearest"}

func (r Resample) String() string { return ResampleNames[r] }

// ParseResample reads a resampling mode by name: bilinear or nearest.
func ParseResample(s string) (Resample, error) {
	for i, n := range ResampleNames {
		if s == n {
			return Resample(i), nil
		}
	}
	return 0, fmt.Errorf("unknown upsampling %q: want bilinear or nearest", s)
}

// Upsample resizes a (gh, gw) row-major map to (h, w).
func Upsample(m []float64, gh, gw, h, w int, r Resample) []float64 {
	return UpsampleIn(m, gh, gw, h, w, Frame{0, 0, float64(w), float64(h)}, r)
}

// Frame is where a map lies in a larger picture: the rectangle
// [X0, X1) × [Y0, Y1) in the picture's continuous pixel coordinates
// (pixel (x, y) covers [x, x+1) × [y, y+1)), edges not necessarily whole.
type Frame struct{ X0, Y0, X1, Y1 float64 }

// Inside says whether pixel (x, y)'s centre lies in f.
func (f Frame) Inside(x, y int) bool {
	cx, cy := float64(x)+0.5, float64(y)+0.5
	return cx >= f.X0 && cx < f.X1 && cy >= f.Y0 && cy < f.Y1
}

// UpsampleIn resamples a (gh, gw) row-major map stretched over f onto an
// (h, w) picture; pixels outside f take the nearest edge's values.
func UpsampleIn(m []float64, gh, gw, h, w int, f Frame, r Resample) []float64 {
	out := make([]float64, h*w)
	ys, xs := taps(gh, h, f.Y0, f.Y1, r), taps(gw, w, f.X0, f.X1, r)
	for y, ty := range ys {
		sampleRow(out[y*w:(y+1)*w], m, gw, ty, xs)
	}
	return out
}

// sampleRow fills row with the (·, gw) map m sampled between its rows as
// ty says and along them as xs say.
func sampleRow(row, m []float64, gw int, ty tap, xs []tap) {
	r0, r1 := m[ty.i0*gw:(ty.i0+1)*gw], m[ty.i1*gw:(ty.i1+1)*gw]
	for x, tx := range xs {
		top := r0[tx.i0] + tx.f*(r0[tx.i1]-r0[tx.i0])
		bot := r1[tx.i0] + tx.f*(r1[tx.i1]-r1[tx.i0])
		row[x] = top + ty.f*(bot-top)
	}
}

// tap is where one output coordinate samples the source: between i0 and i1
// with weight f on i1.
type tap struct {
	i0, i1 int
	f      float64
}

// taps maps each of n output coordinates to a source of length src
// stretched over [lo, hi) of the output.
func taps(src, n int, lo, hi float64, r Resample) []tap {
	out := make([]tap, n)
	scale := float64(src) / (hi - lo)
	last := float64(src - 1)
	for o := range out {
		if r == Nearest {
			i := int(math.Max(0, math.Min((float64(o)-lo)*scale, last)))
			out[o] = tap{i, i, 0}
			continue
		}
		s := (float64(o)+0.5-lo)*scale - 0.5
		s = math.Max(0, math.Min(s, last))
		i0 := int(s)
		i1 := min(i0+1, src-1)
		out[o] = tap{i0, i1, s - float64(i0)}
	}
	return out
}

// Normalize scales m in place to [0, 1] by its minimum and maximum; a
// constant map becomes all zeros.
func Normalize(m []float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range m {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	d := hi - lo
	for i, v := range m {
		if d > 0 {
			m[i] = (v - lo) / d
		} else {
			m[i] = 0
		}
	}
}
