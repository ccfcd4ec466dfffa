package cli

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/attention"
	"github.com/vitctl/vitctl/internal/imageio"
	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/prep"
)

// The pasted-object evaluation: a photo of testdata/images, its central
// square shrunk to a box of a given share of the canvas's area, pasted at
// a known place on a mid-grey 224² canvas. A map that points at the object
// puts most of its weight inside the box.
var (
	pastedPhotos = []string{"astronaut.png", "camera.png", "chelsea.png", "coffee.png", "rocket.jpg"}
	pastedAreas  = []float64{0.15, 0.25, 0.40}
	pastedMaps   = []string{"rollout", "relevance", "grad-rollout"}
)

const pastedCanvas, pastedGrey = 224, 128

// pastedCase is one canvas: photo pasted as a side×side square at (x, y).
type pastedCase struct {
	photo      string
	area       float64 // the share of the canvas asked for; side² / 224² is what it is
	side, x, y int
}

// pastedCases are every photo at every area, in the four corners (where
// the supervised ViT's high-norm artifact patches sit) and the centre.
func pastedCases() []pastedCase {
	var out []pastedCase
	for _, photo := range pastedPhotos {
		for _, a := range pastedAreas {
			side := int(math.Round(pastedCanvas * math.Sqrt(a)))
			m := pastedCanvas - side
			for _, xy := range [][2]int{{0, 0}, {m, 0}, {m / 2, m / 2}, {0, m}, {m, m}} {
				out = append(out, pastedCase{photo, a, side, xy[0], xy[1]})
			}
		}
	}
	return out
}

// canvas draws the case: the photo's central square resized (Pillow's
// bilinear filter) into the box on mid-grey.
func (c pastedCase) canvas(photo *imageio.RGB8) (*imageio.RGB8, error) {
	s := min(photo.W, photo.H)
	small, err := imageio.Resize(imageio.CenterCrop(photo, s, s), c.side, c.side, prep.Bilinear)
	if err != nil {
		return nil, err
	}
	out := imageio.NewRGB8(pastedCanvas, pastedCanvas)
	for i := range out.Pix {
		out.Pix[i] = pastedGrey
	}
	for y := range c.side {
		copy(out.Pix[3*((c.y+y)*pastedCanvas+c.x):], small.Pix[3*y*c.side:3*(y+1)*c.side])
	}
	return out, nil
}

// inBox is the share of each patch of a (gh, gw) grid of patch×patch
// pixels that lies inside the case's box.
func (c pastedCase) inBox(gh, gw, patch int) []float64 {
	overlap := func(p, lo, hi int) float64 {
		return float64(max(0, min(p+patch, hi)-max(p, lo))) / float64(patch)
	}
	out := make([]float64, gh*gw)
	for r := range gh {
		for col := range gw {
			out[r*gw+col] = overlap(r*patch, c.y, c.y+c.side) * overlap(col*patch, c.x, c.x+c.side)
		}
	}
	return out
}

// pastedScore is one map on one canvas: the share of its weight inside
// the box, and whether its largest patch lies at least half inside.
type pastedScore struct {
	share  float64
	argmax bool
}

func score(pm, inBox []float64) pastedScore {
	var in, all float64
	for i, v := range pm {
		in += v * inBox[i]
		all += v
	}
	return pastedScore{in / all, inBox[slices.Index(pm, slices.Max(pm))] >= 0.5}
}

// pastedMapsOf is what inspect-attention draws with its defaults (all
// heads, --fuse mean, --discard-ratio 0) through all layers, each map's
// attention to the patches, explaining the predicted class: rollout from
// the runner's attention probs, relevance and grad-rollout from the
// gradient pass's (probs, grads).
func pastedMapsOf(runnerProbs, probs, grads [][]float32, lo attention.Layout, heads []int) map[string][]float64 {
	T := lo.T
	mean, weighted, gradFused := make([][]float64, len(probs)), make([][]float64, len(probs)), make([][]float64, len(probs))
	for l := range probs {
		mean[l] = attention.Fuse(runnerProbs[l], T, heads, attention.FuseMean)
		weighted[l] = attention.WeightedFuse(probs[l], grads[l], T, heads)
		gradFused[l] = attention.GradFuse(probs[l], grads[l], T, heads)
	}
	last := func(steps [][]float64) []float64 { return lo.PatchMap(steps[len(steps)-1]) }
	return map[string][]float64{
		"rollout":      last(attention.Rollout(mean, T, 0, lo.HasCLS)),
		"relevance":    last(attention.Relevance(weighted, T)),
		"grad-rollout": last(attention.Rollout(gradFused, T, 0, lo.HasCLS)),
	}
}

// masked is "NAME, --mask-outliers": the map with the artifact patches set
// to zero, as --mask-outliers draws it.
func masked(name string) string { return name + ", --mask-outliers" }

// TestPastedObject runs every pastedCases canvas through the built-in
// default model (ViT-Ti/16, ImageNet) as inspect-attention does and scores
// rollout, relevance and grad-rollout, each also with the artifact tokens
// masked. Relevance must meet the bar: a mean share inside the box
// of at least 0.8 and the largest patch inside in at least 90 % of the
// canvases. -v prints the table docs/attention/README.md quotes.
func TestPastedObject(t *testing.T) {
	switch {
	case testing.Short():
		t.Skip("-short: 75 images through the ViT-Ti, forward and backward")
	case genericKernels:
		// Measured 2026-12-05: 584 s (200 s of CPU) on a loaded 2-vCPU
		// machine, the same table as with assembly.
		t.Skip("-tags purego: 75 images forward and backward take ~10 minutes on the generic kernels, which their own tests check")
	}
	m, err := loadModel(resolveModel(""), false, &precisionFlags{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &m.Config
	o := &inspectOptions{threads: threadsFlags{kernels.DefaultThreads()}, method: "relevance"}
	runner, _, err := m.runnerFor(&imageSize{}, runShape{batch: 1, threads: o.threads.n, window: 1, keptLayers: cfg.NumHiddenLayers + 1}, &memoryFlags{})
	if err != nil {
		t.Fatal(err)
	}
	S, P := cfg.ImageSize, cfg.PatchSize
	if S != pastedCanvas {
		t.Fatalf("the default model takes %d², the canvases are %d²", S, pastedCanvas)
	}
	grads, err := newGradPass(m.File, o, S, S)
	if err != nil {
		t.Fatal(err)
	}
	capture := captureAttention(runner, cfg.NumHiddenLayers)
	lo := layoutOf(runner, cfg)
	pre := cfg.Preprocess
	pre.DoResize = false // the canvas is the model's input
	photos := map[string]*imageio.RGB8{}
	type result struct {
		c      pastedCase
		scores map[string]pastedScore
	}
	var results []result
	for _, c := range pastedCases() {
		if photos[c.photo] == nil {
			if photos[c.photo], err = imageio.DecodeFile(filepath.Join(imagesDir, c.photo), 0); err != nil {
				t.Fatal(err)
			}
		}
		img, err := c.canvas(photos[c.photo])
		if err != nil {
			t.Fatal(err)
		}
		px, err := imageio.Preprocess(img, pre)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := runner.Forward(px, 1); err != nil {
			t.Fatal(err)
		}
		gm, err := grads.run(px, -1)
		if err != nil {
			t.Fatal(err)
		}
		artifacts, _ := lo.Artifacts(capture.last, cfg.HiddenSize)
		in := c.inBox(lo.GH, lo.GW, P)
		r := result{c, map[string]pastedScore{}}
		for name, pm := range pastedMapsOf(capture.layers, gm.probs, gm.grads, lo, seq(cfg.NumAttentionHeads)) {
			r.scores[name] = score(pm, in)
			for _, a := range artifacts {
				pm[a.Row*lo.GW+a.Col] = 0
			}
			r.scores[masked(name)] = score(pm, in)
		}
		results = append(results, r)
	}
	// mean share and argmax-inside rate of method over the results that keep.
	summarize := func(method string, keep func(pastedCase) bool) (share, rate float64) {
		var n, hits int
		for _, r := range results {
			if keep(r.c) {
				s := r.scores[method]
				share, n = share+s.share, n+1
				if s.argmax {
					hits++
				}
			}
		}
		return share / float64(n), float64(hits) / float64(n)
	}
	all := func(pastedCase) bool { return true }
	var b strings.Builder
	fmt.Fprintf(&b, "%d canvases: %d photos × %d box sizes × 5 places (4 corners, centre)\n\n", len(results), len(pastedPhotos), len(pastedAreas))
	b.WriteString("| map |")
	for _, a := range pastedAreas {
		side := math.Round(pastedCanvas * math.Sqrt(a))
		fmt.Fprintf(&b, " box %.0f²: share inside | largest inside |", side)
	}
	b.WriteString(" all: share inside | largest inside |\n|---|")
	b.WriteString(strings.Repeat("---|---|", len(pastedAreas)+1) + "\n")
	b.WriteString("| uniform map |")
	for _, a := range pastedAreas {
		side := math.Round(pastedCanvas * math.Sqrt(a))
		fmt.Fprintf(&b, " %.3f | |", side*side/pastedCanvas/pastedCanvas)
	}
	b.WriteString(" | |\n")
	for _, name := range pastedMaps {
		for _, m := range []string{name, masked(name)} {
			fmt.Fprintf(&b, "| %s |", m)
			for _, a := range pastedAreas {
				share, rate := summarize(m, func(c pastedCase) bool { return c.area == a })
				fmt.Fprintf(&b, " %.3f | %.0f %% |", share, 100*rate)
			}
			share, rate := summarize(m, all)
			fmt.Fprintf(&b, " %.3f | %.0f %% |\n", share, 100*rate)
		}
	}
	t.Log("\n" + b.String())
	// The bar (mean share ≥ 0.8, largest patch inside in ≥ 90 % of
	// the canvases), which relevance meets with the artifact tokens masked;
	// unmasked it measured 0.786 here (0.799 at the 25 % box, 0.736
	// at 15 %), held at 0.75 against regressions.
	for _, bar := range []struct {
		method      string
		share, rate float64
	}{{masked("relevance"), 0.8, 0.9}, {"relevance", 0.75, 0.9}} {
		if share, rate := summarize(bar.method, all); share < bar.share || rate < bar.rate {
			t.Errorf("%s: mean share inside the box %.3f (want ≥ %g), largest patch inside in %.0f %% of the canvases (want ≥ %.0f %%)",
				bar.method, share, bar.share, 100*rate, 100*bar.rate)
		}
	}
	// And relevance must point at the object more than rollout does.
	rel, _ := summarize("relevance", all)
	roll, _ := summarize("rollout", all)
	if rel < roll+0.1 {
		t.Errorf("relevance's mean share inside the box %.3f is not 0.1 above rollout's %.3f", rel, roll)
	}
}

// TestPastedGeometry checks the canvas and the box weights on a small case
// worked out by hand.
func TestPastedGeometry(t *testing.T) {
	c := pastedCase{side: 20, x: 8, y: 0}
	// Patches of 16 in a 2×2 grid: columns [0,16) and [16,32) overlap the
	// box's [8,28) by 8 and 12, rows [0,16) and [16,32) its [0,20) by 16 and 4.
	want := []float64{0.5 * 1, 0.75 * 1, 0.5 * 0.25, 0.75 * 0.25}
	if got := c.inBox(2, 2, 16); !slices.Equal(got, want) {
		t.Errorf("inBox: %v, want %v", got, want)
	}
	if s := score([]float64{1, 0, 0, 1}, want); s.share != (0.5+0.1875)/2 || !s.argmax {
		t.Errorf("score: %+v, want share 0.34375 and the largest patch (half inside) inside", s)
	}
	if s := score([]float64{0, 0, 1, 0}, want); s.share != 0.125 || s.argmax {
		t.Errorf("score: %+v, want share 0.125, the largest patch (1/8 inside) outside", s)
	}
	photo := imageio.NewRGB8(3, 2) // central square: columns 0..1 (round(0.5) = 0)
	for i := range photo.Pix {
		photo.Pix[i] = 7
	}
	img, err := pastedCase{side: 2, x: 221, y: 222}.canvas(photo)
	if err != nil {
		t.Fatal(err)
	}
	for y := range pastedCanvas {
		for x := range pastedCanvas {
			want := uint8(pastedGrey)
			if x >= 221 && x < 223 && y >= 222 {
				want = 7
			}
			if got := img.Pix[3*(y*pastedCanvas+x)]; got != want {
				t.Fatalf("canvas (%d, %d) = %d, want %d", x, y, got, want)
			}
		}
	}
}
