package attention

import (
	"image"
	"image/png"
	"io"
	"math"
)

// Unnormalize turns a model input back into the picture the model saw:
// (C, H, W) normalised pixels, x = (p*scale - mean[c]) / std[c], become an
// RGB image, p = (x*std[c] + mean[c]) / scale, rounded and clamped to 0..255.
// One channel is shown as gray; nil mean or std mean 0 and 1.
func Unnormalize(px []float32, C, H, W int, mean, std []float64, scale float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	for c := 0; c < 3; c++ {
		src := min(c, C-1)
		m, s := 0.0, 1.0
		if mean != nil {
			m, s = mean[src], std[src]
		}
		plane := px[src*H*W : (src+1)*H*W]
		for i, x := range plane {
			v := (float64(x)*s + m) / scale
			img.Pix[4*i+c] = uint8(math.Max(0, math.Min(255, math.Round(v))))
		}
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	return img
}

// Resize scales an RGBA image to w×h with r, channel by channel.
func Resize(img *image.RGBA, w, h int, r Resample) *image.RGBA {
	b := img.Bounds()
	iw, ih := b.Dx(), b.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	plane := make([]float64, iw*ih)
	for c := 0; c < 4; c++ {
		for y := 0; y < ih; y++ {
			row := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < iw; x++ {
				plane[y*iw+x] = float64(row[4*x+c])
			}
		}
		for i, v := range Upsample(plane, ih, iw, h, w, r) {
			out.Pix[4*i+c] = uint8(math.Max(0, math.Min(255, math.Round(v))))
		}
	}
	return out
}

// Overlay colours m, a (h, w) map with values in [0, 1] for an image of
// base's size, with cm at 256 levels and blends it over base: out =
// (1-alpha)*base + alpha*colour, in 8-bit fixed point (alpha in steps of
// 1/256, rounded to nearest). alpha 1 shows the map alone.
func Overlay(base *image.RGBA, m []float64, cm Colormap, alpha float64) *image.RGBA {
	b := base.Bounds()
	w := b.Dx()
	out := image.NewRGBA(image.Rect(0, 0, w, b.Dy()))
	a := uint32(math.Round(alpha * 256))
	for y := range len(m) / w {
		blendRow(out.Pix[4*y*w:4*(y+1)*w], base.Pix[base.PixOffset(b.Min.X, b.Min.Y+y):], m[y*w:(y+1)*w], cm, a)
	}
	return out
}

// blendRow writes into dst (RGBA) the row of values m coloured with cm and
// blended over src (RGBA) with a/256 of the colour.
func blendRow(dst, src []uint8, m []float64, cm Colormap, a uint32) {
	for i, v := range m {
		c := &cm.lut[level(v)]
		for k, cv := range c {
			dst[4*i+k] = uint8(((256-a)*uint32(src[4*i+k]) + a*uint32(cv) + 128) >> 8)
		}
		dst[4*i+3] = 255
	}
}

// Render draws a patch map over base: the (gh, gw) map is min-max
// normalised, upsampled with r to base's size, coloured with cm and blended
// with alpha. m is not changed.
func Render(base *image.RGBA, m []float64, gh, gw int, r Resample, cm Colormap, alpha float64) *image.RGBA {
	b := base.Bounds()
	return RenderIn(base, m, gh, gw, Frame{0, 0, float64(b.Dx()), float64(b.Dy())}, r, cm, alpha)
}

// OutsideDim is the brightness, in 256ths, that RenderIn leaves to the
// picture outside the map's frame.
const OutsideDim = 90

// RenderIn draws a patch map over a picture of which the map covers only
// f (the model's input inside a whole photo): as Render inside f, the
// picture dimmed to OutsideDim/256 of its brightness outside, where the
// model saw nothing. m is not changed.
func RenderIn(pic *image.RGBA, m []float64, gh, gw int, f Frame, r Resample, cm Colormap, alpha float64) *image.RGBA {
	n := append([]float64(nil), m...)
	Normalize(n)
	b := pic.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	a := uint32(math.Round(alpha * 256))
	ys, xs := taps(gh, h, f.Y0, f.Y1, r), taps(gw, w, f.X0, f.X1, r)
	row := make([]float64, w) // one row at a time: photos can be large
	for y, ty := range ys {
		sampleRow(row, n, gw, ty, xs)
		src := pic.Pix[pic.PixOffset(b.Min.X, b.Min.Y+y):]
		dst := out.Pix[4*y*w : 4*(y+1)*w]
		blendRow(dst, src, row, cm, a)
		for x := range w {
			if !f.Inside(x, y) {
				for k := range 3 {
					dst[4*x+k] = uint8((OutsideDim*uint32(src[4*x+k]) + 128) >> 8)
				}
			}
		}
	}
	return out
}

// EncodePNG writes img to w as PNG. It favours speed: a model with 12
// layers of 12 heads makes over 150 pictures per image, and the best
// compression takes 30 times as long for files a fifth smaller.
func EncodePNG(w io.Writer, img image.Image) error {
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, img)
}
