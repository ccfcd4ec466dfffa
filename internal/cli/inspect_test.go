package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/attention"
	"github.com/vitctl/vitctl/internal/convert"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/imageio"
	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/npy"
)

const testdataDir = "../../testdata"

// goldenModels are the small checkpoints with PyTorch attention goldens:
// Hugging Face ViT, DeiT (CLS and distillation tokens) and timm (registers,
// average pooling, no CLS token).
var goldenModels = []string{
	"vit-p16-gelu", "vit-p8-h6-eps6", "vit-p8-relu-noqkvbias",
	"vit-p16-gelunew-bf16", "vit-p8-quickgelu-sharded", "vit-p8-f16",
	"deit-p8-distilled", "deit-p8-teacher",
	"timm-p8-reg-ls", "timm-p8-avg-fcnorm-prenorm", "timm-p8-noclass-avg",
}

// convertTestModel converts testdata/models/name to a model file in a
// temporary folder and returns its path.
func convertTestModel(t *testing.T, name string) string {
	return convertModelDir(t, filepath.Join(testdataDir, "models", name))
}

func convertModelDir(t *testing.T, src string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "model.gguf")
	if _, err := convert.Convert(context.Background(), src, out, convert.Options{DType: gguf.F32, Version: Version}); err != nil {
		t.Fatalf("converting %s: %v", src, err)
	}
	return out
}

func readNpy(t *testing.T, path string) *npy.Array {
	t.Helper()
	a, err := npy.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// checkProbs compares captured (…, T, T) probabilities with the golden's
// to 1e-5 and checks that every captured row sums to 1.
func checkProbs(t *testing.T, what string, got, want []float32, T int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, golden has %d", what, len(got), len(want))
	}
	var worst float64
	for i := range got {
		worst = math.Max(worst, math.Abs(float64(got[i])-float64(want[i])))
	}
	t.Logf("%s: max |captured - reference| = %.2g", what, worst)
	if worst > 1e-5 {
		t.Errorf("%s: max |captured - reference| = %.2g, want <= 1e-5", what, worst)
	}
	for r := 0; r < len(got)/T; r++ {
		var s float64
		for _, p := range got[r*T : (r+1)*T] {
			s += float64(p)
		}
		if math.Abs(s-1) > 1e-5 {
			t.Fatalf("%s: row %d sums to %.8f", what, r, s)
		}
	}
}

// TestCaptureMatchesReference runs the reference's pixels (B=3) through
// every small model with the capture hook the command installs.
func TestCaptureMatchesReference(t *testing.T) {
	for _, name := range goldenModels {
		t.Run(name, func(t *testing.T) {
			m, err := loadModel(resolveModel(convertTestModel(t, name)), false, &precisionFlags{})
			if err != nil {
				t.Fatal(err)
			}
			gold := filepath.Join(testdataDir, "golden", name)
			px := readNpy(t, filepath.Join(gold, "pixels.npy"))
			B := px.Shape[0]
			r := m.NewRunner(kernels.NewPool(2), B)
			c := captureAttention(r, m.Config.NumHiddenLayers)
			if _, err := r.Forward(px.Data, B); err != nil {
				t.Fatal(err)
			}
			T := r.Tokens()
			for l := range c.layers {
				want := readNpy(t, filepath.Join(gold, fmt.Sprintf("attn_%02d.npy", l)))
				if s := []int{B, m.Config.NumAttentionHeads, T, T}; !slices.Equal(want.Shape, s) {
					t.Fatalf("golden attn_%02d is %v, want %v", l, want.Shape, s)
				}
				checkProbs(t, fmt.Sprintf("layer %d", l), c.layers[l], want.Data, T)
			}
		})
	}
}

// inspectFixture is a converted model and one golden image as a .npy input.
type inspectFixture struct {
	model, input string
	gold         string
	b            int // which image of the golden batch
	H, T         int
	layers       int
}

func newInspectFixture(t *testing.T, name string, b int) *inspectFixture {
	return newFixtureFrom(t, filepath.Join(testdataDir, "models", name), filepath.Join(testdataDir, "golden", name), b)
}

func newFixtureFrom(t *testing.T, modelDir, goldDir string, b int) *inspectFixture {
	t.Helper()
	fx := &inspectFixture{model: convertModelDir(t, modelDir), gold: goldDir, b: b}
	px := readNpy(t, filepath.Join(fx.gold, "pixels.npy"))
	per := len(px.Data) / px.Shape[0]
	one := &npy.Array{Shape: px.Shape[1:], Data: px.Data[b*per : (b+1)*per]}
	fx.input = filepath.Join(t.TempDir(), "img.npy")
	var buf bytes.Buffer
	if err := npy.Write(&buf, one); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fx.input, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	a0 := readNpy(t, filepath.Join(fx.gold, "attn_00.npy"))
	fx.H, fx.T = a0.Shape[1], a0.Shape[2]
	for ; ; fx.layers++ {
		if _, err := os.Stat(filepath.Join(fx.gold, fmt.Sprintf("attn_%02d.npy", fx.layers))); err != nil {
			break
		}
	}
	return fx
}

// goldenHeads is image b's probabilities of the given layers and heads,
// (layers, heads, T, T).
func (fx *inspectFixture) goldenHeads(t *testing.T, layers, heads []int) []float32 {
	var out []float32
	for _, l := range layers {
		a := readNpy(t, filepath.Join(fx.gold, fmt.Sprintf("attn_%02d.npy", l)))
		for _, h := range heads {
			off := ((fx.b*fx.H + h) * fx.T) * fx.T
			out = append(out, a.Data[off:off+fx.T*fx.T]...)
		}
	}
	return out
}

func TestInspectCommand(t *testing.T) {
	fixtures := map[string]*inspectFixture{}
	for _, tc := range []struct {
		name, model   string
		flags         []string
		layers, heads []int
		query         string
	}{
		{"all", "vit-p8-h6-eps6", nil, []int{0, 1, 2}, []int{0, 1, 2, 3, 4, 5}, "CLS attention"},
		{"subset", "vit-p8-h6-eps6", []string{"--layers", "2,0", "--heads", "1,3-4", "--fuse", "max", "--discard-ratio", "0.9", "--upsample", "nearest", "--colormap", "magma", "--size", "40"}, []int{0, 2}, []int{1, 3, 4}, "CLS attention"},
		{"deit", "deit-p8-distilled", []string{"--discard-ratio", "0.5", "--size", "32"}, nil, nil, "CLS attention"},
		{"no-cls", "timm-p8-noclass-avg", []string{"--discard-ratio", "0.5", "--fuse", "min", "--size", "32"}, nil, nil, "mean patch-token attention"},
	} {
		fx := fixtures[tc.model]
		if fx == nil {
			fx = newInspectFixture(t, tc.model, 1)
			fixtures[tc.model] = fx
		}
		if tc.layers == nil {
			tc.layers, tc.heads = seq(fx.layers), seq(fx.H)
		}
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"inspect-attention", "-m", fx.model, fx.input, "--out", out, "--raw", "-o", "json"}, tc.flags...)
			code, stdout, stderr := run(t, "", args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			dir := filepath.Join(out, "img")
			raw := readNpy(t, filepath.Join(dir, "attentions.npy"))
			if want := []int{len(tc.layers), len(tc.heads), fx.T, fx.T}; !slices.Equal(raw.Shape, want) {
				t.Fatalf("attentions.npy is %v, want %v", raw.Shape, want)
			}
			checkProbs(t, "attentions.npy", raw.Data, fx.goldenHeads(t, tc.layers, tc.heads), fx.T)

			var printed []record
			if err := json.Unmarshal([]byte(stdout), &printed); err != nil || len(printed) != 1 {
				t.Fatalf("stdout is not one JSON record (%v): %s", err, stdout)
			}
			logits := readNpy(t, filepath.Join(fx.gold, "logits.npy"))
			L := logits.Shape[1]
			row := logits.Data[fx.b*L : (fx.b+1)*L]
			if best := printed[0].TopK[0].Index; row[best] != slices.Max(row) {
				t.Errorf("top-1 is class %d, the reference's logits %v disagree", best, row)
			}
			sum := checkSummary(t, dir, tc.layers, tc.heads, printed[0].TopK)
			if sum.Query != tc.query || sum.Tokens != fx.T || sum.GridRows*sum.GridCols+sum.PrefixTokens != fx.T {
				t.Errorf("summary: query %q, T %d, grid %dx%d, prefix %d; want query %q, T %d",
					sum.Query, sum.Tokens, sum.GridRows, sum.GridCols, sum.PrefixTokens, tc.query, fx.T)
			}
		})
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// TestInspectViTBase is opt-in: VITCTL_VIT_BASE_DIR names the folder that
// `scripts/gen_goldens.sh --vit-base DIR` filled with a ViT-B/16-shaped
// random checkpoint and its goldens. It checks the command's attentions.npy
// at the real shape (12 layers, 12 heads, T = 197).
func TestInspectViTBase(t *testing.T) {
	dir := os.Getenv("VITCTL_VIT_BASE_DIR")
	if dir == "" {
		t.Skip("set VITCTL_VIT_BASE_DIR to run (see scripts/gen_goldens.sh --vit-base)")
	}
	fx := newFixtureFrom(t, filepath.Join(dir, "model"), filepath.Join(dir, "golden"), 1)
	out := t.TempDir()
	code, _, stderr := run(t, "", "inspect-attention", "-m", fx.model, fx.input, "--out", out, "--raw", "--size", "32")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	raw := readNpy(t, filepath.Join(out, "img", "attentions.npy"))
	checkProbs(t, "attentions.npy", raw.Data, fx.goldenHeads(t, seq(fx.layers), seq(fx.H)), fx.T)
}

// checkSummary reads summary.json and checks that the files it lists are
// exactly the folder's, that every PNG decodes, and the picture sizes.
func checkSummary(t *testing.T, dir string, layers, heads []int, top []prediction) *inspectSummary {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum inspectSummary
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sum.Layers, layers) || !slices.Equal(sum.Heads, heads) || !slices.Equal(sum.TopK, top) {
		t.Errorf("summary.json: layers %v heads %v top %v", sum.Layers, sum.Heads, sum.TopK)
	}
	// With --raw every single map comes as NAME.png and NAME.npy.
	want := []string{"input.png", "rollout.png", "rollout.npy", "rollout_grid.png", "attentions.npy", "summary.json", "summary.png"}
	for _, l := range layers {
		for _, h := range heads {
			want = append(want, fmt.Sprintf("layer%02d_head%02d.png", l, h), fmt.Sprintf("layer%02d_head%02d.npy", l, h))
		}
		want = append(want, fmt.Sprintf("layer%02d_fused_%s.png", l, sum.Fuse), fmt.Sprintf("layer%02d_fused_%s.npy", l, sum.Fuse),
			fmt.Sprintf("layer%02d_grid.png", l))
	}
	if a := readNpy(t, filepath.Join(dir, "rollout.npy")); !slices.Equal(a.Shape, []int{sum.GridRows, sum.GridCols}) {
		t.Errorf("rollout.npy is %v, want the grid %dx%d", a.Shape, sum.GridRows, sum.GridCols)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, e := range entries {
		have = append(have, e.Name())
	}
	sort.Strings(want)
	listed := slices.Sorted(slices.Values(sum.Files))
	if !slices.Equal(have, want) || !slices.Equal(listed, want) {
		t.Fatalf("folder holds %v\nsummary lists %v\nwant %v", have, listed, want)
	}
	side := 224
	for _, name := range have {
		if filepath.Ext(name) != ".png" {
			continue
		}
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name == "input.png" {
			side = cfg.Width
		}
		if !strings.Contains(name, "grid") && name != "summary.png" && (cfg.Width != side || cfg.Height != side) {
			t.Errorf("%s is %dx%d, want %dx%d", name, cfg.Width, cfg.Height, side, side)
		}
	}
	return &sum
}

func TestInspectUsageErrors(t *testing.T) {
	fx := newInspectFixture(t, "vit-p16-gelu", 0)
	out := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{fx.input}, "--out DIR is required"},
		{[]string{fx.input, "--out", out, "--layers", "2"}, "the model has 2 layers, numbered 0 to 1"},
		{[]string{fx.input, "--out", out, "--heads", "1-x"}, `--heads "1-x"`},
		{[]string{fx.input, "--out", out, "--heads", "3-1"}, `--heads "3-1"`},
		{[]string{fx.input, "--out", out, "--fuse", "median"}, `--fuse "median": want mean, max or min`},
		{[]string{fx.input, "--out", out, "--discard-ratio", "1.5"}, "--discard-ratio 1.5"},
		{[]string{fx.input, "--out", out, "--alpha", "-1"}, "--alpha -1"},
		{[]string{fx.input, "--out", out, "--colormap", "rainbow"}, `--colormap "rainbow": want viridis, jet, magma or gray`},
		{[]string{fx.input, "--out", out, "--upsample", "cubic"}, `--upsample "cubic": want bilinear or nearest`},
		{[]string{"--out", out}, "missing argument"},
		{[]string{fx.input, "--out", out, "--method", "rollout,saliency"}, `--method "rollout,saliency"`},
		{[]string{fx.input, "--out", out, "--method", "rollout", "--class", "1"}, `--class "1": --method rollout explains no class; relevance and grad-rollout do (--method rollout,relevance draws both)`},
		{[]string{fx.input, "--out", out, "--class", "99"}, "--class 99: the model has"},
		{[]string{fx.input, "--out", out, "--method", "relevance", "--class", "99"}, "--class 99: the model has"},
		{[]string{fx.input, "--out", out, "--method", "grad-rollout", "--class", "no such"}, `--class "no such": not one of the model's 10 labels nor a class index; its labels: "tabby cat"`},
		{[]string{fx.input, "--out", out, "--method", "relevance", "--image-size", "96"}, "gradients need the model's own image size"},
		{[]string{fx.input, "--out", out, "--scale", "log"}, `--scale "log": want robust or minmax`},
		{[]string{fx.input, "--out", out, "--photo-size", "8"}, "--photo-size 8: must be between 16 and 16384"},
		{[]string{fx.input, "-o", out}, "the pictures go to --out DIR"},
		{[]string{fx.input, "--out", fx.input}, "--out " + fx.input + ": is a file; give a folder to write the pictures into (created if missing)"},
		// Below a file: it failed once the model was loaded, exit 1, with
		// "--out: mkdir FILE: not a directory".
		{[]string{fx.input, "--out", filepath.Join(fx.input, "attn", "x")}, "vitctl: --out " + filepath.Join(fx.input, "attn", "x") + ": " + fx.input + " is not a folder\n"},
	} {
		args := append([]string{"inspect-attention", "-m", fx.model}, tc.args...)
		code, _, stderr := run(t, "", args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 mentioning %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestInspectUsageMakesNoFolder: a usage error found once the model is
// open (--class, gradients at another --image-size, --layers) makes no
// --out folder; a --class that named no class left it behind, empty.
func TestInspectUsageMakesNoFolder(t *testing.T) {
	fx := newInspectFixture(t, "vit-p16-gelu", 0)
	for _, extra := range [][]string{
		{"--class", "no such"},
		{"--method", "relevance", "--class", "99"},
		{"--method", "grad-rollout", "--image-size", "96"},
		{"--layers", "7"},
	} {
		out := filepath.Join(t.TempDir(), "attn")
		args := append([]string{"inspect-attention", "-m", fx.model, fx.input, "--out", out}, extra...)
		code, _, stderr := run(t, "", args...)
		if _, err := os.Stat(out); code != ExitUsage || err == nil {
			t.Errorf("%v: exit %d (want 2), --out made: %v; stderr %q", extra, code, err == nil, stderr)
		}
	}
}

// TestInspectSomeFail: a missing file is reported and skipped, the others
// are drawn, the exit status is 1, and no temporary file is left behind.
func TestInspectSomeFail(t *testing.T) {
	fx := newInspectFixture(t, "vit-p16-gelu", 2)
	out := t.TempDir()
	missing := filepath.Join(t.TempDir(), "missing.png")
	other := filepath.Join(t.TempDir(), "img.npy") // another img: drawn into img-2
	if err := os.Link(fx.input, other); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "", "inspect-attention", "-m", fx.model, missing, fx.input, other, "--out", out, "-o", "jsonl", "--size", "16")
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1; stderr %s", code, stderr)
	}
	if strings.Count(stderr, "missing.png") != 1 {
		t.Errorf("stderr should name the missing file once: %s", stderr)
	}
	if n := strings.Count(stdout, "\n"); n != 3 {
		t.Errorf("want 3 JSON lines, got %d: %s", n, stdout)
	}
	entries, _ := os.ReadDir(out)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"img", "img-2"}) {
		t.Errorf("sub-folders %v, want [img img-2]", names)
	}
	for _, d := range names {
		files, _ := os.ReadDir(filepath.Join(out, d))
		for _, f := range files {
			if strings.HasSuffix(f.Name(), ".tmp") {
				t.Errorf("temporary file left: %s/%s", d, f.Name())
			}
		}
	}
}

// TestInspectWriteErrorStops: a record that cannot be written to stdout (a
// full disk) stops the run there, as every other command's does, saying
// after how many inputs; it said "writing output: …" once per input and
// again at the end, drew the pictures of every input after it, and
// printed its summary.
func TestInspectWriteErrorStops(t *testing.T) {
	fx := newInspectFixture(t, "vit-p16-gelu", 1)
	out := t.TempDir()
	other := filepath.Join(t.TempDir(), "img.npy") // another img: it would be drawn into img-2
	if err := os.Link(fx.input, other); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "jsonl"} {
		var errb bytes.Buffer
		args := []string{"inspect-attention", "-m", fx.model, fx.input, other, "--out", out, "-o", format, "--size", "16"}
		code := Main(args, strings.NewReader(""), failWriter{}, &errb)
		want := "vitctl: writing output: no space left on device; stopped after 0 of 2 inputs\n"
		if errs := errb.String(); code != ExitFailed || !strings.HasSuffix(errs, want) || strings.Count(errs, "writing output") != 1 {
			t.Errorf("-o %s: exit %d, stderr\n%s\nwant exit 1, ending with\n%s", format, code, errs, want)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 1 || entries[0].Name() != "img" {
			t.Errorf("-o %s: sub-folders %v, want img alone", format, entries)
		}
	}
}

// TestInspectListedTwice: an input listed twice, as arguments or in a
// list, is drawn once, into one folder, with one record and the note every
// other command gives; it was drawn twice, into img and img-2, with two
// records, the second folder a copy of the first.
func TestInspectListedTwice(t *testing.T) {
	fx := newInspectFixture(t, "vit-p16-gelu", 1)
	const note = "vitctl: note: 1 input listed more than once is done once\n"
	for _, tc := range []struct {
		name, stdin string
		args        []string
	}{
		{"arguments", "", []string{fx.input, fx.input}},
		{"list", fx.input + "\n" + fx.input + "\n", []string{"-"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"inspect-attention", "-m", fx.model, "--out", out, "-o", "jsonl", "--size", "16"}, tc.args...)
			code, stdout, stderr := run(t, tc.stdin, args...)
			if code != ExitOK || !strings.Contains(stderr, note) {
				t.Fatalf("exit %d, stderr %q; want 0 and the note %q", code, stderr, note)
			}
			if n := strings.Count(stdout, "\n"); n != 1 {
				t.Errorf("%d records, want 1:\n%s", n, stdout)
			}
			if entries, _ := os.ReadDir(out); len(entries) != 1 || entries[0].Name() != "img" {
				t.Errorf("sub-folders %v, want img alone", entries)
			}
		})
	}
}

func TestParseIndexList(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want []int
	}{
		{"all", []int{0, 1, 2, 3}},
		{"3,1", []int{1, 3}},
		{"0-2,1", []int{0, 1, 2}},
		{" 2 , 3 ", []int{2, 3}},
	} {
		got, err := parseIndexList("heads", tc.s, 4, "heads")
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %v, %v; want %v", tc.s, got, err, tc.want)
		}
	}
	for _, s := range []string{"", "4", "-1", "1-", "a", "2-1", "1,,2"} {
		if _, err := parseIndexList("heads", s, 4, "heads"); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	// What is wrong: a range from high to low is told to run from low to
	// high (it was told "want a list like 0,3,5-7", which it looks like).
	for _, tc := range []struct{ s, want string }{
		{"3-1", `--heads "3-1": the range 3-1 runs from high to low: write 1-3 (a range runs from low to high)`},
		{"0,2-1", `--heads "0,2-1": the range 2-1 runs from high to low: write 1-2 (a range runs from low to high)`},
		{"a", `--heads "a": want "all" or a list like 0,3,5-7`},
		{"1-4", `--heads "1-4": the model has 4 heads, numbered 0 to 3`},
		{"-1", `--heads "-1": the model's 4 heads are numbered 0 to 3, counting from the first: for the last, give 3`},
		{"0,-2", `--heads "0,-2": the model's 4 heads are numbered 0 to 3, counting from the first: for the last, give 3`},
	} {
		_, err := parseIndexList("heads", tc.s, 4, "heads")
		var ue usageError
		if err == nil || err.Error() != tc.want || !errors.As(err, &ue) {
			t.Errorf("%q: error %v, want the usage error %q", tc.s, err, tc.want)
		}
	}
}

// TestPicturesOnePatch feeds the drawing code synthetic captures in which
// the shown tokens attend only to the patch at grid row 1, column 2, and
// checks that the head, fused and rollout pictures are bright there and
// dark two patches away: the right row is drawn, not a column, the prefix
// tokens are skipped, and the grid is row-major. With a CLS token (and a
// distillation token) only CLS attends to the patch, every other token to
// itself; pooled without CLS, every token attends to the patch.
func TestPicturesOnePatch(t *testing.T) {
	const S, P, H, L, size = 32, 8, 2, 3, 64
	g := S / P
	for _, lo := range []attention.Layout{
		{T: g*g + 2, Prefix: 2, GH: g, GW: g, HasCLS: true},
		{T: g * g, Prefix: 0, GH: g, GW: g, Pooled: true},
	} {
		t.Run(lo.Query(), func(t *testing.T) {
			T := lo.T
			target := lo.Prefix + 1*g + 2
			probs := make([][]float32, L)
			for l := range probs {
				probs[l] = make([]float32, H*T*T)
				for h := 0; h < H; h++ {
					for i := 0; i < T; i++ {
						j := i
						if i == 0 || lo.Pooled {
							j = target
						}
						probs[l][(h*T+i)*T+j] = 1
					}
				}
			}
			checkOnePatch(t, lo, probs, S, size, [2]int{1, 2})
		})
	}
}

func checkOnePatch(t *testing.T, lo attention.Layout, probs [][]float32, S, size int, at [2]int) {
	cfg := &model.Config{ImageSize: S, PatchSize: S / lo.GH, NumChannels: 3}
	o := &inspectOptions{alpha: 1, size: size, threads: threadsFlags{2}, fusion: attention.FuseMean}
	o.cm, _ = attention.ParseColormap("gray")
	px := make([]float32, 3*S*S) // black, with no rescaling or normalisation
	dir := t.TempDir()
	w := &pictureWriter{dir: dir}
	pics := newPictures(cfg, lo, o, px, S, S)
	pics.drawLayers(w, probs, []int{0, 2}, []int{0, 1})
	pics.drawRollout(w, probs, []int{0, 2}, []int{0, 1})
	if w.err != nil {
		t.Fatal(w.err)
	}
	cell := size / lo.GH
	for _, name := range []string{"layer00_head00.png", "layer02_head01.png", "layer02_fused_mean.png", "rollout.png"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
			t.Fatalf("%s is %v, want %dx%d", name, b, size, size)
		}
		lum := func(x, y int) uint32 { r, _, _, _ := img.At(x, y).RGBA(); return r >> 8 }
		if v := lum(at[1]*cell+cell/2, at[0]*cell+cell/2); v < 200 {
			t.Errorf("%s: centre of patch %v = %d, want bright", name, at, v)
		}
		for _, p := range [][2]int{{3, 0}, {3, 1}, {0, 0}, {at[1], at[0]}} { // two patches away, or transposed
			if v := lum(p[1]*cell+cell/2, p[0]*cell+cell/2); v > 10 {
				t.Errorf("%s: centre of patch %v = %d, want dark", name, p, v)
			}
		}
	}
}

// TestInspectNonSquare runs a photo at 48×24 pixels (a 3×6 grid; position
// embeddings interpolated) and checks the shapes of what is written.
func TestInspectNonSquare(t *testing.T) {
	gguf := convertTestModel(t, "deit-p8-teacher")
	out := t.TempDir()
	photo := filepath.Join(testdataDir, "images", "chelsea.png")
	code, _, stderr := run(t, "", "inspect-attention", "-m", gguf, photo, "--out", out, "--raw", "--image-size", "48x24", "--layers", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	dir := filepath.Join(out, "chelsea")
	raw := readNpy(t, filepath.Join(dir, "attentions.npy"))
	T := 2 + 3*6
	if raw.Shape[2] != T || raw.Shape[3] != T {
		t.Fatalf("attentions.npy is %v, want T = %d", raw.Shape, T)
	}
	checkProbs(t, "rows", raw.Data, raw.Data, T)
	for name, want := range map[string][2]int{"input.png": {224, 112}, "rollout.png": {224, 112}, "layer01_head00.png": {224, 112}} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != want[0] || cfg.Height != want[1] {
			t.Errorf("%s: %dx%d (%v), want %dx%d", name, cfg.Width, cfg.Height, err, want[0], want[1])
		}
	}
}

// TestInspectInputPicture: with the built-in 28×28 fashion-vit and --size 28 the
// picture of what the model saw is the Fashion-MNIST image itself, gray
// replicated, exactly: unnormalising undoes the rescale and normalisation.
func TestInspectInputPicture(t *testing.T) {
	src := filepath.Join(testdataDir, "images", "fashion", "0000_ankle_boot.png")
	out := t.TempDir()
	code, _, stderr := run(t, "", "inspect-attention", "-m", "fashion-vit", src, "--out", out, "--size", "28", "--layers", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	read := func(path string) image.Image {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return img
	}
	want, got := read(src), read(filepath.Join(out, "0000_ankle_boot", "input.png"))
	if got.Bounds() != want.Bounds() {
		t.Fatalf("input.png is %v, the image %v", got.Bounds(), want.Bounds())
	}
	for y := 0; y < 28; y++ {
		for x := 0; x < 28; x++ {
			g := color.GrayModel.Convert(want.At(x, y)).(color.Gray).Y
			r, gg, b, _ := got.At(x, y).RGBA()
			for _, c := range []uint32{r >> 8, gg >> 8, b >> 8} {
				if d := int(c) - int(g); d != 0 {
					t.Fatalf("(%d,%d): input.png has %d, the image %d", x, y, c, g)
				}
			}
		}
	}
}

// TestInspectRemovesStaleFiles: a second run into the same folder leaves
// exactly the files its summary.json lists, and files of other names.
func TestInspectRemovesStaleFiles(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	out := t.TempDir()
	if code, _, errs := run(t, "", "inspect-attention", img, "--out", out, "--size", "28", "--layers", "0,1", "--raw"); code != ExitOK {
		t.Fatalf("first run: exit %d: %s", code, errs)
	}
	dir := filepath.Join(out, "chelsea")
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	if code, _, errs := run(t, "", "inspect-attention", img, "--out", out, "--size", "28", "--layers", "1", "--fuse", "max"); code != ExitOK {
		t.Fatalf("second run: exit %d: %s", code, errs)
	}
	var sum inspectSummary
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil || json.Unmarshal(b, &sum) != nil {
		t.Fatalf("summary.json: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := append(slices.Clone(sum.Files), "notes.txt")
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("folder holds %q, want summary.json's files and notes.txt: %q", names, want)
	}
}

// TestInspectGradMethods: relevance and grad-rollout explain the predicted
// class by default, the --class one (by index or label) otherwise, with
// maps that depend on the class; rollout is drawn only when asked for.
func TestInspectGradMethods(t *testing.T) {
	fx := newInspectFixture(t, "vit-p8-h6-eps6", 1)
	runMaps := func(class string) (*inspectSummary, map[string][]float32) {
		t.Helper()
		out := t.TempDir()
		args := []string{"inspect-attention", "-m", fx.model, fx.input, "--out", out, "--raw", "--size", "32",
			"--layers", "2", "--heads", "0", "--method", "relevance,grad-rollout", "--discard-ratio", "0.5"}
		if class != "" {
			args = append(args, "--class", class)
		}
		code, _, stderr := run(t, "", args...)
		if code != 0 {
			t.Fatalf("--class %q: exit %d: %s", class, code, stderr)
		}
		dir := filepath.Join(out, "img")
		var sum inspectSummary
		b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
		if err != nil || json.Unmarshal(b, &sum) != nil {
			t.Fatalf("summary.json: %v", err)
		}
		want := []string{"attentions.npy", "grad_rollout.npy", "grad_rollout.png", "grad_rollout_grid.png", "input.png",
			"layer02_fused_mean.npy", "layer02_fused_mean.png", "layer02_grid.png", "layer02_head00.npy", "layer02_head00.png",
			"relevance.npy", "relevance.png", "relevance_grid.png", "summary.png", "summary.json"}
		if !slices.Equal(sum.Files, want) {
			t.Fatalf("files %v, want %v", sum.Files, want)
		}
		maps := map[string][]float32{}
		for _, name := range []string{"relevance", "grad_rollout"} {
			a := readNpy(t, filepath.Join(dir, name+".npy"))
			if !slices.Equal(a.Shape, []int{sum.GridRows, sum.GridCols}) {
				t.Fatalf("%s.npy is %v", name, a.Shape)
			}
			if slices.Min(a.Data) < 0 || slices.Max(a.Data) <= 0 {
				t.Errorf("%s.npy: values from %g to %g, want non-negative and not all zero", name, slices.Min(a.Data), slices.Max(a.Data))
			}
			maps[name] = a.Data
		}
		return &sum, maps
	}
	sum, pred := runMaps("")
	if sum.ArtifactTokens == nil || !(sum.PatchNormMedian > 0) {
		t.Errorf("summary: artifact tokens %v, median patch norm %g", sum.ArtifactTokens, sum.PatchNormMedian)
	}
	if sum.Class == nil || *sum.Class != sum.TopK[0] || !slices.Equal(sum.Methods, []string{"relevance", "grad-rollout"}) {
		t.Fatalf("summary: class %v, methods %v; want the top-1 %v", sum.Class, sum.Methods, sum.TopK[0])
	}
	other := sum.TopK[1]
	byIndex, a := runMaps(fmt.Sprint(other.Index))
	byLabel, b := runMaps(other.Label)
	if *byIndex.Class != other || *byLabel.Class != other {
		t.Errorf("--class %d gave %v, --class %q gave %v; want %v", other.Index, byIndex.Class, other.Label, byLabel.Class, other)
	}
	for _, name := range []string{"relevance", "grad_rollout"} {
		if !slices.Equal(a[name], b[name]) {
			t.Errorf("%s: --class by index and by label differ", name)
		}
		if slices.Equal(a[name], pred[name]) {
			t.Errorf("%s: the same map for classes %d and %d", name, other.Index, sum.TopK[0].Index)
		}
	}
}

// TestInspectPhotoOverlay: with the default model (shorter side to 248,
// center crop 224), chelsea.png (451×300) is resized to 372×248 and cut at
// (74, 12); the maps over the photo keep its size and aspect, fill the box
// that crop comes from, and leave the photo outside it dimmed.
func TestInspectPhotoOverlay(t *testing.T) {
	src := filepath.Join(imagesDir, "chelsea.png")
	photo, err := imageio.DecodeFile(src, 0)
	if err != nil {
		t.Fatal(err)
	}
	srv := photoServer(t)
	for _, tc := range []struct {
		name, src string
		flags     []string
		w, h      int
	}{
		{"own size", src, nil, 451, 300},
		{"from a URL", srv.URL + "/img/chelsea.png", nil, 451, 300},
		{"--photo-size 200", src, []string{"--photo-size", "200"}, 200, 133},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"inspect-attention", tc.src, "--out", out, "--size", "32", "--layers", "11", "--alpha", "1"}, tc.flags...)
			if code, _, errs := run(t, "", args...); code != ExitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			dir := filepath.Join(out, "chelsea")
			var sum inspectSummary
			b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
			if err != nil || json.Unmarshal(b, &sum) != nil {
				t.Fatalf("summary.json: %v", err)
			}
			want := inputBox{74.0 * 451 / 372, 12.0 * 300 / 248, 298.0 * 451 / 372, 236.0 * 300 / 248}
			if sum.PhotoWidth != 451 || sum.PhotoHeight != 300 || sum.InputBox == nil || *sum.InputBox != want {
				t.Fatalf("summary: photo %d×%d, input box %+v; want 451×300, %+v", sum.PhotoWidth, sum.PhotoHeight, sum.InputBox, want)
			}
			if !slices.Contains(sum.Files, "rollout_photo.png") {
				t.Fatalf("summary.json lists %v, no rollout_photo.png", sum.Files)
			}
			f, err := os.Open(filepath.Join(dir, "rollout_photo.png"))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if img.Bounds().Dx() != tc.w || img.Bounds().Dy() != tc.h {
				t.Fatalf("rollout_photo.png is %v, want %d×%d", img.Bounds(), tc.w, tc.h)
			}
			if tc.w != photo.W {
				return // the dimming is checked against the photo at its own size
			}
			frame := attention.Frame(want)
			var inside, outside, dimmed int
			for y := range tc.h {
				for x := range tc.w {
					r, _, _, _ := img.At(x, y).RGBA()
					dim := (attention.OutsideDim*uint32(photo.Pix[3*(y*photo.W+x)]) + 128) >> 8
					if frame.Inside(x, y) {
						inside++
						if r>>8 == dim {
							dimmed++
						}
					} else if outside++; r>>8 != dim {
						t.Fatalf("(%d, %d) outside the box: red %d, want the photo's dimmed, %d", x, y, r>>8, dim)
					}
				}
			}
			// Pixel centres x+0.5 in [89.7, 361.3), y+0.5 in [14.5, 285.5):
			// x 90..360, y 15..284, 271×270 pixels.
			if inside != 271*270 || outside != 451*300-inside || dimmed > inside/10 {
				t.Errorf("%d pixels inside the box (want %d), %d of them look dimmed", inside, 271*270, dimmed)
			}
		})
	}
}

// TestInspectSummaryPage: summary.png is the page of the photo, the top-5
// bars and each method's map, tiles with the photo's aspect, the longer
// side at --size (more when the bars need the height).
func TestInspectSummaryPage(t *testing.T) {
	chelsea := filepath.Join(imagesDir, "chelsea.png")
	fx := newInspectFixture(t, "vit-p8-h6-eps6", 0)
	backbone := convertTestModel(t, "vit-p8-backbone")
	for _, tc := range []struct {
		name   string
		args   []string
		dir    string // the image's sub-folder
		w, h   int
		labels []string
	}{
		{"default model, rollout and relevance", []string{chelsea, "--method", "rollout,relevance"}, "chelsea", 224, 149,
			[]string{"photo 451x300, crop dimmed", "top 5 of 1000 classes", "rollout", `relevance for "Egyptian cat"`}},
		{"--size 64: the bars need 87 rows", []string{chelsea, "--size", "64"}, "chelsea", 131, 87,
			[]string{"photo 451x300, crop dimmed", "top 5 of 1000 classes", "rollout"}},
		{"straight resize: nothing dimmed", []string{"-m", "fashion-vit", chelsea}, "chelsea", 224, 149,
			[]string{"photo 451x300", "top 5 of 10 classes", "rollout"}},
		{".npy: the model's input, no photo", []string{"-m", fx.model, fx.input}, "img", 224, 224,
			[]string{"the model's input", "top 5 of 10 classes", "rollout"}},
		{"a backbone: no bars", []string{"-m", backbone, chelsea}, "chelsea", 224, 149,
			[]string{"photo 451x300", "rollout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"inspect-attention", "--out", out, "--layers", "0"}, tc.args...)
			if code, _, errs := run(t, "", args...); code != ExitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			dir := filepath.Join(out, tc.dir)
			var sum inspectSummary
			b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
			if err != nil || json.Unmarshal(b, &sum) != nil {
				t.Fatalf("summary.json: %v", err)
			}
			if !slices.Contains(sum.Files, "summary.png") {
				t.Errorf("summary.json lists %v, no summary.png", sum.Files)
			}
			f, err := os.Open(filepath.Join(dir, "summary.png"))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := png.DecodeConfig(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			// The same layout drawn from blank tiles of the expected size.
			var tiles []attention.Tile
			for _, l := range tc.labels {
				tiles = append(tiles, attention.Tile{Image: image.NewRGBA(image.Rect(0, 0, tc.w, tc.h)), Label: l})
			}
			title := fmt.Sprintf("%s, model %s", filepath.Base(string(sum.Path)), sum.Model)
			if len(sum.TopK) > 0 {
				title = fmt.Sprintf("%s: %s %.1f%% (model %s)", filepath.Base(string(sum.Path)), sum.TopK[0].Label, 100*sum.TopK[0].Prob, sum.Model)
			}
			cm, _ := attention.ParseColormap("viridis")
			want := attention.Grid(tiles, 2, title, cm).Bounds()
			if cfg.Width != want.Dx() || cfg.Height != want.Dy() {
				t.Errorf("summary.png is %d×%d, want %d×%d: tiles %d×%d labelled %q", cfg.Width, cfg.Height, want.Dx(), want.Dy(), tc.w, tc.h, tc.labels)
			}
		})
	}
}

// TestInspectPhotoMemory: the photo NAME_photo.png is drawn over counts in
// the memory check, photo by photo: a 1200×900 photo (about 11 MiB to
// draw over at its size) fails alone under --max-memory 8M, and the run
// goes on; --photo-size makes it fit.
func TestInspectPhotoMemory(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.png")
	img := image.NewGray(image.Rect(0, 0, 1200, 900))
	for i := range img.Pix {
		img.Pix[i] = uint8(i / 1200)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	for _, tc := range []struct {
		name  string
		flags []string
		want  int
		msg   string
	}{
		{"over the limit", []string{"--max-memory", "8M"}, ExitFailed,
			"big.png: drawing over the 1200x900 photo needs about 12.6 MiB of memory (weights 1.2 MiB, activations 64.2 KiB, attention 54.8 KiB, images 11.3 MiB), more than the 8.0 MiB allowed by --max-memory; use a smaller --photo-size"},
		{"--photo-size", []string{"--max-memory", "8M", "--photo-size", "300"}, ExitOK, ""},
		{"no limit", nil, ExitOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"inspect-attention", "-m", "fashion-vit", "--layers", "5", "--out", out, "-o", "jsonl", big, small}, tc.flags...)
			code, stdout, errs := run(t, "", args...)
			if code != tc.want || !strings.Contains(errs, tc.msg) || strings.Count(stdout, "\n") != 2 {
				t.Fatalf("exit %d, want %d; stderr %q should contain %q; stdout %s", code, tc.want, errs, tc.msg, stdout)
			}
			if _, err := os.Stat(filepath.Join(out, "0000_ankle_boot", "rollout_photo.png")); err != nil {
				t.Errorf("the image after the failed one: %v", err)
			}
			_, err := os.Stat(filepath.Join(out, "big", "rollout_photo.png"))
			if tc.want == ExitOK && err != nil || tc.want != ExitOK && err == nil {
				t.Errorf("big/rollout_photo.png: %v (exit %d)", err, code)
			}
		})
	}
}

// sameNamedPhotos writes two Fashion-MNIST photos as src/a/img.png and
// src/b/img.png and returns their paths.
func sameNamedPhotos(t *testing.T, src string) []string {
	t.Helper()
	var photos []string
	for i, name := range []string{"0000_ankle_boot.png", "0001_pullover.png"} {
		dir := filepath.Join(src, "ab"[i:i+1])
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(imagesDir, "fashion", name))
		if err != nil {
			t.Fatal(err)
		}
		photos = append(photos, filepath.Join(dir, "img.png"))
		if err := os.WriteFile(photos[i], b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return photos
}

// TestInspectSameNames: photos of one file name in two folders get img
// and img-2, and a later run of the second alone goes to img-2 again, each
// time saying so, where it replaced img (the first photo's pictures from
// the run before) with the second's, and said nothing of img-2.
func TestInspectSameNames(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	photos := sameNamedPhotos(t, src)
	note := "vitctl: note: " + photos[1] + ": pictures in " + filepath.Join(out, "img-2") + ", as " + filepath.Join(out, "img") + " holds those of " + photos[0] + "\n"
	for _, args := range [][]string{photos, photos[1:], photos[:1]} {
		code, _, errs := run(t, "", append([]string{"inspect-attention", "-m", "fashion-vit", "--layers", "5", "--out", out, "-o", "jsonl"}, args...)...)
		if code != ExitOK || strings.Contains(errs, photos[1]) != strings.Contains(errs, note) {
			t.Errorf("%v: exit %d, stderr %q; want 0 and the note %q", args, code, errs, note)
		}
		for i, dir := range []string{"img", "img-2"} {
			if got := folderImage(filepath.Join(out, dir)); got != photos[i] {
				t.Errorf("%v: %s holds %q, want %q", args, dir, got, photos[i])
			}
		}
	}
}

// TestInspectRecordsNamePictures: each record of -o json, jsonl and csv
// names the folder its image's pictures are in ("pictures", the last CSV
// column), so that a script finds them without redoing the naming (img,
// img-2 for a second img.png, a name an earlier run took); a failed image
// has none. Records said nothing of where the pictures went.
func TestInspectRecordsNamePictures(t *testing.T) {
	src := t.TempDir()
	photos := sameNamedPhotos(t, src)
	broken := filepath.Join(src, "broken.png")
	os.WriteFile(broken, []byte("junk"), 0o644)
	for _, format := range []string{"json", "jsonl", "csv"} {
		out := t.TempDir()
		want := map[string]string{photos[0]: filepath.Join(out, "img"), photos[1]: filepath.Join(out, "img-2"), broken: ""}
		code, stdout, errs := run(t, "", "inspect-attention", "-m", "fashion-vit", "--layers", "5", "-k", "2", "--out", out, "-o", format, photos[0], photos[1], broken)
		if code != ExitFailed {
			t.Fatalf("-o %s: exit %d:\n%s", format, code, errs)
		}
		got := map[string]string{}
		switch format {
		case "json":
			var recs []record
			if err := json.Unmarshal([]byte(stdout), &recs); err != nil {
				t.Fatalf("-o json: %v\n%s", err, stdout)
			}
			for _, r := range recs {
				got[string(r.Path)] = string(r.Pictures)
			}
		case "jsonl":
			for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
				var r record
				if err := json.Unmarshal([]byte(l), &r); err != nil {
					t.Fatalf("-o jsonl: %v: %q", err, l)
				}
				got[string(r.Path)] = string(r.Pictures)
			}
		case "csv":
			rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
			if err != nil || len(rows) != 6 || rows[0][len(rows[0])-1] != "pictures" {
				t.Fatalf("-o csv: %v, want a header ending in pictures and 5 rows:\n%s", err, stdout)
			}
			for _, r := range rows[1:] {
				got[r[0]] = r[len(r)-1]
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("-o %s: pictures %q, want %q", format, got, want)
		}
		for p, dir := range want {
			if dir != "" && folderImage(dir) != p {
				t.Errorf("-o %s: %s holds the pictures of %q, not %q", format, dir, folderImage(dir), p)
			}
		}
	}
}

// TestInspectChoiceCase: choices given in any letter case are recorded in
// summary.json by their names ("fuse": "max"), where they were recorded as
// typed ("MAX", "Magma"), unlike the files they named (layer05_fused_max.png).
func TestInspectChoiceCase(t *testing.T) {
	out := t.TempDir()
	code, _, errs := run(t, "", "inspect-attention", "-m", "fashion-vit", "--layers", "5", "--out", out, "-o", "jsonl",
		"--fuse", "MAX", "--scale", "MinMax", "--colormap", "Magma", "--upsample", "NEAREST", filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(filepath.Join(out, "0000_ankle_boot", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum inspectSummary
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Fuse != "max" || sum.Scale != "minmax" || sum.Colormap != "magma" || sum.Upsample != "nearest" {
		t.Errorf("summary.json: fuse %q, scale %q, colormap %q, upsample %q; want max, minmax, magma, nearest", sum.Fuse, sum.Scale, sum.Colormap, sum.Upsample)
	}
}

// TestInspectSummaryDocumented: every field summary.json can hold is in
// docs/attention/README.md's table, where none was documented anywhere
// but in the code.
func TestInspectSummaryDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "attention", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	sum := inspectSummary{Class: &prediction{}, InputBox: &inputBox{}, PhotoWidth: 1, PhotoHeight: 1}
	b, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	for name := range fields {
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("summary.json field %q is not in docs/attention/README.md", name)
		}
	}
}

// TestInspectRunMemory: a run whose kept attention is past --max-memory is
// refused saying what is kept, and naming the flag that makes it smaller:
// --image-size, not the --batch inspect-attention does not have.
func TestInspectRunMemory(t *testing.T) {
	code, out, errs := run(t, "", "inspect-attention", "-m", "fashion-vit", "--threads", "1", "--image-size", "700", "--max-memory", "100M",
		"--out", t.TempDir(), filepath.Join(imagesDir, "chelsea.png"))
	want := "vitctl: keeping every layer's attention of an image at 700x700 pixels, with 1 thread, needs about"
	hint := "use a smaller --image-size, or raise --max-memory\n"
	if code != ExitUsage || out != "" || !strings.HasPrefix(errs, want) || !strings.HasSuffix(errs, hint) {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2, %q … %q", code, out, errs, want, hint)
	}
}

// TestInspectAllOrNothing: an image that fails once its pictures are being
// written leaves its folder as it was (no part of this run's pictures, no
// temporary folder), and the run goes on to the next image.
func TestInspectAllOrNothing(t *testing.T) {
	img, next := filepath.Join(imagesDir, "chelsea.png"), filepath.Join(imagesDir, "coffee.png")
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, out string) // makes what is in the way
		msg   string
	}{
		{"a picture's name is a folder", func(t *testing.T, out string) {
			os.MkdirAll(filepath.Join(out, "chelsea", "summary.json"), 0o755)
			os.WriteFile(filepath.Join(out, "chelsea", "rollout.png"), []byte("an earlier run's"), 0o644)
		}, "chelsea/summary.json: is a folder, where the picture summary.json goes; move it away"},
		{"the image's folder is a file", func(t *testing.T, out string) {
			os.WriteFile(filepath.Join(out, "chelsea"), []byte("mine"), 0o644)
		}, "chelsea: is a file, where this image's folder of pictures goes; move it or give another --out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			tc.setup(t, out)
			before := treeOf(t, out)
			code, stdout, errs := run(t, "", "inspect-attention", "-m", "fashion-vit", "--layers", "5", "--size", "28", "--out", out, "-o", "jsonl", img, next)
			if code != ExitFailed || strings.Count(stdout, "\n") != 2 {
				t.Fatalf("exit %d, want 1; stderr %s; stdout %s", code, errs, stdout)
			}
			if !strings.Contains(errs, tc.msg) {
				t.Errorf("stderr %q should contain %q", errs, tc.msg)
			}
			after := treeOf(t, out)
			for name, was := range before {
				if after[name] != was {
					t.Errorf("%s changed: %q, was %q", name, after[name], was)
				}
			}
			for name := range after {
				if _, ok := before[name]; !ok && !strings.HasPrefix(name, "coffee"+string(filepath.Separator)) && name != "coffee" {
					t.Errorf("left behind: %s", name)
				}
			}
			if _, err := os.Stat(filepath.Join(out, "coffee", "summary.json")); err != nil {
				t.Errorf("the image after the failed one: %v", err)
			}
		})
	}
}

// treeOf maps each file and folder under dir to its content ("<dir>" for a
// folder).
func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	tree := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			tree[rel] = "<dir>"
			return nil
		}
		b, err := os.ReadFile(p)
		tree[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// TestPictureFolder: pictures written into a pictureFolder appear all
// together when committed, and not at all when a write fails midway, new
// folder or earlier run's.
func TestPictureFolder(t *testing.T) {
	fail := errors.New("disk full")
	for _, tc := range []struct {
		name    string
		earlier []string // files already in the folder
		failAt  int      // the write that fails; -1 none
		want    []string // the folder's files after; nil: no folder
	}{
		{"new, all written", nil, -1, []string{"input.png", "rollout.png", "summary.json"}},
		{"new, fails midway", nil, 2, nil},
		{"earlier run, all written", []string{"layer00_grid.png", "notes.txt", "rollout.png"}, -1, []string{"input.png", "notes.txt", "rollout.png", "summary.json"}},
		{"earlier run, fails midway", []string{"layer00_grid.png", "notes.txt", "rollout.png"}, 2, []string{"layer00_grid.png", "notes.txt", "rollout.png"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			dir := filepath.Join(out, "img")
			for _, name := range tc.earlier {
				os.MkdirAll(dir, 0o755)
				os.WriteFile(filepath.Join(dir, name), []byte("earlier"), 0o644)
			}
			f, err := newPictureFolder(dir)
			if err != nil {
				t.Fatal(err)
			}
			w := f.writer()
			for i, name := range []string{"input.png", "rollout.png", "summary.json"} {
				w.file(name, func(fw io.Writer) error {
					fw.Write([]byte("new"))
					if i == tc.failAt {
						return fail
					}
					return nil
				})
			}
			if w.err == nil {
				err = f.commit(w.files)
			} else if !errors.Is(w.err, fail) || !strings.Contains(w.err.Error(), filepath.Join(dir, "summary.json")) {
				t.Errorf("error %q should name %s and say why", w.err, filepath.Join(dir, "summary.json"))
			}
			f.abort()
			if err != nil {
				t.Fatal(err)
			}
			entries, _ := os.ReadDir(out)
			if want := min(1, len(tc.want)); len(entries) != want {
				t.Fatalf("%s holds %d entries, want %d (no temporary folder)", out, len(entries), want)
			}
			var got []string
			files, _ := os.ReadDir(dir)
			for _, e := range files {
				got = append(got, e.Name())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("folder holds %q, want %q", got, tc.want)
			}
			if st, err := os.Stat(dir); err == nil && st.Mode().Perm() != 0o755 && tc.earlier == nil {
				t.Errorf("folder mode %v, want 0755", st.Mode().Perm())
			}
		})
	}
}

// TestInspectStripSummary: summary.png of a strip of a photo (3000×1,
// 1×3000) stays a page: the photo's longer side at most summaryMaxLong
// times --size, letterboxed so the bar chart fits beside it. Grown until
// its shorter side held the chart, the 1×3000 strip made a page of
// 285×522090 pixels (1 GB and 7 s to draw).
func TestInspectStripSummary(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []image.Point{{3000, 1}, {1, 3000}, {1, 1}} {
		name := fmt.Sprintf("strip%dx%d", size.X, size.Y)
		img := image.NewGray(image.Rect(0, 0, size.X, size.Y))
		var buf bytes.Buffer
		png.Encode(&buf, img)
		path := filepath.Join(dir, name+".png")
		os.WriteFile(path, buf.Bytes(), 0o644)
		out := filepath.Join(dir, "out")
		if code, _, errs := run(t, "", "inspect-attention", "-m", "fashion-vit", "--out", out, path); code != ExitOK {
			t.Fatalf("%s: exit %d\n%s", name, code, errs)
		}
		f, err := os.Open(filepath.Join(out, name, "summary.png"))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if limit := 4 * summaryMaxLong * 224; err != nil || cfg.Width > limit || cfg.Height > limit {
			t.Errorf("%s: summary.png is %dx%d (%v), want each side under %d", name, cfg.Width, cfg.Height, err, limit)
		}
	}
}

// TestParseClass: --class takes a label (in any case) or an index; a name
// that is neither lists the labels holding it, else those a typo away
// from it, else the first labels (it
// said "see vitctl convert-info", a command that does not exist).
func TestParseClass(t *testing.T) {
	labels := []string{"tabby", "tiger cat", "Persian cat", "goldfish", "crane", "Crane", "crane"}
	for _, tc := range []struct {
		arg  string
		want int
		err  string
	}{
		{"", -1, ""},
		{"Persian cat", 2, ""},
		{"TIGER CAT", 1, ""},
		{"3", 3, ""},
		{"7", 0, "--class 7: the model has 7 classes, numbered 0 to 6"},
		{"Cat", 0, `--class "Cat": not one of the model's 7 labels nor a class index; labels holding it: "tiger cat", "Persian cat"`},
		{"gold", 0, `--class "gold": not one of the model's 7 labels nor a class index; the label holding it: "goldfish"`},
		{"dog", 0, `--class "dog": not one of the model's 7 labels nor a class index; its labels: "tabby", "tiger cat", "Persian cat", "goldfish", "crane", "Crane", "crane"`},
		// A typo listed the model's first labels (of 1000: "tench", "goldfish", …).
		{"tiger kat", 0, `--class "tiger kat": not one of the model's 7 labels nor a class index; did you mean "tiger cat"?`},
		{"tiger", 0, `--class "tiger": not one of the model's 7 labels nor a class index; the label holding it: "tiger cat"`},
		{"tabby kat", 0, `--class "tabby kat": not one of the model's 7 labels nor a class index; did you mean "tabby"?`},
		{"gldfish", 0, `--class "gldfish": not one of the model's 7 labels nor a class index; did you mean "goldfish"?`},
		// A label of two classes (ImageNet's crane, 134 and 517) named
		// the first, without a word.
		{"crane", 0, `--class "crane": the label of 2 classes, 4 and 6: give the index of the one to explain (--class 4)`},
		{"Crane", 5, ""},
		{"CRANE", 0, `--class "CRANE": the label of 3 classes, 4, 5 and 6: give the index of the one to explain (--class 4)`},
	} {
		got, err := parseClass(tc.arg, labels)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q: error %v, want %q", tc.arg, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %d, %v; want %d", tc.arg, got, err, tc.want)
		}
	}
}

// TestInspectClassAlone: --class without --method draws relevance, the
// map that explains a class, and says so on stderr (it was refused, exit 2,
// "add --method relevance"); summary.json names the method and the class.
// On a backbone it is refused naming --class, the flag given.
func TestInspectClassAlone(t *testing.T) {
	fx := newInspectFixture(t, "vit-p8-h6-eps6", 1)
	out := t.TempDir()
	code, _, stderr := run(t, "", "inspect-attention", "-m", fx.model, fx.input, "--out", out, "--size", "32", "--layers", "2", "--class", "3")
	want := `note: --class "3" draws --method relevance, the map that explains a class (rollout, the default, explains none; --method rollout,relevance draws both)` + "\n"
	if code != ExitOK || !strings.HasPrefix(stderr, want) {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 0 and first %q", code, stderr, want)
	}
	var sum inspectSummary
	b, err := os.ReadFile(filepath.Join(out, "img", "summary.json"))
	if err != nil || json.Unmarshal(b, &sum) != nil {
		t.Fatalf("summary.json: %v", err)
	}
	if !slices.Equal(sum.Methods, []string{"relevance"}) || sum.Class == nil || sum.Class.Index != 3 || !slices.Contains(sum.Files, "relevance.png") {
		t.Errorf("summary: methods %v, class %v, files %v; want relevance of class 3", sum.Methods, sum.Class, sum.Files)
	}
	backbone := convertTestModel(t, "vit-p8-backbone")
	code, _, stderr = run(t, "", "inspect-attention", "-m", backbone, "--class", "3", "--out", filepath.Join(t.TempDir(), "attn"), fx.input)
	want = `vitctl: --class "3": model ` + backbone + " has no classifier (a backbone without labels), so no class to explain: leave out --class"
	if code != ExitUsage || !strings.HasPrefix(stderr, want) {
		t.Errorf("backbone: exit %d, stderr %q, want exit 2 and %q", code, stderr, want)
	}
}

// TestInspectBackboneGradMethods: relevance and grad-rollout explain a
// class, which a backbone lacks. Each image used to fail on its own
// ("this model has no head") after --out was made; now the run is refused
// at once, with what to do, and --out is not made.
func TestInspectBackboneGradMethods(t *testing.T) {
	backbone := convertTestModel(t, "vit-p8-backbone")
	chelsea := filepath.Join(imagesDir, "chelsea.png")
	for _, method := range []string{"relevance", "grad-rollout", "rollout,relevance"} {
		t.Run(method, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "attn")
			code, _, errs := run(t, "", "inspect-attention", "-m", backbone, "--method", method, "--out", out, chelsea, chelsea)
			want := "vitctl: --method " + method + ": model " + backbone + " has no classifier (a backbone without labels), "
			if code != ExitUsage || !strings.HasPrefix(errs, want) || strings.Count(errs, "\n") != 1 {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and one line starting %q", code, errs, ExitUsage, want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("--out %s made by a refused run", out)
			}
		})
	}
}
