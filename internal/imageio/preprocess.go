package imageio

import (
	"fmt"

	"github.com/vitctl/vitctl/internal/prep"
)

// Preprocess turns an RGB image into the model's input, a (3, H, W) float32
// tensor in CHW order, as Hugging Face's ViTImageProcessor does: resize the
// uint8 image with Pillow's filter (then center-crop it for DeiT and timm,
// see crop.go), then rescale (uint8 → float64 × factor →
// float32) and normalise in float32 ((x - mean) / std with mean and std cast
// to float32), in that order and dtype, so the result is bit-identical for
// identical resized pixels.
func Preprocess(img *RGB8, p prep.Params) ([]float32, error) {
	if p.DoNormalize && (len(p.Mean) != prep.Channels || len(p.Std) != prep.Channels) {
		return nil, fmt.Errorf("preprocess: mean and std need %d values each, got %d and %d", prep.Channels, len(p.Mean), len(p.Std))
	}
	if p.DoResize {
		var err error
		if img, err = resize(img, p); err != nil {
			return nil, err
		}
	}
	n := img.W * img.H
	out := make([]float32, prep.Channels*n)
	for c := range prep.Channels {
		// A sample's value depends only on its byte: each of the 256 is
		// computed once, as below, and looked up.
		var mean, std float32
		if p.DoNormalize {
			mean, std = float32(p.Mean[c]), float32(p.Std[c])
		}
		var lut [256]float32
		for b := range lut {
			v := float32(b)
			if p.DoRescale {
				v = float32(float64(b) * p.RescaleFactor)
			}
			if p.DoNormalize {
				v = float32(v-mean) / std
			}
			lut[b] = v
		}
		plane := out[c*n : (c+1)*n]
		pix := img.Pix[c:]
		for i := range plane {
			plane[i] = lut[pix[3*i]]
		}
	}
	return out, nil
}
