package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/gguf"
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
		{"both spellings", []string{"convert", src, "-o", "OUT", "--out", "OUT"}, ExitUsage, "", "give the model file once", false},
		{"missing folder", []string{"convert", src, "--out", "OUT/../nodir/m.gguf"}, ExitUsage, "", "does not exist", false},
		{"bad dtype", []string{"convert", src, "--out", "OUT", "--dtype", "f64"}, ExitUsage, "", `--dtype "f64": want f32, f16, bf16 or q8_0`, false},
		{"two sources", []string{"convert", src, src, "--out", "OUT"}, ExitUsage, "", "unexpected argument", false},
		{"missing source", []string{"convert", "no/such/dir", "--out", "OUT"}, ExitFailed, "", "no/such/dir: no such file", false},
		{"not a model", []string{"convert", filepath.Join(imagesDir, "chelsea.png"), "--out", "OUT"}, ExitFailed, "", "not a model folder", false},
		// The config names the model, but the weights are beside it.
		{"its config", []string{"convert", filepath.Join(src, "config.json"), "--out", "OUT"}, ExitFailed, "",
			"vitctl: " + filepath.Join(src, "config.json") + ": a model's settings, not its weights: give its folder, " + src + ", which holds the checkpoint too\n", false},
		{"its config, --info", []string{"convert", "--info", filepath.Join(src, "preprocessor_config.json")}, ExitFailed, "",
			"vitctl: " + filepath.Join(src, "preprocessor_config.json") + ": a model's settings, not its weights: give its folder, " + src + ", which holds the checkpoint too\n", false},
		{"a model file", []string{"convert", filepath.Join("..", "zoo", "fashion-vit.gguf"), "--out", "OUT"}, ExitFailed, "",
			"fashion-vit.gguf: a model file already, which -m takes as it is (convert --info describes it); convert reads checkpoints: a model folder, or a .safetensors, .bin or .index.json file (for another --dtype, convert the checkpoint it came from)\n", false},
		{"built-in name", []string{"convert", "fashion-vit", "--out", "OUT"}, ExitFailed, "",
			"vitctl: fashion-vit: no such file or folder; fashion-vit is a built-in model, a model file already: give -m fashion-vit to classify, embed, eval… (convert --info fashion-vit describes it)\n", false},
		{"Hugging Face id", []string{"convert", "google/vit-base-patch16-224", "--out", "OUT"}, ExitFailed, "",
			"vitctl: google/vit-base-patch16-224: no such file or folder; convert reads a checkpoint on disk. For the Hugging Face repository google/vit-base-patch16-224, -m google/vit-base-patch16-224 in classify or embed downloads and converts it once (vitctl models lists the file), or download it first (huggingface-cli download google/vit-base-patch16-224 --local-dir vit-base-patch16-224) and convert that folder\n", false},
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
