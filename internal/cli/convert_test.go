package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/zoo"
)

func TestConvertCmd(t *testing.T) {
	src := filepath.Join(testdataDir, "models", "vit-p16-gelu")
	if _, err := os.Stat(src); err != nil {
		t.Skip("no testdata/models/vit-p16-gelu")
	}
	for _, tc := range []struct {
		name     string
		args     []string // "OUT" is replaced by the output path
		code     int
		stdout   string // regexp
		stderr   string
		wantFile bool
	}{
		{"f32", []string{"convert", src, "--out", "OUT"}, ExitOK,
			`^wrote .*m\.gguf: 118\.1k parameters, f32, \d+\.\d kB, \d+\.\ds \(from .*vit-p16-gelu/model\.safetensors\)\n$`, "", true},
		{"bf16 from pytorch_model.bin, verified", []string{"convert", filepath.Join(src, "pytorch_model.bin"), "--out", "OUT", "--dtype", "bf16", "--verify"}, ExitOK,
			`parameters, bf16, 245\.\d kB.*pytorch_model\.bin\); checksum verified\n$`, "", true},
		{"int8, the --precision name of q8_0", []string{"convert", src, "--out", "OUT", "--dtype", "int8"}, ExitOK,
			`parameters, q8_0, `, "", true},
		{"no --out", []string{"convert", src}, ExitUsage, "", "--out OUT.gguf is required", false},
		{"old -o spelling", []string{"convert", src, "-o", "OUT"}, ExitOK, `^wrote .*m\.gguf`, "note: convert -o FILE is now --out FILE", true},
		// --info writes nothing: -o json was taken as a file name, with a
		// note that -o is now --out, and --out was ignored.
		{"--info with -o json", []string{"convert", "--info", src, "-o", "json"}, ExitUsage, "^$",
			"vitctl: convert --info: -o json: --info prints text and writes no file (-o is convert's old spelling of --out)\n", false},
		{"--info with --out", []string{"convert", "--info", src, "--out", "OUT"}, ExitUsage, "^$", "--info prints what SRC holds and writes no file; give --info or --out\n", false},
		// --dtype and --verify were ignored: the dtype printed was the
		// source's, and nothing was verified.
		{"--info with --dtype", []string{"convert", "--info", src, "--dtype", "f16"}, ExitUsage, "^$",
			"vitctl: convert --info: --dtype f16: --info prints what SRC holds and writes no file; --dtype and --verify apply to --out\n", false},
		{"--info with --verify", []string{"convert", "--info", src, "--verify"}, ExitUsage, "^$",
			"vitctl: convert --info: --verify: --info prints what SRC holds and writes no file; --dtype and --verify apply to --out\n", false},
		{"both spellings", []string{"convert", src, "-o", "OUT", "--out", "OUT"}, ExitUsage, "", "give the model file once", false},
		{"missing folder", []string{"convert", src, "--out", "OUT/../nodir/m.gguf"}, ExitUsage, "", "does not exist", false},
		{"bad dtype", []string{"convert", src, "--out", "OUT", "--dtype", "f64"}, ExitUsage, "", `--dtype "f64": want f32, f16, bf16 or q8_0`, false},
		// --dtype is an enumValue, checked as it is parsed: with --info a
		// bad one went unnoticed.
		{"bad dtype, --info", []string{"convert", "--info", src, "--dtype", "f64"}, ExitUsage, "^$", "vitctl: --dtype \"f64\": want f32, f16, bf16 or q8_0\n", false},
		{"two sources", []string{"convert", src, src, "--out", "OUT"}, ExitUsage, "", "unexpected argument", false},
		{"missing source", []string{"convert", "no/such/dir", "--out", "OUT"}, ExitFailed, "", "no/such/dir: no such file", false},
		{"not a model", []string{"convert", filepath.Join(imagesDir, "chelsea.png"), "--out", "OUT"}, ExitFailed, "", "not a model folder", false},
		// The config names the model, but the weights are beside it.
		{"its config", []string{"convert", filepath.Join(src, "config.json"), "--out", "OUT"}, ExitFailed, "",
			"vitctl: " + filepath.Join(src, "config.json") + ": a model's settings, not its weights: give its folder, " + src + ", which holds the checkpoint too\n", false},
		{"its config, --info", []string{"convert", "--info", filepath.Join(src, "preprocessor_config.json")}, ExitFailed, "",
			"vitctl: " + filepath.Join(src, "preprocessor_config.json") + ": a model's settings, not its weights: give its folder, " + src + ", which holds the checkpoint too\n", false},
		// A model file and a built-in model are written again in --dtype
		// (they were refused: a fine-tuned model had no route to f16).
		{"a model file", []string{"convert", filepath.Join("..", "zoo", "fashion-vit.gguf"), "--out", "OUT", "--dtype", "f16"}, ExitOK,
			`^wrote .*m\.gguf: 311\.3k parameters, f16, .*\(from \.\./zoo/fashion-vit\.gguf\)\n$`, "", true},
		{"built-in name", []string{"convert", "fashion-vit", "--out", "OUT", "--dtype", "bf16"}, ExitOK,
			`^wrote .*m\.gguf: 311\.3k parameters, bf16, .*\(from fashion-vit\)\n$`, "", true},
		{"Hugging Face id", []string{"convert", "google/vit-base-patch16-224", "--out", "OUT"}, ExitFailed, "",
			"vitctl: google/vit-base-patch16-224: no such file or folder; convert reads a checkpoint on disk. For the Hugging Face repository google/vit-base-patch16-224, -m google/vit-base-patch16-224 in classify or embed downloads and converts it once (vitctl models lists the file), or download it first (huggingface-cli download google/vit-base-patch16-224 --local-dir vit-base-patch16-224) and convert that folder\n", false},
		{"Hugging Face address", []string{"convert", "https://huggingface.co/google/vit-base-patch16-224/tree/v2", "--out", "OUT"}, ExitFailed, "",
			"vitctl: https://huggingface.co/google/vit-base-patch16-224/tree/v2: no such file or folder; convert reads a checkpoint on disk. For the Hugging Face repository google/vit-base-patch16-224, -m google/vit-base-patch16-224@v2 in classify or embed downloads and converts it once (vitctl models lists the file), or download it first (huggingface-cli download google/vit-base-patch16-224 --revision v2 --local-dir vit-base-patch16-224) and convert that folder\n", false},
		{"Hugging Face id at a revision, --info", []string{"convert", "--info", "facebook/deit-tiny-patch16-224@v2"}, ExitFailed, "",
			"-m facebook/deit-tiny-patch16-224@v2 in classify or embed downloads and converts it once (vitctl models lists the file), or download it first (huggingface-cli download facebook/deit-tiny-patch16-224 --revision v2 --local-dir deit-tiny-patch16-224)", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "m.gguf")
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.ReplaceAll(a, "OUT", out)
			}
			code, stdout, stderr := run(t, "", args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, stderr)
			}
			if !regexp.MustCompile(tc.stdout).MatchString(stdout) {
				t.Errorf("stdout %q does not match %q", stdout, tc.stdout)
			}
			if !strings.Contains(stderr, tc.stderr) || tc.stderr == "" && stderr != "" {
				t.Errorf("stderr %q, want %q", stderr, tc.stderr)
			}
			ents, _ := os.ReadDir(dir)
			if tc.wantFile != (len(ents) == 1) || len(ents) > 1 {
				t.Fatalf("output folder holds %v", ents)
			}
			if tc.wantFile {
				f, err := gguf.Open(out)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if f.Arch() != "vit" {
					t.Errorf("arch %q", f.Arch())
				}
			}
		})
	}
}

// copyTestCheckpoint copies into dir the Hugging Face files of
// testdata/models/vit-p16-gelu: config, safetensors weights (not its
// pytorch_model.bin) and preprocessing.
func copyTestCheckpoint(t *testing.T, dir string) {
	t.Helper()
	for _, name := range []string{"config.json", "model.safetensors", "preprocessor_config.json"} {
		b, err := os.ReadFile(filepath.Join(testdataDir, "models", "vit-p16-gelu", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConvertFromHFCache: ORG/NAME that the Hugging Face cache holds
// (huggingface-cli download without --local-dir) converts from there,
// offline, and --info describes it; it said "no such file or folder …
// download it first", which had been done. A revision the cache lacks
// still gets that message.
func TestConvertFromHFCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("HF_HUB_CACHE", cache)
	t.Setenv("HF_HUB_OFFLINE", "1")
	const commit = "0123456789abcdef0123456789abcdef01234567"
	repo := filepath.Join(cache, "models--acme--tiny-vit")
	snap := filepath.Join(repo, "snapshots", commit)
	os.MkdirAll(snap, 0o755)
	os.MkdirAll(filepath.Join(repo, "refs"), 0o755)
	os.WriteFile(filepath.Join(repo, "refs", "main"), []byte(commit), 0o644)
	copyTestCheckpoint(t, snap)
	out := filepath.Join(t.TempDir(), "m.gguf")
	note := "vitctl: acme/tiny-vit: reading the Hugging Face cache's copy, " + snap + "\n"
	code, stdout, errs := run(t, "", "convert", "acme/tiny-vit", "--out", out)
	if code != 0 || errs != note || !strings.Contains(stdout, "(from "+filepath.Join(snap, "model.safetensors")+")") {
		t.Errorf("convert acme/tiny-vit: exit %d, stdout %q, stderr %q; want it converted from %s", code, stdout, errs, snap)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("convert acme/tiny-vit: %v", err)
	}
	code, stdout, errs = run(t, "", "convert", "--info", "acme/tiny-vit@0123456")
	if code != 0 || !strings.Contains(stdout, "source:        "+filepath.Join(snap, "model.safetensors")+"\n") || !strings.Contains(errs, snap) {
		t.Errorf("convert --info acme/tiny-vit@0123456: exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
	code, _, errs = run(t, "", "convert", "acme/tiny-vit@v2", "--out", out)
	if want := "vitctl: acme/tiny-vit@v2: no such file or folder; convert reads a checkpoint on disk."; code != ExitFailed || !strings.HasPrefix(errs, want) {
		t.Errorf("convert acme/tiny-vit@v2: exit %d, stderr %q; want exit 1 and %q", code, errs, want)
	}
}

// TestConvertOutResultsName: --out naming a .json (or .txt, .csv) file is
// refused, exit 2, writing nothing: --out DIR/config.json replaced the
// config of the checkpoint it converted with the model file.
func TestConvertOutResultsName(t *testing.T) {
	src := t.TempDir()
	copyTestCheckpoint(t, src)
	config, _ := os.ReadFile(filepath.Join(src, "config.json"))
	out := t.TempDir()
	for _, tc := range []struct{ out, ext string }{
		{filepath.Join(src, "config.json"), ".json"},
		{filepath.Join(out, "vit.JSON"), ".json"},
		{filepath.Join(out, "vit.txt"), ".txt"},
		{filepath.Join(out, "vit.csv"), ".csv"},
	} {
		code, _, errs := run(t, "", "convert", src, "--out", tc.out)
		want := "vitctl: --out " + tc.out + ": a " + tc.ext + " name, for the model file convert writes (GGUF, one binary file); give a name such as model.gguf\n"
		if code != ExitUsage || errs != want {
			t.Errorf("--out %s: exit %d, stderr %q; want exit 2 and %q", tc.out, code, errs, want)
		}
	}
	if now, _ := os.ReadFile(filepath.Join(src, "config.json")); string(now) != string(config) {
		t.Errorf("the checkpoint's config.json was replaced")
	}
	if ents, _ := os.ReadDir(out); len(ents) > 0 {
		t.Errorf("written: %v", ents)
	}
}

// TestConvertFinetuned: the model finetune wrote is written again in f16:
// its matrices rounded to f16, its vectors f32 as they were, every
// metadata key kept (the labels, the fine-tuning record), and classify
// runs it. It was refused as "a model file already … convert the
// checkpoint it came from", and finetune writes no checkpoint.
func TestConvertFinetuned(t *testing.T) {
	dir := t.TempDir()
	ft := filepath.Join(dir, "ft.gguf")
	if code, _, errs := run(t, "", "finetune", "-m", fashionGGUF(t), fashionTree(t), "--out", ft, "--train", "head", "--epochs", "1"); code != ExitOK {
		t.Fatalf("finetune: exit %d\n%s", code, errs)
	}
	out := filepath.Join(dir, "ft-f16.gguf")
	code, stdout, errs := run(t, "", "convert", ft, "--dtype", "f16", "--out", out)
	if code != ExitOK || !strings.HasPrefix(stdout, "wrote "+out+": ") || errs != "" {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
	}
	a, err := gguf.Open(ft)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, k := range []string{keyFTBase, keyFTRecipe, keyFTHistory, keyFTData, model.KeySource, model.KeyName} {
		x, err1 := a.String(k)
		y, err2 := b.String(k)
		if x != y || err1 != nil || err2 != nil {
			t.Errorf("%s: %q (%v), want %q (%v)", k, y, err2, x, err1)
		}
	}
	x, err1 := a.Strings(model.KeyLabels)
	y, err2 := b.Strings(model.KeyLabels)
	if !slices.Equal(x, y) || len(x) != 3 || err1 != nil || err2 != nil {
		t.Errorf("labels %q (%v), want %q (%v)", y, err2, x, err1)
	}
	f16 := 0
	for _, ti := range b.Tensors() {
		x, _, err1 := a.Float32s(ti.Name)
		y, _, err2 := b.Float32s(ti.Name)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		want := slices.Clone(x)
		if ti.Type == gguf.F16 {
			f16++
			for i, v := range x {
				want[i] = gguf.F16ToF32(gguf.F32ToF16(v))
			}
		} else if ti.Type != gguf.F32 || len(ti.Shape) > 1 && ti.Name != model.TensorCLS && ti.Name != model.TensorPos {
			t.Errorf("%s stored in %v", ti.Name, ti.Type)
		}
		if !slices.Equal(y, want) {
			t.Errorf("%s: values differ from the source's rounded to %v", ti.Name, ti.Type)
		}
	}
	if f16 < 6*4 {
		t.Errorf("%d tensors in f16, want every weight matrix", f16)
	}
	if code, stdout, errs := run(t, "", "classify", "-m", out, filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")); code != ExitOK || !strings.Contains(stdout, "shoes") {
		t.Errorf("classify: exit %d\n%s\n%s", code, stdout, errs)
	}
	if code, _, errs := run(t, "", "convert", out, "--dtype", "bf16", "--out", out); code != ExitFailed || !strings.Contains(errs, out+" is the model file being converted; choose another output name") {
		t.Errorf("onto itself: exit %d\n%s", code, errs)
	}
	whole, _ := os.ReadFile(ft)
	cut := filepath.Join(dir, "cut.gguf")
	os.WriteFile(cut, whole[:1000], 0o644)
	if code, _, errs := run(t, "", "convert", cut, "--out", filepath.Join(dir, "c.gguf")); code != ExitFailed || !strings.HasPrefix(errs, "vitctl: "+cut+": ") || !strings.Contains(errs, "truncated") {
		t.Errorf("cut short: exit %d\n%s", code, errs)
	}
}

// TestConvertRoundedNote: a model whose matrices are stored in f16 (the
// built-in vit-tiny-in1k) written in q8_0 or f32 says that its values keep
// f16's rounding, and what gives the original weights.
func TestConvertRoundedNote(t *testing.T) {
	z, _ := zoo.Lookup("vit-tiny-in1k")
	for _, tc := range []struct{ dtype, want string }{
		{"q8_0", "vitctl: note: vit-tiny-in1k stores 74 tensors in f16: q8_0 rounds those values again (converting the checkpoint the model came from with --dtype q8_0 rounds the original weights once)\n"},
		{"f32", "vitctl: note: vit-tiny-in1k stores 74 tensors in f16: in f32 they hold the same values, which are no closer to the original weights (converting the checkpoint the model came from gives those)\n"},
	} {
		out := filepath.Join(t.TempDir(), "m.gguf")
		code, _, errs := run(t, "", "convert", z.Name, "--dtype", tc.dtype, "--out", out)
		if code != ExitOK || errs != tc.want {
			t.Errorf("%s: exit %d, stderr\n%s\nwant\n%s", tc.dtype, code, errs, tc.want)
		}
	}
}

// TestConvertSummaryUnwritten: convert whose stdout cannot take its
// "wrote" line (a full disk) says so and exits 1, as finetune and embed
// do, naming the model file, which is written all the same: it said
// nothing and exited 0.
func TestConvertSummaryUnwritten(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.gguf")
	var errb bytes.Buffer
	code := Main([]string{"convert", "fashion-vit", "--out", out}, strings.NewReader(""), failWriter{}, &errb)
	want := "vitctl: writing output: no space left on device (" + out + " is written)\n"
	if code != ExitFailed || !strings.HasSuffix(errb.String(), want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, errb.String(), want)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("the model file: %v", err)
	}
}
