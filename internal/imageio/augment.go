package imageio

import (
	"github.com/vitctl/vitctl/internal/prep"

	"math"
	"math/rand/v2"
)

// RandomResizedCrop is torchvision's RandomResizedCrop: a crop of a random
// area fraction in [scaleMin, scaleMax] of img and a random aspect ratio in
// [3/4, 4/3] (log-uniform), ten tries, else the central crop of the
// clamped ratio, resized to w×h with filter resample; then, with
// probability ½ when flip is set, mirrored left to right. All randomness
// comes from r.
func RandomResizedCrop(img *RGB8, r *rand.Rand, w, h int, scaleMin, scaleMax float64, resample prep.Resample, flip bool) (*RGB8, error) {
	x0, y0, cw, ch := cropBox(img.W, img.H, r, scaleMin, scaleMax)
	c := NewRGB8(cw, ch)
	for y := range ch {
		copy(c.Pix[3*y*cw:3*(y+1)*cw], img.Pix[3*((y0+y)*img.W+x0):])
	}
	out, err := Resize(c, w, h, resample)
	if err != nil {
		return nil, err
	}
	if flip && r.Float64() < 0.5 {
		FlipH(out)
	}
	return out, nil
}

// cropBox is RandomResizedCrop.get_params.
func cropBox(W, H int, r *rand.Rand, smin, smax float64) (x0, y0, w, h int) {
	area := float64(W * H)
	lr0, lr1 := math.Log(3.0/4), math.Log(4.0/3)
	for range 10 {
		target := area * (smin + (smax-smin)*r.Float64())
		ar := math.Exp(lr0 + (lr1-lr0)*r.Float64())
		w = int(math.Round(math.Sqrt(target * ar)))
		h = int(math.Round(math.Sqrt(target / ar)))
		if w > 0 && w <= W && h > 0 && h <= H {
			return r.IntN(W - w + 1), r.IntN(H - h + 1), w, h
		}
	}
	ratio := float64(W) / float64(H)
	switch {
	case ratio < 3.0/4:
		w, h = W, int(math.Round(float64(W)/(3.0/4)))
	case ratio > 4.0/3:
		w, h = int(math.Round(float64(H)*4/3)), H
	default:
		w, h = W, H
	}
	h = min(h, H)
	return (W - w) / 2, (H - h) / 2, w, h
}

// FlipH mirrors img left to right in place.
func FlipH(img *RGB8) {
	for y := range img.H {
		row := img.Pix[3*y*img.W : 3*(y+1)*img.W]
		for i, j := 0, img.W-1; i < j; i, j = i+1, j-1 {
			for c := range 3 {
				row[3*i+c], row[3*j+c] = row[3*j+c], row[3*i+c]
			}
		}
	}
}
