// Package bench holds the pure parts of vitctl benchmark: the standard ViT
// architectures, their parameter and FLOP counts computed from a
// model.Config, synthetic weights, timing statistics, peak-RSS reading, the
// result table and its chart.
package bench

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/prep"
)

// Arch is a ViT architecture's size, independent of patch and image size.
type Arch struct {
	Name   string
	D      int // hidden_size
	Layers int // num_hidden_layers
	H      int // num_attention_heads
	I      int // intermediate_size (MLP width)
}

// Archs are the standard sizes: ViT-B and ViT-L from Dosovitskiy et al.
// (2021), ViT-Ti and ViT-S from DeiT (Touvron et al., 2021), all with a
// 4·D MLP.
var Archs = map[string]Arch{
	"vit-ti": {"vit-ti", 192, 12, 3, 768},
	"vit-s":  {"vit-s", 384, 12, 6, 1536},
	"vit-b":  {"vit-b", 768, 12, 12, 3072},
	"vit-l":  {"vit-l", 1024, 24, 16, 4096},
}

// ArchNames lists the known architectures, smallest first.
func ArchNames() []string {
	names := make([]string, 0, len(Archs))
	for n := range Archs {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return Archs[names[i]].D < Archs[names[j]].D })
	return names
}

// LookupArch finds an architecture by name ("vit-b"; "vit-base" and "b"
// are accepted too).
func LookupArch(name string) (Arch, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimPrefix(n, "vit-")
	switch n {
	case "tiny":
		n = "ti"
	case "small":
		n = "s"
	case "base":
		n = "b"
	case "large":
		n = "l"
	}
	if a, ok := Archs["vit-"+n]; ok {
		return a, nil
	}
	return Arch{}, fmt.Errorf("unknown architecture %q (want one of %s)", name, strings.Join(ArchNames(), ", "))
}

// Classes is the classifier width of synthetic models: ImageNet-1k's.
const Classes = 1000

// Config is the Hugging Face ViTConfig of architecture a at the given patch
// and image size, with ImageNet-1k's 1000 classes, exact GELU, qkv bias and
// the default preprocessing.
func (a Arch) Config(patch, imageSize int) model.Config {
	labels := make([]string, Classes)
	for i := range labels {
		labels[i] = fmt.Sprintf("class_%d", i)
	}
	return model.Config{
		HiddenSize:        a.D,
		NumHiddenLayers:   a.Layers,
		NumAttentionHeads: a.H,
		IntermediateSize:  a.I,
		HiddenAct:         "gelu",
		LayerNormEps:      1e-12,
		ImageSize:         imageSize,
		PatchSize:         patch,
		NumChannels:       3,
		QKVBias:           true,
		Labels:            labels,
		Preprocess:        prep.Default(imageSize),
	}
}
