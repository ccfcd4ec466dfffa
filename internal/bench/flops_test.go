package bench

import (
	"testing"

	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
)

// Hand-computed from the architecture, 1000 classes, qkv bias:
//
//	MACs   = Np·C·P²·D + layers·(T·D·3D + 2·T²·D + T·D² + 2·T·D·I) + D·1000
//	params = D (CLS) + T·D (positions) + D·C·P² + D (patch embedding)
//	       + layers·(4D + 3D² + 3D + D² + D + 2·I·D + I + D) + 2D + 1000·D + 1000
//
// ViT-B/16 @224: Np = 196, T = 197, D = 768, I = 3072, 12 layers:
//
//	MACs   = 196·768·768 + 12·(348,585,984 + 59,610,624 + 116,195,328 + 929,562,624) + 768,000
//	       = 115,605,504 + 17,447,454,720 + 768,000 = 17,563,828,224 (17.6 G)
//	params = 768 + 151,296 + 590,592 + 12·7,087,872 + 1,536 + 769,000 = 86,567,656 (86.6 M)
//
// The others agree with timm's published counts (vit_small_patch16_224 4.6 G
// and 22.1 M, vit_base_patch16_384 55.5 G and 86.9 M, vit_large_patch16_224
// 61.6 G and 304.3 M, deit_tiny_patch16_224 5.7 M).
var costCases = []struct {
	arch         string
	patch, size  int
	tokens       int
	macs, params int64
}{
	{"vit-b", 16, 224, 197, 17_563_828_224, 86_567_656},
	{"vit-b", 16, 384, 577, 55_484_350_464, 86_859_496},
	{"vit-b", 32, 224, 50, 4_409_186_304, 88_224_232},
	{"vit-ti", 16, 224, 197, 1_253_683_200, 5_717_416},
	{"vit-ti", 32, 224, 50, 306_034_176, 6_131_560},
	{"vit-s", 16, 224, 197, 4_598_882_304, 22_050_664},
	{"vit-s", 8, 224, 785, 22_405_742_592, 22_055_272},
	{"vit-l", 16, 224, 197, 61_554_712_576, 304_326_632},
}

func TestCostAndParams(t *testing.T) {
	for _, c := range costCases {
		a, err := LookupArch(c.arch)
		if err != nil {
			t.Fatal(err)
		}
		cfg := a.Config(c.patch, c.size)
		if err := cfg.Validate(); err != nil {
			t.Fatalf("%s/%d@%d: %v", c.arch, c.patch, c.size, err)
		}
		k := CostOf(&cfg)
		if got := cfg.Tokens(); got != c.tokens {
			t.Errorf("%s/%d@%d: tokens %d, want %d", c.arch, c.patch, c.size, got, c.tokens)
		}
		if got := k.MACs(); got != c.macs {
			t.Errorf("%s/%d@%d: MACs %d, want %d", c.arch, c.patch, c.size, got, c.macs)
		}
		if got := k.FLOPs(); got != 2*c.macs {
			t.Errorf("%s/%d@%d: FLOPs %d, want %d", c.arch, c.patch, c.size, got, 2*c.macs)
		}
		if got := Params(&cfg); got != c.params {
			t.Errorf("%s/%d@%d: params %d, want %d", c.arch, c.patch, c.size, got, c.params)
		}
	}
}

// TestCostParts checks the ViT-B/16 breakdown part by part.
func TestCostParts(t *testing.T) {
	cfg := Archs["vit-b"].Config(16, 224)
	want := Cost{
		PatchEmbed: 196 * 768 * 768,
		QKV:        12 * 197 * 768 * 2304,
		Scores:     12 * 12 * 197 * 197 * 64,
		Mix:        12 * 12 * 197 * 197 * 64,
		OutProj:    12 * 197 * 768 * 768,
		MLP:        12 * 2 * 197 * 768 * 3072,
		Classifier: 768 * 1000,
	}
	if got := CostOf(&cfg); got != want {
		t.Errorf("CostOf(ViT-B/16) = %+v, want %+v", got, want)
	}
}

// TestCostAtNonSquare checks CostAt on images wider than high, by hand:
//
// ViT-B/16 at 384 wide × 224 high: Np = 24·14 = 336, T = 337:
//
//	MACs = 336·768·768 + 12·(337·768·2304 + 2·12·337²·64 + 337·768² + 2·337·768·3072) + 768·1000
//	     = 198,180,864 + 12·(596,312,064 + 174,441,984 + 198,770,688 + 1,590,165,504) + 768,000
//	     = 30,915,231,744
//
// ViT-Ti/32 at 224 wide × 128 high: Np = 7·4 = 28, T = 29: 174,526,464 MACs.
// A non-square size's cost does not depend on the config's own image size,
// and swapping width and height changes nothing.
func TestCostAtNonSquare(t *testing.T) {
	for _, c := range []struct {
		arch                    string
		patch, width, height, T int
		macs                    int64
	}{
		{"vit-b", 16, 384, 224, 337, 30_915_231_744},
		{"vit-ti", 32, 224, 128, 29, 174_526_464},
	} {
		for _, own := range []int{c.width, c.height, 32 * c.patch} {
			cfg := Archs[c.arch].Config(c.patch, own)
			if got := cfg.TokensAt(c.height, c.width); got != c.T {
				t.Errorf("%s/%d@%dx%d: TokensAt %d, want %d", c.arch, c.patch, c.width, c.height, got, c.T)
			}
			if got := CostAt(&cfg, c.height, c.width).MACs(); got != c.macs {
				t.Errorf("%s/%d@%dx%d (config at %d): MACs %d, want %d", c.arch, c.patch, c.width, c.height, own, got, c.macs)
			}
			if a, b := CostAt(&cfg, c.height, c.width), CostAt(&cfg, c.width, c.height); a != b {
				t.Errorf("%s/%d: %dx%d costs %+v, %dx%d %+v", c.arch, c.patch, c.width, c.height, a, c.height, c.width, b)
			}
		}
	}
}

// TestParamsMatchModel builds small synthetic models and compares Params
// with what the loader counted.
func TestParamsMatchModel(t *testing.T) {
	for _, a := range []Arch{{"tiny", 32, 2, 4, 64}, Archs["vit-ti"]} {
		for _, ps := range [][2]int{{16, 32}, {8, 32}, {16, 224}} {
			cfg := a.Config(ps[0], ps[1])
			names, get := Synthetic(&cfg)
			m, err := model.New(cfg, names, get)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := Params(&cfg), int64(m.NumParams()); got != want {
				t.Errorf("%s/%d@%d: Params %d, model.NumParams %d", a.Name, ps[0], ps[1], got, want)
			}
		}
	}
}

// TestSyntheticRuns checks that a synthetic model gives finite logits.
func TestSyntheticRuns(t *testing.T) {
	cfg := Arch{"tiny", 32, 2, 4, 64}.Config(8, 32)
	names, get := Synthetic(&cfg)
	m, err := model.New(cfg, names, get)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := m.NewRunner(kernels.NewPool(1), 2).Forward(Pixels(&cfg, 2), 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range logits {
		if v != v || v > 1e6 || v < -1e6 {
			t.Fatalf("logit %d = %v", i, v)
		}
	}
}

func TestLookupArch(t *testing.T) {
	for name, want := range map[string]string{"vit-b": "vit-b", "ViT-Base": "vit-b", "ti": "vit-ti", "vit-small": "vit-s", " vit-l ": "vit-l"} {
		a, err := LookupArch(name)
		if err != nil || a.Name != want {
			t.Errorf("LookupArch(%q) = %q, %v; want %q", name, a.Name, err, want)
		}
	}
	if _, err := LookupArch("vit-h"); err == nil {
		t.Error("LookupArch(vit-h): no error")
	}
	if got := ArchNames(); len(got) != 4 || got[0] != "vit-ti" || got[3] != "vit-l" {
		t.Errorf("ArchNames() = %v", got)
	}
}
