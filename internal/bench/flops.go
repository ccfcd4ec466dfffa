package bench

import "github.com/vitctl/vitctl/internal/model"

// Cost counts the multiply-adds of one image's forward pass, per part.
//
// Counted: every matrix product, which is where a ViT spends its time —
// the patch embedding (a stride-P convolution, i.e. one GEMM over the
// unfolded patches), the fused Q/K/V projection, the attention scores Q·Kᵀ,
// the attention-weighted values P·V, the output projection, the two MLP
// layers and the classifier on the CLS token.
//
// Not counted: LayerNorm, softmax, GELU, bias and residual additions, the
// position-embedding addition and the 1/√hd scaling. They are O(T·D) or
// O(H·T²) elementwise work, under 1 % of the multiply-adds for every
// standard architecture, and have no common FLOP convention.
type Cost struct {
	PatchEmbed int64 // Np·(C·P²)·D
	QKV        int64 // layers · T·D·3D
	Scores     int64 // layers · H·T²·hd  (Q·Kᵀ)
	Mix        int64 // layers · H·T²·hd  (P·V)
	OutProj    int64 // layers · T·D·D
	MLP        int64 // layers · 2·T·D·I
	Classifier int64 // D·L, the CLS token only
}

// CostOf returns the multiply-adds per image of a model with config c at
// its own image size.
func CostOf(c *model.Config) Cost { return CostAt(c, c.ImageSize, c.ImageSize) }

// CostAt returns the multiply-adds per image of a model with config c run
// on images of height×width pixels (multiples of the patch size, as
// model.NewRunnerAt takes them): Np = (height/P)·(width/P) patches and
// T = Np + the prefix tokens.
func CostAt(c *model.Config, height, width int) Cost {
	P := int64(c.PatchSize)
	Np := (int64(height) / P) * (int64(width) / P)
	T, D, I := Np+int64(c.PrefixTokens()), int64(c.HiddenSize), int64(c.IntermediateSize)
	H, hd := int64(c.NumAttentionHeads), int64(c.HeadDim())
	C := int64(c.NumChannels)
	n := int64(c.NumHiddenLayers)
	return Cost{
		PatchEmbed: Np * C * P * P * D,
		QKV:        n * T * D * 3 * D,
		Scores:     n * H * T * T * hd,
		Mix:        n * H * T * T * hd,
		OutProj:    n * T * D * D,
		MLP:        n * 2 * T * D * I,
		Classifier: D * int64(len(c.Labels)),
	}
}

// MACs is the total number of multiply-adds.
func (k Cost) MACs() int64 {
	return k.PatchEmbed + k.QKV + k.Scores + k.Mix + k.OutProj + k.MLP + k.Classifier
}

// FLOPs counts a multiply-add as two floating-point operations.
func (k Cost) FLOPs() int64 { return 2 * k.MACs() }

// Params is the number of parameters of a model with config c: the sum
// over the tensors the loader requires (model.TensorShapes), so it equals
// Model.NumParams for any model built from c.
func Params(c *model.Config) int64 {
	var n int64
	for _, shape := range model.TensorShapes(c) {
		size := int64(1)
		for _, d := range shape {
			size *= int64(d)
		}
		n += size
	}
	return n
}
