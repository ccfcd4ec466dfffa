// Package prep says how a model's input is made from an image: the
// parameters of Hugging Face's ViTImageProcessor, the center crop of DeiT's
// and timm's evaluation transforms, and Pillow's resample filter ids. It is
// a leaf: model files carry a Params and imageio applies one, so neither
// needs the other.
package prep

import (
	"fmt"
	"math"
)

// Channels is the number of input channels: vitctl feeds models RGB images.
const Channels = 3

// Params holds the Hugging Face ViTImageProcessor parameters, plus the
// center crop of DeiT's and timm's evaluation transforms.
type Params struct {
	DoResize      bool
	Height, Width int // the model's input: the resize target, or the crop when resizing first to a larger size
	Resample      Resample
	DoRescale     bool
	RescaleFactor float64
	DoNormalize   bool
	Mean, Std     []float64 // per channel

	// Resize-then-crop (both zero: resize straight to Height×Width). With
	// ResizeShortest the image is resized so its shorter side has that many
	// pixels, the other side int(ResizeShortest·long/short) as torchvision's
	// Resize(int) computes it (timm: floor(size/crop_pct)); with
	// ResizeHeight×ResizeWidth to exactly that (Hugging Face DeiT's size).
	// Then the central Height×Width is cut out, offsets
	// round((in−out)/2) half to even as torchvision's CenterCrop does (Hugging
	// Face floors them; the converter only accepts even margins there, where
	// both agree).
	ResizeShortest            int
	ResizeHeight, ResizeWidth int
	CropPct                   float64 // timm's crop_pct the sizes came from (0 otherwise), for display
}

// Default is ViTImageProcessor's default for a model of this size.
func Default(size int) Params {
	return Params{
		DoResize: true, Height: size, Width: size, Resample: Bilinear,
		DoRescale: true, RescaleFactor: 1.0 / 255,
		DoNormalize: true, Mean: []float64{0.5, 0.5, 0.5}, Std: []float64{0.5, 0.5, 0.5},
	}
}

// Validate reports the first inconsistency in p: an unknown filter, a
// resize that does not leave a Height×Width center crop of every image,
// mean and std without one nonzero value per channel, or a rescale factor,
// mean or std that float32 cannot hold.
func (p *Params) Validate() error {
	if err := p.Resample.Check(); err != nil {
		return fmt.Errorf("preprocess: %w", err)
	}
	if p.Height <= 0 || p.Width <= 0 {
		return fmt.Errorf("preprocess: input size %dx%d must be positive", p.Width, p.Height)
	}
	if p.ResizeShortest < 0 || p.ResizeHeight < 0 || p.ResizeWidth < 0 ||
		p.ResizeShortest > 0 && (p.ResizeHeight > 0 || p.ResizeWidth > 0 || p.ResizeShortest < max(p.Height, p.Width)) ||
		(p.ResizeHeight > 0 || p.ResizeWidth > 0) && (p.ResizeHeight < p.Height || p.ResizeWidth < p.Width) {
		return fmt.Errorf("preprocess: resize (shortest side %d, or %dx%d) does not leave a %dx%d center crop",
			p.ResizeShortest, p.ResizeWidth, p.ResizeHeight, p.Width, p.Height)
	}
	if p.DoNormalize {
		if len(p.Mean) != Channels || len(p.Std) != Channels {
			return fmt.Errorf("preprocess: image_mean has %d and image_std %d values, want %d (one per channel)", len(p.Mean), len(p.Std), Channels)
		}
		for _, s := range p.Std {
			switch {
			case s == 0:
				return fmt.Errorf("preprocess: image_std %v has a zero", p.Std)
			case beyondFloat32(s) || float32(s) == 0: // a pixel divided by it is Inf
				return fmt.Errorf("preprocess: image_std %v: %g is outside float32's range, in which pixels are normalised", p.Std, s)
			}
		}
		for _, m := range p.Mean {
			if beyondFloat32(m) {
				return fmt.Errorf("preprocess: image_mean %v: %g is outside float32's range, in which pixels are normalised", p.Mean, m)
			}
		}
	}
	if p.DoRescale && beyondFloat32(255*p.RescaleFactor) {
		return fmt.Errorf("preprocess: rescale_factor %g makes a pixel of 255 outside float32's range, in which pixels are normalised", p.RescaleFactor)
	}
	return nil
}

// beyondFloat32 says whether x is infinite in float32, as imageio.Preprocess
// computes pixels: a mean of 1e308 there made every pixel, and so every
// logit, NaN or Inf.
func beyondFloat32(x float64) bool { return math.IsInf(float64(float32(x)), 0) }

// At is p for a model run at height×width instead of its own size: the
// input becomes height×width, and a resize-then-crop keeps its proportions
// as timm's eval transform does for an (h, w) input: the resize is
// floor(side/crop_pct) per side (the shorter-side form when the two agree),
// or, for a fixed Hugging Face resize, scaled by the same factor as the
// crop.
func (p Params) At(height, width int) Params {
	switch {
	case p.ResizeShortest > 0 && p.CropPct > 0:
		rh := int(math.Floor(float64(height) / p.CropPct))
		rw := int(math.Floor(float64(width) / p.CropPct))
		p.ResizeShortest, p.ResizeHeight, p.ResizeWidth = 0, rh, rw
		if rh == rw {
			p.ResizeShortest, p.ResizeHeight, p.ResizeWidth = rh, 0, 0
		}
	case p.ResizeShortest > 0:
		p.ResizeShortest = p.ResizeShortest * min(height, width) / min(p.Height, p.Width)
	case p.ResizeHeight > 0:
		p.ResizeHeight = p.ResizeHeight * height / p.Height
		p.ResizeWidth = p.ResizeWidth * width / p.Width
	}
	p.Height, p.Width = height, width
	return p
}
