// Package model is the ViT forward pass: configuration, weights and the
// computation, over preallocated workspaces. It never touches files.
package model

import "fmt"

// Config mirrors the Hugging Face ViTConfig fields that change the numbers,
// plus the preprocessing parameters of its image processor.
type Config struct {
	HiddenSize        int     `json:"hidden_size"`
	NumHiddenLayers   int     `json:"num_hidden_layers"`
	NumAttentionHeads int     `json:"num_attention_heads"`
	IntermediateSize  int     `json:"intermediate_size"`
	HiddenAct         string  `json:"hidden_act"`
	LayerNormEps      float64 `json:"layer_norm_eps"`
	ImageSize         int     `json:"image_size"`
	PatchSize         int     `json:"patch_size"`
	NumChannels       int     `json:"num_channels"`
	QKVBias           bool    `json:"qkv_bias"`
	Labels            []string
	Preprocess        Preprocess
}

// Preprocess holds the Hugging Face ViTImageProcessor parameters.
type Preprocess struct {
	DoResize      bool
	Height, Width int
	Resample      int // PIL filter id: 0 nearest, 2 bilinear, 3 bicubic, 1 lanczos, 4 box, 5 hamming
	DoRescale     bool
	RescaleFactor float64
	DoNormalize   bool
	Mean, Std     []float64 // per channel
}

// DefaultPreprocess is ViTImageProcessor's default for a model of this size.
func DefaultPreprocess(size int) Preprocess {
	return Preprocess{
		DoResize: true, Height: size, Width: size, Resample: 2,
		DoRescale: true, RescaleFactor: 1.0 / 255,
		DoNormalize: true, Mean: []float64{0.5, 0.5, 0.5}, Std: []float64{0.5, 0.5, 0.5},
	}
}

// HeadDim is the per-head width hd = D / H.
func (c *Config) HeadDim() int { return c.HiddenSize / c.NumAttentionHeads }

// NumPatches is the number of patches at the configured image size.
func (c *Config) NumPatches() int {
	g := c.ImageSize / c.PatchSize
	return g * g
}

// Tokens is T: the patches plus the CLS token.
func (c *Config) Tokens() int { return c.NumPatches() + 1 }

// Validate reports the first inconsistency in c.
func (c *Config) Validate() error {
	switch {
	case c.HiddenSize <= 0 || c.NumHiddenLayers <= 0 || c.NumAttentionHeads <= 0 || c.IntermediateSize <= 0:
		return fmt.Errorf("config: sizes must be positive (hidden_size %d, layers %d, heads %d, intermediate %d)",
			c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize)
	case c.HiddenSize%c.NumAttentionHeads != 0:
		return fmt.Errorf("config: hidden_size %d is not a multiple of num_attention_heads %d", c.HiddenSize, c.NumAttentionHeads)
	case c.PatchSize <= 0 || c.ImageSize <= 0 || c.ImageSize%c.PatchSize != 0:
		return fmt.Errorf("config: image_size %d is not a positive multiple of patch_size %d", c.ImageSize, c.PatchSize)
	case c.NumChannels <= 0:
		return fmt.Errorf("config: num_channels %d must be positive", c.NumChannels)
	case c.LayerNormEps <= 0:
		return fmt.Errorf("config: layer_norm_eps %g must be positive", c.LayerNormEps)
	case len(c.Labels) == 0:
		return fmt.Errorf("config: no labels (num_labels is 0)")
	}
	if _, err := ActivationOf(c.HiddenAct); err != nil {
		return err
	}
	return c.validatePreprocess()
}

func (c *Config) validatePreprocess() error {
	p := &c.Preprocess
	if p.DoResize && (p.Height != c.ImageSize || p.Width != c.ImageSize) {
		return fmt.Errorf("preprocess: resize to %dx%d but the model takes %dx%d images", p.Width, p.Height, c.ImageSize, c.ImageSize)
	}
	if p.DoNormalize {
		if len(p.Mean) != c.NumChannels || len(p.Std) != c.NumChannels {
			return fmt.Errorf("preprocess: image_mean has %d and image_std %d values, want %d (one per channel)", len(p.Mean), len(p.Std), c.NumChannels)
		}
		for _, s := range p.Std {
			if s == 0 {
				return fmt.Errorf("preprocess: image_std %v has a zero", p.Std)
			}
		}
	}
	return nil
}
