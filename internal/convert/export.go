package convert

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/vitctl/vitctl/internal/filelock"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/linkpath"
	"github.com/vitctl/vitctl/internal/model"
)

// Exported summarises an export.
type Exported struct {
	Params  int64
	Tensors int
	Labels  int
	Notes   []string // what the folder cannot say exactly as the model file does, and what was widened
}

// exportArch is the Hugging Face class an export loads as.
const exportArch = "ViTForImageClassification"

// Export writes the model file f as a Hugging Face ViTForImageClassification
// folder out (config.json, model.safetensors in float32 and
// preprocessor_config.json), the inverse of Convert. name names the model
// in refusals. Models Hugging Face ViT cannot represent exactly are
// refused, as is an out that exists. The folder is written beside out
// under a temporary name and renamed into place once complete.
func Export(ctx context.Context, f *gguf.File, out, name string) (*Exported, error) {
	cfg, err := model.ConfigFrom(f)
	if err != nil { // another tool's GGUF file: its errors named no file
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := exportable(cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	plan, widened, err := exportPlan(f, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	conf, notes, err := exportConfigs(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	res := &Exported{Tensors: len(plan), Labels: len(cfg.Labels), Notes: append(notes, widened...)}
	for _, p := range plan {
		res.Params += p.elems
	}
	err = writeFolder(out, func(tmp string) error {
		for file, data := range conf {
			if err := os.WriteFile(filepath.Join(tmp, file), data, 0o666); err != nil {
				return err
			}
		}
		return writeExportSafetensors(ctx, filepath.Join(tmp, "model.safetensors"), f, plan)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// exportable refuses, naming each, the options of cfg that a Hugging Face
// ViTForImageClassification has no place for: exporting without them
// would give a different model.
func exportable(cfg *model.Config) error {
	var why []string
	add := func(on bool, what string) {
		if on {
			why = append(why, what)
		}
	}
	add(!cfg.HasHead(), "no classifier (a backbone, Hugging Face ViTModel or timm num_classes=0: vitctl embed gives its features)")
	add(cfg.NoClassToken, "no class token (timm class_token=False)")
	add(cfg.Pooling == model.PoolAvg, "average pooling of the patch tokens (timm global_pool='avg'), where it classifies the class token")
	add(cfg.FCNorm, "fc_norm, a LayerNorm after pooling (timm)")
	add(cfg.DistillationToken, "a distillation token (DeiT)")
	add(cfg.DistillationHead, "a distillation head (DeiTForImageClassificationWithTeacher)")
	add(cfg.RegisterTokens > 0, fmt.Sprintf("%d register tokens (timm reg_tokens)", cfg.RegisterTokens))
	add(cfg.NoEmbedClass, "position embeddings of the patches only (timm no_embed_class)")
	add(cfg.PreNorm, "a LayerNorm before the first block (timm pre_norm)")
	add(cfg.NoPatchBias, "no patch-embedding bias")
	add(cfg.LayerScale, "layer scale (timm init_values)")
	add(!slices.Contains(hfActivations, cfg.HiddenAct), fmt.Sprintf("hidden_act %q, which Hugging Face's ViT does not know", cfg.HiddenAct))
	if len(why) == 0 {
		return nil
	}
	return fmt.Errorf("cannot be exported as a Hugging Face %s, which has no %s for: %s; its weights only run as this model does in vitctl (or in timm, for a timm model: convert came from its checkpoint)",
		exportArch, plural(len(why), "place"), strings.Join(why, "; "))
}

// hfActivations are the hidden_act values of vitctl's models that Hugging
// Face's ACT2FN has, computing the same function.
var hfActivations = []string{"gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "quick_gelu"}

// exportTensor is one tensor of the export: its model-file name, its
// Hugging Face name, its shape there and its number of values.
type exportTensor struct {
	name, hf string
	shape    []int
	elems    int64
}

// exportPlan lists the tensors to write, in the model file's order,
// checking that f holds each with the shape cfg implies, and notes the
// stored types widened to float32.
func exportPlan(f *gguf.File, cfg *model.Config) ([]exportTensor, []string, error) {
	want := model.TensorShapes(cfg)
	have := map[string]gguf.TensorInfo{}
	for _, t := range f.Tensors() {
		if _, ok := want[t.Name]; !ok {
			return nil, nil, fmt.Errorf("tensor %s is not part of this model's config (re-run vitctl convert)", t.Name)
		}
		if !slices.Equal(t.Shape, want[t.Name]) {
			return nil, nil, fmt.Errorf("tensor %s has shape %v, the config implies %v (re-run vitctl convert)", t.Name, t.Shape, want[t.Name])
		}
		have[t.Name] = t
	}
	var plan []exportTensor
	count := map[gguf.Type]int{}
	for name, shape := range want {
		t, ok := have[name]
		if !ok {
			return nil, nil, fmt.Errorf("tensor %s is missing (re-run vitctl convert)", name)
		}
		if t.Type != gguf.F32 {
			count[t.Type]++
		}
		plan = append(plan, exportTensor{name: name, hf: hfName(name), shape: ckShape(name, shape), elems: t.Elems()})
	}
	slices.SortFunc(plan, func(a, b exportTensor) int { return tensorCmp(a.name, b.name) })
	return plan, widenedNotes(count), nil
}

// widenedNotes says which stored types the export widened to float32.
func widenedNotes(count map[gguf.Type]int) []string {
	var notes []string
	for _, t := range []gguf.Type{gguf.F16, gguf.BF16, gguf.Q8_0} {
		if n := count[t]; n > 0 {
			how := "widened exactly"
			if t == gguf.Q8_0 {
				how = "dequantized (scale × int8, as vitctl runs them)"
			}
			notes = append(notes, fmt.Sprintf("%d %v %s %s to float32 in model.safetensors: the values are the model file's, in a 32-bit container",
				n, t, plural(n, "tensor"), how))
		}
	}
	return notes
}

// writeFolder makes a temporary folder beside out, has fill write into
// it, and renames it to out; on failure nothing is left. out must not
// exist.
func writeFolder(out string, fill func(tmp string) error) (err error) {
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("%s: already exists; export writes a new folder: remove it or give another name", out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", out, unwrapPath(err))
	}
	removeStaleExports(out)
	tmp, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", out, unwrapPath(err))
	}
	unlock := filelock.Hold(tmp) // until renamed or removed: see removeStaleExports
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
		unlock()
	}()
	if err := os.Chmod(tmp, linkpath.NewFolderMode()); err != nil { // MkdirTemp makes it 0700
		return fmt.Errorf("writing %s: %w", out, unwrapPath(err))
	}
	if err := fill(tmp); err != nil {
		return fmt.Errorf("writing %s: %w", out, unwrapPath(err))
	}
	if _, err := os.Lstat(out); err == nil { // made while writing: never replaced
		return fmt.Errorf("%s: appeared while exporting; nothing was written there", out)
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("writing %s: %w", out, unwrapPath(err))
	}
	return nil
}

// unwrapPath drops the system call and path of an fs.PathError, which the
// messages name themselves.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", filepath.Base(pe.Path), pe.Err)
	}
	return err
}

// removeStaleExports removes, best effort, the temporary folders a killed
// export to out left beside it (SIGKILL runs no cleanup; each can be as
// large as the model): those named as writeFolder names them, holding
// only the files an export writes, unlocked and unmodified for a minute
// (filelock.RemoveDeadFolders).
func removeStaleExports(out string) {
	name := regexp.MustCompile(`^\.` + regexp.QuoteMeta(filepath.Base(out)) + `\.\d+\.tmp$`)
	filelock.RemoveDeadFolders(filepath.Dir(out), name.MatchString, func(e os.DirEntry) bool {
		return slices.Contains(exportFiles, e.Name())
	})
}

// exportFiles are the files an export writes into its folder.
var exportFiles = []string{"config.json", "preprocessor_config.json", "model.safetensors"}
