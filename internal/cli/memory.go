package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
)

// runShape is what a run's memory depends on besides the model: the input
// size, the batch, the compute threads, the preprocessed images waiting in
// the decode window, and how many layers of attention probabilities are
// kept (inspect-attention keeps every layer's; a plain run none).
type runShape struct {
	h, w, batch, threads int
	window               int // preprocessed images held besides the batch
	keptLayers           int // layers of (B, H, T, T) probabilities kept; 0: no attention hook
}

func (s runShape) String() string {
	if s.keptLayers > 0 {
		return fmt.Sprintf("keeping every layer's attention of an image at %dx%d pixels, with %s,", s.w, s.h, nouns(s.threads, "thread"))
	}
	return "a run at " + s.size()
}

// size is a plain run's shape without "a run at": "WxH pixels with batch
// B and N threads".
func (s runShape) size() string {
	return fmt.Sprintf("%dx%d pixels with batch %d and %s", s.w, s.h, s.batch, nouns(s.threads, "thread"))
}

// memNeed is an estimate of the bytes a run holds at its peak, by part.
// Counts are float64 so that absurd sizes do not overflow.
type memNeed struct {
	weights, activations, attention, inputs float64
}

func (n memNeed) total() float64 { return n.weights + n.activations + n.attention + n.inputs }

// estimateMemory adds up the weights at precision p (as the selected
// kernels hold them: kernels.WeightBytes), the runner's workspace
// (model.NewRunnerAt's buffers and the interpolated position embeddings),
// each thread's attention scratch (kernels.AttentionAt's scores of one head,
// T × T rounded up to 16, and its packed K and V; in bf16 also its E as
// pairs, T × ⌈T/2⌉, and T × 64 accumulators or rounded queries), the attention
// probabilities kept, and the input images. Checked against peak RSS once:
// ViT-Ti/16 at 1392×1392, batch 1, 2 threads, estimated 717 MiB, peak RSS
// 625 MiB (/usr/bin/time -f %M).
func estimateMemory(c *model.Config, p kernels.Precision, s runShape) memNeed {
	f := func(i int) float64 { return float64(i) }
	P, D, I, H := f(c.PatchSize), f(c.HiddenSize), f(c.IntermediateSize), f(c.NumAttentionHeads)
	L, B, C := f(c.NumHiddenLayers), f(s.batch), f(c.NumChannels)
	Np := math.Floor(f(s.h)/P) * math.Floor(f(s.w)/P)
	T := f(c.PrefixTokens()) + Np
	const f32 = 4
	linear := L * (4*D*D + 2*D*I) // the encoder's Linear weights, packed at p
	perWeight := f(kernels.WeightBytes(p))
	hd := D / H
	var bf16Att float64 // per thread, see kernels' attScratch
	if p == kernels.BF16 {
		bf16Att = T*math.Ceil(T/2) + T*64 + T*hd
	}
	return memNeed{
		weights:     (paramCount(c)-linear)*f32 + linear*perWeight,
		activations: f32 * (B*(Np*C*P*P+Np*D+T*(7*D+I)) + T*D),
		attention:   f32 * (f(s.threads)*(T*(T+16)+T+(T+64)*hd+math.Ceil(hd/64)*64*T+bf16Att) + f(s.keptLayers)*B*H*T*T),
		inputs:      f32 * f(s.window) * C * f(s.h) * f(s.w),
	}
}

// photoMemory is what drawing the maps over a W×H photo adds to an
// inspect-attention run: the decoded photo (RGB, 3 bytes a pixel), its copy
// at --photo-size to draw over (RGBA, 4) and a map drawn over that copy
// (RGBA, 4). Checked against peak RSS once (2026-12-06): vit-tiny-in1k,
// an 8000×6000 JPEG, --layers 11, estimated 535 MiB, peak RSS 590 MiB
// (/usr/bin/time -f %M); with --photo-size 1000, 174 MiB and 250 MiB.
func photoMemory(W, H, photoSize int) float64 {
	w, h := float64(W), float64(H)
	if long := float64(max(W, H)); photoSize > 0 && long > float64(photoSize) {
		w, h = w*float64(photoSize)/long, h*float64(photoSize)/long
	}
	return 3*float64(W)*float64(H) + 8*w*h
}

// estimateTraining adds up what finetune holds (model.NewNet's buffers):
// the weights with their gradients, packed copies and AdamW moments (three
// copies when only the head trains, six otherwise); the activations of
// one batch of B images through the frozen layers plus those kept for each
// trained layer (trained of them, attention probabilities included) and
// their gradients; each thread's attention scratch; the loader's batches
// of images (three in flight, each held twice); and, when only the head
// trains, the features of all n images. Checked against peak RSS once
// (2026-12-05): vit-tiny-in1k --train all, batch 16, 2 threads, estimated
// 670 MiB, peak RSS 837 MiB (/usr/bin/time -f %M; the rest is the Go
// heap's slack over the per-batch garbage).
func estimateTraining(c *model.Config, trained, B, threads, n int) memNeed {
	f := func(i int) float64 { return float64(i) }
	P, D, I, H := f(c.PatchSize), f(c.HiddenSize), f(c.IntermediateSize), f(c.NumAttentionHeads)
	C, Np, T, Bf, nt := f(c.NumChannels), f(c.NumPatches()), f(c.Tokens()), f(B), f(trained)
	M := Bf * T
	const f32 = 4
	copies, grads, feats := 3.0, 0.0, f(n)*D
	if trained > 0 {
		copies, grads, feats = 6, M*(8*D+I), 0
	}
	layer := M*(8*D+I) + 4*M // x, h1, ctx, xmid, h2, qkv, the MLP's inner rows, LayerNorm statistics
	hd := D / H
	return memNeed{
		weights:     f32 * copies * paramCount(c),
		activations: f32 * (layer*(1+nt) + math.Min(nt, 1)*M*I + M*D + Bf*Np*C*P*P + 3*M*D + grads + feats),
		attention:   f32 * (f(threads)*(T*(T+16)+T+(T+64)*hd+math.Ceil(hd/64)*64*T) + nt*Bf*H*T*T),
		inputs:      f32 * 6 * Bf * C * f(c.ImageSize) * f(c.ImageSize),
	}
}

// paramCount is bench.Params in float64: a patch of 300000000 pixels
// overflows int64 there (D·C·P²), and a wrapped count let such a run past
// the check and into a makeslice panic.
func paramCount(c *model.Config) float64 {
	var n float64
	for _, shape := range model.TensorShapes(c) {
		size := 1.0
		for _, d := range shape {
			size *= float64(d)
		}
		n += size
	}
	return n
}

// memoryFlags is --max-memory, the most a run may need. smaller names the
// flags that make a command's run smaller, when they are not --image-size
// and --batch (inspect-attention has no --batch).
type memoryFlags struct {
	max     byteSize
	smaller string
}

func (m *memoryFlags) register(f *pflag.FlagSet) {
	f.Var(&m.max, "max-memory", "refuse runs estimated to need more memory than this, e.g. 8G or 512M; default: the machine's memory, or the cgroup's or ulimit -v's limit when lower")
}

func (m *memoryFlags) validate() error { return nil }

// check refuses a run whose estimate exceeds --max-memory or the machine's
// limit, in one line naming the size, the need and the limit.
func (m *memoryFlags) check(what string, n memNeed) error {
	if m.smaller != "" {
		return m.checkHint(what, m.smaller, n)
	}
	return m.checkHint(what, "--image-size or --batch", n)
}

// checkHint is check with the flags that make the run smaller named.
func (m *memoryFlags) checkHint(what, smaller string, n memNeed) error {
	limit, source := float64(m.max), "--max-memory"
	if limit == 0 {
		lim, src, ok := memoryLimit()
		if !ok { // no limit readable here: at least the 128 TiB of a 64-bit address space
			lim, src = 1<<47, "the address space"
		}
		limit, source = float64(lim), src
	}
	if n.total() <= limit {
		return nil
	}
	flag := "set --max-memory" // past the machine's limit, which --max-memory overrides
	if m.max != 0 {
		flag = "raise --max-memory"
	}
	return usagef("%s needs about %s of memory (weights %s, activations %s, attention %s, images %s), more than the %s allowed by %s; use a smaller %s, or %s",
		what, humanSize(n.total()), humanSize(n.weights), humanSize(n.activations), humanSize(n.attention), humanSize(n.inputs), humanSize(limit), source, smaller, flag)
}

// byteSize is a size flag: a number of bytes with an optional K, M, G or T
// (powers of 1024) and an optional B.
type byteSize int64

func (b *byteSize) Set(s string) error {
	t := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(s)), "B"), "I")
	mult := 1.0
	if i := strings.IndexAny(t, "KMGT"); i >= 0 && i == len(t)-1 {
		mult = math.Pow(1024, float64(strings.IndexByte("KMGT", t[i])+1))
		t = t[:i]
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v*mult >= 1) || v*mult > math.MaxInt64/2 {
		return fmt.Errorf("want a size such as 8G, 512M or 1.5GiB")
	}
	*b = byteSize(v * mult)
	return nil
}

func (b *byteSize) String() string {
	if *b == 0 {
		return ""
	}
	return humanSize(float64(*b))
}

func (b *byteSize) Type() string { return "SIZE" }

// humanSize prints bytes in binary units: 1.5 GiB.
func humanSize(n float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for ; n >= 1024 && i < len(units)-1; i++ {
		n /= 1024
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", n)
	}
	return fmt.Sprintf("%.1f %s", n, units[i])
}
