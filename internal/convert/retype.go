package convert

import (
	"context"
	"fmt"

	"github.com/vitctl/vitctl/internal/gguf"
)

// Retype writes the model file f, named source, again at out with its
// weight matrices stored in opt.DType, as Convert stores a checkpoint's
// (vectors and embeddings f32): a model that finetune wrote, or a built-in
// one, which has no checkpoint to convert. Every metadata key is kept
// (config, labels, preprocessing, provenance, a fine-tuning record).
// Values stored narrower than the new type keep their rounding: Notes say
// so, as the checkpoint the model came from gives better ones.
func Retype(ctx context.Context, f *gguf.File, source, out string, opt Options) (*Result, error) {
	if err := checkDType(opt.DType); err != nil {
		return nil, err
	}
	if err := checkModel(f, source); err != nil {
		return nil, err
	}
	if err := checkOutput(out, "model file", source); err != nil {
		return nil, err
	}
	if opt.Started != nil {
		opt.Started()
	}
	w := gguf.NewWriter()
	f.CopyMetadata(w)
	res := &Result{Source: source, DType: opt.DType}
	rounded := map[gguf.Type]int{} // tensors stored narrower than their new type, by stored type
	var plan []planned
	stored := map[string]gguf.Type{}
	for _, t := range f.Tensors() {
		stored[t.Name] = t.Type
		p := planned{name: t.Name, shape: t.Shape, src: &tensor{name: t.Name, file: source, shape: t.Shape}}
		plan = append(plan, p)
		if st := storedType(p, opt.DType); t.Type != st && t.Type != gguf.F32 {
			rounded[t.Type]++
		}
	}
	// buf is reused for the tensors Float32sInto widens. An f32 tensor may
	// come back as the file's own (read-only, mapped) memory, which must
	// not be the next tensor's buffer.
	var buf []float32
	read := func(t *tensor) ([]float32, error) {
		x, _, err := f.Float32sInto(t.name, buf)
		if err == nil && stored[t.name] != gguf.F32 {
			buf = x[:0:cap(x)]
		}
		return x, err
	}
	var err error
	if res.Params, err = writeTensors(ctx, w, out, plan, opt, read); err != nil {
		return nil, err
	}
	res.Notes = roundedNotes(source, rounded, opt.DType)
	return written(res, out, plan, opt.DType), nil
}

// checkDType refuses a type Convert and Retype do not write.
func checkDType(t gguf.Type) error {
	if t != gguf.F32 && t != gguf.F16 && t != gguf.BF16 && t != gguf.Q8_0 {
		return fmt.Errorf("dtype %v cannot be written (want f32, f16, bf16 or q8_0)", t)
	}
	return nil
}

// roundedNotes say, of the tensors source stored in a narrower type than
// the one they are written in (count by stored type), that their values
// are still that type's rounding.
func roundedNotes(source string, count map[gguf.Type]int, dt gguf.Type) []string {
	var notes []string
	for _, t := range []gguf.Type{gguf.F16, gguf.BF16, gguf.Q8_0} {
		n := count[t]
		if n == 0 {
			continue
		}
		what := fmt.Sprintf("%s stores %d %s in %v", source, n, plural(n, "tensor"), t)
		if dt == gguf.F32 {
			notes = append(notes, what+": in f32 they hold the same values, which are no closer to the original weights (converting the checkpoint the model came from gives those)")
			continue
		}
		notes = append(notes, fmt.Sprintf("%s: %v rounds those values again (converting the checkpoint the model came from with --dtype %v rounds the original weights once)", what, dt, dt))
	}
	return notes
}
