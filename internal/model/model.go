package model

import (
	"errors"
	"fmt"

	"github.com/vitctl/vitctl/internal/kernels"
)

// Model is a loaded ViT: its config and weights. It is immutable and safe
// for concurrent use by several Runners.
type Model struct {
	Config Config
	act    kernels.Act
	w      *weights
}

// New builds a model from cfg and a tensor source holding exactly the
// tensors named by TensorShapes(cfg).
func New(cfg Config, names []string, get Getter) (*Model, error) {
	return NewAt(cfg, names, get, kernels.FP32)
}

// NewAt is New with the encoder blocks' Linear weights packed straight into
// precision p (see WithPrecision), so a low-precision model never holds an
// fp32 copy of them. The model keeps no reference to get's data.
func NewAt(cfg Config, names []string, get Getter, p kernels.Precision) (*Model, error) {
	return newAt(cfg, names, get, nil, p)
}

// newAt is NewAt with, when into is not nil, the tensors that need
// decoding decoded into buffers the loader reuses.
func newAt(cfg Config, names []string, get Getter, into decodeInto, p kernels.Precision) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := CheckNames(&cfg, names); err != nil {
		return nil, err
	}
	act, _ := ActivationOf(cfg.HiddenAct)
	w, err := loadWeights(&cfg, get, into, p)
	if err != nil {
		return nil, err
	}
	return &Model{Config: cfg, act: act, w: w}, nil
}

// NumParams is the number of parameters loaded.
func (m *Model) NumParams() int { return m.w.nParams }

// Hooks observe the forward pass; nil fields cost nothing.
type Hooks struct {
	// Attention receives layer i's attention probabilities, (B, H, T, T).
	// The slice is reused after the call returns.
	Attention func(layer int, probs []float32)
	// Stage receives the hidden states after "embeddings" (and norm_pre),
	// each block ("block_00", …) and "final_norm", (B, T, D); models with
	// fc_norm have no per-token final norm and report "fc_norm", the
	// pooled features after it, (B, D). Reused after the call.
	Stage func(name string, x []float32)
}

// Runner runs the forward pass for batches of up to MaxBatch images with
// buffers allocated once. A Runner is not safe for concurrent use.
type Runner struct {
	m        *Model
	pool     *kernels.Pool
	MaxBatch int
	Hooks    Hooks
	ws       workspace

	height, width int       // input pixels
	gh, gw        int       // patch grid
	pos           []float32 // (T, D) position embeddings for this grid
}

// workspace holds every activation buffer, sized for MaxBatch images.
type workspace struct {
	patches []float32 // (B*Np, C*P*P) unfolded pixels
	pemb    []float32 // (B*Np, D) patch embeddings
	x       []float32 // (B*T, D) residual stream
	h       []float32 // (B*T, D) normalised stream
	qkv     []float32 // (B*T, 3D)
	ctx     []float32 // (B*T, D) attention output before projection
	up      []float32 // (B*T, I)
	cls     []float32 // (B, D) pooled rows the classifier sees
	dist    []float32 // (B, D) distillation rows, only with a distillation head
	logits  []float32 // (B, L)
	dlogits []float32 // (B, L) distillation head, only with one
	probs   []float32 // (B, H, T, T), only with an attention hook
}

// NewRunner returns a Runner using pool for batches of up to maxBatch
// images of the model's own size; maxBatch must be at least 1.
func (m *Model) NewRunner(pool *kernels.Pool, maxBatch int) *Runner {
	r, err := m.NewRunnerAt(pool, maxBatch, m.Config.ImageSize, m.Config.ImageSize)
	if err != nil {
		panic("model: " + err.Error())
	}
	return r
}

// NewRunnerAt returns a Runner for images of height×width pixels, which
// must be multiples of the patch size; position embeddings are interpolated
// once here when the size differs from the model's.
func (m *Model) NewRunnerAt(pool *kernels.Pool, maxBatch, height, width int) (*Runner, error) {
	c := &m.Config
	P := c.PatchSize
	if height <= 0 || width <= 0 || height%P != 0 || width%P != 0 {
		return nil, fmt.Errorf("image size %dx%d: width and height must be positive multiples of the patch size %d", width, height, P)
	}
	if maxBatch < 1 {
		return nil, fmt.Errorf("batch %d: must be at least 1", maxBatch)
	}
	gh, gw := height/P, width/P
	B, T, D, Np := maxBatch, c.PrefixTokens()+gh*gw, c.HiddenSize, gh*gw
	cpp := c.NumChannels * P * P
	g := c.ImageSize / P
	pos := InterpolatePosPrefix(m.w.pos, D, c.PosPrefix(), g, gh, gw)
	r := &Runner{m: m, pool: pool, MaxBatch: maxBatch, height: height, width: width, gh: gh, gw: gw, pos: pos, ws: workspace{
		patches: make([]float32, B*Np*cpp),
		pemb:    make([]float32, B*Np*D),
		x:       make([]float32, B*T*D),
		h:       make([]float32, B*T*D),
		qkv:     make([]float32, B*T*3*D),
		ctx:     make([]float32, B*T*D),
		up:      make([]float32, B*T*c.IntermediateSize),
		cls:     make([]float32, B*D),
		logits:  make([]float32, B*len(c.Labels)),
	}}
	if c.DistillationHead {
		r.ws.dist = make([]float32, B*D)
		r.ws.dlogits = make([]float32, B*len(c.Labels))
	}
	return r, nil
}

// PixelsPerImage is C*H*W, the length of one image's input at the model's size.
func (c *Config) PixelsPerImage() int { return c.NumChannels * c.ImageSize * c.ImageSize }

// PixelsPerImage is C*H*W, the length of one image's input for this runner.
func (r *Runner) PixelsPerImage() int { return r.m.Config.NumChannels * r.height * r.width }

// Tokens is T for this runner's image size: the prefix tokens (CLS,
// distillation, registers) plus the patches.
func (r *Runner) Tokens() int { return r.PrefixTokens() + r.gh*r.gw }

// PrefixTokens is the number of tokens before the patches; token
// PrefixTokens()+y*gw+x is patch (y, x) of the grid, in attention maps too.
func (r *Runner) PrefixTokens() int { return r.m.Config.PrefixTokens() }

// PositionEmbeddings are the position embeddings this runner adds,
// interpolated for its image size: (T, D), or (patches, D) with
// no_embed_class.
func (r *Runner) PositionEmbeddings() []float32 { return r.pos }

// Size is the input image size (height, width) in pixels this runner takes.
func (r *Runner) Size() (int, int) { return r.height, r.width }

// Grid is the patch grid (rows, columns) for this runner's image size.
func (r *Runner) Grid() (int, int) { return r.gh, r.gw }

// ErrNoHead is Forward's error for a model without a classifier.
var ErrNoHead = errors.New("the model has no classifier head (a backbone: it gives feature vectors, not labels)")

// Forward classifies B images given as normalised pixels (B, C, H, W) and
// returns the logits (B, L). The result is reused by the next call.
func (r *Runner) Forward(pixels []float32, B int) ([]float32, error) {
	if !r.m.Config.HasHead() {
		return nil, ErrNoHead
	}
	if err := r.encode(pixels, B); err != nil {
		return nil, err
	}
	return r.head(B), nil
}

// encode runs the embeddings and every block on B images, leaving the
// residual stream (B*T, D) in ws.x.
func (r *Runner) encode(pixels []float32, B int) error {
	c := &r.m.Config
	if B < 1 || B > r.MaxBatch {
		return fmt.Errorf("batch %d outside 1..%d", B, r.MaxBatch)
	}
	if want := B * r.PixelsPerImage(); len(pixels) != want {
		return fmt.Errorf("pixels: got %d values, want %d (B=%d, C=%d, %dx%d)", len(pixels), want, B, c.NumChannels, r.width, r.height)
	}
	r.embed(pixels, B)
	r.stage("embeddings", B)
	for i := range r.m.w.layers {
		r.block(i, B)
		if r.Hooks.Stage != nil {
			r.stage(fmt.Sprintf("block_%02d", i), B)
		}
	}
	return nil
}

func (r *Runner) stage(name string, B int) {
	if r.Hooks.Stage != nil {
		c := &r.m.Config
		r.Hooks.Stage(name, r.ws.x[:B*r.Tokens()*c.HiddenSize])
	}
}
