// Package convert turns a Hugging Face ViTForImageClassification folder
// (config.json, preprocessor_config.json and safetensors or PyTorch
// weights) into a vitctl GGUF model file. Every checkpoint byte is
// untrusted: headers, pickles and indexes are bounds-checked before use.
package convert

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/vitctl/vitctl/internal/bytestr"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/model"
)

// Options tune Convert.
type Options struct {
	DType   gguf.Type // matrices and patch weights: F32, F16, BF16 or Q8_0; vectors and embeddings stay F32
	Version string    // converter version recorded in the file
	// NoEMA takes a training checkpoint's raw weights ("state_dict",
	// "model") where it also holds an EMA copy ("state_dict_ema",
	// "model_ema"), which is taken otherwise, as timm's load_state_dict
	// does (use_ema=True).
	NoEMA    bool
	Progress func(done, total int64)
	// Started, when set, is called once the checkpoint is read and its
	// tensors matched, before the model file is written: a folder that
	// cannot be converted fails before it.
	Started func()
}

// Result summarises a conversion.
type Result struct {
	Source   string // the checkpoint file read
	Params   int64
	DType    gguf.Type
	Bytes    int64 // size of the model file
	Ignored  []string
	Warnings []string
	Notes    []string // what was chosen for the user: the state dict a training checkpoint gave
	// EMA says the checkpoint holds an EMA copy of its weights, so that
	// Options.NoEMA chose between it and the raw weights; false of a
	// model file and of a checkpoint of one set of weights.
	EMA bool
}

// Convert reads the model folder (or checkpoint file) src and writes the
// model file out through a temporary file, so a failure leaves nothing. A
// model file src (.gguf) is written again in opt.DType (Retype), as
// Describe describes one.
func Convert(ctx context.Context, src, out string, opt Options) (*Result, error) {
	if hasSuffixFold(src, ".gguf") {
		f, err := OpenModelFile(src)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return Retype(ctx, f, src, out, opt)
	}
	if err := checkDType(opt.DType); err != nil {
		return nil, err
	}
	s, err := prepare(src, out, opt.NoEMA)
	if err != nil {
		return nil, err
	}
	defer s.ck.Close()
	if opt.Started != nil {
		opt.Started()
	}
	res := s.res
	res.DType, res.Notes, res.EMA = opt.DType, s.ck.notes, s.ck.ema
	if n := unnamedNote(filepath.Join(s.dir, "config.json"), s.cfg.Labels); n != "" {
		res.Notes = append(res.Notes, n)
	}
	abs, _ := filepath.Abs(s.dir)
	w := gguf.NewWriter()
	model.WriteMetadata(w, s.cfg, model.Provenance{Name: filepath.Base(abs), Source: filepath.Base(abs) + "/" + filepath.Base(res.Source), ConverterVersion: opt.Version})
	if res.Params, err = writeTensors(ctx, w, out, s.plan, opt, (*tensor).float32s); err != nil {
		return nil, err
	}
	return written(res, out, s.plan, opt.DType), nil
}

// written finishes res for the model file out, written from plan in dt:
// the q8_0 fallback's warning and the file's size.
func written(res *Result, out string, plan []planned, dt gguf.Type) *Result {
	if msg := q8Fallback(plan, dt); msg != "" {
		res.Warnings = append(res.Warnings, msg)
	}
	if st, err := os.Stat(out); err == nil {
		res.Bytes = st.Size()
	}
	return res
}

// prepared is a checkpoint whose config is read and whose tensors are
// matched to the model file's; ck stays open for writing.
type prepared struct {
	dir  string
	cfg  *model.Config
	ck   *checkpoint
	plan []planned
	res  *Result
}

// prepare reads src's config and checkpoint (its raw weights, with noEMA:
// Options.NoEMA) and plans the model file, refusing an output out that
// would replace an input ("" for none).
func prepare(src, out string, noEMA bool) (*prepared, error) {
	dir, ckPath, err := locate(src)
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, "config.json")
	_, statErr := os.Stat(cfgPath)
	if err := danglingLink(cfgPath, "config.json", statErr); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if errors.Is(statErr, fs.ErrNotExist) && isTorchFile(ckPath) {
		return nil, fmt.Errorf("%s: no config.json beside %s: a training checkpoint holds the weights only, and vitctl reads the labels and preprocessing from config.json: write one as timm's push_to_hub does, with your run's values, e.g. "+
			`{"architecture": "vit_small_patch16_224", "num_classes": 3, "label_names": ["cat", "dog", "fish"], "model_args": {"num_heads": 6}, `+
			`"pretrained_cfg": {"input_size": [3, 224, 224], "interpolation": "bicubic", "crop_pct": 0.9, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}}`, dir, filepath.Base(ckPath))
	} else if errors.Is(statErr, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no config.json beside %s: the checkpoint's shape, labels and architecture are read from it; fetch it with the weights (every Hugging Face and timm repository has one)", dir, filepath.Base(ckPath))
	}
	if isTimmConfig(cfgPath) {
		return prepareTimm(dir, ckPath, out, noEMA)
	}
	cfg, hc, err := readConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	ck, err := openCheckpoint(ckPath, noEMA)
	if err != nil {
		return nil, err
	}
	s := &prepared{dir: dir, cfg: cfg, ck: ck, res: &Result{Source: ckPath}}
	if err := s.hf(cfgPath, hc, out); err != nil {
		ck.Close()
		return nil, err
	}
	return s, nil
}

// hf finishes prepare for a Hugging Face folder.
func (s *prepared) hf(cfgPath string, hc *hfConfig, out string) error {
	cfg, ck, res := s.cfg, s.ck, s.res
	if err := checkOutput(out, "checkpoint", ck.files()...); err != nil {
		return err
	}
	var err error
	if hc.backbone() {
		ck.tensors = withPrefix(ck.tensors, "vit.")
	} else {
		rows := 0
		if t := ck.tensors[layoutOf(cfg).name(model.TensorClassW)]; t != nil && len(t.shape) == 2 {
			rows = t.shape[0]
		}
		if cfg.Labels, err = labels(cfgPath, hc, rows); err != nil {
			return err
		}
	}
	if cfg.Preprocess, res.Warnings, err = readPreprocess(filepath.Join(s.dir, "preprocessor_config.json"), cfg); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%s: %w", cfgPath, err)
	}
	s.plan, err = planTensors(cfg, ck, res)
	return err
}

// withPrefix puts prefix before every name that lacks it: a ViTModel saved
// on its own has no "vit." before the names ViTForImageClassification
// gives the same tensors. Messages keep naming each tensor as its file does.
func withPrefix(tensors map[string]*tensor, prefix string) map[string]*tensor {
	out := make(map[string]*tensor, len(tensors))
	for name, t := range tensors {
		if !strings.HasPrefix(name, prefix) {
			name = prefix + name
		}
		out[name] = t
	}
	return out
}

// storedType is the type p is written in for dt: f32 for vectors and
// embeddings, and under q8_0 for rows that are no whole number of blocks.
func storedType(p planned, dt gguf.Type) gguf.Type {
	if !isMatrix(p) || dt == gguf.Q8_0 && p.shape[len(p.shape)-1]%gguf.Q8Block != 0 {
		return gguf.F32
	}
	return dt
}

// isMatrix says whether p is stored in the chosen dtype when it can be:
// not a vector nor an embedding.
func isMatrix(p planned) bool {
	return len(p.shape) > 1 && p.name != model.TensorCLS && p.name != model.TensorPos && p.name != model.TensorReg
}

// q8Fallback warns, for q8_0, of the weight matrices that stay f32 as
// their rows are no whole number of q8_0 blocks (hidden_size 48: most of
// them), which "wrote …: q8_0" said nothing of. The patch weights, whose
// rows are P values, are left out: the --dtype help says they stay f32.
func q8Fallback(plan []planned, dt gguf.Type) string {
	var n, kept int
	var rows []int
	for _, p := range plan {
		if dt != gguf.Q8_0 || !isMatrix(p) || p.name == model.TensorPatchW {
			continue
		}
		n++
		if storedType(p, dt) == gguf.F32 {
			kept++
			if r := p.shape[len(p.shape)-1]; !slices.Contains(rows, r) {
				rows = append(rows, r)
			}
		}
	}
	if kept == 0 {
		return ""
	}
	slices.Sort(rows)
	var rs []string
	for _, r := range rows {
		rs = append(rs, strconv.Itoa(r))
	}
	return fmt.Sprintf("q8_0: %d of the %d weight matrices stay f32, as q8_0 stores rows in blocks of %d values and theirs have %s; f16 or bf16 halves every matrix",
		kept, n, gguf.Q8Block, strings.Join(rs, " or "))
}

// writeTensors declares the planned tensors, vectors and embeddings in f32
// and the rest in opt.DType, and writes the file, converting one tensor at
// a time: read gives each planned source's values (which the next read may
// overwrite). It returns the number of parameters. Q8_0 blocks run along
// rows, so tensors whose rows are not a multiple of 32 (the patch weights'
// innermost dimension is P) stay f32.
func writeTensors(ctx context.Context, w *gguf.Writer, out string, plan []planned, opt Options, read func(*tensor) ([]float32, error)) (int64, error) {
	var params int64
	src := make(map[string]*tensor, len(plan))
	for _, p := range plan {
		if err := w.AddTensor(p.name, p.shape, storedType(p, opt.DType)); err != nil {
			return 0, err
		}
		src[p.name] = p.src
		params += p.src.elems()
	}
	var done int64
	var buf []byte
	err := w.WriteFile(out, func(ti gguf.TensorInfo, dst io.Writer) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		x, err := read(src[ti.Name])
		if err != nil {
			return err
		}
		if buf, err = encode(buf[:0], x, ti.Type, src[ti.Name]); err != nil {
			return err
		}
		if _, err := dst.Write(buf); err != nil {
			return err
		}
		if done += int64(len(x)); opt.Progress != nil {
			opt.Progress(4*done, 4*params) // f32 bytes: the bar's unit whatever the stored type
		}
		return nil
	})
	return params, err
}

// sourceError words a failure to open or stat src, the file or folder
// given: "SRC: no such file or folder", else "SRC: REASON" without the
// system call ("stat SRC: …", "open SRC: …"); other errors are kept.
func sourceError(src string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: no such file or folder", src)
	}
	if pe, ok := err.(*fs.PathError); ok {
		return fmt.Errorf("%s: %w", src, pe.Err)
	}
	return err
}

// locate splits src into the model folder and its checkpoint file.
func locate(src string) (dir, ck string, err error) {
	st, err := os.Stat(src)
	if err != nil {
		return "", "", cmp.Or(danglingLink(src, src, err), sourceError(src, err))
	}
	if st.IsDir() {
		ck, err := FindCheckpoint(src)
		if err != nil {
			return "", "", fmt.Errorf("%s: %w", src, err)
		}
		return src, ck, nil
	}
	if !st.Mode().IsRegular() {
		return "", "", notRegular(src, st.Mode(), "a checkpoint folder or file")
	}
	if CheckpointName(src) {
		return filepath.Dir(src), src, nil
	}
	if hasSuffixFold(src, ".json") {
		return "", "", fmt.Errorf("%s: a model's settings, not its weights: give its folder, %s, which holds the checkpoint too", src, filepath.Dir(src))
	}
	return "", "", fmt.Errorf("%s: not a model folder or a .safetensors, .bin, .pth, .pt, .ckpt or .index.json file", src)
}

// checkOutput refuses an output that is a folder or would replace one of
// the input files, which are the what being converted ("checkpoint").
func checkOutput(out, what string, inputs ...string) error {
	ost, err := os.Stat(out)
	if err != nil {
		return nil
	}
	if ost.IsDir() {
		return fmt.Errorf("%s is a folder; give the model file's name, e.g. %s", out, filepath.Join(out, "model.gguf"))
	}
	for _, in := range inputs {
		if st, err := os.Stat(in); err == nil && os.SameFile(st, ost) {
			return fmt.Errorf("%s is the %s being converted; choose another output name", out, what)
		}
	}
	return nil
}

// files lists the files c's tensors are read from, once each.
func (c *checkpoint) files() []string {
	var files []string
	for _, t := range c.tensors {
		if !slices.Contains(files, t.file) {
			files = append(files, t.file)
		}
	}
	return files
}

type planned struct {
	name  string // model-file name
	shape []int
	src   *tensor
}

// planTensors matches checkpoint tensors to the model file's, reporting
// every missing, unused, mis-shaped and unconvertible tensor at once.
func planTensors(cfg *model.Config, ck *checkpoint, res *Result) ([]planned, error) {
	want, lay := model.TensorShapes(cfg), layoutOf(cfg)
	var plan []planned
	var missing, problems, dtypes []string
	used := map[string]bool{}
	for name, shape := range want {
		hf := lay.name(name)
		if hf == "" {
			return nil, fmt.Errorf("internal error: no Hugging Face name for tensor %s", name)
		}
		t, ok := ck.tensors[hf]
		if !ok {
			missing = append(missing, hf)
			continue
		}
		used[hf] = true
		if hs := ckShape(name, shape); !slices.Equal(t.shape, hs) {
			problems = append(problems, fmt.Sprintf("%v has shape %v, config.json implies %v", t, t.shape, hs))
		} else if !convertible(t.dtype) {
			dtypes = append(dtypes, fmt.Sprintf("%q is %s", t.name, t.dtype))
		}
		plan = append(plan, planned{name: name, shape: shape, src: t})
	}
	var unused []string
	for hf := range ck.tensors {
		switch {
		case used[hf]:
		case slices.Contains(lay.ignored, hf):
			res.Ignored = append(res.Ignored, ck.tensors[hf].name)
		default:
			unused = append(unused, ck.tensors[hf].name)
		}
	}
	slices.SortFunc(missing, numericCmp)
	slices.SortFunc(unused, numericCmp)
	slices.SortFunc(problems, numericCmp)
	sort.Strings(res.Ignored)
	var msgs []string
	if len(missing) > 0 {
		msgs = append(msgs, fmt.Sprintf("%d missing %s: %s", len(missing), plural(len(missing), "tensor"), firstNames(missing)))
	}
	if len(unused) > 0 {
		msgs = append(msgs, fmt.Sprintf("%d %s %s does not use: %s", len(unused), plural(len(unused), "tensor"), lay.arch, firstNames(unused)))
	}
	if n := len(problems) - maxListed; n > 0 {
		problems = append(problems[:maxListed], fmt.Sprintf("… and %d more %s of another shape", n, plural(n, "tensor")))
	}
	msgs = append(msgs, problems...)
	if len(msgs) == 0 && len(dtypes) > 0 {
		sort.Strings(dtypes)
		return nil, fmt.Errorf("%s: %d %s of a type vitctl cannot convert (%s): the weights are floating point, %s: re-save the model with float weights (model.float(), then save_pretrained or safetensors)",
			ck.path, len(dtypes), plural(len(dtypes), "tensor"), andList(dtypes, 5), floatDTypes)
	}
	if len(msgs) > 0 {
		hint := "check that config.json belongs to these weights"
		if len(used) == 0 {
			hint = "none of the expected names is present: " + cmp.Or(ck.wrapperHint(), "is this a "+lay.from+" "+lay.arch+" checkpoint?")
		}
		return nil, fmt.Errorf("%s does not match config.json (%s):\n  %s", ck.path, hint, strings.Join(msgs, "\n  "))
	}
	slices.SortFunc(plan, func(a, b planned) int { return tensorCmp(a.name, b.name) })
	return plan, nil
}

// maxListed bounds the tensors a mismatch lists of each kind: a config.json
// of another size than its weights (ViT-B's beside ViT-L's) listed all
// 200 of ViT-L's tensors in one line and each of ViT-B's 200 in a line of
// its own.
const maxListed = 10

// numericCmp orders tensor names with their numbers by value, so that
// the first of those listed is the first layer at fault: layer.2 before
// layer.10. Names of equal numbers (2, 02) are in byte order.
func numericCmp(a, b string) int {
	return cmp.Or(numberCmp(a, b), strings.Compare(a, b))
}

// numberCmp is numericCmp but for names of equal numbers, which are equal.
func numberCmp(a, b string) int {
	for a != "" && b != "" {
		na, nb := leadingDigits(a), leadingDigits(b)
		if na > 0 && nb > 0 {
			x, y := strings.TrimLeft(a[:na], "0"), strings.TrimLeft(b[:nb], "0")
			if c := cmp.Or(cmp.Compare(len(x), len(y)), strings.Compare(x, y)); c != 0 {
				return c
			}
			a, b = a[na:], b[nb:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

// leadingDigits is the number of ASCII digits s starts with.
func leadingDigits(s string) int {
	n := 0
	for n < len(s) && '0' <= s[n] && s[n] <= '9' {
		n++
	}
	return n
}

// firstNames joins the first maxListed of names, saying how many more.
// A name is quoted when it holds a control character (bytestr.Text): a
// checkpoint's names are its author's text, and a terminal obeyed the
// escapes in them.
func firstNames(names []string) string {
	shown := make([]string, min(len(names), maxListed))
	for i := range shown {
		shown[i] = bytestr.Text(names[i])
	}
	if len(names) <= maxListed {
		return strings.Join(shown, ", ")
	}
	return fmt.Sprintf("%s, … and %d more", strings.Join(shown, ", "), len(names)-maxListed)
}

// tensorCmp orders the file: embeddings, blocks by index, then the rest.
func tensorCmp(a, b string) int {
	ga, ia := tensorGroup(a)
	gb, ib := tensorGroup(b)
	return cmp.Or(cmp.Compare(ga, gb), cmp.Compare(ia, ib), strings.Compare(a, b))
}

func tensorGroup(name string) (group, index int) {
	if rest, ok := strings.CutPrefix(name, "blk."); ok {
		i, _, _ := strings.Cut(rest, ".")
		n, _ := strconv.Atoi(i)
		return 1, n
	}
	switch name {
	case model.TensorCLS, model.TensorDist, model.TensorReg, model.TensorPos, model.TensorPatchW, model.TensorPatchB,
		model.TensorPreNormW, model.TensorPreNormB:
		return 0, 0
	}
	return 2, 0
}

// encode appends x in type t, refusing values the type cannot hold; src
// names the tensor x came from.
func encode(dst []byte, x []float32, t gguf.Type, src *tensor) ([]byte, error) {
	start := len(dst)
	dst, err := gguf.PutF32(dst, x, t)
	if err != nil || t == gguf.F32 {
		return dst, err
	}
	// Check each stored f16/bf16 value, or each Q8_0 block's f16 scale.
	inf, stride, per := uint16(0x7c00), 2, 1
	switch t {
	case gguf.BF16:
		inf = 0x7f80
	case gguf.Q8_0:
		stride, per = 34, 32
	}
	for i := start; i < len(dst); i += stride {
		if h := uint16(dst[i]) | uint16(dst[i+1])<<8; h&0x7fff == inf {
			j := (i - start) / stride * per
			for k := j; k < j+per; k++ { // the block's largest value sets its scale
				if math.Abs(float64(x[k])) > math.Abs(float64(x[j])) {
					j = k
				}
			}
			return nil, fmt.Errorf("%v: value %g at element %d overflows %v (convert with --dtype f32)", src, x[j], j, t)
		}
	}
	return dst, nil
}

// plural is noun with an s, unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// unnamedNote says, of a model whose classes are all LABEL_0, LABEL_1, …
// (config.json named none, or saved Hugging Face's placeholders), that its
// output will name them so and where their names go; "" otherwise.
func unnamedNote(cfgPath string, labels []string) string {
	if len(labels) == 0 {
		return ""
	}
	for i, l := range labels {
		if l != "LABEL_"+strconv.Itoa(i) {
			return ""
		}
	}
	return fmt.Sprintf("%s names none of the %d classes, so the model calls them LABEL_0 … LABEL_%d: to name them, write id2label (Hugging Face: {\"0\": \"cat\", …}) or label_names (timm: [\"cat\", …]) in it and convert again",
		cfgPath, len(labels), len(labels)-1)
}
