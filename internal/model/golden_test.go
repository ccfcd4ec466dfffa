package model_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vitctl/vitctl/internal/convert"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/npy"
)

// TestMain honours VITCTL_KERNEL as the CLI does, so that the goldens can
// be checked on each implementation.
func TestMain(m *testing.M) {
	if err := kernels.Select(os.Getenv("VITCTL_KERNEL")); err != nil {
		fmt.Fprintln(os.Stderr, "VITCTL_KERNEL:", err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// Bounds against the PyTorch goldens (float64 reference stored as float32).
// Observed worst over the six models (go test -v -run Goldens, with
// VITCTL_KERNEL=avx512|avx2 and -tags purego): logits 2.3e-6, hidden states
// 5.0e-6, attention probabilities 1.7e-6.
const (
	logitsTol = 1e-4
	stageTol  = 1e-4 // hidden states, |x| up to ~10
	attnTol   = 1e-5
)

var goldenModels = []string{
	"vit-p16-gelu", "vit-p8-h6-eps6", "vit-p8-relu-noqkvbias",
	"vit-p16-gelunew-bf16", "vit-p8-quickgelu-sharded", "vit-p8-f16",
}

// convertAndLoad converts a testdata checkpoint folder and loads the model.
func convertAndLoad(t *testing.T, dir string) *model.Model {
	t.Helper()
	out := filepath.Join(t.TempDir(), "m.gguf")
	if _, err := convert.Convert(context.Background(), dir, out, convert.Options{DType: gguf.F32, Version: "test"}); err != nil {
		t.Fatalf("convert %s: %v", dir, err)
	}
	f, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close() // the model keeps copies, not views of the file
	m, err := model.Load(f, kernels.FP32)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func readNpy(t *testing.T, path string) *npy.Array {
	t.Helper()
	a, err := npy.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func maxAbsDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

// TestGoldens runs every golden model on the reference's pixels and compares
// each stage, the attention probabilities and the logits.
func TestGoldens(t *testing.T) {
	for _, name := range goldenModels {
		t.Run(name, func(t *testing.T) {
			checkGolden(t, filepath.Join("..", "..", "testdata", "models", name), filepath.Join("..", "..", "testdata", "golden", name))
		})
	}
}

// TestViTBaseGolden is opt-in: VITCTL_VIT_BASE_DIR names the folder that
// `scripts/gen_goldens.sh --vit-base DIR` filled with a ViT-B/16-shaped
// random checkpoint (DIR/model) and its goldens (DIR/golden).
func TestViTBaseGolden(t *testing.T) {
	dir := os.Getenv("VITCTL_VIT_BASE_DIR")
	if dir == "" {
		t.Skip("set VITCTL_VIT_BASE_DIR to run (see scripts/gen_goldens.sh --vit-base)")
	}
	checkGolden(t, filepath.Join(dir, "model"), filepath.Join(dir, "golden"))
}

func checkGolden(t *testing.T, modelDir, gdir string) {
	m := convertAndLoad(t, modelDir)
	px := readNpy(t, filepath.Join(gdir, "pixels.npy"))
	B := px.Shape[0]
	r := m.NewRunner(kernels.NewPool(2), B)
	g := &goldenCmp{t: t, dir: gdir}
	r.Hooks.Stage = func(stage string, x []float32) { g.check("stages", stage+".npy", x, stageTol) }
	r.Hooks.Attention = func(l int, p []float32) { g.check("attention", fmt.Sprintf("attn_%02d.npy", l), p, attnTol) }
	logits, err := r.Forward(px.Data, B)
	if err != nil {
		t.Fatal(err)
	}
	g.check("logits", "logits.npy", logits, logitsTol)
	g.log()
}

// goldenCmp compares outputs with the .npy goldens in dir and keeps the
// worst difference seen per kind (stages, attention, logits).
type goldenCmp struct {
	t     *testing.T
	dir   string
	worst map[string]float64
}

func (g *goldenCmp) check(kind, file string, got []float32, tol float64) {
	g.t.Helper()
	want := readNpy(g.t, filepath.Join(g.dir, file))
	if len(want.Data) != len(got) {
		g.t.Fatalf("%s: %d values, golden has %d", file, len(got), len(want.Data))
	}
	d := maxAbsDiff(got, want.Data)
	if g.worst == nil {
		g.worst = map[string]float64{}
	}
	g.worst[kind] = math.Max(g.worst[kind], d)
	if !(d <= tol) {
		g.t.Errorf("%s: max |Δ| = %.3g > %.0e", file, d, tol)
	}
}

func (g *goldenCmp) log() {
	g.t.Logf("max |Δ|: logits %.2g, stages %.2g, attention %.2g (kernel %s)", g.worst["logits"], g.worst["stages"], g.worst["attention"], kernels.Selected())
}

// TestSafetensorsAndBinAgree converts the same weights from both formats.
func TestSafetensorsAndBinAgree(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "models", "vit-p8-relu-noqkvbias")
	tmp := t.TempDir()
	for _, f := range []string{"config.json", "preprocessor_config.json", "pytorch_model.bin"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(tmp, f), b, 0o644)
	}
	a := convertAndLoad(t, dir)
	b := convertAndLoad(t, tmp)
	px := make([]float32, a.Config.PixelsPerImage())
	for i := range px {
		px[i] = float32(math.Sin(float64(i)))
	}
	la, _ := a.NewRunner(kernels.NewPool(1), 1).Forward(px, 1)
	lb, _ := b.NewRunner(kernels.NewPool(1), 1).Forward(px, 1)
	if !slices.Equal(la, lb) {
		t.Fatalf("logits from safetensors %v differ from pytorch_model.bin %v", la, lb)
	}
}
