package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
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
	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/npy"
)

const testdataDir = "../../testdata"

// goldenModels are the small checkpoints with PyTorch attention goldens.
var goldenModels = []string{
	"vit-p16-gelu", "vit-p8-h6-eps6", "vit-p8-relu-noqkvbias",
	"vit-p16-gelunew-bf16", "vit-p8-quickgelu-sharded", "vit-p8-f16",
}

// convertTestModel converts testdata/models/name to a model file in a
// temporary folder and returns its path.
func convertTestModel(t *testing.T, name string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), name+".gguf")
	src := filepath.Join(testdataDir, "models", name)
	if _, err := convert.Convert(context.Background(), src, out, convert.Options{DType: gguf.F32, Version: Version}); err != nil {
		t.Fatalf("converting %s: %v", src, err)
	}
	return out
}

func readNpy(t *testing.T, path string) *npy.Array {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := npy.Read(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
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
			m, err := loadModel(convertTestModel(t, name))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			gold := filepath.Join(testdataDir, "golden", name)
			px := readNpy(t, filepath.Join(gold, "pixels.npy"))
			B := px.Shape[0]
			r := m.NewRunner(kernels.NewPool(2), B)
			c := captureAttention(r, m.Config.NumHiddenLayers)
			if _, err := r.Forward(px.Data, B); err != nil {
				t.Fatal(err)
			}
			T := m.Config.Tokens()
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
	t.Helper()
	fx := &inspectFixture{model: convertTestModel(t, name), gold: filepath.Join(testdataDir, "golden", name), b: b}
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

func runMain(args ...string) (code int, stdout, stderr string) {
	var out, errw bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errw)
	return code, out.String(), errw.String()
}

func TestInspectCommand(t *testing.T) {
	fx := newInspectFixture(t, "vit-p8-h6-eps6", 1)
	for _, tc := range []struct {
		name          string
		flags         []string
		layers, heads []int
	}{
		{"all", nil, []int{0, 1, 2}, []int{0, 1, 2, 3, 4, 5}},
		{"subset", []string{"--layers", "2,0", "--heads", "1,3-4", "--fuse", "max", "--discard-ratio", "0.9", "--upsample", "nearest", "--colormap", "magma", "--size", "40"}, []int{0, 2}, []int{1, 3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"inspect-attention", "-m", fx.model, fx.input, "--out", out, "--raw", "-o", "json"}, tc.flags...)
			code, stdout, stderr := runMain(args...)
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
			checkSummary(t, dir, tc.layers, tc.heads, printed[0].TopK)
		})
	}
}

// checkSummary reads summary.json and checks that the files it lists are
// exactly the folder's, that every PNG decodes, and the picture sizes.
func checkSummary(t *testing.T, dir string, layers, heads []int, top []prediction) {
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
	want := []string{"input.png", "rollout.png", "rollout_grid.png", "attentions.npy", "summary.json"}
	for _, l := range layers {
		for _, h := range heads {
			want = append(want, fmt.Sprintf("layer%02d_head%02d.png", l, h))
		}
		want = append(want, fmt.Sprintf("layer%02d_fused_%s.png", l, sum.Fuse), fmt.Sprintf("layer%02d_grid.png", l))
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
		if !strings.Contains(name, "grid") && (cfg.Width != side || cfg.Height != side) {
			t.Errorf("%s is %dx%d, want %dx%d", name, cfg.Width, cfg.Height, side, side)
		}
	}
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
		{[]string{fx.input, "--out", out, "--fuse", "median"}, "unknown head fusion"},
		{[]string{fx.input, "--out", out, "--discard-ratio", "1.5"}, "--discard-ratio 1.5"},
		{[]string{fx.input, "--out", out, "--alpha", "-1"}, "--alpha -1"},
		{[]string{fx.input, "--out", out, "--colormap", "rainbow"}, "unknown colormap"},
		{[]string{fx.input, "--out", out, "--upsample", "cubic"}, "unknown upsampling"},
		{[]string{"--out", out}, "requires at least 1 arg"},
	} {
		args := append([]string{"inspect-attention", "-m", fx.model}, tc.args...)
		code, _, stderr := runMain(args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 mentioning %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestInspectSomeFail: a missing file is reported and skipped, the others
// are drawn, the exit status is 1, and no temporary file is left behind.
func TestInspectSomeFail(t *testing.T) {
	fx := newInspectFixture(t, "vit-p16-gelu", 2)
	out := t.TempDir()
	missing := filepath.Join(t.TempDir(), "missing.png")
	code, stdout, stderr := runMain("inspect-attention", "-m", fx.model, missing, fx.input, fx.input, "--out", out, "-o", "jsonl")
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
}

// TestPicturesOnePatch feeds the drawing code a synthetic capture in which
// CLS attends only to the patch at grid row 1, column 2 (token 1+1*4+2), and
// every other token to itself, and checks that the head, fused, rollout
// pictures are bright there and dark two patches away: the CLS row, not a
// column, is drawn, and the grid is row-major.
func TestPicturesOnePatch(t *testing.T) {
	const S, P, H, L, size = 32, 8, 2, 3, 64
	g, T := S/P, (S/P)*(S/P)+1
	cfg := &model.Config{ImageSize: S, PatchSize: P, NumChannels: 3, NumAttentionHeads: H, NumHiddenLayers: L}
	o := &inspectOptions{alpha: 1, size: size, threads: 2, fusion: attention.FuseMean}
	o.cm, _ = attention.ParseColormap("gray")
	px := make([]float32, 3*S*S) // black, with no rescaling or normalisation
	probs := make([][]float32, L)
	target := 1 + 1*g + 2
	for l := range probs {
		probs[l] = make([]float32, H*T*T)
		for h := 0; h < H; h++ {
			for i := 0; i < T; i++ {
				j := i
				if i == 0 {
					j = target
				}
				probs[l][(h*T+i)*T+j] = 1
			}
		}
	}
	dir := t.TempDir()
	w := &pictureWriter{dir: dir}
	pics := newPictures(cfg, o, px)
	pics.drawLayers(w, probs, []int{0, 2}, []int{0, 1})
	pics.drawRollout(w, probs, []int{0, 2}, []int{0, 1})
	if w.err != nil {
		t.Fatal(w.err)
	}
	cell := size / g
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
		if v := lum(2*cell+cell/2, 1*cell+cell/2); v < 200 {
			t.Errorf("%s: centre of patch (1,2) = %d, want bright", name, v)
		}
		for _, p := range [][2]int{{3, 0}, {3, 1}, {0, 0}} { // (row, col) two patches away
			if v := lum(p[1]*cell+cell/2, p[0]*cell+cell/2); v != 0 {
				t.Errorf("%s: centre of patch %v = %d, want 0", name, p, v)
			}
		}
	}
}
