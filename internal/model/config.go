// Package model is the ViT forward pass: configuration, weights and the
// computation, over preallocated workspaces. It never touches files.
package model

import (
	"fmt"
	"strconv"

	"github.com/vitctl/vitctl/internal/prep"
)

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
	Preprocess        prep.Params

	// Family options. Their zero values are Hugging Face ViT's, so a
	// ViTForImageClassification config sets none of them.
	ModelType         string // source layout: "vit" (also ""), "deit" or "timm"
	NoClassToken      bool   // timm class_token=False: no CLS token
	DistillationToken bool   // DeiT: a distillation token follows CLS
	DistillationHead  bool   // DeiTForImageClassificationWithTeacher: a second classifier on the distillation token, logits averaged
	RegisterTokens    int    // timm reg_tokens: learned tokens after CLS, before the patches
	NoEmbedClass      bool   // timm no_embed_class: position embeddings cover the patches only
	PreNorm           bool   // timm norm_pre: a LayerNorm on the embeddings before the first block
	NoPatchBias       bool   // the patch projection has no bias (timm pre_norm models)
	LayerScale        bool   // timm init_values: learned per-channel scales on both residual branches
	Pooling           string // what the classifier sees: "cls" (also "") the first token, "avg" the mean of the patch tokens
	FCNorm            bool   // timm fc_norm: the final LayerNorm is applied after pooling instead of to every token
}

// Pooling values.
const (
	PoolCLS = "cls"
	PoolAvg = "avg"
)

// HasHead reports whether the model has a classifier. Without labels it is
// a backbone (Hugging Face ViTModel, timm num_classes=0) that only gives
// feature vectors.
func (c *Config) HasHead() bool { return len(c.Labels) > 0 }

// SharedLabels are the labels that name more than one class, whose
// results cannot be told apart: each once, in the order of its second
// class, quoted (strconv.Quote) as messages name them.
func (c *Config) SharedLabels() []string {
	count := map[string]int{}
	var shared []string
	for _, l := range c.Labels {
		if count[l]++; count[l] == 2 {
			shared = append(shared, strconv.Quote(l))
		}
	}
	return shared
}

// HeadDim is the per-head width hd = D / H.
func (c *Config) HeadDim() int { return c.HiddenSize / c.NumAttentionHeads }

// NumPatches is the number of patches at the configured image size.
func (c *Config) NumPatches() int {
	g := c.ImageSize / c.PatchSize
	return g * g
}

// PrefixTokens is the number of tokens before the patches: CLS,
// distillation and register tokens, in that order.
func (c *Config) PrefixTokens() int {
	n := c.RegisterTokens
	if !c.NoClassToken {
		n++
	}
	if c.DistillationToken {
		n++
	}
	return n
}

// PosPrefix is the number of prefix tokens with a position embedding: all of
// them, or none with no_embed_class.
func (c *Config) PosPrefix() int {
	if c.NoEmbedClass {
		return 0
	}
	return c.PrefixTokens()
}

// Tokens is T: the prefix tokens plus the patches.
func (c *Config) Tokens() int { return c.PrefixTokens() + c.NumPatches() }

// TokensAt is T for images of height×width pixels (multiples of the patch
// size): the prefix tokens plus (height/P)·(width/P) patches.
func (c *Config) TokensAt(height, width int) int {
	return c.PrefixTokens() + (height/c.PatchSize)*(width/c.PatchSize)
}

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
	case c.NumChannels != prep.Channels:
		return fmt.Errorf("config: num_channels %d: vitctl feeds models RGB images (%d channels)", c.NumChannels, prep.Channels)
	case c.LayerNormEps <= 0:
		return fmt.Errorf("config: layer_norm_eps %g must be positive", c.LayerNormEps)
	}
	if _, err := ActivationOf(c.HiddenAct); err != nil {
		return err
	}
	if err := c.validateFamily(); err != nil {
		return err
	}
	return c.validatePreprocess()
}

func (c *Config) validateFamily() error {
	switch {
	case c.ModelType != "" && c.ModelType != "vit" && c.ModelType != "deit" && c.ModelType != "timm":
		return fmt.Errorf("config: model type %q is not vit, deit or timm (re-run vitctl convert with this version)", c.ModelType)
	case c.Pooling != "" && c.Pooling != PoolCLS && c.Pooling != PoolAvg:
		return fmt.Errorf("config: pooling %q is not %q or %q", c.Pooling, PoolCLS, PoolAvg)
	case c.Pooling != PoolAvg && c.NoClassToken:
		return fmt.Errorf("config: no class token, so pooling must be %q", PoolAvg)
	case c.DistillationHead && (!c.DistillationToken || c.Pooling == PoolAvg || c.FCNorm || !c.HasHead()):
		return fmt.Errorf("config: a distillation head needs a classifier, a distillation token, CLS pooling and no fc_norm")
	case c.RegisterTokens < 0 || c.RegisterTokens > 1<<10:
		return fmt.Errorf("config: %d register tokens", c.RegisterTokens)
	}
	return nil
}

func (c *Config) validatePreprocess() error {
	p := &c.Preprocess
	if p.DoResize && (p.Height != c.ImageSize || p.Width != c.ImageSize) {
		return fmt.Errorf("preprocess: resize to %dx%d but the model takes %dx%d images", p.Width, p.Height, c.ImageSize, c.ImageSize)
	}
	return p.Validate()
}
