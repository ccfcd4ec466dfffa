package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/vitctl/vitctl/internal/model"
)

// Synthetic returns the tensor names and a getter of deterministic random
// weights for a model with config c, for model.New. Matrices and
// embeddings are uniform with standard deviation 0.02 (the usual ViT
// initialisation, so activations stay in range through any depth),
// LayerNorm scales are 1 and biases 0. Each tensor is generated when asked
// for, from a seed derived from its name, so nothing is held twice.
func Synthetic(c *model.Config) ([]string, model.Getter) {
	shapes := model.TensorShapes(c)
	names := make([]string, 0, len(shapes))
	for n := range shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	get := func(name string) ([]float32, []int, error) {
		shape, ok := shapes[name]
		if !ok {
			return nil, nil, fmt.Errorf("synthetic model has no tensor %q", name)
		}
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		switch {
		case isNormScale(name):
			for i := range data {
				data[i] = 1
			}
		case len(shape) == 1 && strings.HasSuffix(name, ".bias"):
			// zero
		default:
			fillUniform(data, name, 0.02)
		}
		return data, shape, nil
	}
	return names, get
}

// isNormScale reports whether name is a LayerNorm's weight.
func isNormScale(name string) bool {
	return name == model.TensorPostNormW || strings.HasSuffix(name, "."+model.Norm1W) || strings.HasSuffix(name, "."+model.Norm2W)
}

// fillUniform fills x with uniform values of standard deviation std, from a
// generator seeded by name.
func fillUniform(x []float32, name string, std float64) {
	var seed uint64 = 14695981039346656037 // FNV-1a
	for i := 0; i < len(name); i++ {
		seed = (seed ^ uint64(name[i])) * 1099511628211
	}
	r := rand.New(rand.NewPCG(seed, 0x76697463746c))
	a := float32(std * math.Sqrt(3))
	for i := range x {
		x[i] = a * (2*r.Float32() - 1)
	}
}

// Pixels returns B images of deterministic random normalised pixels in
// [-1, 1), the range of the default preprocessing, at c's image size.
func Pixels(c *model.Config, B int) []float32 { return PixelsAt(c, B, c.ImageSize, c.ImageSize) }

// PixelsAt is Pixels for images of height×width pixels.
func PixelsAt(c *model.Config, B, height, width int) []float32 {
	px := make([]float32, B*c.NumChannels*height*width)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range px {
		px[i] = 2*r.Float32() - 1
	}
	return px
}
