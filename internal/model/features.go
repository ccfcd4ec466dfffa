package model

import (
	"fmt"

	"github.com/vitctl/vitctl/internal/kernels"
)

// Feature poolings: what Features returns per image.
const (
	FeatCLS    = "cls"    // the class token, (D)
	FeatMean   = "mean"   // the mean of the patch tokens, prefix tokens excluded, (D)
	FeatTokens = "tokens" // every token, (T, D)
)

// FeatureSize is the length of one image's features for pool: D, or T*D
// for FeatTokens.
func (r *Runner) FeatureSize(pool string) int {
	if pool == FeatTokens {
		return r.Tokens() * r.m.Config.HiddenSize
	}
	return r.m.Config.HiddenSize
}

// CheckPool reports why the model cannot give features pooled by pool.
func (c *Config) CheckPool(pool string) error {
	switch {
	case pool != FeatCLS && pool != FeatMean && pool != FeatTokens:
		return fmt.Errorf("pooling %q: want %s, %s or %s", pool, FeatCLS, FeatMean, FeatTokens)
	case pool == FeatCLS && c.NoClassToken:
		return fmt.Errorf("pooling %s: the model has no class token (use %s)", FeatCLS, FeatMean)
	case pool == FeatTokens && c.FCNorm:
		return fmt.Errorf("pooling %s: the model normalises after pooling (fc_norm), so its tokens have no final norm (use %s)", FeatTokens, FeatMean)
	}
	return nil
}

// Features runs B images (normalised pixels (B, C, H, W)) through the
// encoder and returns what a classifier head would see, before the head:
// the hidden states after the final LayerNorm, pooled by pool, (B, D), or
// every token, (B, T, D). A model with fc_norm normalises after pooling, as
// its head does. Works with and without a classifier; the result is reused
// by the next call.
func (r *Runner) Features(pixels []float32, B int, pool string) ([]float32, error) {
	c, w, ws, p := &r.m.Config, r.m.w, &r.ws, r.pool
	if err := c.CheckPool(pool); err != nil {
		return nil, err
	}
	if err := r.encode(pixels, B); err != nil {
		return nil, err
	}
	D, T, Pf := c.HiddenSize, r.Tokens(), c.PrefixTokens()
	eps := float32(c.LayerNormEps)
	norm := func(dst, x []float32, rows int) { kernels.LayerNorm(p, dst, x, rows, D, w.normW, w.normB, eps) }
	out, x := ws.cls[:B*D], ws.x
	switch {
	case pool == FeatTokens:
		norm(ws.h, ws.x, B*T)
		return ws.h[:B*T*D], nil
	case pool == FeatCLS && !c.FCNorm:
		for b := 0; b < B; b++ {
			norm(out[b*D:(b+1)*D], ws.x[b*T*D:b*T*D+D], 1)
		}
		return out, nil
	case !c.FCNorm: // mean of the normalised patch tokens
		norm(ws.h, ws.x, B*T)
		x = ws.h
	}
	acc := make([]float64, D)
	for b := 0; b < B; b++ {
		img := x[b*T*D : (b+1)*T*D]
		if pool == FeatCLS {
			copy(out[b*D:(b+1)*D], img[:D])
		} else {
			meanRows(out[b*D:(b+1)*D], img[Pf*D:], acc)
		}
	}
	if c.FCNorm {
		norm(out, out, B)
	}
	return out, nil
}
