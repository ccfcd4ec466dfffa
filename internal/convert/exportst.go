package convert

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"

	"github.com/vitctl/vitctl/internal/gguf"
)

// safetensorsHeader is the JSON header of plan's tensors in float32, one
// after another in plan's order, with the "format": "pt" metadata
// transformers requires, padded with spaces to a multiple of 8 bytes as
// the safetensors library writes it.
func safetensorsHeader(plan []exportTensor) ([]byte, error) {
	type entry struct {
		DType   string  `json:"dtype"`
		Shape   []int   `json:"shape"`
		Offsets []int64 `json:"data_offsets"`
	}
	hdr := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var off int64
	for _, p := range plan {
		n := 4 * p.elems
		hdr[p.hf] = entry{DType: "F32", Shape: p.shape, Offsets: []int64{off, off + n}}
		off += n
	}
	b, err := json.Marshal(hdr)
	if err != nil {
		return nil, err
	}
	for len(b)%8 != 0 {
		b = append(b, ' ')
	}
	return b, nil
}

// writeExportSafetensors writes plan's tensors, read from f and widened to
// float32, as the safetensors file path.
func writeExportSafetensors(ctx context.Context, path string, f *gguf.File, plan []exportTensor) error {
	hdr, err := safetensorsHeader(plan)
	if err != nil {
		return err
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	err = binary.Write(w, binary.LittleEndian, uint64(len(hdr)))
	if err == nil {
		_, err = w.Write(hdr)
	}
	var buf []byte
	var scratch []float32 // what f16, bf16 and q8_0 tensors widen into, reused as the loader does
	for _, p := range plan {
		if err != nil {
			break
		}
		if err = ctx.Err(); err != nil {
			break
		}
		if int64(cap(scratch)) < p.elems {
			scratch = make([]float32, p.elems)
		}
		var x []float32
		if x, _, err = f.Float32sInto(p.name, scratch); err != nil {
			break
		}
		if buf, err = gguf.PutF32(buf[:0], x, gguf.F32); err != nil {
			break
		}
		_, err = w.Write(buf)
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
