package model

import (
	"math"

	"github.com/vitctl/vitctl/internal/kernels"
)

// embed fills the residual stream x (B*T, D) with [prefix; patches] + pos,
// the prefix being CLS, distillation and register tokens as the config has
// them, and applies norm_pre when there is one. The stride-P convolution is
// one GEMM over the unfolded patches.
func (r *Runner) embed(pixels []float32, B int) {
	c, w, ws := &r.m.Config, r.m.w, &r.ws
	D, T, Np := c.HiddenSize, r.Tokens(), r.gh*r.gw
	Pf, pp := c.PrefixTokens(), c.PosPrefix()
	cpp := c.NumChannels * c.PatchSize * c.PatchSize
	unfold(ws.patches, pixels, B, c.NumChannels, r.height, r.width, c.PatchSize)
	// pemb: (B*Np, D) = patches (B*Np, C*P*P) · Wᵀ + bias
	kernels.Linear(r.pool, ws.pemb, D, ws.patches, cpp, B*Np, w.patch, kernels.Epilogue{Bias: w.patchB})
	for b := 0; b < B; b++ {
		x := ws.x[b*T*D : (b+1)*T*D]
		copy(x, w.prefix)
		for i := range pp * D {
			x[i] += r.pos[i]
		}
		pe := ws.pemb[b*Np*D : (b+1)*Np*D]
		for i, v := range pe {
			x[Pf*D+i] = v + r.pos[pp*D+i]
		}
	}
	if c.PreNorm {
		x := ws.x[:B*T*D]
		kernels.LayerNorm(r.pool, x, x, B*T, D, w.preW, w.preB, float32(c.LayerNormEps))
	}
}

// unfold copies each P×P patch of pixels (B, C, H, W) into one row of dst
// (B*Np, C*P*P), patches in row-major grid order, values in (c, y, x) order
// to match the convolution weight (D, C, P, P).
func unfold(dst, pixels []float32, B, C, H, W, P int) {
	row := 0
	for b := 0; b < B; b++ {
		img := pixels[b*C*H*W : (b+1)*C*H*W]
		for gy := 0; gy < H/P; gy++ {
			for gx := 0; gx < W/P; gx++ {
				out := dst[row*C*P*P : (row+1)*C*P*P]
				for ch := 0; ch < C; ch++ {
					for y := 0; y < P; y++ {
						src := img[ch*H*W+(gy*P+y)*W+gx*P:]
						copy(out[(ch*P+y)*P:(ch*P+y+1)*P], src[:P])
					}
				}
				row++
			}
		}
	}
}

// block runs encoder layer i on the residual stream x (B*T, D), in place.
func (r *Runner) block(i, B int) {
	c, ly, ws, p := &r.m.Config, &r.m.w.layers[i], &r.ws, r.pool
	D, T, H, I := c.HiddenSize, r.Tokens(), c.NumAttentionHeads, c.IntermediateSize
	M, eps := B*T, float32(c.LayerNormEps)
	x, h := ws.x[:M*D], ws.h[:M*D]

	ln1 := kernels.Norm{Gamma: ly.ln1W, Beta: ly.ln1B, Eps: eps}
	// bf16 attention on fp32 tiles: qkv's epilogue rounds what attention reads.
	attIn := r.m.attentionPrecision() == kernels.BF16 && kernels.AttentionReadsBF16()
	kernels.LinearNorm(p, ws.qkv, 3*D, x, M, ln1, h, ly.qkv, kernels.Epilogue{Bias: ly.qkvB, RoundBF16: attIn}) // (M, 3D)
	var probs []float32
	if r.Hooks.Attention != nil {
		n := B * H * T * T
		if cap(ws.probs) < n {
			ws.probs = make([]float32, n)
		}
		probs = ws.probs[:n]
	}
	scale := float32(1 / math.Sqrt(float64(c.HeadDim())))
	if attIn {
		kernels.AttentionInBF16(p, ws.ctx, ws.qkv, B, T, H, c.HeadDim(), scale, probs) // (M, D)
	} else {
		kernels.AttentionAt(p, r.m.attentionPrecision(), ws.ctx, ws.qkv, B, T, H, c.HeadDim(), scale, probs) // (M, D)
	}
	if probs != nil {
		r.Hooks.Attention(i, probs)
	}
	r.residual(x, h, ws.ctx, D, M, ly.out, ly.outB, ly.ls1, false)

	ln2 := kernels.Norm{Gamma: ly.ln2W, Beta: ly.ln2B, Eps: eps}
	// bf16 on fp32 tiles: fc1's epilogue rounds what fc2 reads (InBF16).
	bf := ly.down.ReadsBF16()
	kernels.LinearNorm(p, ws.up, I, x, M, ln2, h, ly.up, kernels.Epilogue{Bias: ly.upB, Act: r.m.act, RoundBF16: bf}) // (M, I)
	r.residual(x, h, ws.up, I, M, ly.down, ly.downB, ly.ls2, bf)
}

// residual adds a branch's output projection to x (M, D): x += in·Wᵀ + b,
// or with layer scale x += gamma ⊙ (in·Wᵀ + b), using tmp (M, D); inBF16:
// in holds bf16 values (kernels.Epilogue.InBF16).
func (r *Runner) residual(x, tmp, in []float32, K, M int, w *kernels.PackedB, b, gamma []float32, inBF16 bool) {
	D := len(x) / M
	if gamma == nil {
		kernels.Linear(r.pool, x, D, in, K, M, w, kernels.Epilogue{Bias: b, Residual: x, InBF16: inBF16})
		return
	}
	kernels.Linear(r.pool, tmp, D, in, K, M, w, kernels.Epilogue{Bias: b, InBF16: inBF16})
	for i := 0; i < M; i++ {
		xr, tr := x[i*D:(i+1)*D], tmp[i*D:(i+1)*D]
		for d, g := range gamma {
			xr[d] += g * tr[d]
		}
	}
}

// head applies the final LayerNorm, pools and classifies: the CLS token,
// or the mean of the patch tokens; with fc_norm the LayerNorm comes after
// pooling; with a distillation head the logits are the mean of both heads'.
func (r *Runner) head(B int) []float32 {
	c, w, ws, p := &r.m.Config, r.m.w, &r.ws, r.pool
	D, T, L := c.HiddenSize, r.Tokens(), len(c.Labels)
	eps := float32(c.LayerNormEps)
	switch {
	case c.FCNorm:
		r.poolTokens(ws.x, B)
		kernels.LayerNorm(p, ws.cls, ws.cls, B, D, w.normW, w.normB, eps)
		if r.Hooks.Stage != nil {
			r.Hooks.Stage("fc_norm", ws.cls[:B*D])
		}
	case r.Hooks.Stage != nil || c.Pooling == PoolAvg:
		// The reference normalises every token; the pooled ones feed the classifier.
		kernels.LayerNorm(p, ws.h, ws.x, B*T, D, w.normW, w.normB, eps)
		if r.Hooks.Stage != nil {
			r.Hooks.Stage("final_norm", ws.h[:B*T*D])
		}
		r.poolTokens(ws.h, B)
	default:
		for b := 0; b < B; b++ {
			kernels.LayerNorm(p, ws.cls[b*D:(b+1)*D], ws.x[b*T*D:b*T*D+D], 1, D, w.normW, w.normB, eps)
			if ws.dist != nil {
				kernels.LayerNorm(p, ws.dist[b*D:(b+1)*D], ws.x[(b*T+1)*D:(b*T+2)*D], 1, D, w.normW, w.normB, eps)
			}
		}
	}
	logits := ws.logits[:B*L]
	kernels.Linear(p, logits, L, ws.cls, D, B, w.head, kernels.Epilogue{Bias: w.headB})
	if ws.dist != nil {
		kernels.Linear(p, ws.dlogits, L, ws.dist, D, B, w.distH, kernels.Epilogue{Bias: w.distHB})
		for i := range logits {
			logits[i] = (logits[i] + ws.dlogits[i]) / 2
		}
	}
	return logits
}

// poolTokens fills ws.cls (B, D) from hidden states h (B*T, D): each
// image's first token, or the mean of its patch tokens (prefix tokens
// excluded, as timm's global_pool="avg" does); ws.dist gets token 1.
func (r *Runner) poolTokens(h []float32, B int) {
	c, ws := &r.m.Config, &r.ws
	D, T, Pf := c.HiddenSize, r.Tokens(), c.PrefixTokens()
	acc := make([]float64, D)
	for b := 0; b < B; b++ {
		img, dst := h[b*T*D:(b+1)*T*D], ws.cls[b*D:(b+1)*D]
		if ws.dist != nil {
			copy(ws.dist[b*D:(b+1)*D], img[D:2*D])
		}
		if c.Pooling != PoolAvg {
			copy(dst, img[:D])
			continue
		}
		meanRows(dst, img[Pf*D:], acc)
	}
}

// meanRows sets dst (D) to the mean of the rows of x (n, D), summed in
// float64 in acc (D).
func meanRows(dst, x []float32, acc []float64) {
	D := len(dst)
	clear(acc)
	for t := 0; t < len(x)/D; t++ {
		for d, v := range x[t*D : (t+1)*D] {
			acc[d] += float64(v)
		}
	}
	for d := range dst {
		dst[d] = float32(acc[d] / float64(len(x)/D))
	}
}
