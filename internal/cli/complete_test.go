package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFlagCompletion: the completion scripts offer a choice flag's values
// and -m's built-in models beside model files and folders, where every
// flag's value completed to the names of files (-o <TAB> listed photos).
func TestFlagCompletion(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "flowers.gguf"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644)
	os.Mkdir(filepath.Join(dir, "vit-base"), 0o755)
	os.WriteFile(filepath.Join(dir, "model_best.pth.tar"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), nil, 0o644) // a sharded checkpoint's
	os.WriteFile(filepath.Join(dir, "photos.tar"), nil, 0o644)                   // no torch.save file
	d := dir + string(filepath.Separator)
	const noFiles, folder, noSpace = ":4", ":6", ":6" // ShellCompDirectiveNoFileComp, with NoSpace
	for _, tc := range []struct {
		args      []string
		want      []string
		directive string
	}{
		{[]string{"classify", "-o", ""}, []string{"text", "json", "jsonl", "csv"}, noFiles},
		{[]string{"classify", "--output", "js"}, []string{"json", "jsonl"}, noFiles},
		{[]string{"embed", "-o", ""}, []string{"jsonl", "csv"}, noFiles},
		{[]string{"models", "-o", ""}, []string{"text", "json"}, noFiles},
		{[]string{"embed", "--pool", ""}, []string{"cls", "mean", "tokens"}, noFiles},
		{[]string{"classify", "--precision", ""}, []string{"fp32", "bf16", "int8"}, noFiles},
		{[]string{"classify", "--decode", "d"}, []string{"draft"}, noFiles},
		{[]string{"inspect-attention", "--colormap", ""}, []string{"viridis", "jet", "magma", "gray"}, noFiles},
		{[]string{"inspect-attention", "--fuse", "m"}, []string{"mean", "max", "min"}, noFiles},
		{[]string{"inspect-attention", "--scale", ""}, []string{"robust", "minmax"}, noFiles},
		{[]string{"inspect-attention", "--upsample", ""}, []string{"bilinear", "nearest"}, noFiles},
		{[]string{"inspect-attention", "--method", "rollout,"}, []string{"rollout,relevance", "rollout,grad-rollout"}, noFiles},
		{[]string{"classify", "--kernel", "avx2"}, []string{"avx2"}, noFiles},
		{[]string{"convert", "--dtype", ""}, []string{"f32", "f16", "bf16", "q8_0"}, noFiles},
		{[]string{"classify", "-m", "f"}, []string{"fashion-vit"}, noFiles},
		{[]string{"embed", "--model", d}, []string{d + "flowers.gguf", d + "vit-base" + string(filepath.Separator)}, noFiles},
		{[]string{"classify", "-m", d + "v"}, []string{d + "vit-base" + string(filepath.Separator)}, folder},
		// export's MODEL is what -m takes; convert's SRC a checkpoint file too.
		{[]string{"export", "f"}, []string{"fashion-vit"}, noFiles},
		{[]string{"export", d}, []string{d + "flowers.gguf", d + "vit-base" + string(filepath.Separator)}, noFiles},
		{[]string{"convert", d}, []string{d + "flowers.gguf", d + "model.safetensors.index.json", d + "model_best.pth.tar", d + "vit-base" + string(filepath.Separator)}, noFiles},
		{[]string{"convert", "fashion-vit", ""}, nil, noFiles},
		{[]string{"benchmark", "--arch", ""}, []string{"vit-ti", "vit-s", "vit-b", "vit-l"}, noFiles},
		{[]string{"benchmark", "--arch", "vit-ti,vit-"}, []string{"vit-ti,vit-s", "vit-ti,vit-b", "vit-ti,vit-l"}, noFiles},
		{[]string{"finetune", "--train", ""}, []string{"all", "head", "last:"}, noFiles},
		{[]string{"finetune", "--train", "l"}, []string{"last:"}, noSpace},
		// Values that name no file offer nothing, not the folder's files.
		{[]string{"classify", "--threads", ""}, nil, noFiles},
		{[]string{"benchmark", "--batch", ""}, nil, noFiles},
		{[]string{"benchmark", "--time", ""}, nil, noFiles},
		{[]string{"benchmark", "--image-size", ""}, nil, noFiles},
		{[]string{"benchmark", "--max-memory", ""}, nil, noFiles},
		{[]string{"finetune", "--lr", ""}, nil, noFiles},
		{[]string{"finetune", "--seed", ""}, nil, noFiles},
		{[]string{"inspect-attention", "--class", ""}, nil, noFiles},
		{[]string{"classify", "--shard", ""}, nil, noFiles},
		// A command of no argument offers none, where it offered the
		// folder's files; merge offers the shards' files (and folders).
		{[]string{"models", ""}, nil, noFiles},
		{[]string{"benchmark", ""}, nil, noFiles},
		{[]string{"merge", ""}, []string{"jsonl", "ndjson"}, ":8"}, // ShellCompDirectiveFilterFileExt
		{[]string{"merge", "a.jsonl", ""}, []string{"jsonl", "ndjson"}, ":8"},
		// Files stay files.
		{[]string{"classify", ""}, nil, ":0"},
		{[]string{"classify", "--out", ""}, nil, ":0"},
		{[]string{"benchmark", "--plot", ""}, nil, ":0"},
	} {
		code, out, errs := run(t, "", append([]string{"__complete"}, tc.args...)...)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		got, directive := lines[:len(lines)-1], lines[len(lines)-1]
		if len(got) == 0 {
			got = nil
		}
		if code != ExitOK || !slices.Equal(got, tc.want) || directive != tc.directive {
			t.Errorf("%q: exit %d, offered %q, directive %s; want %q, %s\n%s", tc.args, code, got, directive, tc.want, tc.directive, errs)
		}
	}
}

// TestCompletionWriteError: a completion script that stdout does not
// take (a full disk) is said as every command's output is, "writing
// output: …", where it was the write's error alone, and exits 1.
func TestCompletionWriteError(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		var errb bytes.Buffer
		code := Main([]string{"completion", sh}, strings.NewReader(""), failWriter{}, &errb)
		if want := "vitctl: writing output: no space left on device\n"; code != ExitFailed || errb.String() != want {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %q", sh, code, errb.String(), want)
		}
	}
}
