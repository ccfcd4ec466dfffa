package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vitctl/vitctl/internal/convert"
)

func init() { subcommands = append(subcommands, newExportCmd) }

type exportOptions struct {
	ref, out string
}

func newExportCmd(s streams) *cobra.Command {
	opts := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "export MODEL --out DIR",
		Short: "Write a model as a Hugging Face ViTForImageClassification folder, back to PyTorch",
		Long: `Export writes MODEL (anything -m takes: a built-in name, a .gguf file such as
finetune writes, a checkpoint folder or ORG/NAME) as a new Hugging Face folder
DIR: config.json (sizes, activation, layer_norm_eps, qkv_bias, image and patch
size, id2label and label2id from the model's labels), model.safetensors (every
tensor in float32 under Hugging Face's names) and preprocessor_config.json
(ViTImageProcessor; DeiTImageProcessor for a fixed resize then a center crop).
transformers then loads it with ViTForImageClassification.from_pretrained(DIR)
and AutoImageProcessor.from_pretrained(DIR).

f16, bf16 and q8_0 weights are widened to float32, the values unchanged. A
model Hugging Face ViT cannot represent exactly is refused, with what it lacks
named: timm register tokens, layer scale, no class token, average pooling,
fc_norm, pre_norm, DeiT distillation tokens and heads, backbones without a
classifier. timm's resize-shorter-side-then-crop (crop_pct) has no Hugging
Face ViT processor: the export resizes straight to the input size and says so.
DIR must not exist; it is written under a temporary name beside it and
renamed once complete, so a failed export leaves nothing.`,
		Example: `  vitctl finetune -m vit-tiny-in1k data/ --out flowers.gguf
  vitctl export flowers.gguf --out flowers-hf
  vitctl export fashion-vit --out fashion-vit-hf
  python3 -c 'from transformers import ViTForImageClassification as M; print(M.from_pretrained("flowers-hf").config.id2label)'`,
		ValidArgsFunction: completeSource(modelFileName),
		Args:              exactArgs(1, "one model: a built-in name, a .gguf file, a checkpoint folder or ORG/NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ref = args[0]
			return runExport(cmd.Context(), s, opts)
		},
	}
	cmd.Flags().StringVar(&opts.out, "out", "", "folder to write (required; must not exist), e.g. model-hf")
	return cmd
}

func runExport(ctx context.Context, s streams, opts *exportOptions) error {
	if err := checkFolderName("--out", opts.out, "export writes", "model-hf"); err != nil {
		return err // before Clean, which makes ./- a -
	}
	if opts.out != "" {
		// --out flowers-hf/, as a folder is often typed: its parent was
		// taken to be flowers-hf itself ("folder flowers-hf does not exist").
		opts.out = filepath.Clean(opts.out)
	}
	if err := checkExportDir(opts.out); err != nil {
		return err
	}
	// A folder it could not write into said "writing exp: .exp.NNN.tmp:
	// permission denied", naming the temporary, once the model was read.
	if err := checkOutputFolder("--out", opts.out); err != nil {
		return err
	}
	src, err := findModelArg(ctx, s.err, "", opts.ref)
	if err != nil {
		return err
	}
	f, err := src.open()
	if err != nil {
		return modelError(src.desc, err)
	}
	defer f.Close()
	res, err := convert.Export(ctx, f, opts.out, "model "+src.desc)
	if err != nil {
		return err
	}
	for _, n := range res.Notes {
		fmt.Fprintf(s.err, "vitctl: note: %s\n", n)
	}
	_, err = fmt.Fprintf(s.out, "wrote %s: Hugging Face ViTForImageClassification, %s parameters in float32, %s (config.json, model.safetensors, preprocessor_config.json)\n",
		opts.out, humanCount(res.Params), nouns(res.Labels, "label"))
	return writtenOutputError(opts.out, err) // export > /dev/full said nothing and exited 0
}

// checkExportDir refuses, as a usage error, a missing --out, one named
// as a file (model.safetensors, model.gguf, a .json or an image: a folder
// of that name was written, holding the three files), one that exists
// (export never writes into or over a folder) and one whose parent folder
// is missing.
func checkExportDir(out string) error {
	if out == "" {
		return usagef("export: --out DIR is required (the folder to write)")
	}
	if ext := strings.ToLower(filepath.Ext(out)); convert.CheckpointName(out) || ext == ".gguf" || ext == ".json" || namedAsInput(ext) {
		return usagef("export: --out %s: a file's name, and export writes a folder (config.json, model.safetensors, preprocessor_config.json): give a folder name such as %s",
			out, strings.TrimSuffix(strings.TrimSuffix(out, filepath.Ext(out)), ".pth")+"-hf")
	}
	if f := fileAbove(out); f != "" {
		return usagef("export: --out %s: %s is not a folder", out, f)
	}
	if _, err := os.Lstat(out); err == nil {
		return usagef("export: --out %s: already exists; export writes a new folder: remove it or give another name", out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return usagef("export: --out %s: %v", out, statError(err))
	}
	dir := filepath.Dir(out)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usagef("export: --out %s: folder %s does not exist", out, dir)
	}
	return nil
}
