package convert

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/model"
)

// dtypeSize gives element sizes by safetensors dtype name; PyTorch storages
// map onto the same names. Only floatDTypes can be converted; the others
// are known so errors can name them.
var dtypeSize = map[string]int{
	"F64": 8, "F32": 4, "F16": 2, "BF16": 2,
	"I64": 8, "I32": 4, "I16": 2, "I8": 1, "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1,
	"F8_E4M3": 1, "F8_E5M2": 1,
}

// floatDTypes are the checkpoint dtypes vitctl converts, for messages.
const floatDTypes = "F32, F16, BF16 or F64"

// convertible reports whether tensors of dtype can be converted.
func convertible(dtype string) bool {
	return dtype == "F32" || dtype == "F16" || dtype == "BF16" || dtype == "F64"
}

// maxElems bounds any declared element count so byte sizes never overflow.
const maxElems = 1 << 40

// numel multiplies dims, refusing negative or absurd ones.
func numel(shape []int64) (int64, error) {
	if len(shape) > 8 {
		return 0, fmt.Errorf("%d dimensions", len(shape))
	}
	n := int64(1)
	for _, d := range shape {
		if d < 0 || d > maxElems || d > 0 && n > maxElems/d {
			return 0, fmt.Errorf("bad shape %v", shape)
		}
		n *= d
	}
	return n, nil
}

// tensor is one checkpoint tensor, read lazily.
type tensor struct {
	name  string
	file  string // the file holding it, for messages
	dtype string
	shape []int
	read  func() ([]byte, error) // contiguous little-endian bytes, row-major
}

func (t *tensor) String() string { return fmt.Sprintf("%s: tensor %q", t.file, t.name) }

func (t *tensor) elems() int64 {
	n := int64(1)
	for _, d := range t.shape {
		n *= int64(d)
	}
	return n
}

// float32s reads and widens the tensor, refusing NaN and Inf.
func (t *tensor) float32s() ([]float32, error) {
	b, err := t.read()
	if err != nil {
		return nil, fmt.Errorf("%v: %w", t, err)
	}
	n := int(t.elems())
	if len(b) != n*dtypeSize[t.dtype] {
		return nil, fmt.Errorf("%v: read %d bytes, want %d", t, len(b), n*dtypeSize[t.dtype])
	}
	x := make([]float32, n)
	switch t.dtype {
	case "F32":
		for i := range x {
			x[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case "F16":
		for i := range x {
			x[i] = gguf.F16ToF32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case "BF16":
		for i := range x {
			x[i] = gguf.BF16ToF32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case "F64": // narrowed as load_state_dict does into a float32 model; overflow is refused below
		for i := range x {
			x[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
	default:
		return nil, fmt.Errorf("%v: dtype %s cannot be converted (want %s)", t, t.dtype, floatDTypes)
	}
	if err := model.CheckFinite(x); err != nil {
		return nil, fmt.Errorf("%v %w; the checkpoint is broken", t, err)
	}
	return x, nil
}
