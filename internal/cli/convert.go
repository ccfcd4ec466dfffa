package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vitctl/vitctl/internal/convert"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/hub"
	"github.com/vitctl/vitctl/internal/zoo"
)

func init() { subcommands = append(subcommands, newConvertCmd) }

type convertOptions struct {
	src, out string
	oldOut   string // -o, the spelling of --out before -o meant a format everywhere
	dtype    enumValue
	verify   bool
	info     bool
	useEMA   bool // a training checkpoint's EMA copy, not its raw weights
}

func newConvertCmd(s streams) *cobra.Command {
	opts := &convertOptions{}
	cmd := &cobra.Command{
		Use:               "convert (SRC --out OUT.gguf | --info SRC)",
		Short:             "Convert a Hugging Face ViT or DeiT, or a timm ViT checkpoint to a vitctl model file",
		Long:              convertLong,
		Example:           convertExamples,
		ValidArgsFunction: completeSource(sourceFileName),
		Args:              exactArgs(1, "one checkpoint folder or file, model file or built-in model"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.src = args[0]
			if err := opts.checkFlags(cmd, s); err != nil {
				return err
			}
			return runConvert(cmd.Context(), s, opts)
		},
	}
	opts.register(cmd.Flags())
	return cmd
}

const convertLong = `Convert reads a Hugging Face ViTForImageClassification folder (config.json,
preprocessor_config.json when present, and model.safetensors, sharded
safetensors with their index, or pytorch_model.bin) and writes one GGUF model
file holding the config, labels, preprocessing and weights. A timm training
checkpoint (model_best.pth.tar, any .pth, .pt or .ckpt) converts with a timm
config.json beside it, from its EMA weights when it keeps them, as timm
loads it (--use-ema=false takes the raw weights beside them).

SRC may also name the checkpoint file itself, or be a model file (.gguf),
such as one vitctl finetune wrote, or a built-in model's name: convert then
writes that model again with --dtype, keeping its labels, preprocessing and
fine-tuning record (its f16 or q8_0 values stay rounded as they were).
SRC may be ORG/NAME[@REVISION] of a Hugging Face repository that the
Hugging Face cache holds (huggingface-cli download ORG/NAME puts it there):
convert reads that copy and downloads nothing (-m ORG/NAME does).

Every tensor's name, shape and dtype is checked; missing or unused tensors
are listed and refused, except vit.pooler.*, which ViTForImageClassification
does not use and Hugging Face also skips. NaN or Inf weights are refused.
The output is written to a temporary file and renamed, so a failed
conversion leaves nothing behind.

DeiTForImageClassification(WithTeacher) folders and timm VisionTransformer
folders (config.json with "architecture", pretrained_cfg) convert the same
way; docs/families.md lists the options supported. Backbones without a
classifier (Hugging Face ViTModel, timm num_classes=0) convert too: vitctl
embed gives their feature vectors. --info prints what SRC (also a .gguf
model file, or a built-in model's name) holds (architecture, sizes, labels,
preprocessing, dtype) without writing.`

const convertExamples = `  vitctl convert testdata/models/fashion-vit --out fashion-vit.gguf
  # download google/vit-base-patch16-224 from the Hugging Face Hub first, e.g.
  # huggingface-cli download google/vit-base-patch16-224 --local-dir vit-base-patch16-224
  vitctl convert vit-base-patch16-224 --out vit-base-patch16-224.gguf
  vitctl convert vit-base-patch16-224 --out vit-b16-f16.gguf --dtype f16 --verify
  # or, from the Hugging Face cache (huggingface-cli download google/vit-base-patch16-224)
  vitctl convert google/vit-base-patch16-224 --out vit-base-patch16-224.gguf
  vitctl convert flowers.gguf --out flowers-f16.gguf --dtype f16
  # a timm training checkpoint's raw weights, not its EMA copy
  vitctl convert testdata/convert/timm-tiny --out timm-tiny.gguf --use-ema=false
  vitctl convert --info vit-base-patch16-224
  vitctl convert --info vit-base-patch16-224.gguf
  vitctl convert --info vit-tiny-in1k`

// register adds convert's flags to f.
func (o *convertOptions) register(f *pflag.FlagSet) {
	f.StringVar(&o.out, "out", "", "model file to write (required), e.g. model.gguf")
	f.StringVarP(&o.oldOut, "output", "o", "", "old spelling of --out")
	f.MarkHidden("output")
	o.dtype = enumValue{val: "f32", names: dtypeNames, aliases: dtypeAliases}
	f.Var(&o.dtype, "dtype", "stored type of the weight matrices: f32, f16, bf16 or q8_0 (vectors and embeddings stay f32; q8_0 keeps the patch weights f32, and warns of the matrices it keeps f32, those whose rows are no multiple of 32 values); fp32, fp16 and int8, the --precision names, also work")
	f.BoolVar(&o.verify, "verify", false, "reopen the written file and check its tensor data checksum")
	f.BoolVar(&o.info, "info", false, "print what SRC (a checkpoint folder or file, a .gguf, or a built-in model's name) holds and write nothing")
	f.BoolVar(&o.useEMA, "use-ema", true, "of a training checkpoint that holds an EMA copy beside its raw weights (timm's state_dict_ema and state_dict, or model_ema and model), take the EMA copy, as timm's load_state_dict does; --use-ema=false takes the raw weights, as timm's validate.py without --use-ema")
}

// checkFlags refuses SRC "-" and the flags that --info, which writes no
// file, cannot take, and takes -o, the old spelling of --out, with a note.
func (o *convertOptions) checkFlags(cmd *cobra.Command, s streams) error {
	if o.src == "-" {
		return modelFromStdin("SRC", "a checkpoint folder or file, a .gguf model file or a built-in name")
	}
	if o.info && o.oldOut != "" {
		return usagef("convert --info: -o %s: --info prints text and writes no file (-o is convert's old spelling of --out)", o.oldOut)
	}
	if o.info && o.out != "" {
		return usagef("convert --info: --out %s: --info prints what SRC holds and writes no file; give --info or --out", o.out)
	}
	if flag := writeOnly(cmd, o); o.info && flag != "" {
		return usagef("convert --info: %s: --info prints what SRC holds and writes no file; --dtype and --verify apply to --out", flag)
	}
	if o.oldOut != "" {
		if o.out != "" {
			return usagef("convert: give the model file once, with --out (-o is its old spelling)")
		}
		fmt.Fprintf(s.err, "vitctl: note: convert -o FILE is now --out FILE (-o names the output format in the other commands); -o still works here\n")
		o.out = o.oldOut
	}
	return nil
}

// writeOnly is the first of the flags given that apply to a model file
// written (--dtype VALUE, --verify), "" when none is.
func writeOnly(cmd *cobra.Command, opts *convertOptions) string {
	switch {
	case cmd.Flags().Changed("dtype"):
		return "--dtype " + opts.dtype.String()
	case opts.verify:
		return "--verify"
	}
	return ""
}

// dtypeNames are the types --dtype stores weight matrices in.
var dtypeNames = []string{"f32", "f16", "bf16", "q8_0"}

// dtypeAliases lets --dtype take the run commands' --precision spellings
// (the reverse of precisionAliases).
var dtypeAliases = map[string]string{"fp32": "f32", "fp16": "f16", "int8": "q8_0"}

func runConvert(ctx context.Context, s streams, opts *convertOptions) error {
	builtin, err := opts.resolveSource(s)
	if err != nil {
		return err
	}
	if opts.info {
		return runConvertInfo(s, opts.src, !opts.useEMA)
	}
	dt, err := opts.checkOut()
	if err != nil {
		return err
	}
	start := time.Now()
	o := convert.Options{DType: dt, Version: Version, NoEMA: !opts.useEMA}
	bar := &byteBars{w: s.err, verb: "converting"}
	if isTerminal(s.err) {
		o.Progress = func(done, total int64) { bar.set(filepath.Base(opts.src), done, total) }
	}
	res, err := convertSource(ctx, opts.src, builtin, opts.out, o)
	bar.end()
	if cause, ok := tempCause(err, opts.out); ok {
		return fmt.Errorf("writing %s: %w", opts.out, cause)
	}
	if err != nil {
		return err
	}
	printConvertNotes(s, res.Notes, res.Warnings, res.Ignored)
	noEMAChoice(s, opts.useEMA || res.EMA, res.Source)
	verified := ""
	if opts.verify {
		if err := verifyModelFile(opts.out); err != nil {
			return err
		}
		verified = "; checksum verified"
	}
	_, err = fmt.Fprintf(s.out, "wrote %s: %s parameters, %v, %s, %.1fs (from %s)%s\n",
		opts.out, humanCount(res.Params), res.DType, humanBytes(res.Bytes), time.Since(start).Seconds(), res.Source, verified)
	return writtenOutputError(opts.out, err) // convert > /dev/full said nothing and exited 0
}

// resolveSource reads SRC: a built-in model's name is that model (builtin),
// a file or folder of the name aside, as describe (--info) and -m take it;
// a Hugging Face repository the cache holds is its snapshot folder, which
// o.src then names; a finetune run's training state is refused,
// naming the model file the run kept.
func (o *convertOptions) resolveSource(s streams) (builtin *zoo.Model, err error) {
	if z, ok := zoo.Lookup(o.src); ok {
		builtin = &z
	} else if dir, err := notOnDisk(o.src); err != nil {
		return nil, err
	} else if dir != "" {
		fmt.Fprintf(s.err, "vitctl: %s: reading the Hugging Face cache's copy, %s\n", o.src, dir)
		o.src = dir
	}
	if trainingState(o.src) {
		m := keptModel(o.src)
		return nil, fmt.Errorf("%s: %s, not a checkpoint to convert: %s is the model the run kept, a model file already (convert --info %s describes it)", o.src, trainingStateText, m, m)
	}
	return builtin, nil
}

// checkOut checks --out, before anything is read: given, a file that can
// be written, named as a model file; and gives --dtype's type.
func (o *convertOptions) checkOut() (gguf.Type, error) {
	if o.out == "" {
		return 0, usagef("convert: --out OUT.gguf is required (the model file to write)")
	}
	dt, err := gguf.ParseType(o.dtype.val) // a name --dtype's enumValue took
	if err != nil {
		return 0, err
	}
	if err := checkOutputFile("--out", o.out); err != nil {
		return 0, err
	}
	if err := checkModelName("--out", o.out); err != nil {
		return 0, err
	}
	return dt, checkNotResultsName(o.out, "convert", "GGUF, one binary file", "")
}

// printConvertNotes prints to stderr what the conversion (or --info) chose
// (notes), warned of, and ignored (nil for --info).
func printConvertNotes(s streams, notes, warnings, ignored []string) {
	for _, n := range notes {
		fmt.Fprintf(s.err, "vitctl: note: %s\n", n)
	}
	for _, w := range warnings {
		fmt.Fprintf(s.err, "vitctl: warning: %s\n", w)
	}
	if len(ignored) > 0 {
		fmt.Fprintf(s.err, "vitctl: ignored %s the model does not use (as Hugging Face does): %v\n", nouns(len(ignored), "tensor"), ignored)
	}
}

// noEMAChoice notes that --use-ema=false chose nothing (when !chose): the
// source src, a model file, a built-in model, a safetensors checkpoint or
// a torch.save file of one state dict, holds no EMA copy to pass over.
// It was taken without a word, as timm's load_state_dict(use_ema=False)
// takes such a file; the raw weights asked for may be the EMA weights
// saved alone.
func noEMAChoice(s streams, chose bool, src string) {
	if !chose {
		fmt.Fprintf(s.err, "vitctl: note: --use-ema=false chose nothing: %s holds one set of weights, no EMA copy beside them (the flag takes a training checkpoint's raw weights, not its EMA copy)\n", src)
	}
}

// verifyModelFile reopens the model file written at path and checks its
// tensor data checksum (--verify).
func verifyModelFile(path string) error {
	f, err := gguf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Verify()
}

// convertSource converts the checkpoint or model file src (convert.Convert),
// or writes the built-in model src names (builtin, when not nil) again with
// o.DType: a model that finetune wrote, or a built-in one, has no
// checkpoint to convert for another --dtype.
func convertSource(ctx context.Context, src string, builtin *zoo.Model, out string, o convert.Options) (*convert.Result, error) {
	if builtin == nil {
		return convert.Convert(ctx, src, out, o)
	}
	f, err := gguf.FromBytes(builtin.GGUF)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return convert.Retype(ctx, f, src, out, o)
}

// notOnDisk explains a SRC that is no file or folder but names what -m
// takes instead: a Hugging Face repository, which convert does not
// download. SRC is no built-in model's name (runConvert looked those up
// first: convert writes such a model again, with another --dtype, and
// --info describes it). A repository that the Hugging Face cache holds
// (huggingface-cli download ORG/NAME, without --local-dir, puts it there)
// is no error: dir is its snapshot folder, which convert reads as any
// checkpoint folder; convert said to download it, which had been done.
func notOnDisk(src string) (dir string, err error) {
	if _, err := os.Lstat(src); !errors.Is(err, fs.ErrNotExist) { // a link to nothing is convert's to word
		return "", nil
	}
	ref, err := hub.ParseRef(src)
	if err != nil {
		var ok bool
		if ref, ok = hub.RefFromAddress(src); !ok { // a pasted https://huggingface.co/ORG/NAME
			return "", nil
		}
	}
	if config, _, ok := hub.FromEnv().Cached(ref.Repo, ref.Revision, "config.json"); ok {
		return filepath.Dir(config), nil
	}
	download := ref.Repo
	if ref.Revision != hub.DefaultRevision {
		download += " --revision " + ref.Revision
	}
	return "", fmt.Errorf("%s: no such file or folder; convert reads a checkpoint on disk. For the Hugging Face repository %s, -m %s in classify or embed downloads and converts it once (vitctl models lists the file), or download it first (huggingface-cli download %s --local-dir %s) and convert that folder",
		src, ref.Repo, refName(ref), download, path.Base(ref.Repo))
}

// humanCount prints 86567656 as 86.6M.
func humanCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fG", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// humanBytes prints sizes in decimal megabytes, as model sizes are quoted.
func humanBytes(n int64) string {
	if n >= 1e6 {
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f kB", float64(n)/1e3)
}
