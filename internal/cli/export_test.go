package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/gguf"
)

// TestExport runs export on buffers: a written folder, and each refusal
// with its exit code and the message naming what is wrong.
func TestExport(t *testing.T) {
	tmp := t.TempDir()
	reg := filepath.Join(tmp, "reg.gguf")
	if code, _, e := run(t, "", "convert", "../../testdata/models/timm-p8-reg-ls", "--out", reg); code != 0 {
		t.Fatalf("convert: %s", e)
	}
	existing := filepath.Join(tmp, "existing")
	os.Mkdir(existing, 0o755)
	state := filepath.Join(t.TempDir(), "flowers.gguf.ckpt") // finetune's training state
	os.WriteFile(state, []byte("GGUF\x03\x00\x00\x00"), 0o644)
	weights := "../../testdata/models/vit-p8-f16/model.safetensors"
	llama := filepath.Join(t.TempDir(), "llama.gguf") // another tool's GGUF file
	w := gguf.NewWriter()
	w.AddString("general.architecture", "llama")
	w.AddTensor("token_embd.weight", []int{4}, gguf.F32)
	if err := w.WriteFile(llama, func(_ gguf.TensorInfo, dst io.Writer) error { _, err := dst.Write(make([]byte, 16)); return err }); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		{"built-in", []string{"fashion-vit", "--out", filepath.Join(tmp, "fashion")}, 0, "wrote " + filepath.Join(tmp, "fashion") + ": Hugging Face ViTForImageClassification, 311.3k parameters in float32, 10 labels", ""},
		{"timm crop noted", []string{"vit-tiny-in1k", "--out", filepath.Join(tmp, "tiny")}, 0, "1000 labels", "vitctl: note: preprocessor_config.json: vitctl resizes the shorter side to 248"},
		// A folder's name typed with its slash: it said "folder DIR does not exist".
		{"--out DIR/", []string{"fashion-vit", "--out", filepath.Join(tmp, "slash") + "/"}, 0, "wrote " + filepath.Join(tmp, "slash") + ": Hugging Face ViTForImageClassification", ""},
		{"no --out", []string{"fashion-vit"}, 2, "", "export: --out DIR is required"},
		{"existing --out", []string{"fashion-vit", "--out", existing}, 2, "", "--out " + existing + ": already exists"},
		// A folder was written under each of these names.
		{"--out *.safetensors", []string{"fashion-vit", "--out", filepath.Join(tmp, "fashion.safetensors")}, 2, "",
			"vitctl: export: --out " + filepath.Join(tmp, "fashion.safetensors") + ": a file's name, and export writes a folder (config.json, model.safetensors, preprocessor_config.json): give a folder name such as " + filepath.Join(tmp, "fashion-hf") + "\n"},
		{"--out *.gguf", []string{"fashion-vit", "--out", filepath.Join(tmp, "f.GGUF")}, 2, "", "such as " + filepath.Join(tmp, "f-hf") + "\n"},
		{"--out *.pth.tar", []string{"fashion-vit", "--out", filepath.Join(tmp, "f.pth.tar")}, 2, "", "such as " + filepath.Join(tmp, "f-hf") + "\n"},
		{"--out *.bin", []string{"fashion-vit", "--out", filepath.Join(tmp, "pytorch_model.bin")}, 2, "", "a file's name"},
		{"--out *.json", []string{"fashion-vit", "--out", filepath.Join(tmp, "config.json")}, 2, "", "a file's name"},
		{"--out *.jpg", []string{"fashion-vit", "--out", filepath.Join(tmp, "cat.jpg")}, 2, "", "a file's name"},
		{"no parent", []string{"fashion-vit", "--out", filepath.Join(tmp, "no", "dir")}, 2, "", "folder " + filepath.Join(tmp, "no") + " does not exist"},
		// Below a file: it said "export: --out FILE/hf: not a directory".
		{"file above", []string{"fashion-vit", "--out", filepath.Join(state, "hf")}, 2, "", "vitctl: export: --out " + filepath.Join(state, "hf") + ": " + state + " is not a folder\n"},
		{"two models", []string{"fashion-vit", "vit-tiny-in1k", "--out", filepath.Join(tmp, "x")}, 2, "", "unexpected argument"},
		{"register tokens", []string{reg, "--out", filepath.Join(tmp, "reg")}, 1, "", "model " + reg + ": cannot be exported as a Hugging Face ViTForImageClassification"},
		// The model is export's argument: it said "give -m flowers.gguf".
		{"training state", []string{state, "--out", filepath.Join(tmp, "st")}, 1, "",
			"vitctl: " + state + ": " + trainingStateText + ", not a model file: give " + strings.TrimSuffix(state, ".ckpt") + ", the model the run kept\n"},
		{"checkpoint weights", []string{weights, "--out", filepath.Join(tmp, "w")}, 1, "",
			"vitctl: " + weights + ": a checkpoint's weights, not a vitctl model file: give ../../testdata/models/vit-p8-f16, its folder"},
		{"folder without checkpoint", []string{existing, "--out", filepath.Join(tmp, "e")}, 1, "",
			"vitctl: " + existing + ": a folder, but no checkpoint found (want one of model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json, or a PyTorch file (.pth, .pt, .pth.tar, .ckpt)); MODEL takes a checkpoint folder"},
		// The file was not named: "vitctl: model metadata: general.architecture is …".
		{"another tool's GGUF", []string{llama, "--out", filepath.Join(tmp, "llama")}, 1, "",
			"vitctl: model " + llama + ": model metadata: general.architecture is \"llama\", not \"vit\": a GGUF file of another tool"},
		{"no such model", []string{"nosuchmodel", "--out", filepath.Join(tmp, "none")}, 1, "", "no built-in model of that name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, e := run(t, "", append([]string{"export"}, c.args...)...)
			if code != c.code || !strings.Contains(out, c.stdout) || !strings.Contains(e, c.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, %q and %q", code, out, e, c.code, c.stdout, c.stderr)
			}
		})
	}
	for _, f := range []string{"config.json", "model.safetensors", "preprocessor_config.json"} {
		for _, dir := range []string{"fashion", "slash"} {
			if _, err := os.Stat(filepath.Join(tmp, dir, f)); err != nil {
				t.Error(err)
			}
		}
	}
	ents, _ := os.ReadDir(tmp)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "existing fashion reg.gguf slash tiny" {
		t.Errorf("folder holds %s: a refused export left something", got)
	}
}

// TestExportSummaryUnwritten: export whose stdout cannot take its "wrote"
// line (a full disk) says so and exits 1, as convert does, naming the
// folder, which is written all the same: it said nothing and exited 0.
func TestExportSummaryUnwritten(t *testing.T) {
	out := filepath.Join(t.TempDir(), "hf")
	var errb bytes.Buffer
	code := Main([]string{"export", "fashion-vit", "--out", out}, strings.NewReader(""), failWriter{}, &errb)
	want := "vitctl: writing output: no space left on device (" + out + " is written)\n"
	if code != ExitFailed || !strings.HasSuffix(errb.String(), want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, errb.String(), want)
	}
	if _, err := os.Stat(filepath.Join(out, "model.safetensors")); err != nil {
		t.Errorf("the exported folder: %v", err)
	}
}
