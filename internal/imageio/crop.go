package imageio

import (
	"fmt"
	"math"

	"github.com/vitctl/vitctl/internal/prep"
)

// resize brings img to the model's p.Width×p.Height: straight, or, for
// DeiT's and timm's evaluation transforms, by resizing first (the shorter
// side to p.ResizeShortest, or to exactly p.ResizeWidth×p.ResizeHeight)
// and cutting out the center.
func resize(img *RGB8, p prep.Params) (*RGB8, error) {
	w, h, crop := resizeSize(img.W, img.H, p)
	if !crop {
		return Resize(img, w, h, p.Resample)
	}
	if w < p.Width || h < p.Height {
		return nil, fmt.Errorf("preprocess: a %d×%d resize cannot be cropped to %d×%d", w, h, p.Width, p.Height)
	}
	img, err := Resize(img, w, h, p.Resample)
	if err != nil {
		return nil, err
	}
	return CenterCrop(img, p.Width, p.Height), nil
}

// resizeSize is the size p resizes a W×H image to, and whether a center
// crop to p.Width×p.Height follows.
func resizeSize(W, H int, p prep.Params) (w, h int, crop bool) {
	switch {
	case p.ResizeShortest > 0:
		w, h = shortestSide(W, H, p.ResizeShortest)
		return w, h, true
	case p.ResizeWidth > 0 || p.ResizeHeight > 0:
		return p.ResizeWidth, p.ResizeHeight, true
	}
	return p.Width, p.Height, false
}

// shortestSide is torchvision's Resize(s) output size for a W×H image: the
// shorter side becomes s, the longer int(s·long/short), truncated.
func shortestSide(W, H, s int) (w, h int) {
	if W <= H {
		return s, int(float64(s*H) / float64(W))
	}
	return int(float64(s*W) / float64(H)), s
}

// CenterCrop cuts the central w×h out of img, which must be at least that
// large. The offsets are torchvision's CenterCrop: round((in−out)/2), half
// to even as Python rounds, so an odd margin of 2k+1 starts at k or k+1.
func CenterCrop(img *RGB8, w, h int) *RGB8 {
	x0 := int(math.RoundToEven(float64(img.W-w) / 2))
	y0 := int(math.RoundToEven(float64(img.H-h) / 2))
	out := NewRGB8(w, h)
	for y := range h {
		copy(out.Pix[3*y*w:3*(y+1)*w], img.Pix[3*((y0+y)*img.W+x0):])
	}
	return out
}
