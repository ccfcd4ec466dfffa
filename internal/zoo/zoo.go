// Package zoo holds vitctl's built-in models: GGUF model files embedded in
// the binary under short names that -m accepts. README.md beside this file
// says how each file was made.
package zoo

import _ "embed"

// Model is one built-in model.
type Model struct {
	Name        string // what -m takes
	Description string // one line: what it classifies, its size, where it comes from
	Labels      int    // number of classes (the file's label list says the same; a test checks)
	GGUF        []byte // the model file
	Notice      string // licence notice and licence text that must ship with it; "" if none
}

// Default is the model used when no -m is given.
const Default = "vit-tiny-in1k"

var (
	//go:embed vit-tiny-in1k.gguf
	vitTinyIN1k []byte
	//go:embed NOTICE
	vitTinyNotice string
	//go:embed LICENSE-vit-tiny-in1k
	apache2 string
	//go:embed fashion-vit.gguf
	fashionViT []byte
)

var models = []Model{
	{
		Name:        "vit-tiny-in1k",
		Description: "ViT-Ti/16 on ImageNet-1k (Google AugReg via timm), 224², f16 weights",
		Labels:      1000,
		GGUF:        vitTinyIN1k,
		Notice:      vitTinyNotice + "\n" + apache2,
	},
	{
		Name:        "fashion-vit",
		Description: "small ViT trained on Fashion-MNIST by scripts/train_fashion.py, 28², f32",
		Labels:      10,
		GGUF:        fashionViT,
	},
}

// All returns the built-in models, the default first.
func All() []Model { return append([]Model(nil), models...) }

// Lookup returns the built-in model called name.
func Lookup(name string) (Model, bool) {
	for _, m := range models {
		if m.Name == name {
			return m, true
		}
	}
	return Model{}, false
}
