// Package gguf reads and writes GGUF v3 model files: typed key-value
// metadata, a tensor table and tensor data aligned for memory mapping.
//
// The format is the ggml ecosystem's (ggml docs/gguf.md). GGUF stores tensor
// dimensions innermost first (ne[0] is the row length); this package's API is
// row-major, outermost first, as PyTorch prints shapes.
package gguf

import "fmt"

// Version is the GGUF version this package reads and writes.
const Version = 3

// DefaultAlignment is the tensor data alignment when general.alignment is absent.
const DefaultAlignment = 32

// Keys this package reads or writes itself.
const (
	KeyAlignment = "general.alignment"
	// KeyTensorDataSHA256 is the hex SHA-256 of every byte from the start
	// of the tensor data section to the end of the file.
	KeyTensorDataSHA256 = "vitctl.tensor_data_sha256"
)

const magic = "GGUF"

// Type is a ggml tensor type.
type Type uint32

// Tensor types vitctl reads (numbers from the GGUF spec).
const (
	F32  Type = 0
	F16  Type = 1
	Q8_0 Type = 8
	BF16 Type = 30
)

// Q8Block is the number of weights sharing one scale in Q8_0.
const Q8Block = 32

func (t Type) String() string {
	switch t {
	case F32:
		return "f32"
	case F16:
		return "f16"
	case Q8_0:
		return "q8_0"
	case BF16:
		return "bf16"
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// ParseType maps "f32", "f16", "bf16" or "q8_0" to a Type.
func ParseType(s string) (Type, error) {
	for _, t := range []Type{F32, F16, BF16, Q8_0} {
		if t.String() == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown tensor type %q (want f32, f16, bf16 or q8_0)", s)
}

// rowBytes is the byte size of a row of n elements of type t, or -1 when t
// is unknown or n does not fit its block size.
func (t Type) rowBytes(n int64) int64 {
	switch t {
	case F32:
		return 4 * n
	case F16, BF16:
		return 2 * n
	case Q8_0:
		if n%Q8Block != 0 {
			return -1
		}
		return n / Q8Block * (2 + Q8Block)
	}
	return -1
}

// TensorInfo describes one tensor of a file.
type TensorInfo struct {
	Name   string
	Shape  []int // row-major, outermost first
	Type   Type
	Offset int64 // from the start of the tensor data section
	Size   int64 // bytes
}

// Elems is the number of elements.
func (t TensorInfo) Elems() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= int64(d)
	}
	return n
}

// maxElems bounds a tensor's element count so sizes never overflow int64.
const maxElems = 1 << 40

// tensorSize checks a shape and returns the tensor's size in bytes.
func tensorSize(shape []int, t Type) (int64, error) {
	if len(shape) == 0 || len(shape) > 4 {
		return 0, fmt.Errorf("%d dimensions (want 1 to 4)", len(shape))
	}
	n := int64(1)
	for _, d := range shape {
		if d <= 0 || int64(d) > maxElems || n*int64(d) > maxElems {
			return 0, fmt.Errorf("bad shape %v", shape)
		}
		n *= int64(d)
	}
	inner := int64(shape[len(shape)-1])
	rb := t.rowBytes(inner)
	if rb < 0 {
		return 0, fmt.Errorf("type %v cannot hold rows of %d elements", t, inner)
	}
	return n / inner * rb, nil
}
