package cli

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/vitctl/vitctl/internal/bytestr"
	"github.com/vitctl/vitctl/internal/convert"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/prep"
	"github.com/vitctl/vitctl/internal/zoo"
)

// runConvertInfo prints what a checkpoint, a model file or a built-in
// model holds; noEMA describes a training checkpoint's raw weights
// (--use-ema=false), as convert converts them.
func runConvertInfo(s streams, src string, noEMA bool) error {
	info, ft, err := describe(src, noEMA)
	if err != nil {
		return err
	}
	printConvertNotes(s, info.Notes, info.Warnings, nil)
	noEMAChoice(s, !noEMA || info.EMA, info.Source)
	if ft.base != "" {
		info.Format = "vitctl model file (GGUF), fine-tuned from " + ft.base
	}
	var b bytes.Buffer
	writeInfo(&b, info)
	if ft.base != "" {
		fmt.Fprintf(&b, "%-14s %s\n", "fine-tuning:", ft.summary)
	}
	return writeOutput(s.out, &b)
}

// openModelFile opens a model file for --info (a variable: a test counts
// the opens).
var openModelFile = convert.OpenModelFile

// describe is convert.Describe that also takes a built-in model's name, as
// -m does (a built-in name wins over a file of the same name), and reads a
// model file's fine-tuning record from the same open file: the file is
// opened once.
func describe(src string, noEMA bool) (*convert.Info, fineTuned, error) {
	var f *gguf.File
	var err error
	name := src
	z, builtin := zoo.Lookup(src)
	switch {
	case builtin:
		f, err = gguf.FromBytes(z.GGUF)
		name = "built-in model " + z.Name
	case modelFileName(src):
		f, err = openModelFile(src)
	default:
		info, err := convert.Describe(src, noEMA)
		return info, fineTuned{}, err
	}
	if err != nil {
		return nil, fineTuned{}, err
	}
	defer f.Close()
	info, err := convert.DescribeModelFile(f, name)
	if err != nil {
		return nil, fineTuned{}, err
	}
	return info, fineTuning(f), nil
}

// fineTuned is what a model file that finetune wrote records of its
// training: the base model and a line on the run.
type fineTuned struct{ base, summary string }

// fineTuning reads the finetune metadata of the model file f; zero for
// any other (a built-in model, a converted file). Its strings are the
// file's text, quoted when they hold control characters (bytestr.Text):
// a terminal obeyed the escapes in a file from someone else.
func fineTuning(f *gguf.File) fineTuned {
	base, err := f.String(keyFTBase)
	if err != nil {
		return fineTuned{}
	}
	base = bytestr.Text(base)
	var parts []string
	if n, err := f.Int(keyFTImages); err == nil {
		data := nouns(n, "training image")
		if d, err := f.String(keyFTData); err == nil && d != "" {
			data += " from " + bytestr.Text(d)
		}
		parts = append(parts, data)
	}
	if e, err := f.Int(keyFTEpoch); err == nil {
		kept := fmt.Sprintf("epoch %d kept", e)
		if acc, err := f.Float(keyFTValAcc); err == nil && acc >= 0 {
			kept += fmt.Sprintf(", val top-1 %.2f %%", 100*acc)
		} else {
			kept += " (no validation set)"
		}
		parts = append(parts, kept)
	}
	if r, err := f.String(keyFTRecipe); err == nil {
		parts = append(parts, bytestr.Text(r))
	}
	return fineTuned{base, strings.Join(parts, "; ")}
}

func writeInfo(w io.Writer, info *convert.Info) {
	c := info.Config
	row := func(k, format string, a ...any) { fmt.Fprintf(w, "%-14s %s\n", k+":", fmt.Sprintf(format, a...)) }
	row("source", "%s", info.Source)
	row("format", "%s", info.Format)
	row("architecture", "%s", architecture(c))
	row("sizes", "hidden %d, layers %d, heads %d (head dim %d), mlp %d, patch %d, image %dx%d, tokens %d (%d prefix + %s)",
		c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.HeadDim(), c.IntermediateSize, c.PatchSize,
		c.ImageSize, c.ImageSize, c.Tokens(), c.PrefixTokens(), nouns(c.NumPatches(), "patch"))
	row("blocks", "%s, layer_norm_eps %g, qkv bias %v", c.HiddenAct, c.LayerNormEps, c.QKVBias)
	row("parameters", "%s", humanCount(info.Params))
	if c.HasHead() {
		row("labels", "%d (%s)", len(c.Labels), firstLabels(c, 3))
	} else {
		row("labels", "none")
	}
	row("preprocess", "%s", preprocessing(&c.Preprocess))
	row("dtype", "%s", strings.ToLower(strings.Join(info.DTypes, ", "))) // safetensors' F32 as the model file's f32
}

// architecture says which tokens, blocks and head the model has.
func architecture(c *model.Config) string {
	parts := []string{c.ModelType}
	if c.ModelType == "" {
		parts[0] = "vit"
	}
	add := func(on bool, s string) {
		if on {
			parts = append(parts, s)
		}
	}
	add(!c.NoClassToken, "class token")
	add(c.DistillationToken, "distillation token")
	add(c.RegisterTokens > 0, fmt.Sprintf("%d register tokens", c.RegisterTokens))
	add(c.NoEmbedClass, "no position embedding on prefix tokens")
	add(c.PreNorm, "norm_pre")
	add(c.LayerScale, "LayerScale")
	pool := "CLS pooling"
	if c.Pooling == model.PoolAvg {
		pool = "average pooling"
	}
	if c.FCNorm {
		pool += " + fc_norm"
	}
	parts = append(parts, pool)
	add(c.DistillationHead, "CLS and distillation heads averaged")
	add(!c.HasHead(), "no classifier (a backbone: vitctl embed)")
	return strings.Join(parts, ", ")
}

// firstLabels shows the first n labels, quoting one that would read as
// something else (empty, with a comma, a quote, a newline or other control
// character, or space at an end), and names the labels several classes
// share, which the results cannot tell apart (model.Config.SharedLabels).
func firstLabels(c *model.Config, n int) string {
	ls := c.Labels
	shown := make([]string, 0, n+1)
	for _, l := range ls[:min(n, len(ls))] {
		shown = append(shown, showLabel(l))
	}
	if len(ls) > n {
		shown = append(shown, "…")
	}
	out := strings.Join(shown, ", ")
	if shared := c.SharedLabels(); len(shared) > 0 {
		out += fmt.Sprintf("; %d %s more than one class: %s", len(shared), map[bool]string{true: "label names", false: "labels name"}[len(shared) == 1], strings.Join(shared[:min(5, len(shared))], ", "))
		if len(shared) > 5 {
			out += ", …"
		}
	}
	return out
}

func showLabel(l string) string {
	if l == "" || strings.TrimSpace(l) != l || strings.ContainsAny(l, ",\"") || strings.ContainsFunc(l, unicode.IsControl) {
		return strconv.Quote(l)
	}
	return l
}

func preprocessing(p *prep.Params) string {
	var steps []string
	switch {
	case !p.DoResize:
		steps = append(steps, fmt.Sprintf("no resize (%dx%d input)", p.Width, p.Height))
	case p.ResizeShortest > 0:
		steps = append(steps, fmt.Sprintf("resize shorter side to %d (%s), center crop %dx%d", p.ResizeShortest, p.Resample, p.Width, p.Height))
		if p.CropPct > 0 {
			steps[len(steps)-1] += fmt.Sprintf(" (crop_pct %g)", p.CropPct)
		}
	case p.ResizeHeight > 0:
		steps = append(steps, fmt.Sprintf("resize %dx%d (%s), center crop %dx%d", p.ResizeWidth, p.ResizeHeight, p.Resample, p.Width, p.Height))
	default:
		steps = append(steps, fmt.Sprintf("resize %dx%d (%s)", p.Width, p.Height, p.Resample))
	}
	if p.DoRescale {
		steps = append(steps, fmt.Sprintf("rescale ×%.6g", p.RescaleFactor))
	}
	if p.DoNormalize {
		steps = append(steps, fmt.Sprintf("normalize mean %v std %v", p.Mean, p.Std))
	}
	return strings.Join(steps, ", ")
}
