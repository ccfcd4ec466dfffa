package cli

import (
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/spf13/pflag"

	"github.com/vitctl/vitctl/internal/kernels"
)

// TestValidationSelectsNothing: a run refused by validation leaves the
// kernel selection as it was, even when --kernel names another one.
func TestValidationSelectsNothing(t *testing.T) {
	before := kernels.Selected()
	if before == "generic" {
		t.Skip("the generic kernel is already selected")
	}
	code, _, errs := run(t, "", "classify", "--kernel", "generic", "--batch", "0", imagesDir+"/chelsea.png")
	if code != ExitUsage || !strings.Contains(errs, "--batch 0") {
		t.Fatalf("exit %d, stderr %q; want the --batch usage error", code, errs)
	}
	if got := kernels.Selected(); got != before {
		t.Errorf("a refused run selected kernel %s (was %s)", got, before)
	}
}

// TestEnumFlags: enum flags take their names and aliases, in any letter
// case, and refuse the rest when parsed, with the flag and the choices in
// one line.
func TestEnumFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // the value, or the error
	}{
		{[]string{"--precision", "bf16"}, "bf16"},
		{[]string{"--precision", "q8_0"}, "int8"},
		{[]string{"--precision", "f32"}, "fp32"},
		{[]string{"--precision", "fp16"}, `want fp32, bf16 or int8`},
		{[]string{"-o", "jsonl"}, "jsonl"},
		{[]string{"-o", "xml"}, "want text, json, jsonl or csv"},
		{[]string{"--precision", "BF16"}, "bf16"}, // any letter case
		{[]string{"--precision", "Q8_0"}, "int8"},
		{[]string{"-o", "JSON"}, "json"},
		// ndjson, which an --out name may end in for jsonl, is jsonl.
		{[]string{"-o", "ndjson"}, "jsonl"},
		{[]string{"-o", "NDJSON"}, "jsonl"},
	} {
		var o classifyOptions
		o.output = newOutputFlags("text", "json", "jsonl", "csv")
		f := pflag.NewFlagSet("test", pflag.ContinueOnError)
		o.groups().register(f)
		err := f.Parse(tc.args)
		got := o.precision.value.val
		if tc.args[0] == "-o" {
			got = o.output.format.val
		}
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("%v: got %q, want %q", tc.args, got, tc.want)
		}
	}
}

// TestFlagHelp: every flag of every command has a help line, in the house
// style: lower case first (acronyms such as GEMM aside), no full stop.
func TestFlagHelp(t *testing.T) {
	root := newRootCmd(streams{in: strings.NewReader(""), out: io.Discard, err: io.Discard}, nil)
	for _, cmd := range root.Commands() {
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			u := []rune(f.Usage)
			switch {
			case f.Hidden:
			case len(u) < 2:
				t.Errorf("%s --%s: no help line", cmd.Name(), f.Name)
			case unicode.IsUpper(u[0]) && unicode.IsLower(u[1]):
				t.Errorf("%s --%s: help starts with a capital: %q", cmd.Name(), f.Name, f.Usage)
			case strings.HasSuffix(f.Usage, "."):
				t.Errorf("%s --%s: help ends with a full stop: %q", cmd.Name(), f.Name, f.Usage)
			}
		})
	}
}

// TestAllFilesHelp: --all-files' help names --from-file only in classify,
// the command that has it; embed's and inspect-attention's named
// "classify's --from-file", a flag they have not.
func TestAllFilesHelp(t *testing.T) {
	root := newRootCmd(streams{in: strings.NewReader(""), out: io.Discard, err: io.Discard}, nil)
	for _, tc := range []struct {
		cmd, want string
	}{
		{"classify", "in folders and in lists of paths (- or --from-file), take every file"},
		{"embed", "in folders and in the paths read from - (stdin), take every file"},
		{"inspect-attention", "in folders and in the paths read from - (stdin), take every file"},
	} {
		cmd, _, err := root.Find([]string{tc.cmd})
		if err != nil {
			t.Fatal(err)
		}
		f := cmd.Flags().Lookup("all-files")
		if f == nil || !strings.HasPrefix(f.Usage, tc.want) {
			t.Errorf("%s --all-files: help %q, want it to start %q", tc.cmd, f.Usage, tc.want)
		}
	}
}

// TestFlagValuesIgnoreCase: the named choices of other flags are taken in
// any letter case too: --kernel (and $VITCTL_KERNEL), convert's --dtype,
// finetune's --train and inspect-attention's --method.
func TestFlagValuesIgnoreCase(t *testing.T) {
	k := kernelFlags{name: "AUTO"}
	if err := k.validate(); err != nil {
		t.Errorf("--kernel AUTO: %v", err)
	}
	t.Setenv(kernelEnv, "Generic")
	if err := (&kernelFlags{}).validate(); err != nil {
		t.Errorf("$%s=Generic: %v", kernelEnv, err)
	}
	if m, err := parseMethods("Rollout,RELEVANCE"); err != nil || !slices.Equal(m, []string{"rollout", "relevance"}) {
		t.Errorf("--method Rollout,RELEVANCE: %v, %v", m, err)
	}
	ins := newInspectCmd(streams{})
	if err := ins.ParseFlags([]string{"--scale", "MinMax", "--fuse", "MAX", "--upsample", "Nearest", "--colormap", "JET"}); err != nil {
		t.Errorf("inspect-attention --scale MinMax --fuse MAX --upsample Nearest --colormap JET: %v", err)
	}
	for flag, want := range map[string]string{"scale": "minmax", "fuse": "max", "upsample": "nearest", "colormap": "jet"} {
		if got := ins.Flags().Lookup(flag).Value.String(); got != want { // what summary.json records
			t.Errorf("inspect-attention --%s: %q, want %q", flag, got, want)
		}
	}
	if l, err := parseIndexList("layers", "ALL", 3, "layers"); err != nil || len(l) != 3 {
		t.Errorf("--layers ALL: %v, %v", l, err)
	}
	o := finetuneOptions{trainMode: "Last:2", batch: 8, workers: 1, out: "m.gguf"}
	if r, err := o.recipe(); err != nil || r.Train != "last:2" {
		t.Errorf("--train Last:2: %q, %v", r.Train, err)
	}
	out := filepath.Join(t.TempDir(), "m.gguf")
	src := filepath.Join(testdataDir, "models", "vit-p16-gelu")
	if code, _, errs := run(t, "", "convert", src, "--dtype", "F16", "--out", out); code != ExitOK {
		t.Errorf("convert --dtype F16: exit %d: %s", code, errs)
	}
}

// TestTopKNoteOnlyWhenGiven: the note that a model has fewer classes than
// -k asks for is said when -k was given, not for the default -k 5 of a
// model of 2 classes (a finetuned one had it at every run).
func TestTopKNoteOnlyWhenGiven(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"-k", "2"}, ""},
		{[]string{"-k", "5"}, "vitctl: note: -k 5: model m.gguf has 2 classes, and each image gets them all\n"},
		{[]string{"--top-k=7"}, "vitctl: note: -k 7: model m.gguf has 2 classes, and each image gets them all\n"},
	} {
		var k topKFlags
		f := pflag.NewFlagSet("classify", pflag.ContinueOnError)
		k.register(f)
		if err := f.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if got := k.note("m.gguf", 2); got != tc.want {
			t.Errorf("%q: note %q, want %q", tc.args, got, tc.want)
		}
	}
}

// TestOutputFormatsHelp: -o's help names ndjson beside jsonl where a
// command takes it, and nowhere else.
func TestOutputFormatsHelp(t *testing.T) {
	for _, tc := range []struct {
		formats []string
		want    string
	}{
		{[]string{"text", "json", "jsonl", "csv"}, "text, json, jsonl (or ndjson) or csv"},
		{[]string{"jsonl", "csv"}, "jsonl (or ndjson) or csv"},
		{[]string{"text", "json"}, "text or json"},
	} {
		if got := newOutputFlags(tc.formats...).formats(); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.formats, got, tc.want)
		}
	}
}

// TestUpToNpyByEnding: --batch is cut to the inputs' count unless one is
// a .npy array, told by its name's ending as loadInput reads it: a photo
// in a folder named set.npy, or a URL's query naming one, is one image.
func TestUpToNpyByEnding(t *testing.T) {
	p := &pipelineFlags{batch: 64, decoders: 2}
	for _, tc := range []struct {
		paths []string
		want  int
	}{
		{[]string{"a.jpg", "b.png"}, 2},
		{[]string{"a.jpg", "x.NPY"}, 64},
		{[]string{"https://example.com/x.npy?dl=1"}, 64},
		{[]string{"set.npy/a.jpg", "b.npy.png"}, 2},
		{[]string{"https://example.com/get?file=x.npy"}, 1},
	} {
		var inputs []input
		for _, path := range tc.paths {
			inputs = append(inputs, input{path: path})
		}
		if got := p.upTo(inputs).batch; got != tc.want {
			t.Errorf("upTo(%q).batch = %d, want %d", tc.paths, got, tc.want)
		}
	}
}

// TestThreadsDefaultSaysGOMAXPROCS: with $GOMAXPROCS set, which the Go
// runtime takes in place of the CPUs the process may use, --threads' help
// and its messages name it: they said "by its affinity mask and cgroup
// quota: 7 here" of GOMAXPROCS=7 on a machine of 2. A value the runtime
// ignores (not a number above 0) leaves them as they were.
func TestThreadsDefaultSaysGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, tc := range []struct{ env, want string }{
		{"3", "GOMAXPROCS=3 in the environment: 3 here"},
		{"", "by its affinity mask and cgroup quota: "},
		{"0", "by its affinity mask and cgroup quota: "},
		{"lots", "by its affinity mask and cgroup quota: "},
	} {
		t.Setenv("GOMAXPROCS", tc.env)
		if tc.env == "3" {
			runtime.GOMAXPROCS(3) // as the runtime set it at start
		}
		for _, cmd := range []string{"classify", "embed", "eval", "finetune", "inspect-attention", "benchmark"} {
			if _, out, _ := run(t, "", cmd, "--help"); !strings.Contains(out, tc.want) {
				t.Errorf("GOMAXPROCS=%q: %s --help does not say %q", tc.env, cmd, tc.want)
			}
		}
		if tc.env == "3" {
			want := "vitctl: --threads 0: must be at least 1 (without --threads: GOMAXPROCS=3 in the environment, 3 here)\n"
			if code, _, errs := run(t, "", "classify", "--threads", "0", "x.png"); code != ExitUsage || errs != want {
				t.Errorf("--threads 0: exit %d, stderr %q, want %q", code, errs, want)
			}
		}
	}
}
