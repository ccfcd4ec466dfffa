// Package defaultmodel embeds the model vitctl uses when none is given: a
// small ViT trained on Fashion-MNIST (scripts/train_fashion.py), converted
// with vitctl convert (see testdata/models/fashion-vit/README.md).
package defaultmodel

import _ "embed"

// Name says what the embedded model is.
const Name = "fashion-vit: a ViT trained on Fashion-MNIST"

// GGUF is the embedded model file.
//
//go:embed fashion-vit.gguf
var GGUF []byte
