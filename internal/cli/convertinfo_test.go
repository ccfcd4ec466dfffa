package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/vitctl/vitctl/internal/convert"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/zoo"
)

// TestConvertInfo prints a DeiT folder, a timm folder and the model file
// converted from it, and writes nothing.
func TestConvertInfo(t *testing.T) {
	deit := filepath.Join(testdataDir, "models", "deit-p8-teacher")
	timm := filepath.Join(testdataDir, "models", "timm-p8-reg-ls")
	if _, err := os.Stat(timm); err != nil {
		t.Skip("no family testdata models")
	}
	gguf := filepath.Join(t.TempDir(), "t.gguf")
	if code, _, _ := run(t, "", "convert", timm, "--out", gguf); code != ExitOK {
		t.Fatalf("convert: exit %d", code)
	}
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{deit, []string{"format:        Hugging Face DeiTForImageClassificationWithTeacher",
			"distillation token", "CLS and distillation heads averaged", "tokens 18 (2 prefix + 16 patches)",
			"labels:        10 (goldfish,", "resize 36x36 (bicubic), center crop 32x32", "dtype:         f32"}},
		{timm, []string{"format:        timm VisionTransformer", "4 register tokens", "LayerScale",
			"tokens 21 (5 prefix + 16 patches)", "resize shorter side to 36 (bicubic), center crop 32x32 (crop_pct 0.875)"}},
		{gguf, []string{"vitctl model file (GGUF), converted from timm-p8-reg-ls/model.safetensors",
			"4 register tokens", "crop_pct 0.875", "dtype:         f32"}},
	} {
		code, stdout, stderr := run(t, "", "convert", "--info", tc.src)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", tc.src, code, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.src, w, stdout)
			}
		}
	}
}

// TestTrainingCheckpoint: timm's model_best.pth.tar (testdata/convert/
// timm-tiny: an f16 state_dict under DDP's names beside a bf16
// state_dict_ema under torch.compile's, half the raw weights, an
// optimizer's state) converts from its EMA weights, and --info says which
// state dict it describes, as convert does, where --info said nothing of
// it. --use-ema=false takes the raw weights, in --info and in convert; they
// could only be converted after saving them alone with a line of Python.
func TestTrainingCheckpoint(t *testing.T) {
	src := filepath.Join(testdataDir, "convert", "timm-tiny")
	note := `vitctl: note: model_best.pth.tar: took "state_dict_ema", the EMA weights, as timm's load_state_dict and create_model(checkpoint_path=…) do, not "state_dict"`
	code, stdout, stderr := run(t, "", "convert", "--info", src)
	if code != ExitOK || !strings.Contains(stdout, "dtype:         bf16") || !strings.HasPrefix(stderr, note) {
		t.Errorf("--info: exit %d\n%s%s\nwant dtype bf16 and %q", code, stdout, stderr, note)
	}
	out := filepath.Join(t.TempDir(), "m.gguf")
	code, stdout, stderr = run(t, "", "convert", src, "--out", out)
	if code != ExitOK || !strings.HasPrefix(stdout, "wrote "+out+": 2.5k parameters") || !strings.HasPrefix(stderr, note) {
		t.Errorf("convert: exit %d\n%s%s", code, stdout, stderr)
	}
	rawNote := `vitctl: note: model_best.pth.tar: took "state_dict", the raw weights (--use-ema=false), not "state_dict_ema"`
	code, stdout, stderr = run(t, "", "convert", "--info", "--use-ema=false", src)
	if code != ExitOK || !strings.Contains(stdout, "dtype:         f16") || !strings.HasPrefix(stderr, rawNote) {
		t.Errorf("--info --use-ema=false: exit %d\n%s%s\nwant dtype f16 and %q", code, stdout, stderr, rawNote)
	}
	raw := filepath.Join(t.TempDir(), "raw.gguf")
	code, stdout, stderr = run(t, "", "convert", src, "--use-ema=false", "--out", raw)
	if code != ExitOK || !strings.HasPrefix(stderr, rawNote) {
		t.Fatalf("convert --use-ema=false: exit %d\n%s%s", code, stdout, stderr)
	}
	ema, raws := headWeights(t, out), headWeights(t, raw)
	for i := range raws { // the EMA copy is half the raw weights, in bf16
		if d := raws[i] - 2*ema[i]; d > 0.01 || d < -0.01 {
			t.Fatalf("head.weight[%d]: raw %g, EMA %g: want the raw weights, twice the EMA's", i, raws[i], ema[i])
		}
	}
}

// TestUseEMAChoseNothing: --use-ema=false where there is no EMA copy to
// pass over (a safetensors folder, a built-in model, a model file) says it
// chose nothing, in convert and --info; it was taken without a word, so
// that one who asked for the raw weights could not tell. Where it chose
// (model_best.pth.tar), or was not given, there is no such note.
func TestUseEMAChoseNothing(t *testing.T) {
	dir := t.TempDir()
	hf := filepath.Join(testdataDir, "models", "vit-p16-gelu")
	model := filepath.Join(dir, "m.gguf")
	if code, _, stderr := run(t, "", "convert", hf, "--out", model); code != ExitOK {
		t.Fatalf("convert: exit %d: %s", code, stderr)
	}
	const nothing = "vitctl: note: --use-ema=false chose nothing: "
	for _, tc := range []struct {
		src, named string // named: the source as the note names it; "" for no note
		useEMA     string
	}{
		{hf, filepath.Join(hf, "model.safetensors"), "--use-ema=false"},
		{"vit-tiny-in1k", "vit-tiny-in1k", "--use-ema=false"},
		{model, model, "--use-ema=false"},
		{filepath.Join(testdataDir, "convert", "timm-tiny"), "", "--use-ema=false"},
		{hf, "", "--use-ema=true"},
	} {
		want := ""
		if tc.named != "" {
			want = nothing + tc.named + " holds one set of weights, no EMA copy beside them (the flag takes a training checkpoint's raw weights, not its EMA copy)\n"
		}
		out := filepath.Join(dir, "out.gguf")
		os.Remove(out)
		for _, args := range [][]string{{"convert", tc.src, tc.useEMA, "--out", out}, {"convert", "--info", tc.useEMA, tc.src}} {
			code, _, stderr := run(t, "", args...)
			notes := ""
			for line := range strings.Lines(stderr) {
				if strings.HasPrefix(line, nothing) {
					notes += line
				}
			}
			if args[1] == "--info" && tc.src == "vit-tiny-in1k" && want != "" {
				want = strings.Replace(want, ": vit-tiny", ": built-in model vit-tiny", 1)
			}
			if code != ExitOK || notes != want {
				t.Errorf("vitctl %q: exit %d, stderr %q; want 0 and %q", args, code, stderr, want)
			}
		}
	}
}

// headWeights reads the classifier weights of the model file path.
func headWeights(t *testing.T, path string) []float32 {
	t.Helper()
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, _, err := f.Float32s(model.TensorClassW)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Clone(w) // w may be the file's mapped bytes, gone once it is closed
}

// TestConvertInfoNames: --info takes a built-in model's name, as -m does,
// and a path that does not exist is one line naming it, not "stat PATH".
func TestConvertInfoNames(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nosuch")
	for _, tc := range []struct {
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{[]string{"convert", "--info", "fashion-vit"}, ExitOK,
			[]string{"source:        built-in model fashion-vit", "labels:        10 (T-shirt/top,", "image 28x28"}, ""},
		{[]string{"convert", "--info", "vit-tiny-in1k"}, ExitOK,
			[]string{"source:        built-in model vit-tiny-in1k", "labels:        1000 (tench,", "dtype:         f16, f32"}, ""},
		{[]string{"convert", "--info", missing}, ExitFailed, nil, "vitctl: " + missing + ": no such file or folder\n"},
		{[]string{"convert", missing, "--out", missing + ".gguf"}, ExitFailed, nil, "vitctl: " + missing + ": no such file or folder\n"},
	} {
		code, stdout, stderr := run(t, "", tc.args...)
		if code != tc.code || !strings.HasSuffix(stderr, tc.stderr) || tc.stderr != "" && strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, want %d; stderr %q, want %q", tc.args, code, tc.code, stderr, tc.stderr)
		}
		for _, w := range tc.stdout {
			if !strings.Contains(stdout, w) {
				t.Errorf("%v: output lacks %q:\n%s", tc.args, w, stdout)
			}
		}
	}
}

// TestConvertBuiltinNameFirst: a built-in model's name is that model for
// convert, as for --info and -m, though a folder of that name be in the
// working directory (convert took the folder, --info the built-in model).
func TestConvertBuiltinNameFirst(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.Mkdir("fashion-vit", 0o755); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "", "convert", "fashion-vit", "--out", "m.gguf", "--dtype", "bf16")
	if want := "(from fashion-vit)\n"; code != ExitOK || !strings.HasPrefix(stdout, "wrote m.gguf: 311.3k parameters, bf16, ") || !strings.HasSuffix(stdout, want) || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 0 and fashion-vit written in bf16", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, "", "convert", "--info", "fashion-vit")
	if want := "source:        built-in model fashion-vit"; code != ExitOK || !strings.Contains(stdout, want) {
		t.Errorf("--info: exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, want)
	}
}

// TestConvertInfoOpensOnce: --info FILE.gguf opens the model file once
// (it was opened a second time for the fine-tuning record), and takes the
// extension in any case (M.GGUF was taken for a checkpoint and refused).
func TestConvertInfoOpensOnce(t *testing.T) {
	z, ok := zoo.Lookup("fashion-vit")
	if !ok {
		t.Fatal("no fashion-vit")
	}
	dir := t.TempDir()
	opens := 0
	defer func(f func(string) (*gguf.File, error)) { openModelFile = f }(openModelFile)
	openModelFile = func(path string) (*gguf.File, error) {
		opens++
		return convert.OpenModelFile(path)
	}
	for _, name := range []string{"m.gguf", "M.GGUF"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, z.GGUF, 0o644); err != nil {
			t.Fatal(err)
		}
		opens = 0
		code, stdout, stderr := run(t, "", "convert", "--info", path)
		if code != ExitOK || !strings.Contains(stdout, "source:        "+path) || opens != 1 {
			t.Errorf("%s: exit %d, %d opens, stdout\n%s\nstderr %s", name, code, opens, stdout, stderr)
		}
	}
}

// TestInfoLabels: convert --info quotes a label that would read as
// something else, where a newline in one broke the line and a comma in one
// read as two labels, and names the labels several classes share
// (ImageNet's "crane" and "maillot"), where it said nothing.
func TestInfoLabels(t *testing.T) {
	for _, tc := range []struct {
		labels []string
		want   string
	}{
		{[]string{"cat", "dog", "fish"}, "labels:        3 (cat, dog, fish)\n"},
		{[]string{"a,b", `q"t`, "new\nline", "x"}, `labels:        4 ("a,b", "q\"t", "new\nline", …)` + "\n"},
		{[]string{"", " sp", "猫", "ünï"}, `labels:        4 ("", " sp", 猫, …)` + "\n"},
		{[]string{"crane", "maillot", "crane", "maillot", "crane"}, `labels:        5 (crane, maillot, crane, …; 2 labels name more than one class: "crane", "maillot")` + "\n"},
	} {
		var b strings.Builder
		writeInfo(&b, &convert.Info{Config: &model.Config{HiddenSize: 8, NumAttentionHeads: 1, ImageSize: 8, PatchSize: 8, Labels: tc.labels}})
		if got := b.String(); !strings.Contains(got, tc.want) {
			t.Errorf("%q:\n%s\nwant the line\n%s", tc.labels, got, tc.want)
		}
	}
}

// TestInfoMetadataEscapes: a model file's provenance (the checkpoint it
// was converted from, finetune's base model, data and recipe) is its
// author's text, and convert --info printed it as it is: a terminal obeyed
// the escapes in it (a window title set, the screen cleared). It is quoted
// when it holds a control character, as file names are.
func TestInfoMetadataEscapes(t *testing.T) {
	src := filepath.Join(testdataDir, "models", "vit-p16-gelu")
	if _, err := os.Stat(src); err != nil {
		t.Skip("no testdata models")
	}
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.gguf")
	if code, _, stderr := run(t, "", "convert", src, "--out", plain); code != ExitOK {
		t.Fatalf("convert: exit %d: %s", code, stderr)
	}
	f, err := convert.OpenModelFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := model.ConfigFrom(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		extra func(*gguf.Writer)
		want  []string
	}{
		{nil, []string{`converted from "ckpt\x1b]0;owned\a/model.safetensors"`}},
		{func(w *gguf.Writer) {
			w.AddString(keyFTBase, "base\x1b[2J")
			w.AddUint32(keyFTImages, 10)
			w.AddString(keyFTData, "data\x1b[31m")
			w.AddString(keyFTRecipe, "recipe\u009b2J")
		}, []string{`fine-tuned from "base\x1b[2J"`, `10 training images from "data\x1b[31m"`, `"recipe\u009b2J"`}},
	} {
		odd := filepath.Join(dir, "odd.gguf")
		err = convert.WriteModel(odd, cfg, f.Float32s, convert.Written{Name: "m", Version: "test",
			Source: "ckpt\x1b]0;owned\a/model.safetensors", Extra: tc.extra})
		if err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := run(t, "", "convert", "--info", odd)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if strings.ContainsFunc(stdout, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }) {
			t.Errorf("output holds control characters:\n%q", stdout)
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("output lacks %s:\n%s", w, stdout)
			}
		}
	}
}
