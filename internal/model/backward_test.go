package model

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/npy"
	"github.com/vitctl/vitctl/internal/prep"
)

// gradTol bounds ‖g − g_ref‖ / ‖g_ref‖ against PyTorch autograd in float64
// (scripts/gen_grad_goldens.py); float32 sums over these sizes stay near
// 1e-6.
const gradTol = 1e-4

const gradDir = "../../testdata/grad"

func loadNpy(t *testing.T, path string) []float32 {
	t.Helper()
	a, err := npy.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return a.Data
}

func loadJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// relErr is ‖got − want‖ / ‖want‖ in float64, the norm floored at 1e-4
// per element, for gradients that may be zero where only some layers
// train. (The key bias's, zero by construction, is checked by
// checkZeroGrad.)
func relErr(got, want []float32) float64 {
	var d, n float64
	for i, w := range want {
		e := float64(got[i]) - float64(w)
		d += e * e
		n += float64(w) * float64(w)
	}
	return math.Sqrt(d / max(n, 1e-8*float64(len(want))))
}

func checkRel(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	if e := relErr(got, want); !(e <= tol) {
		t.Errorf("%s: relative error %.3g > %g", what, e, tol)
	}
}

// checkZeroGrad checks a gradient whose exact value is zero, the key
// bias's (softmax ignores a constant added to every score): what float32
// leaves of the cancelling sums, ‖g‖, must be within gradTol of the
// reference gradient of the query bias of the same block, ‖ref‖, whose
// sums are of the same kind but do not cancel. (Floored at 1e-4 per
// element, relErr would ask for ‖g‖ ≤ 1e-8·√n, which the summation order
// of some kernels misses: AVX2's, 1.2e-8.)
func checkZeroGrad(t *testing.T, what string, g, ref []float32) {
	t.Helper()
	var gg, rr float64
	for i, v := range g {
		gg += float64(v) * float64(v)
		rr += float64(ref[i]) * float64(ref[i])
	}
	if e := math.Sqrt(gg / rr); !(e <= gradTol) {
		t.Errorf("%s: exact gradient 0, ‖g‖/‖query bias ref‖ = %.3g > %g", what, e, gradTol)
	}
	t.Logf("%s: ‖g‖/‖query bias ref‖ = %.3g", what, math.Sqrt(gg/rr))
}

func labelsOf(f []float32) []int {
	l := make([]int, len(f))
	for i, v := range f {
		l[i] = int(v)
	}
	return l
}

// loadGradModel reads a golden model's config and parameters.
func loadGradModel(t *testing.T, dir, params string) (*Config, *Params) {
	t.Helper()
	var c Config
	loadJSON(t, filepath.Join(dir, "config.json"), &c)
	c.Preprocess = prep.Default(c.ImageSize) // the goldens feed pixels, not images
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range TensorShapes(&c) {
			if !yield(n) {
				return
			}
		}
	})
	p, err := LoadParams(&c, names, func(name string) ([]float32, []int, error) {
		return loadNpy(t, filepath.Join(dir, params, name+".npy")), TensorShapes(&c)[name], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return &c, p
}

func TestModelGradients(t *testing.T) {
	for _, name := range []string{"cls-gelu", "avg-fcnorm-ls-tanh", "avg-quickgelu", "cls-relu-noembedclass"} {
		for _, threads := range []int{1, 3} {
			t.Run(name+"/threads="+string(rune('0'+threads)), func(t *testing.T) {
				dir := filepath.Join(gradDir, name)
				c, p := loadGradModel(t, dir, "params")
				pixels := loadNpy(t, filepath.Join(dir, "pixels.npy"))
				labels := labelsOf(loadNpy(t, filepath.Join(dir, "labels.npy")))
				var want struct{ Loss float64 }
				loadJSON(t, filepath.Join(dir, "loss.json"), &want)
				n, err := NewNet(*c, p, -1, kernels.NewPool(threads), len(labels))
				if err != nil {
					t.Fatal(err)
				}
				logits, err := n.Forward(pixels, len(labels))
				if err != nil {
					t.Fatal(err)
				}
				dl := make([]float32, len(logits))
				loss := CrossEntropy(dl, logits, labels, len(c.Labels), 0.1)
				if math.Abs(loss-want.Loss) > 1e-5*math.Abs(want.Loss) {
					t.Errorf("loss %.8g, want %.8g", loss, want.Loss)
				}
				n.Backward(dl, len(labels))
				worst, at := 0.0, ""
				for name, g := range n.G.Tensors(c) {
					want := loadNpy(t, filepath.Join(dir, "grads", name+".npy"))
					if strings.HasSuffix(name, AttnKB) {
						qb := strings.TrimSuffix(name, AttnKB) + AttnQB
						checkZeroGrad(t, name, g, loadNpy(t, filepath.Join(dir, "grads", qb+".npy")))
						continue
					}
					checkRel(t, name, g, want, gradTol)
					if e := relErr(g, want); e > worst {
						worst, at = e, name
					}
				}
				t.Logf("worst relative error but the key bias's %.2g (%s)", worst, at)
			})
		}
	}
}

// TestPartialGradients trains the last layer only, then the head only:
// the gradients that are computed match the full ones, the rest stay zero.
func TestPartialGradients(t *testing.T) {
	dir := filepath.Join(gradDir, "cls-gelu")
	for _, first := range []int{1, 2} {
		c, p := loadGradModel(t, dir, "params")
		pixels := loadNpy(t, filepath.Join(dir, "pixels.npy"))
		labels := labelsOf(loadNpy(t, filepath.Join(dir, "labels.npy")))
		n, err := NewNet(*c, p, first, kernels.NewPool(2), len(labels))
		if err != nil {
			t.Fatal(err)
		}
		logits, _ := n.Forward(pixels, len(labels))
		dl := make([]float32, len(logits))
		CrossEntropy(dl, logits, labels, len(c.Labels), 0.1)
		n.Backward(dl, len(labels))
		for name, g := range n.G.Tensors(c) {
			trained := strings.HasPrefix(name, "cls_head") || first < c.NumHiddenLayers &&
				(strings.HasPrefix(name, "post_norm") || strings.HasPrefix(name, "blk.1."))
			if trained {
				checkRel(t, name, g, loadNpy(t, filepath.Join(dir, "grads", name+".npy")), gradTol)
			} else if slices.ContainsFunc(g, func(v float32) bool { return v != 0 }) {
				t.Errorf("first=%d: %s has a gradient but is frozen", first, name)
			}
		}
	}
}

func opFile(t *testing.T, op, name string) []float32 {
	return loadNpy(t, filepath.Join(gradDir, "ops", op, name+".npy"))
}

func TestLayerNormBackward(t *testing.T) {
	x, w, b, dy := opFile(t, "layernorm", "x"), opFile(t, "layernorm", "w"), opFile(t, "layernorm", "b"), opFile(t, "layernorm", "dy")
	D := len(w)
	M := len(x) / D
	p := kernels.NewPool(2)
	y, mean, rstd := make([]float32, M*D), make([]float32, M), make([]float32, M)
	layernormForward(p, y, mean, rstd, x, w, b, M, D, 1e-5)
	checkRel(t, "y", y, opFile(t, "layernorm", "y"), 1e-6)
	dx, dw, db := make([]float32, M*D), make([]float32, D), make([]float32, D)
	for i := range dx { // accumulates onto what is there
		dx[i] = 1
	}
	layernormBackward(p, dx, dw, db, dy, x, mean, rstd, w, M, D, make([]float32, lnPartLen(M, D)))
	for i := range dx {
		dx[i]--
	}
	checkRel(t, "dx", dx, opFile(t, "layernorm", "dx"), gradTol)
	checkRel(t, "dw", dw, opFile(t, "layernorm", "dw"), gradTol)
	checkRel(t, "db", db, opFile(t, "layernorm", "db"), gradTol)
}

func TestLinearBackward(t *testing.T) {
	x, w, b, dy := opFile(t, "linear", "x"), opFile(t, "linear", "w"), opFile(t, "linear", "b"), opFile(t, "linear", "dy")
	N := len(b)
	K := len(w) / N
	M := len(x) / K
	p := kernels.NewPool(2)
	y := make([]float32, M*N)
	linearForward(p, y, x, M, kernels.PackB(w, N, K), b, nil)
	checkRel(t, "y", y, opFile(t, "linear", "y"), 1e-6)
	dx, dw, db := make([]float32, M*K), make([]float32, N*K), make([]float32, N)
	var buf kernels.GradBuf
	linearBackward(p, dx, dw, db, dy, x, M, kernels.PackT(nil, w, N, K), false, &buf)
	checkRel(t, "dx", dx, opFile(t, "linear", "dx"), gradTol)
	checkRel(t, "dw", dw, opFile(t, "linear", "dw"), gradTol)
	checkRel(t, "db", db, opFile(t, "linear", "db"), gradTol)
}

func TestAttentionBackward(t *testing.T) {
	const B, T, H, hd = 2, 9, 3, 8
	qkv, dy := opFile(t, "attention", "qkv"), opFile(t, "attention", "dy")
	p := kernels.NewPool(2)
	out, probs := make([]float32, B*T*H*hd), make([]float32, B*H*T*T)
	scale := float32(1 / math.Sqrt(hd))
	kernels.Attention(p, out, qkv, B, T, H, hd, scale, probs)
	checkRel(t, "y", out, opFile(t, "attention", "y"), 1e-6)
	dqkv := make([]float32, len(qkv))
	kernels.AttentionBackward(p, dqkv, dy, qkv, probs, B, T, H, hd, scale)
	checkRel(t, "dqkv", dqkv, opFile(t, "attention", "dqkv"), gradTol)
}

func TestActBackward(t *testing.T) {
	for _, name := range []string{"gelu", "gelu_pytorch_tanh", "quick_gelu", "relu"} {
		op := "act_" + name
		act, _ := ActivationOf(name)
		x, dy := opFile(t, op, "x"), opFile(t, op, "dy")
		p := kernels.NewPool(2)
		y := make([]float32, len(x))
		kernels.Activate(p, y, x, act)
		checkRel(t, name+" y", y, opFile(t, op, "y"), 1e-6)
		for _, post := range [][]float32{nil, y} {
			dx := make([]float32, len(x))
			kernels.ActBackward(p, dx, dy, x, post, act)
			checkRel(t, name+" dx", dx, opFile(t, op, "dx"), gradTol)
		}
	}
}

func TestCrossEntropy(t *testing.T) {
	logits, labels := opFile(t, "xent", "logits"), labelsOf(opFile(t, "xent", "labels"))
	var want struct{ Loss, Smoothing float64 }
	loadJSON(t, filepath.Join(gradDir, "ops", "xent", "loss.json"), &want)
	dl := make([]float32, len(logits))
	loss := CrossEntropy(dl, logits, labels, len(logits)/len(labels), want.Smoothing)
	if math.Abs(loss-want.Loss) > 1e-6*want.Loss {
		t.Errorf("loss %.9g, want %.9g", loss, want.Loss)
	}
	checkRel(t, "dlogits", dl, opFile(t, "xent", "dlogits"), gradTol)
}
