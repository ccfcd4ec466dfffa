package convert

import (
	"fmt"
	"sort"

	"github.com/vitctl/vitctl/internal/bytestr"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/model"
)

// Info is what a checkpoint or a model file holds, for convert --info.
type Info struct {
	Source   string // the file read
	Format   string // e.g. "Hugging Face DeiTForImageClassificationWithTeacher", "timm VisionTransformer", "vitctl model file"
	Config   *model.Config
	Params   int64
	DTypes   []string // stored types of the tensors, sorted
	Warnings []string
	Notes    []string // which state dict a training checkpoint gave, as Result.Notes
	EMA      bool     // the checkpoint holds an EMA copy, as Result.EMA
}

// Describe reads a model folder, a checkpoint file or a .gguf model file
// and says what it is, checking it as Convert (or the loader) would,
// without writing anything; noEMA describes a training checkpoint's raw
// weights, as Options.NoEMA converts them.
func Describe(src string, noEMA bool) (*Info, error) {
	if hasSuffixFold(src, ".gguf") {
		return describeModelFile(src)
	}
	s, err := prepare(src, "", noEMA)
	if err != nil {
		return nil, err
	}
	defer s.ck.Close()
	lay := layoutOf(s.cfg)
	info := &Info{Source: s.res.Source, Format: lay.from + " " + lay.arch, Config: s.cfg, Warnings: s.res.Warnings, Notes: s.ck.notes, EMA: s.ck.ema}
	types := map[string]bool{}
	for _, p := range s.plan {
		info.Params += p.src.elems()
		types[p.src.dtype] = true
	}
	info.DTypes = sortedKeys(types)
	return info, nil
}

func describeModelFile(path string) (*Info, error) {
	f, err := OpenModelFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DescribeModelFile(f, path)
}

// OpenModelFile opens the model file at path for DescribeModelFile, its
// errors worded as Describe's.
func OpenModelFile(path string) (*gguf.File, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, sourceError(path, err)
	}
	return f, nil
}

// CheckModelFile says why the model file at path cannot be loaded: nil
// when its header, metadata and tensor names read as a model's, an
// fs.ErrNotExist error when there is no such file. It reads no tensor
// data.
func CheckModelFile(path string) error {
	f, err := gguf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return checkModel(f, path)
}

// checkModel says why the open model file f, named source, is not a
// model's: its metadata is no Config, or its tensor names are not the
// ones that Config needs.
func checkModel(f *gguf.File, source string) error {
	cfg, err := model.ConfigFrom(f)
	if err == nil {
		err = model.CheckNames(cfg, f.TensorNames())
	}
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	return nil
}

// DescribeModelFile is Describe for a model file already open, named by
// source in the result and in errors.
func DescribeModelFile(f *gguf.File, source string) (*Info, error) {
	cfg, err := model.ConfigFrom(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	info := &Info{Source: source, Format: "vitctl model file (GGUF)", Config: cfg}
	if src, err := f.String(model.KeySource); err == nil {
		info.Format += ", converted from " + bytestr.Text(src) // the file's text: quoted when it holds escapes
	}
	types := map[string]bool{}
	for _, t := range f.Tensors() {
		n := int64(1)
		for _, d := range t.Shape {
			n *= int64(d)
		}
		info.Params += n
		types[t.Type.String()] = true
	}
	info.DTypes = sortedKeys(types)
	return info, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
