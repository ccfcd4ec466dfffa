package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hostileFlags lists, for every command, invalid and extreme flag values
// and missing arguments. Each must end in exit 2 with one line on stderr:
// no runtime dump, no half-finished output.
var hostileFlags = map[string][][]string{
	"classify": {
		{"-k", "0"}, {"-k", "-1"}, {"-k", "abc"}, {"-k", "99999999999999999999"},
		// A batch larger than the images is sized for them, but a .npy
		// input may hold many: the run is sized for the whole batch.
		{"--batch", "0"}, {"--batch", "-3"}, {"--batch", "1000000000", "../../testdata/golden/vit-p16-gelu/pixels.npy"},
		{"--threads", "0"}, {"--threads", "1000000"}, {"--threads", "two"},
		{"--decoders", "0"}, {"--decoders", "1000000"},
		{"--max-pixels", "0"}, {"--max-pixels", "-1"},
		{"--image-size", "0"}, {"--image-size", "-16"}, {"--image-size", "big"}, {"--image-size", "16x0"},
		{"--image-size", "700000"}, {"--image-size", "99999999999999999999"}, {"--image-size", "2147483648x16"},
		{"--image-size", "30"},
		{"--precision", "fp16"}, {"--kernel", "sse9"}, {"-o", "xml"},
		{"--max-memory", "0"}, {"--max-memory", "lots"}, {"--max-memory", "1K"},
		{"--no-such-flag"}, {"-k"}, {"--out", "/no/such/dir/r.jsonl"}, {"--out", "-"},
	},
	"inspect-attention": {
		{"--discard-ratio", "1"}, {"--discard-ratio", "-0.1"}, {"--discard-ratio", "NaN"},
		{"--alpha", "2"}, {"--alpha", "NaN"}, {"--size", "1"}, {"--size", "99999"},
		{"--layers", "99"}, {"--layers", "5-1"}, {"--layers", "a"}, {"--heads", "99"},
		{"--fuse", "median"}, {"--colormap", "rainbow"}, {"--upsample", "cubic"},
		{"--image-size", "700000"}, {"--image-size", "28000"}, {"--threads", "0"}, {"-k", "0"},
		{"--precision", "fp16"}, {"-o", "png"}, {"--max-memory", "1K"}, {"--max-pixels", "0"},
	},
	"benchmark": {
		{"--batch", "0"}, {"--batch", "100000", "--image-size", "224"}, {"--threads", "0"}, {"--threads", "1000000"},
		{"--patch", "0"}, {"--patch", "-16"}, {"--image-size", "100000"}, {"--image-size", "0"},
		{"--image-size", "64x10000000"}, {"--image-size", "64x"}, {"--shape", "vit-ti/32@64x0"}, {"--shape", "vit-ti/32@64x50"},
		{"--time", "0s"}, {"--time", "-1s"}, {"--time", "soon"},
		{"--warmup", "-1s"}, {"--min-runs", "0"}, {"--plot", "c.jpg"}, {"--plot", "/no/such/dir/c.png"},
		{"--plot-size", "1x1"}, {"--plot-size", "100000x100000"}, {"--arch", "vit-x"}, {"--shape", "vit-b"},
		{"--shape", "vit-b/0@224"}, {"--kernel", "sse9"}, {"--precision", "fp64"}, {"-o", "yaml"},
		{"--max-memory", "-5G"}, {"stray-argument"}, {"--shape", "vit-ti/300000000@300000000"},
	},
	"merge": {
		{}, {"--bogus", "a.jsonl"}, {"--recursive=maybe", "a.jsonl"}, {"--all-files=maybe", "a.jsonl"}, {"--out", "/no/such/dir/m.jsonl", "a.jsonl"},
	},
	"eval": {
		{"--plot", "c.jpg"}, {"--plot", "/no/such/dir/c.png"}, {"--batch", "0"}, {"--threads", "0"}, {"-o", "csv"},
		{"--decode", "fast"}, {"--precision", "fp16"},
	},
	"finetune": {
		{"--out", "/no/such/dir/m.gguf"}, {"--plot", "c.jpg"}, {"--plot", "/no/such/dir/c.png"},
		{"--epochs", "0"}, {"--epochs", "-1"}, {"--lr", "0"}, {"--lr", "NaN"}, {"--batch", "0"},
		{"--train", "last:0"}, {"--train", "last:99"}, {"--train", "legs"}, {"--augment", "maybe"},
		{"--val-split", "1"}, {"--warmup", "2"}, {"--label-smoothing", "1"}, {"--weight-decay", "-1"}, {"--weight-decay", "NaN"},
		{"--threads", "0"}, {"--decoders", "0"}, {"-o", "csv"}, {"--max-memory", "1K"},
	},
	"embed": {
		{"--pool", "max"}, {"--pool", ""}, {"-o", "csv"}, {"-o", "text"}, {"--batch", "0"}, {"--decoders", "0"},
		{"--threads", "0"}, {"--image-size", "30"}, {"--max-pixels", "0"}, {"--max-memory", "1K"}, {"--precision", "fp16"},
		{"-m", "fashion-vit", "--pool", "mean", "--image-size", "700000"}, {"--no-such-flag"}, {"--npy", "/no/such/dir/e.npy"},
	},
	"models": {
		{"-o", "csv"}, {"stray-argument"}, {"--notices=maybe"},
	},
	"export": {
		{}, {"fashion-vit"}, {"fashion-vit", "--out"}, {"fashion-vit", "--out", "."}, {"fashion-vit", "--out", "/no/such/dir/hf"},
		{"fashion-vit", "vit-tiny-in1k", "--out", "x"}, {"fashion-vit", "--out", "/dev/null"}, {"--no-such-flag", "fashion-vit"},
	},
	"convert": {
		{"--dtype", "f64"}, {"--dtype", ""}, {"two", "sources"}, {}, {"--out", "/no/such/dir/m.gguf", "x"},
	},
}

// TestHostileFlags runs the table on the built binary.
func TestHostileFlags(t *testing.T) {
	img := "../../testdata/images/chelsea.png"
	out := t.TempDir()
	// finetune's DATA: a labelled list of real images, so that checks made
	// after reading it (--max-memory) are reached.
	list := "path,label\n"
	pngs, _ := filepath.Glob("../../testdata/images/fashion/*.png")
	for i, f := range pngs {
		abs, _ := filepath.Abs(f)
		list += abs + "," + []string{"a", "b"}[i%2] + "\n"
	}
	data := filepath.Join(out, "data.csv")
	if err := os.WriteFile(data, []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	for cmd, cases := range hostileFlags {
		for _, flags := range cases {
			// Harmless defaults first: the flag under test, given later, wins.
			args := []string{cmd}
			switch cmd {
			case "classify", "embed":
				args = append(args, img)
			case "inspect-attention":
				args = append(args, "--out", out, img)
			case "eval":
				args = append(args, "-m", "fashion-vit", "../../testdata/images/fashion")
			case "finetune":
				args = append(args, "-m", "fashion-vit", data, "--out", out+"/ft.gguf")
			case "benchmark":
				args = append(args, "--arch", "vit-ti", "--patch", "32", "--image-size", "64", "--time", "1ms", "--warmup", "0", "--min-runs", "1")
			case "convert":
				if len(flags) == 2 && flags[0] == "--dtype" {
					args = append(args, "../../testdata/models/vit-p16-gelu", "--out", out+"/m.gguf")
				}
			}
			args = append(args, flags...)
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			c := exec.CommandContext(ctx, vitctl, args...)
			c.Stdout, c.Stderr = &stdout, &stderr
			code := exitCode(c.Run())
			cancel()
			e := stderr.String()
			if code != 2 || strings.Count(e, "\n") != 1 || !strings.HasPrefix(e, "vitctl: ") ||
				strings.Contains(e, "goroutine") || strings.Contains(e, "fatal error") || stdout.Len() > 0 {
				t.Errorf("vitctl %q: exit %d, stdout %d bytes, stderr:\n%s", args, code, stdout.Len(), e)
			}
		}
	}
}
