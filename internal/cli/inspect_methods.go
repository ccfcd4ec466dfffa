package cli

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/vitctl/vitctl/internal/attention"
	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/train"
)

// inspectMethods are --method's maps through all layers; the gradient
// ones need the backward pass.
var inspectMethods = []string{"rollout", "relevance", "grad-rollout"}

// parseMethods reads --method: a comma-separated list of inspectMethods,
// kept in the order given, without repeats.
func parseMethods(s string) ([]string, error) {
	var out []string
	for _, m := range strings.Split(s, ",") {
		m = strings.ToLower(strings.TrimSpace(m))
		if !slices.Contains(inspectMethods, m) {
			return nil, usagef("--method %q: want a list of %s", s, strings.Join(inspectMethods, ", "))
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// needsGrads says whether any method weights the attention by its gradient.
func needsGrads(methods []string) bool {
	return slices.Contains(methods, "relevance") || slices.Contains(methods, "grad-rollout")
}

// checkExplainable refuses, before any image, the gradient methods for a
// model without a classifier: they explain a class's logit, and a
// backbone has none (each image failed on its own, and an empty --out
// folder was made and removed).
// A --class that chose the method (methodSet false) is named as the flag given.
func checkExplainable(methods []string, class string, methodSet bool, name string, cfg *model.Config) error {
	if !needsGrads(methods) || cfg.HasHead() {
		return nil
	}
	if !methodSet {
		return usagef("--class %q: model %s has no classifier (a backbone without labels), so no class to explain: leave out --class for its attention rollout, or train a classifier with vitctl finetune -m %s", class, name, name)
	}
	return usagef("--method %s: model %s has no classifier (a backbone without labels), and relevance and grad-rollout explain a class's logit: give --method rollout, or train a classifier with vitctl finetune -m %s", strings.Join(methods, ","), name, name)
}

// parseClass reads --class: a label (exact, then ignoring case) or a class
// index; "" is the predicted class (−1). A label that several classes have
// (ImageNet's "crane", the bird 134 and the machine 517) is refused with
// their indexes: it explained the first, without a word.
func parseClass(s string, labels []string) (int, error) {
	if s == "" {
		return -1, nil
	}
	for _, same := range []func(string) bool{
		func(l string) bool { return l == s },
		func(l string) bool { return strings.EqualFold(l, s) },
	} {
		var at []int
		for i, l := range labels {
			if same(l) {
				at = append(at, i)
			}
		}
		switch {
		case len(at) == 1:
			return at[0], nil
		case len(at) > 1:
			idx := make([]string, len(at))
			for j, i := range at {
				idx[j] = strconv.Itoa(i)
			}
			return 0, usagef("--class %q: the label of %s, %s: give the index of the one to explain (--class %d)", s, nouns(len(at), "class"), andList(idx), at[0])
		}
	}
	if i, err := strconv.Atoi(s); err == nil {
		if i < 0 || i >= len(labels) {
			return 0, usagef("--class %d: the model has %s, numbered 0 to %d", i, nouns(len(labels), "class"), len(labels)-1)
		}
		return i, nil
	}
	return 0, usagef("--class %q: not one of the model's %s nor a class index; %s", s, nouns(len(labels), "label"), labelsLike(s, labels))
}

// labelsLike names, for a --class that is no label, the labels holding it
// (cat: "tiger cat", "Persian cat", …), else the first labels: a model's
// labels were listed nowhere (the hint named a vitctl convert-info that
// does not exist, and convert --info shows three).
func labelsLike(s string, labels []string) string {
	var like []string
	for _, l := range labels {
		if strings.Contains(strings.ToLower(l), strings.ToLower(strings.TrimSpace(s))) {
			like = append(like, l)
		}
	}
	if len(like) > 0 {
		return verb(len(like), "the label", "labels") + " holding it: " + train.QuoteSome(like, 8)
	}
	for _, l := range labels {
		if similar(strings.TrimSpace(s), l) && len(like) < 8 { // a typo: "tiger kat"
			like = append(like, strconv.Quote(l))
		}
	}
	if len(like) > 0 {
		return "did you mean " + orList(like) + "?"
	}
	return "its labels: " + train.QuoteSome(labels, 8)
}

// gradPass computes, for the gradient methods, each layer's attention and
// its gradient from one class logit with the fp32 training pass over the
// model's parameters (the runner may run at a lower precision).
type gradPass struct{ net *model.Net }

func newGradPass(src modelSource, o *inspectOptions, h, w int) (*gradPass, error) {
	base, err := openBase(src, false) // --verify-model checked it as the runner loaded it
	if err != nil {
		return nil, err
	}
	if s := base.cfg.ImageSize; h != s || w != s {
		return nil, usagef("--method %s: gradients need the model's own image size, %d×%d, not %d×%d (drop --image-size)", o.method, s, s, h, w)
	}
	net, err := model.NewNet(*base.cfg, base.params, 0, kernels.NewPool(o.threads.n), 1)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", base.source, err)
	}
	return &gradPass{net: net}, nil
}

// gradMaps is one image's attention and gradients, per layer (H, T, T).
type gradMaps struct {
	class        int
	probs, grads [][]float32
}

func (g *gradPass) run(px []float32, class int) (*gradMaps, error) {
	_, cls, probs, grads, err := g.net.AttentionGrads(px, class)
	if err != nil {
		return nil, fmt.Errorf("attention gradients: %w", err)
	}
	return &gradMaps{class: cls, probs: probs, grads: grads}, nil
}

// drawGradMethod writes a gradient method's map through all layers
// (NAME.png, NAME being relevance or grad_rollout) and a grid of it
// through each selected layer, and returns the final (T, T) map.
func (p *pictures) drawGradMethod(w *pictureWriter, method string, g *gradMaps, layers, heads []int, label string) []float64 {
	T := p.lo.T
	fused := make([][]float64, len(g.probs))
	var steps [][]float64
	title := fmt.Sprintf("relevance for %q (Chefer et al. 2021)", label)
	if method == "relevance" {
		for l := range fused {
			fused[l] = attention.WeightedFuse(g.probs[l], g.grads[l], T, heads)
		}
		steps = attention.Relevance(fused, T)
	} else {
		for l := range fused {
			fused[l] = attention.GradFuse(g.probs[l], g.grads[l], T, heads)
		}
		steps = attention.Rollout(fused, T, p.o.discard, p.lo.HasCLS)
		title = fmt.Sprintf("grad-rollout for %q, discard ratio %g", label, p.o.discard)
	}
	name := strings.ReplaceAll(method, "-", "_")
	final := steps[len(steps)-1]
	p.draw(w, name, final)
	p.drawOnPhoto(w, name, final)
	var tiles []attention.Tile
	for _, l := range layers {
		tiles = append(tiles, attention.Tile{Image: p.render(steps[l]), Label: fmt.Sprintf("through layer %d", l)})
	}
	cols := int(math.Ceil(math.Sqrt(float64(len(tiles)))))
	w.png(name+"_grid.png", attention.Grid(tiles, cols, title, p.o.cm))
	return final
}
