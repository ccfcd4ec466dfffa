package model_test

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
)

// featureRefs derives the reference features from PyTorch's hidden states
// after the final LayerNorm, final_norm (B, T, D): token 0, the mean of the
// patch tokens (in float64), and every token.
func featureRefs(fn []float32, B, T, D, prefix int) map[string][]float32 {
	ref := map[string][]float32{model.FeatTokens: fn}
	for b := 0; b < B; b++ {
		img := fn[b*T*D : (b+1)*T*D]
		ref[model.FeatCLS] = append(ref[model.FeatCLS], img[:D]...)
		for d := 0; d < D; d++ {
			var s float64
			for t := prefix; t < T; t++ {
				s += float64(img[t*D+d])
			}
			ref[model.FeatMean] = append(ref[model.FeatMean], float32(s/float64(T-prefix)))
		}
	}
	return ref
}

// TestFeatures compares Features with PyTorch for the two backbones without
// a classifier (scripts/gen_backbone_goldens.py) and for every golden
// classifier: cls, mean and tokens from the hidden states after the final
// LayerNorm; fc_norm models' mean with the pooled features after fc_norm
// (their tokens are refused, as is cls without a class token). Observed
// (go test -v -run Features): 3.8e-6.
func TestFeatures(t *testing.T) {
	names := append([]string{"vit-p8-backbone", "timm-p8-backbone"}, goldenModels...)
	for _, fm := range familyModels {
		names = append(names, fm.name)
	}
	var worst float64
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			m := convertAndLoad(t, filepath.Join("..", "..", "testdata", "models", name))
			gdir := filepath.Join("..", "..", "testdata", "golden", name)
			px := readNpy(t, filepath.Join(gdir, "pixels.npy"))
			B := px.Shape[0]
			r := m.NewRunner(kernels.NewPool(2), B)
			T, D := r.Tokens(), m.Config.HiddenSize
			var ref map[string][]float32
			if m.Config.FCNorm {
				ref = map[string][]float32{model.FeatMean: readNpy(t, filepath.Join(gdir, "fc_norm.npy")).Data}
			} else {
				ref = featureRefs(readNpy(t, filepath.Join(gdir, "final_norm.npy")).Data, B, T, D, r.PrefixTokens())
			}
			if strings.HasPrefix(name, "timm-p8-backbone") {
				if d := maxAbsDiff(ref[model.FeatCLS], readNpy(t, filepath.Join(gdir, "pre_logits.npy")).Data); d > 1e-6 {
					t.Fatalf("the golden's own pooled features disagree with its final_norm by %.3g", d)
				}
			}
			for _, pool := range []string{model.FeatCLS, model.FeatMean, model.FeatTokens} {
				got, err := r.Features(px.Data, B, pool)
				c := &m.Config
				if pool == model.FeatTokens && c.FCNorm || pool == model.FeatCLS && c.NoClassToken {
					if err == nil {
						t.Errorf("%s: no error, want a refusal", pool)
					}
					continue
				}
				want, ok := ref[pool]
				if !ok { // fc_norm of the class token: the goldens have no reference
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", pool, err)
				}
				if len(got) != len(want) || len(got) != B*r.FeatureSize(pool) {
					t.Fatalf("%s: %d values, reference %d, FeatureSize %d", pool, len(got), len(want), r.FeatureSize(pool))
				}
				d := maxAbsDiff(got, want)
				worst = math.Max(worst, d)
				if d > stageTol {
					t.Errorf("%s: max |Δ| %.3g > %.0e", pool, d, stageTol)
				}
			}
			if _, err := r.Forward(px.Data, B); m.Config.HasHead() == errors.Is(err, model.ErrNoHead) {
				t.Errorf("has head %v, Forward error %v", m.Config.HasHead(), err)
			}
		})
	}
	t.Logf("features max |Δ| %.2g (kernel %s)", worst, kernels.Selected())
}
