package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/bench"
	"github.com/vitctl/vitctl/internal/kernels"
)

// TestEstimateMemory checks the estimate of ViT-Ti/16 at 224, batch 2, one
// thread, against the buffers counted by hand (T = 197, D = 192, I = 768,
// H = 3, hd = 64, 196 patches of 768 values).
func TestEstimateMemory(t *testing.T) {
	a, err := bench.LookupArch("vit-ti")
	if err != nil {
		t.Fatal(err)
	}
	cfg := a.Config(16, 224)
	n := estimateMemory(&cfg, kernels.FP32, runShape{h: 224, w: 224, batch: 2, threads: 1, window: 5})
	const T, D, I, Np = 197, 192, 768, 196
	want := memNeed{
		weights:     4 * float64(bench.Params(&cfg)),
		activations: 4 * (2*(Np*768+Np*D+T*(7*D+I)) + T*D),
		attention:   4 * (T*(T+16) + T + (T+64)*64 + 64*T),
		inputs:      4 * 5 * 3 * 224 * 224,
	}
	if n != want {
		t.Errorf("estimate %+v, want %+v", n, want)
	}
	// int8 stores the encoder's Linear weights in a quarter of the bytes.
	q := estimateMemory(&cfg, kernels.INT8, runShape{h: 224, w: 224, batch: 2, threads: 1, window: 5})
	linear := 12.0 * (4*D*D + 2*D*I)
	if q.weights != want.weights-3*linear {
		t.Errorf("int8 weights %g, want %g", q.weights, want.weights-3*linear)
	}
	// bf16 attention adds E as bf16 pairs and a block of accumulators or
	// rounded queries per thread.
	b := estimateMemory(&cfg, kernels.BF16, runShape{h: 224, w: 224, batch: 2, threads: 2, window: 5})
	if got := b.attention - 2*want.attention; got != 2*4*(T*99+T*64+T*64) {
		t.Errorf("bf16 attention adds %g bytes, want %d", got, 2*4*(T*99+T*64+T*64))
	}
	// Kept attention probabilities grow with the square of the tokens.
	k := estimateMemory(&cfg, kernels.FP32, runShape{h: 224, w: 224, batch: 1, threads: 1, keptLayers: 13})
	if got := k.attention - want.attention; got != 4*13*3*T*T {
		t.Errorf("kept probabilities %g bytes, want %d", got, 4*13*3*T*T)
	}
}

// TestEstimateMemoryHugePatch: at patch 300000000 the parameter count
// (the patch embedding's D·C·P² alone is 5.2e19) does not fit in int64; the
// estimate must still be that large, not a wrapped small or negative number.
func TestEstimateMemoryHugePatch(t *testing.T) {
	const P = 300_000_000
	cfg := bench.Archs["vit-ti"].Config(P, P)
	n := estimateMemory(&cfg, kernels.FP32, runShape{h: P, w: P, batch: 1, threads: 1})
	if patchW := 4 * 192 * 3 * float64(P) * P; n.weights < patchW || n.total() < patchW {
		t.Errorf("weights %g bytes, total %g; want at least the patch embedding's %g", n.weights, n.total(), patchW)
	}
}

// TestEstimateTraining: the batch's share grows with B, the kept
// attention probabilities with the trained layers, and an absurd batch is
// far over any machine (it was a "fatal error: runtime: out of memory").
func TestEstimateTraining(t *testing.T) {
	cfg := bench.Archs["vit-ti"].Config(16, 224)
	head := estimateTraining(&cfg, 0, 16, 2, 100)
	all := estimateTraining(&cfg, 12, 16, 2, 100)
	const T, H = 197, 3
	if got := all.attention - head.attention; got != 4*12*16*H*T*T {
		t.Errorf("kept probabilities of 12 layers: %g bytes, want %d", got, 4*12*16*H*T*T)
	}
	if all.weights != 2*head.weights || all.total() <= head.total() {
		t.Errorf("weights: head %g, all %g (want twice: gradients, moments and backward packing)", head.weights, all.weights)
	}
	if huge := estimateTraining(&cfg, 12, 1_000_000_000, 2, 0); huge.total() < 1<<50 {
		t.Errorf("batch 1e9: %g bytes", huge.total())
	}
}

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64 // 0: an error
	}{
		{"512", 512}, {"8G", 8 << 30}, {"8g", 8 << 30}, {"512M", 512 << 20}, {"1.5GiB", 3 << 29},
		{"2TB", 2 << 40}, {"64k", 64 << 10}, {"0", 0}, {"-1G", 0}, {"8Q", 0}, {"", 0}, {"1e30", 0},
	} {
		var b byteSize
		err := b.Set(tc.in)
		if (err != nil) != (tc.want == 0) || int64(b) != tc.want {
			t.Errorf("%q: %d, err %v; want %d", tc.in, b, err, tc.want)
		}
	}
}

// TestMemoryRefusal: runs past --max-memory or past any machine's memory
// stop before allocating, with one line naming the need and the limit. A
// run past --max-memory is told to raise it, where it was told to set the
// flag it had set.
func TestMemoryRefusal(t *testing.T) {
	img := imagesDir + "/chelsea.png"
	const set, raise = ", or set --max-memory\n", ", or raise --max-memory\n"
	for _, tc := range []struct {
		args []string
		tail string
	}{
		{[]string{"classify", "--max-memory", "1M", img}, raise},
		{[]string{"embed", "--max-memory", "1M", img}, raise},
		{[]string{"classify", "--image-size", "700000", img}, set},
		// A .npy file may hold many images: its run is sized for --batch.
		{[]string{"classify", "--batch", "100000000", "../../testdata/golden/vit-p16-gelu/pixels.npy"}, set},
		{[]string{"inspect-attention", "--image-size", "28000", "--out", t.TempDir(), img}, set},
		{[]string{"inspect-attention", "--max-memory", "1M", "--out", t.TempDir(), img}, raise},
		{[]string{"benchmark", "--arch", "vit-ti", "--batch", "100000"}, set},
		{[]string{"benchmark", "--arch", "vit-ti", "--image-size", "100000"}, set},
	} {
		code, out, errs := run(t, "", tc.args...)
		if code != ExitUsage || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "needs about") || !strings.HasSuffix(errs, tc.tail) || out != "" {
			t.Errorf("vitctl %q: exit %d, stdout %q, stderr %q; want exit 2 and one line ending %q", tc.args, code, out, errs, tc.tail)
		}
	}
}

// TestBatchUpToInputs: a --batch larger than the run's images, each one
// image, is sized (the memory estimate and the runner's buffers) for the
// images there are, in classify, embed and eval; each was refused as
// needing memory for a whole batch of images that never come.
func TestBatchUpToInputs(t *testing.T) {
	img := imagesDir + "/chelsea.png"
	for _, args := range [][]string{
		{"classify", img, img},
		{"embed", img},
		{"eval", filepath.Join(imagesDir, "fashion", "labels.csv")},
	} {
		args = append(args, "-m", "fashion-vit", "--batch", "100000000", "--max-memory", "1G")
		if code, _, errs := run(t, "", args...); code != ExitOK {
			t.Errorf("vitctl %q: exit %d, stderr %q; want exit 0", args, code, errs)
		}
	}
}
