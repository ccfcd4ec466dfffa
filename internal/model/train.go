package model

import (
	"fmt"
	"math"

	"github.com/vitctl/vitctl/internal/kernels"
)

// Net is the training pass of a model over Params: a forward pass that
// keeps the activations the backward pass needs, for the layers being
// trained only, and the backward pass, which accumulates into Grads.
// Layers from First on are trained (with the final norm and the head);
// First = NumHiddenLayers trains the head alone, First = -1 the embeddings
// too. A Net is not safe for concurrent use.
type Net struct {
	Config Config
	P, G   *Params
	First  int

	// AttentionGrad, when set, is called by Backward for every trained
	// layer with its attention probabilities P and dP, the gradient with
	// respect to them, both (B, H, T, T) and reused after the call.
	AttentionGrad func(layer int, probs, dprobs []float32)

	act        kernels.Act
	pool       *kernels.Pool
	maxB       int
	fwd, bwd   packs
	frozen     acts   // reused by every layer that is not trained
	trained    []acts // layers First.. (index i-First)
	g          grads
	gbuf       kernels.GradBuf
	out        []float32 // (B*T, D) the last block's output
	actBuf     []float32 // (B*T, I) a trained layer's activation, recomputed when needed
	embedState embedActs
	headState  headActs
	dprobs     []float32 // (B, H, T, T) for AttentionGrad
	noWeights  bool      // Backward leaves the Linear weights' gradients out (AttentionGrads)
}

// packs are one direction's packed Linear weights: W for the forward
// pass, Wᵀ for dX = dY·W.
type packs struct {
	patch, head *kernels.PackedB
	qkv, out    []*kernels.PackedB
	up, down    []*kernels.PackedB
}

// acts are one encoder layer's kept activations.
type acts struct {
	x, h1, ctx, xmid, h2, o1, o2 []float32 // (M, D); o1, o2 only with layer scale
	mean1, rstd1, mean2, rstd2   []float32 // (M)
	qkv                          []float32 // (M, 3D)
	probs                        []float32 // (B, H, T, T)
	pre, a                       []float32 // (M, I); a only in frozen layers (it is pre)
}

type embedActs struct {
	patches []float32 // (B*Np, C*P*P)
	x0      []float32 // (M, D) before norm_pre, with one
	mean    []float32
	rstd    []float32
}

type headActs struct {
	in   []float32 // (B, D) pooled rows (CLS or mean), or with avg pooling and no fc_norm (M, D)
	nrm  []float32 // normalised, same shape as in
	mean []float32
	rstd []float32
	feat []float32 // (B, D) what the classifier sees
}

// grads are the activation gradients, shared by all layers.
type grads struct {
	dx, dh, dtmp, dctx []float32 // (M, D)
	dqkv               []float32 // (M, 3D)
	da                 []float32 // (M, I)
	dfeat, dnrm        []float32 // (B, D), (M, D)
	part               []float32 // LayerNorm parameter partial sums
}

// NewNet prepares training of p (config c) for batches of up to maxB images
// of the model's own size, training layers first.. (see Net.First).
func NewNet(c Config, p *Params, first int, pool *kernels.Pool, maxB int) (*Net, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.DistillationHead {
		return nil, fmt.Errorf("training a model with a distillation head is not supported")
	}
	if first < -1 || first > c.NumHiddenLayers {
		return nil, fmt.Errorf("first trained layer %d outside -1..%d", first, c.NumHiddenLayers)
	}
	act, _ := ActivationOf(c.HiddenAct)
	n := &Net{Config: c, P: p, G: newParams(&c), First: first, act: act, pool: pool, maxB: maxB}
	M, D, I := maxB*c.Tokens(), c.HiddenSize, c.IntermediateSize
	n.frozen = newActs(&c, maxB, false)
	for i := max(first, 0); i < c.NumHiddenLayers; i++ {
		n.trained = append(n.trained, newActs(&c, maxB, true))
	}
	if len(n.trained) > 0 {
		n.actBuf = make([]float32, M*I)
	}
	z := func(k int) []float32 { return make([]float32, k) }
	n.out = z(M * D)
	n.embedState = embedActs{patches: z(maxB * c.NumPatches() * c.NumChannels * c.PatchSize * c.PatchSize)}
	if c.PreNorm {
		n.embedState.x0, n.embedState.mean, n.embedState.rstd = z(M*D), z(M), z(M)
	}
	rows := maxB
	if c.Pooling == PoolAvg && !c.FCNorm {
		rows = M
	}
	n.headState = headActs{in: z(rows * D), nrm: z(rows * D), mean: z(rows), rstd: z(rows), feat: z(maxB * D)}
	if first < c.NumHiddenLayers {
		n.g = grads{dx: z(M * D), dh: z(M * D), dtmp: z(M * D), dctx: z(M * D), dqkv: z(M * 3 * D), da: z(M * I),
			dnrm: z(rows * D), part: z(lnPartLen(M, D))}
	}
	n.g.dfeat = z(maxB * D)
	n.Pack()
	return n, nil
}

func newActs(c *Config, B int, full bool) acts {
	M, D, I, T, H := B*c.Tokens(), c.HiddenSize, c.IntermediateSize, c.Tokens(), c.NumAttentionHeads
	z := func(k int) []float32 { return make([]float32, k) }
	a := acts{x: z(M * D), h1: z(M * D), ctx: z(M * D), xmid: z(M * D), h2: z(M * D),
		mean1: z(M), rstd1: z(M), mean2: z(M), rstd2: z(M), qkv: z(M * 3 * D), pre: z(M * I)}
	if c.LayerScale {
		a.o1, a.o2 = z(M*D), z(M*D)
	}
	if full {
		a.probs = z(B * H * T * T) // a is Net.actBuf, recomputed by the backward pass
	} else {
		a.a = a.pre // the activation in place: nothing is kept
	}
	return a
}

// Pack refreshes the packed weights from P; call it after every update.
func (n *Net) Pack() {
	c, p := &n.Config, n.P
	D, I, L := c.HiddenSize, c.IntermediateSize, len(c.Labels)
	cpp := c.NumChannels * c.PatchSize * c.PatchSize
	f, b := &n.fwd, &n.bwd
	if f.qkv == nil {
		nl := c.NumHiddenLayers
		f.qkv, f.out, f.up, f.down = make([]*kernels.PackedB, nl), make([]*kernels.PackedB, nl), make([]*kernels.PackedB, nl), make([]*kernels.PackedB, nl)
		b.qkv, b.out, b.up, b.down = make([]*kernels.PackedB, nl), make([]*kernels.PackedB, nl), make([]*kernels.PackedB, nl), make([]*kernels.PackedB, nl)
	}
	f.patch = kernels.Repack(f.patch, p.patchW, D, cpp)
	f.head = kernels.Repack(f.head, p.headW, L, D)
	b.head = kernels.PackT(b.head, p.headW, L, D)
	for i, ly := range p.layers {
		f.qkv[i] = kernels.Repack(f.qkv[i], ly.qkvW, 3*D, D)
		f.out[i] = kernels.Repack(f.out[i], ly.outW, D, D)
		f.up[i] = kernels.Repack(f.up[i], ly.upW, I, D)
		f.down[i] = kernels.Repack(f.down[i], ly.downW, D, I)
		if i >= n.First {
			b.qkv[i] = kernels.PackT(b.qkv[i], ly.qkvW, 3*D, D)
			b.out[i] = kernels.PackT(b.out[i], ly.outW, D, D)
			b.up[i] = kernels.PackT(b.up[i], ly.upW, I, D)
			b.down[i] = kernels.PackT(b.down[i], ly.downW, D, I)
		}
	}
}

// ZeroGrad clears the gradients.
func (n *Net) ZeroGrad() {
	for _, g := range n.G.Tensors(&n.Config) {
		clear(g)
	}
}

// Features runs the frozen part of the network on pixels (B, C, H, W) and
// returns the pooled, normalised features (B, D) the classifier sees. The
// result is reused by the next call.
func (n *Net) Features(pixels []float32, B int) ([]float32, error) {
	if err := n.check(pixels, B); err != nil {
		return nil, err
	}
	x := n.embed(pixels, B)
	for i := range n.P.layers {
		x = n.block(i, x, B)
	}
	return n.pool2feat(x, B), nil
}

// Forward runs the training forward pass and returns the logits (B, L),
// reused by the next call.
func (n *Net) Forward(pixels []float32, B int) ([]float32, error) {
	feat, err := n.Features(pixels, B)
	if err != nil {
		return nil, err
	}
	return n.HeadForward(feat, B), nil
}

// HeadForward applies the classifier to features (B, D).
func (n *Net) HeadForward(feat []float32, B int) []float32 {
	L := len(n.Config.Labels)
	logits := make([]float32, B*L)
	linearForward(n.pool, logits, feat, B, n.fwd.head, n.P.headB, nil)
	return logits
}

// HeadBackward accumulates the classifier's gradients from dlogits (B, L)
// given its input features (B, D).
func (n *Net) HeadBackward(dlogits, feat []float32, B int) {
	linearBackward(n.pool, nil, n.G.headW, n.G.headB, dlogits, feat, B, n.bwd.head, false, &n.gbuf)
}

func (n *Net) check(pixels []float32, B int) error {
	c := &n.Config
	if B < 1 || B > n.maxB {
		return fmt.Errorf("batch %d outside 1..%d", B, n.maxB)
	}
	if want := B * c.PixelsPerImage(); len(pixels) != want {
		return fmt.Errorf("pixels: got %d values, want %d", len(pixels), want)
	}
	return nil
}

// layerActs is where layer i keeps its activations.
func (n *Net) layerActs(i int) *acts {
	if i >= n.First && n.First < n.Config.NumHiddenLayers {
		return &n.trained[i-max(n.First, 0)]
	}
	return &n.frozen
}

// embed returns the residual stream (B*T, D) entering block 0: the prefix
// tokens and the projected patches plus position embeddings, then norm_pre.
func (n *Net) embed(pixels []float32, B int) []float32 {
	c, p, e := &n.Config, n.P, &n.embedState
	D, T, Np, Pf, pp := c.HiddenSize, c.Tokens(), c.NumPatches(), c.PrefixTokens(), c.PosPrefix()
	x := n.out
	if c.NumHiddenLayers > 0 {
		x = n.layerActs(0).x
	}
	unfold(e.patches, pixels, B, c.NumChannels, c.ImageSize, c.ImageSize, c.PatchSize)
	pemb := n.g.dtmp // free during the forward pass
	if pemb == nil {
		pemb = n.frozen.h1
	}
	linearForward(n.pool, pemb[:B*Np*D], e.patches, B*Np, n.fwd.patch, p.patchB, nil)
	dst := x
	if c.PreNorm {
		dst = e.x0
	}
	for b := range B {
		xb := dst[b*T*D : (b+1)*T*D]
		copy(xb, p.prefix)
		for i := range pp * D {
			xb[i] += p.pos[i]
		}
		for i, v := range pemb[b*Np*D : (b+1)*Np*D] {
			xb[Pf*D+i] = v + p.pos[pp*D+i]
		}
	}
	if c.PreNorm {
		layernormForward(n.pool, x, e.mean, e.rstd, e.x0, p.preW, p.preB, B*T, D, float32(c.LayerNormEps))
	}
	return x
}

// block runs layer i on x (B*T, D), which must be its acts' x, and returns
// the output: the next layer's x, or n.out after the last.
func (n *Net) block(i int, x []float32, B int) []float32 {
	c, ly, a, pool := &n.Config, &n.P.layers[i], n.layerActs(i), n.pool
	D, T, H, hd := c.HiddenSize, c.Tokens(), c.NumAttentionHeads, c.HeadDim()
	M, eps := B*T, float32(c.LayerNormEps)
	out := n.out
	if i+1 < c.NumHiddenLayers {
		out = n.layerActs(i + 1).x
	}
	if &x[0] != &a.x[0] {
		copy(a.x[:M*D], x[:M*D])
	}
	layernormForward(pool, a.h1, a.mean1, a.rstd1, a.x, ly.ln1W, ly.ln1B, M, D, eps)
	linearForward(pool, a.qkv[:M*3*D], a.h1[:M*D], M, n.fwd.qkv[i], ly.qkvB, nil)
	var probs []float32
	if a.probs != nil {
		probs = a.probs[:B*H*T*T]
	}
	kernels.Attention(pool, a.ctx, a.qkv, B, T, H, hd, float32(1/math.Sqrt(float64(hd))), probs)
	n.residual(a.xmid[:M*D], a.x[:M*D], a.ctx[:M*D], a.o1, M, n.fwd.out[i], ly.outB, ly.ls1)
	layernormForward(pool, a.h2, a.mean2, a.rstd2, a.xmid, ly.ln2W, ly.ln2B, M, D, eps)
	I := c.IntermediateSize
	linearForward(pool, a.pre[:M*I], a.h2[:M*D], M, n.fwd.up[i], ly.upB, nil)
	act := a.a
	if act == nil {
		act = n.actBuf
	}
	kernels.Activate(pool, act[:M*I], a.pre[:M*I], n.act)
	n.residual(out[:M*D], a.xmid[:M*D], act[:M*I], a.o2, M, n.fwd.down[i], ly.downB, ly.ls2)
	return out
}

// residual writes y = x + in·Wᵀ + b, or with layer scale y = x + gamma ⊙ o
// keeping o = in·Wᵀ + b.
func (n *Net) residual(y, x, in, o []float32, M int, w *kernels.PackedB, b, gamma []float32) {
	if gamma == nil {
		linearForward(n.pool, y, in, M, w, b, x) // the epilogue adds x: no copy
		return
	}
	D := w.N
	linearForward(n.pool, o[:M*D], in, M, w, b, nil)
	scaleForward(y, x, o, gamma, M, D)
}

// pool2feat normalises and pools the last block's output x (B*T, D) into
// the classifier's input (B, D).
func (n *Net) pool2feat(x []float32, B int) []float32 {
	c, p, h := &n.Config, n.P, &n.headState
	D, T, Pf := c.HiddenSize, c.Tokens(), c.PrefixTokens()
	eps := float32(c.LayerNormEps)
	feat := h.feat[:B*D]
	switch {
	case c.FCNorm:
		meanPatches(h.in, x, B, T, Pf, D)
		layernormForward(n.pool, feat, h.mean, h.rstd, h.in, p.normW, p.normB, B, D, eps)
	case c.Pooling == PoolAvg:
		layernormForward(n.pool, h.nrm, h.mean, h.rstd, x, p.normW, p.normB, B*T, D, eps)
		meanPatches(feat, h.nrm, B, T, Pf, D)
	default:
		for b := range B {
			copy(h.in[b*D:(b+1)*D], x[b*T*D:b*T*D+D])
		}
		layernormForward(n.pool, feat, h.mean, h.rstd, h.in, p.normW, p.normB, B, D, eps)
	}
	return feat
}

// meanPatches writes dst (B, D) = the mean of each image's patch tokens
// (prefix tokens excluded) of h (B*T, D).
func meanPatches(dst, h []float32, B, T, Pf, D int) {
	acc := make([]float64, D)
	for b := range B {
		clear(acc)
		for t := Pf; t < T; t++ {
			for d, v := range h[(b*T+t)*D : (b*T+t+1)*D] {
				acc[d] += float64(v)
			}
		}
		for d := range D {
			dst[b*D+d] = float32(acc[d] / float64(T-Pf))
		}
	}
}

// PackHead refreshes the classifier's packed weights alone, after an
// update of the head only.
func (n *Net) PackHead() {
	c := &n.Config
	n.fwd.head = kernels.Repack(n.fwd.head, n.P.headW, len(c.Labels), c.HiddenSize)
	n.bwd.head = kernels.PackT(n.bwd.head, n.P.headW, len(c.Labels), c.HiddenSize)
}
