package model

import "math"

// cubicA is PyTorch's bicubic coefficient (upsample_bicubic2d uses -0.75;
// Pillow's resampler uses -0.5, which is why this is not imageio's code).
const cubicA = -0.75

// cubicWeights returns the four weights for a sample at fraction t in [0,1).
func cubicWeights(t float64) [4]float64 {
	near := func(x float64) float64 { return ((cubicA+2)*x-(cubicA+3))*x*x + 1 }
	far := func(x float64) float64 { return ((cubicA*x-5*cubicA)*x+8*cubicA)*x - 4*cubicA }
	return [4]float64{far(t + 1), near(t), near(1 - t), far(2 - t)}
}

// cubicTaps gives, for each output index along one axis of length out
// resampled from in, the four clamped source indices and their weights, as
// torch.nn.functional.interpolate(mode="bicubic", align_corners=False) does
// when given an output size: src = (dst + 0.5)·in/out − 0.5.
func cubicTaps(in, out int) ([][4]int, [][4]float64) {
	idx := make([][4]int, out)
	w := make([][4]float64, out)
	scale := float64(in) / float64(out)
	for o := 0; o < out; o++ {
		src := (float64(o)+0.5)*scale - 0.5
		f := math.Floor(src)
		w[o] = cubicWeights(src - f)
		for k := 0; k < 4; k++ {
			idx[o][k] = min(max(int(f)-1+k, 0), in-1)
		}
	}
	return idx, w
}

// InterpolatePos resizes position embeddings pos ((1+g*g), D) made for a g×g
// patch grid to a gh×gw grid as current Hugging Face interpolate_pos_encoding
// does: the CLS entry is kept, the grid is resized with bicubic
// interpolation, align_corners=False, to an explicit output size. (Releases
// before 4.42 passed a scale factor with a +0.1 offset instead, which gives
// slightly different numbers; vitctl matches the current behaviour.) The
// same grid size returns pos unchanged, as the reference does.
func InterpolatePos(pos []float32, D, g, gh, gw int) []float32 {
	return InterpolatePosPrefix(pos, D, 1, g, gh, gw)
}

// InterpolatePosPrefix is InterpolatePos for position embeddings with
// prefix leading entries that are kept as they are: 2 for DeiT's CLS and
// distillation tokens (as Hugging Face DeiT does), CLS plus registers in
// timm, 0 with no_embed_class. The grid is resized as Hugging Face does for
// every family; timm's own resample_abs_pos_embed antialiases by default,
// which gives slightly different numbers away from the trained size.
func InterpolatePosPrefix(pos []float32, D, prefix, g, gh, gw int) []float32 {
	if gh == g && gw == g {
		return pos
	}
	out := make([]float32, (prefix+gh*gw)*D)
	copy(out[:prefix*D], pos[:prefix*D])
	grid := pos[prefix*D:]
	ry, wy := cubicTaps(g, gh)
	rx, wx := cubicTaps(g, gw)
	acc := make([]float64, D)
	for y := 0; y < gh; y++ {
		for x := 0; x < gw; x++ {
			clear(acc)
			for i := 0; i < 4; i++ {
				for j := 0; j < 4; j++ {
					wt := wy[y][i] * wx[x][j]
					src := grid[(ry[y][i]*g+rx[x][j])*D:][:D]
					for d, v := range src {
						acc[d] += wt * float64(v)
					}
				}
			}
			dst := out[(prefix+y*gw+x)*D:][:D]
			for d, v := range acc {
				dst[d] = float32(v)
			}
		}
	}
	return out
}
