package imageio

import (
	"fmt"
	"image"
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
	return resizePart(img, w, h, centerRect(w, h, p.Width, p.Height), p.Resample)
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
	return crop(img, centerRect(img.W, img.H, w, h))
}

// centerRect is the central w×h of a W×H image, where CenterCrop cuts it.
func centerRect(W, H, w, h int) image.Rectangle {
	x0, y0 := cropOffset(W, w), cropOffset(H, h)
	return image.Rect(x0, y0, x0+w, y0+h)
}

// crop copies the part r of img, which must hold it.
func crop(img *RGB8, r image.Rectangle) *RGB8 {
	w := r.Dx()
	out := NewRGB8(w, r.Dy())
	for y := range out.H {
		copy(out.Pix[3*y*w:3*(y+1)*w], img.Pix[3*((r.Min.Y+y)*img.W+r.Min.X):])
	}
	return out
}

// cropOffset is where centerRect's out pixels start in in.
func cropOffset(in, out int) int { return int(math.RoundToEven(float64(in-out) / 2)) }

// Box is a rectangle in an image's continuous pixel coordinates, pixel
// (x, y) covering [x, x+1) × [y, y+1): it spans [X0, X1) × [Y0, Y1).
type Box struct{ X0, Y0, X1, Y1 float64 }

// InputBox is the part of a W×H image that Preprocess with p turns into
// the model's input: the whole image when p resizes straight to the
// model's size (or does not resize), else the center crop's rectangle
// taken back through the resize, which maps the resized [0, w) onto the
// image's [0, W) (so does Pillow's resize, by pixel centres). A draft
// JPEG decode resizes from a smaller image of the same aspect, up to the
// rounding of its size.
func InputBox(W, H int, p prep.Params) Box {
	full := Box{0, 0, float64(W), float64(H)}
	if !p.DoResize {
		return full
	}
	w, h, crop := resizeSize(W, H, p)
	if !crop {
		return full
	}
	r := centerRect(w, h, p.Width, p.Height)
	back := func(v, in, out int) float64 { return float64(v*in) / float64(out) }
	return Box{back(r.Min.X, W, w), back(r.Min.Y, H, h), back(r.Max.X, W, w), back(r.Max.Y, H, h)}
}
