package model

import (
	"math"

	"github.com/vitctl/vitctl/internal/kernels"
)

// embed fills the residual stream x (B*T, D) with [CLS; patches] + pos.
// The stride-P convolution is one GEMM over the unfolded patches.
func (r *Runner) embed(pixels []float32, B int) {
	c, w, ws := &r.m.Config, r.m.w, &r.ws
	D, T, Np := c.HiddenSize, r.Tokens(), r.gh*r.gw
	cpp := c.NumChannels * c.PatchSize * c.PatchSize
	unfold(ws.patches, pixels, B, c.NumChannels, r.height, r.width, c.PatchSize)
	// pemb: (B*Np, D) = patches (B*Np, C*P*P) · Wᵀ + bias
	kernels.Linear(r.pool, ws.pemb, D, ws.patches, cpp, B*Np, w.patch, kernels.Epilogue{Bias: w.patchB})
	for b := 0; b < B; b++ {
		x := ws.x[b*T*D : (b+1)*T*D]
		for d := 0; d < D; d++ {
			x[d] = w.cls[d] + r.pos[d]
		}
		pe := ws.pemb[b*Np*D : (b+1)*Np*D]
		for i, v := range pe {
			x[D+i] = v + r.pos[D+i]
		}
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

	kernels.LayerNorm(p, h, x, M, D, ly.ln1W, ly.ln1B, eps)
	kernels.Linear(p, ws.qkv, 3*D, h, D, M, ly.qkv, kernels.Epilogue{Bias: ly.qkvB}) // (M, 3D)
	var probs []float32
	if r.Hooks.Attention != nil {
		n := B * H * T * T
		if cap(ws.probs) < n {
			ws.probs = make([]float32, n)
		}
		probs = ws.probs[:n]
	}
	scale := float32(1 / math.Sqrt(float64(c.HeadDim())))
	kernels.Attention(p, ws.ctx, ws.qkv, B, T, H, c.HeadDim(), scale, probs) // (M, D)
	if probs != nil {
		r.Hooks.Attention(i, probs)
	}
	kernels.Linear(p, x, D, ws.ctx, D, M, ly.out, kernels.Epilogue{Bias: ly.outB, Residual: x})

	kernels.LayerNorm(p, h, x, M, D, ly.ln2W, ly.ln2B, eps)
	kernels.Linear(p, ws.up, I, h, D, M, ly.up, kernels.Epilogue{Bias: ly.upB, Act: r.m.act})    // (M, I)
	kernels.Linear(p, x, D, ws.up, I, M, ly.down, kernels.Epilogue{Bias: ly.downB, Residual: x}) // (M, D)
}

// head applies the final LayerNorm and the classifier on the CLS tokens.
func (r *Runner) head(B int) []float32 {
	c, w, ws, p := &r.m.Config, r.m.w, &r.ws, r.pool
	D, T, L := c.HiddenSize, r.Tokens(), len(c.Labels)
	eps := float32(c.LayerNormEps)
	if r.Hooks.Stage != nil {
		// The reference normalises every token; only CLS feeds the classifier.
		kernels.LayerNorm(p, ws.h, ws.x, B*T, D, w.normW, w.normB, eps)
		r.Hooks.Stage("final_norm", ws.h[:B*T*D])
		for b := 0; b < B; b++ {
			copy(ws.cls[b*D:(b+1)*D], ws.h[b*T*D:])
		}
	} else {
		for b := 0; b < B; b++ {
			kernels.LayerNorm(p, ws.cls[b*D:(b+1)*D], ws.x[b*T*D:b*T*D+D], 1, D, w.normW, w.normB, eps)
		}
	}
	kernels.Linear(p, ws.logits, L, ws.cls, D, B, w.head, kernels.Epilogue{Bias: w.headB})
	return ws.logits[:B*L]
}
