package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spf13/cobra"
)

// TestExitCodes checks that usage errors exit 2 because of what went wrong,
// not because of their text: a model path containing cobra's words exits 1
// like any missing file.
func TestExitCodes(t *testing.T) {
	img := imagesDir + "/chelsea.png"
	for _, tc := range []struct {
		args []string
		code int
		want string // in stderr
	}{
		{[]string{"classify", "-m", "no such dir/what accepts this.gguf", img}, ExitFailed, "what accepts this.gguf"},
		{[]string{"classify", "-m", "no such dir/invalid argument.gguf", img}, ExitFailed, "invalid argument.gguf"},
		{[]string{"classify", "-m", "no such dir/missing.gguf", img}, ExitFailed, "missing.gguf"},
		{[]string{"classify", "-m", "../../README.md", img}, ExitFailed, "vitctl: model ../../README.md: not a GGUF file"},
		{[]string{"classify", "-m", "nope.gguf", img}, ExitFailed, "vitctl: model nope.gguf: no such file or folder\n"},
		{[]string{"classify", "-m", "unknown command required flag.gguf", img}, ExitFailed, "unknown command"},
		{[]string{"classify"}, ExitUsage, "missing argument: give images"},
		{[]string{"inspect-attention", "--out", "x"}, ExitUsage, "missing argument: give an image"},
		{[]string{"convert"}, ExitUsage, "missing argument: give one checkpoint"},
		{[]string{"convert", "a", "b"}, ExitUsage, `unexpected argument "b"`},
		// A yes/no flag's value after a space was "unexpected argument",
		// of the value or of the argument after it.
		{[]string{"convert", "a", "--use-ema", "false", "--out", "b.gguf"}, ExitUsage, "vitctl: convert: unexpected argument \"false\": a yes/no flag takes its value after =, --use-ema=false (see vitctl convert --help)\n"},
		{[]string{"convert", "--use-ema", "FALSE", "a", "--out", "b.gguf"}, ExitUsage, "vitctl: convert: unexpected argument \"false\": a yes/no flag takes its value after =, --use-ema=false"},
		{[]string{"convert", "--info", "true", "a"}, ExitUsage, "--info=true"},
		{[]string{"convert", "true", "a"}, ExitUsage, `unexpected argument "a": give only one checkpoint`},
		// The flag given bare is the one, not one given its value after =
		// (it said --use-ema=true).
		{[]string{"convert", "--use-ema=false", "--verify", "true", "a", "--out", "b.gguf"}, ExitUsage, "unexpected argument \"true\": a yes/no flag takes its value after =, --verify=true"},
		// So in the commands that take no argument: it was their own hint
		// (benchmark: "a model file goes after -m").
		{[]string{"benchmark", "--verify-model", "false"}, ExitUsage, "vitctl: benchmark: unexpected argument \"false\": a yes/no flag takes its value after =, --verify-model=false (see vitctl benchmark --help)\n"},
		{[]string{"models", "--notices", "true"}, ExitUsage, "vitctl: models: unexpected argument \"true\": a yes/no flag takes its value after =, --notices=true (see vitctl models --help)\n"},
		{[]string{"benchmark", "model.gguf"}, ExitUsage, "after -m"},
		// And in the commands that take many inputs, where the run went
		// on with the flag true and the value failed as an input,
		// "false: no such file or directory", exit 1.
		{[]string{"classify", "--verify-model", "false", img}, ExitUsage, "vitctl: classify: unexpected argument \"false\": a yes/no flag takes its value after =, --verify-model=false (see vitctl classify --help)\n"},
		{[]string{"classify", img, "--recursive", "True"}, ExitUsage, "--recursive=true"},
		{[]string{"classify", "--from-file", "list.txt", "--recursive", "false"}, ExitUsage, "--recursive=false"},
		{[]string{"embed", "--verify-model", "false", img}, ExitUsage, "vitctl: embed: unexpected argument \"false\": a yes/no flag takes its value after =, --verify-model=false"},
		{[]string{"inspect-attention", "--out", "x", "--verify-model", "false"}, ExitUsage, "vitctl: inspect-attention: unexpected argument \"false\": a yes/no flag takes its value after =, --verify-model=false"},
		{[]string{"merge", "--recursive", "false", "a.jsonl"}, ExitUsage, "--recursive=false"},
		{[]string{"eval", "--verify-model", "false", "data"}, ExitUsage, "--verify-model=false"},
		// Without a yes/no flag given bare, false is an input like any.
		{[]string{"classify", "--verify-model=false", "false"}, ExitFailed, "vitctl: false: no such file or directory\n"},
		{[]string{"clasify", img}, ExitUsage, "did you mean classify?"},
		{[]string{"classify", "--no-such-flag", img}, ExitUsage, "unknown flag"},
		{[]string{"classify", "-k"}, ExitUsage, "flag needs an argument"},
		// A flag given to help was sent to help's own --help, which lists
		// none but -h.
		{[]string{"help", "classify", "--threads"}, ExitUsage, "vitctl: unknown flag: --threads: help takes a command's name, not its flags (see vitctl classify --help)\n"},
		{[]string{"help", "-k"}, ExitUsage, "help takes a command's name, not its flags (see vitctl help --help)\n"},
		{[]string{"completion", "bash", "extra"}, ExitUsage, "vitctl: completion bash: unexpected argument \"extra\": the shell is the only argument; its help says how to load the script (see vitctl completion bash --help)\n"},
		// An unknown shell printed the help and exited 0; "version" said
		// "unknown command" only.
		{[]string{"completion", "zsh2"}, ExitUsage, "vitctl: completion: unknown shell \"zsh2\": want bash, zsh, fish or powershell\n"},
		{[]string{"completion"}, ExitOK, ""},
		{[]string{"version"}, ExitUsage, "vitctl: unknown command \"version\": vitctl --version prints the version\n"},
		// A command's --version was "unknown flag: --version (see vitctl
		// classify --help)", which lists no such flag.
		{[]string{"classify", "--version"}, ExitUsage, "vitctl: unknown flag: --version: vitctl --version prints the version (see vitctl classify --help)\n"},
		{[]string{"convert", "--version"}, ExitUsage, "vitctl: unknown flag: --version: vitctl --version prints the version (see vitctl convert --help)\n"},
		{[]string{}, ExitOK, ""},
	} {
		code, _, stderr := run(t, "", tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("vitctl %q: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

// TestBoolValueNamesAFile: an input named false that is there is an input,
// after a yes/no flag given bare too; the run classifies it.
func TestBoolValueNamesAFile(t *testing.T) {
	img, err := os.ReadFile(imagesDir + "/chelsea.png")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	if err := os.WriteFile("false", img, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "", "classify", "--verify-model", "false", "-k", "1", "-o", "csv")
	if code != ExitOK || !strings.Contains(stdout, "\nfalse,") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and a row of false", code, stdout, stderr)
	}
}

// TestEmptyValues: an empty argument or string flag value, what an unset
// shell variable gives, is a usage error naming it, before any work:
// export "" exported the built-in model, -m "" ran it, --out "" printed
// to stdout, --shard "" ran every shard's inputs, and classify "" said
// "vitctl: : no such file or directory".
func TestEmptyValues(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	dir := t.TempDir()
	hf := filepath.Join(dir, "hf")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "", "--out", hf}, `vitctl: export: argument 1 is "", as an unset shell variable gives: give a value (see vitctl export --help)` + "\n"},
		{[]string{"classify", "-m", "", img}, `vitctl: --model "": an empty value, as an unset shell variable gives: give a value, or leave the flag out (see vitctl classify --help)` + "\n"},
		{[]string{"classify", "--model=", img}, `vitctl: --model "": an empty value`},
		{[]string{"classify", "-m", "fashion-vit", "--out", "", img}, `vitctl: --out "": an empty value`},
		{[]string{"classify", "-m", "fashion-vit", "--shard", "", img}, `vitctl: --shard "": an empty value`},
		{[]string{"classify", "-m", "fashion-vit", "--from-file", "", img}, `vitctl: --from-file "": an empty value`},
		{[]string{"classify", "-m", "fashion-vit", "--kernel", "", img}, `vitctl: --kernel "": an empty value`},
		{[]string{"classify", "-m", "fashion-vit", img, ""}, `vitctl: classify: argument 2 is "", as an unset shell variable gives`},
		{[]string{"classify", "-m", "fashion-vit", "--", ""}, `vitctl: classify: argument 1 is ""`},
		{[]string{"embed", "-m", "fashion-vit", "--out", "", img}, `vitctl: --out "": an empty value`},
		{[]string{"inspect-attention", "-m", "fashion-vit", "--out", filepath.Join(dir, "attn"), "--class", "", img}, `vitctl: --class "": an empty value`},
		{[]string{"eval", "-m", "fashion-vit", "--plot", "", imagesDir + "/fashion/labels.csv"}, `vitctl: --plot "": an empty value`},
		{[]string{"merge", "--inputs", img, "--inputs", "", "x.jsonl"}, `vitctl: --inputs "": an empty value`},
		{[]string{"convert", "", "--out", filepath.Join(dir, "m.gguf")}, `vitctl: convert: argument 1 is ""`},
		// It said "vitctl: vitctl: argument 1 is …".
		{[]string{""}, `vitctl: argument 1 is "", as an unset shell variable gives: give a value (see vitctl --help)` + "\n"},
		{[]string{"help", ""}, `vitctl: help: argument 1 is ""`},
	} {
		code, stdout, stderr := run(t, "", tc.args...)
		if code != ExitUsage || stdout != "" || !strings.HasPrefix(stderr, tc.want) {
			t.Errorf("vitctl %q: exit %d, stdout %q, stderr %q; want exit 2, no stdout and %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
	if _, err := os.Stat(hf); !os.IsNotExist(err) {
		t.Errorf("export \"\" --out %s: the folder is there (%v); want none", hf, err)
	}
}

// TestUnknownFlagSuggestions: an unknown flag is a usage error naming the
// command's flags it may have meant, and the command's help.
func TestUnknownFlagSuggestions(t *testing.T) {
	for _, tc := range []struct{ cmd, flag, want string }{
		{"classify", "--topk", "unknown flag: --topk; did you mean --top-k? (see vitctl classify --help)"},
		{"classify", "--TOP_K", "did you mean --top-k?"},
		{"classify", "--thread", "did you mean --threads?"},
		{"benchmark", "--presicion", "did you mean --precision?"},
		{"finetune", "--epoch", "did you mean --epochs?"},
		{"embed", "--xyz", "unknown flag: --xyz (see vitctl embed --help)"},
		{"merge", "-o", "unknown shorthand flag: 'o' in -o: -o is --output in benchmark, classify, embed, eval, finetune, inspect-attention and models; merge has no -o; did you mean --out? (see vitctl merge --help)"},
		{"classify", "-t", "unknown shorthand flag: 't' in -t; did you mean --threads or --top-k? (see vitctl classify --help)"},
		{"merge", "-rx", "unknown shorthand flag: 'x' in -x (see vitctl merge --help)"},
		// A short flag of other commands says what it is there: embed -k
		// was asked only "did you mean --kernel?".
		{"embed", "-k", "unknown shorthand flag: 'k' in -k: -k is --top-k in classify and inspect-attention; embed has no -k; did you mean --kernel? (see vitctl embed --help)"},
		// classify's --from-file, which embed and inspect-attention lack
		// (they read a list from stdin), was only an unknown flag.
		{"embed", "--from-file", "unknown flag: --from-file: embed reads a list of paths from stdin instead: give - as an argument (vitctl embed - < LIST, with -0 for find -print0's lists) (see vitctl embed --help)"},
		{"inspect-attention", "--from-file", "unknown flag: --from-file: inspect-attention reads a list of paths from stdin instead: give - as an argument (vitctl inspect-attention - < LIST"},
		{"benchmark", "-r", "unknown shorthand flag: 'r' in -r: -r is --recursive in classify, embed, inspect-attention and merge; benchmark has no -r (see vitctl benchmark --help)"},
		// So does a long flag of other commands: embed --shard was only an
		// unknown flag, and eval --verify-model (benchmark's, then) asked "did you mean --model?".
		{"embed", "--shard", "unknown flag: --shard: --shard is in classify; embed has no --shard (see vitctl embed --help)"},
		{"embed", "--resume", "unknown flag: --resume: --resume is in classify and finetune; embed has no --resume (see vitctl embed --help)"},
		{"merge", "--verify-model", "unknown flag: --verify-model: --verify-model is in benchmark, classify, embed, eval, finetune and inspect-attention; merge has no --verify-model (see vitctl merge --help)"},
		{"merge", "--pool", "unknown flag: --pool: --pool is in embed; merge has no --pool (see vitctl merge --help)"},
	} {
		code, _, errs := run(t, "", tc.cmd, tc.flag, "3", imagesDir+"/chelsea.png")
		if code != ExitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%s %s: exit %d, stderr %q, want %q", tc.cmd, tc.flag, code, errs, tc.want)
		}
	}
	// Every command, the root and nested ones included, says where its
	// flags are for an unknown flag, short or long.
	var paths [][]string
	eachCommand(newRootCmd(streams{}, nil), func(c *cobra.Command) {
		paths = append(paths, strings.Fields(c.CommandPath())[1:])
	})
	for _, path := range paths {
		for _, flag := range []string{"-Z", "--zzz"} {
			name := strings.Join(append([]string{"vitctl"}, path...), " ")
			code, _, errs := run(t, "", append(slices.Clone(path), flag)...)
			if want := " (see " + name + " --help)\n"; code != ExitUsage || !strings.HasSuffix(errs, want) {
				t.Errorf("%s %s: exit %d, stderr %q, want 2 and %q at the end", name, flag, code, errs, want)
			}
		}
	}
}

// TestReadErrors: a file the user named that cannot be read (missing, a
// folder, a symlink loop) is one error saying what the command was doing
// ("merge: reading F: …", "--from-file: reading F: …"), the file's name and
// the system's reason, without the system call ("open F: …", "stat F: …").
// (A folder given to merge or --from-file is a usage error:
// TestMergeRefusesNotResults, TestScaleFlagErrors.)
func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nosuch")
	loop := filepath.Join(dir, "loop.jsonl")
	os.Symlink(loop, loop)
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o644)
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	tree := fashionTree(t)
	out := filepath.Join(dir, "ft.gguf")
	inLoop := "a link to " + loop + ", part of a loop of links that leads to no file" // was "too many levels of symbolic links"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"merge", missing + ".jsonl"}, "merge: reading " + missing + ".jsonl: no such file or directory"},
		{[]string{"merge", loop}, "merge: reading " + loop + ": " + inLoop},
		{[]string{"merge", "--from-file", missing + ".txt", empty}, "--from-file: reading " + missing + ".txt: no such file or directory"},
		{[]string{"classify", "-m", "fashion-vit", "--from-file", missing + ".txt"}, "--from-file: reading " + missing + ".txt: no such file or directory"},
		{[]string{"classify", "-m", "fashion-vit", "-o", "jsonl", "--out", loop, "--resume", img}, "--resume: reading " + loop + ": " + inLoop},
		{[]string{"eval", "-m", "fashion-vit", missing + ".csv"}, "data: reading " + missing + ".csv: no such file or directory"},
		{[]string{"finetune", "-m", "fashion-vit", missing + ".csv", "--out", out}, "data: reading " + missing + ".csv: no such file or directory"},
		{[]string{"finetune", "-m", "fashion-vit", tree, "--val", missing + ".csv", "--out", out}, "--val: reading " + missing + ".csv: no such file or directory"},
		{[]string{"finetune", "-m", "fashion-vit", tree, "--val", tree, "--out", out, "--resume"}, "--resume: reading " + out + ".ckpt: no such file or directory (a run writes it after each epoch): run without --resume to start one"},
		{[]string{"convert", "--info", missing + ".gguf"}, missing + ".gguf: no such file or folder"},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != ExitFailed || !strings.Contains(errs, "vitctl: "+tc.want+"\n") || strings.Contains(errs, "open ") || strings.Contains(errs, "stat ") {
			t.Errorf("%q: exit %d, stderr %q, want exit 1 and %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestFlagWithoutValueHint: a flag given without its value, short or long,
// says where the command's flags are, as an unknown flag does.
func TestFlagWithoutValueHint(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "-k"}, "vitctl: flag needs an argument: 'k' in -k (see vitctl classify --help)\n"},
		{[]string{"classify", "--top-k"}, "vitctl: flag needs an argument: --top-k (see vitctl classify --help)\n"},
		{[]string{"eval", "--threads"}, "vitctl: flag needs an argument: --threads (see vitctl eval --help)\n"},
		{[]string{"merge", "a.jsonl", "--out"}, "vitctl: flag needs an argument: --out (see vitctl merge --help)\n"},
		{[]string{"classify", "---k", "3"}, "vitctl: bad flag syntax: ---k (see vitctl classify --help)\n"},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != ExitUsage || errs != tc.want {
			t.Errorf("vitctl %q: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestDashedFileHint: a file whose name starts with a dash (-k.jpg), given
// before "--", is read as flags (-k with the value .jpg); the flag error
// says so and how to give it, where it was only '--top-k ".jpg": want a
// whole number'. A file or folder there is named as one, a name like an
// image's as a guess; a value given in full (--top-k=a.jpg) or with no
// dash (-k a.jpg) gets no hint, nor does an argument after "--".
func TestDashedFileHint(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("-k.jpg", nil, 0o644)
	os.WriteFile("-t.txt", nil, 0o644)
	os.Mkdir("-k.d", 0o755)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "-k.jpg"}, `vitctl: --top-k ".jpg": want a whole number; -k.jpg is a file: put file names after -- (vitctl classify -- -k.jpg)`},
		{[]string{"classify", "-rk.jpg"}, `vitctl: --top-k ".jpg": want a whole number; for a file named -rk.jpg, put file names after -- (vitctl classify -- -rk.jpg)`},
		{[]string{"classify", "-k.d"}, `vitctl: --top-k ".d": want a whole number; -k.d is a folder: put file names after -- (vitctl classify -- -k.d)`},
		{[]string{"classify", "-k", "-x.png"}, `vitctl: --top-k "-x.png": want a whole number; for a file named -x.png, put file names after -- (vitctl classify -- -x.png)`},
		{[]string{"classify", "-ox.webp"}, `; for a file named -ox.webp, put file names after -- (vitctl classify -- -ox.webp)`},
		{[]string{"classify", "-t.txt"}, `vitctl: unknown shorthand flag: 't' in -t.txt; -t.txt is a file: put file names after -- (vitctl classify -- -t.txt); did you mean --threads or --top-k? (see vitctl classify --help)`},
		{[]string{"merge", "--all.jsonl.npy"}, `vitctl: unknown flag: --all.jsonl.npy; for a file named --all.jsonl.npy, put file names after -- (vitctl merge -- --all.jsonl.npy)`},
		{[]string{"classify", "--top-k=a.jpg"}, `vitctl: --top-k "a.jpg": want a whole number` + "\n"},
		{[]string{"classify", "-k", "a.jpg"}, `vitctl: --top-k "a.jpg": want a whole number` + "\n"},
		{[]string{"classify", "-k3x"}, `vitctl: --top-k "3x": want a whole number` + "\n"},
		{[]string{"classify", "-k", "3x", "--", "-k.jpg"}, `vitctl: --top-k "3x": want a whole number` + "\n"},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != ExitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("vitctl %q: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestBadValueSaysWhatTheFlagWants: a value that does not parse is one line
// naming the flag and what it wants, in the flag's own terms: a bool flag
// given a word said "want a whole number" (strconv.ParseBool's error is a
// NumError), and a duration without its unit printed Go's own words
// (`time: missing unit in duration "1"`).
func TestBadValueSaysWhatTheFlagWants(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "--all-files=maybe", "a.jpg"}, `vitctl: --all-files "maybe": want true or false` + "\n"},
		{[]string{"benchmark", "--time", "1"}, `vitctl: --time "1": want a duration with its unit, such as 3s, 500ms or 1m` + "\n"},
		{[]string{"benchmark", "--warmup", "half"}, `vitctl: --warmup "half": want a duration with its unit, such as 3s, 500ms or 1m` + "\n"},
		{[]string{"classify", "-k", "x", "a.jpg"}, `vitctl: --top-k "x": want a whole number` + "\n"},
		{[]string{"finetune", "--lr", "x", "d", "--out", "o.gguf"}, `vitctl: --lr "x": want a number` + "\n"},
		{[]string{"classify", "-k", "99999999999999999999", "a.jpg"}, `vitctl: --top-k "99999999999999999999": out of range` + "\n"},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != ExitUsage || errs != tc.want {
			t.Errorf("vitctl %q: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestExportModelFlag: export -m MODEL, as the other commands take a
// model, says that export takes it as its argument, with the command
// line that does; it said "unknown shorthand flag: 'm' in -m".
func TestExportModelFlag(t *testing.T) {
	for _, tc := range []struct{ args []string }{
		{[]string{"export", "-m", "fashion-vit", "--out", "hf"}},
		{[]string{"export", "--out", "hf", "-mfashion-vit"}},
		{[]string{"export", "--model=fashion-vit", "--out", "hf"}},
	} {
		code, stdout, errs := run(t, "", tc.args...)
		if !strings.Contains(errs, ": export takes the model as its argument, not -m (vitctl export ") || !strings.Contains(errs, " fashion-vit") || strings.Contains(errs, "-m") && !strings.Contains(errs, "not -m") || code != ExitUsage || stdout != "" {
			t.Errorf("%q: exit %d, stderr %q", tc.args, code, errs)
		}
	}
	code, _, errs := run(t, "", "export", "-m", "fashion-vit", "--out", "hf")
	if want := "vitctl: unknown shorthand flag: 'm' in -m: export takes the model as its argument, not -m (vitctl export fashion-vit --out hf)\n"; code != ExitUsage || errs != want {
		t.Errorf("exit %d, stderr %q, want %q", code, errs, want)
	}
}

// TestUnknownOutSaysRedirect: --out given to a command that prints its
// results on stdout and writes no file of them (eval, models) says to
// redirect stdout, where it said "did you mean --output?", the format,
// which then refused the file name.
func TestUnknownOutSaysRedirect(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", "-m", "fashion-vit", "data", "--out", "e.json"}, "vitctl: unknown flag: --out: eval writes its results to stdout, in the format -o picks: redirect them (> FILE) to keep them (see vitctl eval --help)\n"},
		{[]string{"models", "--out=m.json"}, "vitctl: unknown flag: --out: models writes its results to stdout, in the format -o picks: redirect them (> FILE) to keep them (see vitctl models --help)\n"},
		{[]string{"eval", "data", "--outt", "e.json"}, "vitctl: unknown flag: --outt; did you mean --output? (see vitctl eval --help)\n"},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != ExitUsage || errs != tc.want {
			t.Errorf("vitctl %q: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestBadOutputHint: a bad -o value that is a file's name is told where
// the command writes its results: to --out FILE in classify, benchmark and
// embed (which said to redirect stdout, or, in embed, nothing of the .npy),
// to stdout in eval; another command's format (embed -o json, eval -o csv)
// is only refused, where it was told to redirect stdout to keep the results.
func TestBadOutputHint(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "-o", "labels.json", "a.jpg"}, `vitctl: --output "labels.json": want text, json, jsonl or csv (-o is the format of the results; --out FILE writes them to a file)`},
		{[]string{"benchmark", "-o", "rows.csv"}, `vitctl: --output "rows.csv": want text, json, jsonl or csv (-o is the format of the rows; --out FILE writes them to a file)`},
		{[]string{"embed", "-o", "v.npy", "a.jpg"}, `vitctl: --output "v.npy": want jsonl or csv (-o is the format of the records on stdout; --out FILE.npy writes the vectors to a file)`},
		{[]string{"eval", "-o", "e.json", "data"}, `vitctl: --output "e.json": want text or json (-o is the format of the results on stdout; redirect them (> FILE) to keep them)`},
		{[]string{"embed", "-o", "json", "a.jpg"}, `vitctl: --output "json": want jsonl or csv (embed prints one JSON object per image as each is done, -o jsonl; jq -s . makes them one array)`},
		{[]string{"embed", "-o", "text", "a.jpg"}, `vitctl: --output "text": want jsonl or csv (vectors print as JSON lines, -o jsonl, or with --out FILE.npy as CSV rows, -o csv)`},
		{[]string{"eval", "-o", "CSV", "data"}, `vitctl: --output "CSV": want text or json`},
		{[]string{"inspect-attention", "-o", "attn", "a.jpg"}, `vitctl: --output "attn": want text, json, jsonl or csv (-o is the format of the predictions; the pictures go to --out DIR)`},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != ExitUsage || errs != tc.want+"\n" {
			t.Errorf("vitctl %q: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestArgErrorsNameTheCommandPath: the argument checks name a nested
// command with its parent, and point at its help by its full path.
func TestArgErrorsNameTheCommandPath(t *testing.T) {
	for _, tc := range []struct {
		check cobra.PositionalArgs
		args  []string
		want  string
	}{
		{minArgs(1, "a thing"), nil, "outer inner: missing argument: give a thing (see vitctl outer inner --help)"},
		{exactArgs(1, "a thing"), []string{"a", "b"}, `outer inner: unexpected argument "b": give only a thing (see vitctl outer inner --help)`},
		{noArgs("it takes none"), []string{"a"}, `outer inner: unexpected argument "a": it takes none (see vitctl outer inner --help)`},
		{dataArg(), []string{"m.gguf"}, "outer inner: m.gguf is a model file, not labelled images: give it after -m (vitctl outer inner -m m.gguf DATA)"},
	} {
		root := &cobra.Command{Use: "vitctl"}
		outer := &cobra.Command{Use: "outer"}
		inner := &cobra.Command{Use: "inner"}
		root.AddCommand(outer)
		outer.AddCommand(inner)
		if err := tc.check(inner, tc.args); err == nil || err.Error() != tc.want {
			t.Errorf("%q: got %v, want %q", tc.args, err, tc.want)
		}
	}
}

// TestHelpOneDefault: no flag's help line says its default twice (pflag
// added "(default 2)" after --threads' own "(default: the CPUs …)").
func TestHelpOneDefault(t *testing.T) {
	eachCommand(newRootCmd(streams{}, nil), func(c *cobra.Command) {
		for line := range strings.SplitSeq(c.Flags().FlagUsages(), "\n") {
			if strings.Count(line, "(default") > 1 {
				t.Errorf("%s: %s", c.CommandPath(), strings.TrimSpace(line))
			}
		}
	})
}

// eachCommand calls f on c and on each command below it, parents first.
func eachCommand(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		eachCommand(sub, f)
	}
}

// TestRootHelpStarts: vitctl alone says what it does first and how to
// start; it said it "converts ViT checkpoints to GGUF model files", which
// a first run of classify does not need.
func TestRootHelpStarts(t *testing.T) {
	for _, args := range [][]string{{}, {"help"}, {"--help"}} {
		code, stdout, _ := run(t, "", args...)
		if code != ExitOK || !strings.HasPrefix(stdout, "vitctl runs Vision Transformers") || !strings.Contains(stdout, "\n  vitctl classify photo.jpg\n") {
			t.Errorf("vitctl %q: exit %d\n%s", args, code, stdout)
		}
	}
}

// TestHelpProseWidth: no line of a command's --help prose is wider than 80
// columns (examples and indented tables aside), where embed's, eval's and
// inspect-attention's each had one of 104–119 columns that a terminal
// wrapped mid-word, and vitctl's own and classify's ran to 84–88. The
// completion scripts' help is cobra's.
func TestHelpProseWidth(t *testing.T) {
	eachCommand(newRootCmd(streams{}, nil), func(c *cobra.Command) {
		if c.Parent() != nil && c.Parent().Name() == "completion" {
			return
		}
		for line := range strings.SplitSeq(c.Long, "\n") {
			if !strings.HasPrefix(line, "  ") && utf8.RuneCountInString(line) > 80 {
				t.Errorf("%s: %d columns: %s", c.CommandPath(), utf8.RuneCountInString(line), line)
			}
		}
	})
}

// TestHelpUnknownTopic: vitctl help TOPIC of no command is a usage error
// with the commands meant, as vitctl TOPIC is, where it printed vitctl's
// own help and exited 0; a command's topic prints its help.
func TestHelpUnknownTopic(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string // stderr, or the start of stdout
	}{
		{[]string{"help", "clasify"}, ExitUsage, "vitctl: help clasify: no such command; did you mean classify? (see vitctl --help)\n"},
		{[]string{"help", "zzz"}, ExitUsage, "vitctl: help zzz: no such command (see vitctl --help)\n"},
		{[]string{"help", "classify"}, ExitOK, "Classify prints the top-k labels"},
		{[]string{"help", "completion", "bash"}, ExitOK, "Generate the autocompletion script for the bash shell"},
		{[]string{"help"}, ExitOK, "vitctl runs Vision Transformers"},
	} {
		code, out, errs := run(t, "", tc.args...)
		if code != tc.code || (code == ExitOK && !strings.HasPrefix(out, tc.want)) || (code != ExitOK && (errs != tc.want || out != "")) {
			t.Errorf("vitctl %q: exit %d, stdout %.80q, stderr %q; want exit %d and %q", tc.args, code, out, errs, tc.code, tc.want)
		}
	}
}

// TestCobraOutputWriteError: what cobra prints itself, help and the
// version, to a stdout that does not take it (a full disk) is said as
// every command's output is, "writing output: …", exit 1: help exited 0
// saying nothing (cobra does not check its help's writes), and --version
// said the write's error alone. Help that stdout takes exits 0.
func TestCobraOutputWriteError(t *testing.T) {
	for _, args := range [][]string{
		{"--version"},
		{"help"},
		{"help", "classify"},
		{"-h"},
		{"--help"},
		{},
		{"classify", "--help"},
		{"convert", "-h"},
		{"completion"},
		{"completion", "bash", "--help"},
	} {
		var errb bytes.Buffer
		code := Main(args, strings.NewReader(""), failWriter{}, &errb)
		if want := "vitctl: writing output: no space left on device\n"; code != ExitFailed || errb.String() != want {
			t.Errorf("%q: exit %d, stderr %q; want 1 and %q", args, code, errb.String(), want)
		}
	}
	var out bytes.Buffer
	if code := Main([]string{"classify", "--help"}, strings.NewReader(""), &out, io.Discard); code != ExitOK || !strings.HasPrefix(out.String(), "Classify prints") {
		t.Errorf("classify --help: exit %d, stdout %q; want 0 and the help", code, out.String())
	}
}
