package model

import (
	"math"
	"slices"

	"github.com/vitctl/vitctl/internal/kernels"
)

// Backward accumulates into G the gradients of the loss whose gradient
// with respect to the logits of the last Forward is dlogits (B, L), for the
// trained layers, the final norm and the head.
func (n *Net) Backward(dlogits []float32, B int) {
	c := &n.Config
	D, M := c.HiddenSize, B*c.Tokens()
	feat := n.headState.feat[:B*D]
	var dfeat []float32
	if n.First < c.NumHiddenLayers {
		dfeat = n.g.dfeat[:B*D]
	}
	linearBackward(n.pool, dfeat, n.wg(n.G.headW), n.wg(n.G.headB), dlogits, feat, B, n.bwd.head, false, &n.gbuf)
	if dfeat == nil {
		return
	}
	dx := n.g.dx[:M*D]
	clear(dx)
	n.featBackward(dx, dfeat, B)
	for i := c.NumHiddenLayers - 1; i >= max(n.First, 0); i-- {
		n.blockBackward(i, dx, B)
	}
	if n.First < 0 {
		n.embedBackward(dx, B)
	}
}

// featBackward is pool2feat's backward: dx (B*T, D) += the gradient with
// respect to the last block's output, from dfeat (B, D).
func (n *Net) featBackward(dx, dfeat []float32, B int) {
	c, p, g, h := &n.Config, n.P, n.G, &n.headState
	D, T, Pf := c.HiddenSize, c.Tokens(), c.PrefixTokens()
	part := n.g.part
	switch {
	case c.FCNorm:
		dp := n.g.dnrm[:B*D]
		clear(dp)
		layernormBackward(n.pool, dp, g.normW, g.normB, dfeat, h.in, h.mean, h.rstd, p.normW, B, D, part)
		spreadPatches(dx, dp, B, T, Pf, D)
	case c.Pooling == PoolAvg:
		dn := n.g.dnrm[:B*T*D]
		clear(dn)
		spreadPatches(dn, dfeat, B, T, Pf, D)
		layernormBackward(n.pool, dx, g.normW, g.normB, dn, n.out, h.mean, h.rstd, p.normW, B*T, D, part)
	default:
		dc := n.g.dnrm[:B*D]
		clear(dc)
		layernormBackward(n.pool, dc, g.normW, g.normB, dfeat, h.in, h.mean, h.rstd, p.normW, B, D, part)
		for b := range B {
			row := dx[b*T*D : b*T*D+D]
			for d, v := range dc[b*D : (b+1)*D] {
				row[d] += v
			}
		}
	}
}

// spreadPatches is meanPatches' backward: dh (B*T, D) += dmean/(T−Pf) on
// every patch token.
func spreadPatches(dh, dmean []float32, B, T, Pf, D int) {
	inv := 1 / float32(T-Pf)
	for b := range B {
		for t := Pf; t < T; t++ {
			row := dh[(b*T+t)*D : (b*T+t+1)*D]
			for d, v := range dmean[b*D : (b+1)*D] {
				row[d] += v * inv
			}
		}
	}
}

// blockBackward turns dx (B*T, D), the gradient with respect to layer i's
// output, into the gradient with respect to its input, accumulating the
// layer's parameter gradients.
func (n *Net) blockBackward(i int, dx []float32, B int) {
	c, ly, gl, a, g, pool := &n.Config, &n.P.layers[i], &n.G.layers[i], n.layerActs(i), &n.g, n.pool
	D, T, H, hd, I := c.HiddenSize, c.Tokens(), c.NumAttentionHeads, c.HeadDim(), c.IntermediateSize
	M := B * T
	dh, da := g.dh[:M*D], g.da[:M*I]
	// MLP branch: out = xmid + [ls2 ⊙] (act(h2·Wupᵀ + bup)·Wdownᵀ + bdown)
	dO := dx
	if ly.ls2 != nil {
		dO = g.dtmp[:M*D]
		scaleBackward(dO, gl.ls2, dx, a.o2, ly.ls2, M, D)
	}
	act := n.actBuf[:M*I]
	kernels.Activate(pool, act, a.pre[:M*I], n.act) // not kept by the forward pass: 4·M·I bytes a layer
	linearBackward(pool, da, n.wg(gl.downW), n.wg(gl.downB), dO, act, M, n.bwd.down[i], false, &n.gbuf)
	kernels.ActBackward(pool, da, da, a.pre[:M*I], act, n.act)
	linearBackward(pool, dh, n.wg(gl.upW), n.wg(gl.upB), da, a.h2[:M*D], M, n.bwd.up[i], false, &n.gbuf)
	layernormBackward(pool, dx, gl.ln2W, gl.ln2B, dh, a.xmid, a.mean2, a.rstd2, ly.ln2W, M, D, g.part)
	// Attention branch: xmid = x + [ls1 ⊙] (attn(h1·Wqkvᵀ + bqkv)·Woutᵀ + bout)
	dO = dx
	if ly.ls1 != nil {
		dO = g.dtmp[:M*D]
		scaleBackward(dO, gl.ls1, dx, a.o1, ly.ls1, M, D)
	}
	dctx, dqkv := g.dctx[:M*D], g.dqkv[:M*3*D]
	linearBackward(pool, dctx, n.wg(gl.outW), n.wg(gl.outB), dO, a.ctx[:M*D], M, n.bwd.out[i], false, &n.gbuf)
	scale := float32(1 / math.Sqrt(float64(hd)))
	var dP []float32
	if n.AttentionGrad != nil {
		n.dprobs = slices.Grow(n.dprobs[:0], B*H*T*T)[:B*H*T*T]
		dP = n.dprobs
	}
	kernels.AttentionBackwardDP(pool, dqkv, dP, dctx, a.qkv, a.probs, B, T, H, hd, scale)
	if dP != nil {
		n.AttentionGrad(i, a.probs[:B*H*T*T], dP)
	}
	linearBackward(pool, dh, n.wg(gl.qkvW), n.wg(gl.qkvB), dqkv, a.h1[:M*D], M, n.bwd.qkv[i], false, &n.gbuf)
	layernormBackward(pool, dx, gl.ln1W, gl.ln1B, dh, a.x, a.mean1, a.rstd1, ly.ln1W, M, D, g.part)
}

// embedBackward accumulates the embeddings' gradients from dx (B*T, D),
// the gradient with respect to block 0's input.
func (n *Net) embedBackward(dx []float32, B int) {
	c, p, g, e := &n.Config, n.P, n.G, &n.embedState
	D, T, Np, Pf, pp := c.HiddenSize, c.Tokens(), c.NumPatches(), c.PrefixTokens(), c.PosPrefix()
	M := B * T
	if c.PreNorm {
		d0 := n.g.dh[:M*D]
		clear(d0)
		layernormBackward(n.pool, d0, g.preW, g.preB, dx, e.x0, e.mean, e.rstd, p.preW, M, D, n.g.part)
		dx = d0
	}
	dpemb := n.g.dtmp[:B*Np*D]
	for b := range B {
		xb := dx[b*T*D : (b+1)*T*D]
		for i, v := range xb[:Pf*D] {
			g.prefix[i] += v
		}
		for i, v := range xb[:pp*D] {
			g.pos[i] += v
		}
		for i, v := range xb[Pf*D:] {
			g.pos[pp*D+i] += v
		}
		copy(dpemb[b*Np*D:(b+1)*Np*D], xb[Pf*D:])
	}
	cpp := c.NumChannels * c.PatchSize * c.PatchSize
	kernels.WeightGrad(n.pool, g.patchW, g.patchB, dpemb, e.patches[:B*Np*cpp], B*Np, D, cpp, &n.gbuf)
}

// wg is where a Linear's weight gradient g accumulates: g itself, or nil
// (not computed) when only the gradients with respect to the activations
// are wanted.
func (n *Net) wg(g []float32) []float32 {
	if n.noWeights {
		return nil
	}
	return g
}
