package convert

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/prep"
)

// familyFolder copies testdata model name into a temporary folder as
// config.json, preprocessor_config.json when present and model.safetensors,
// letting edit change the config (as JSON) and the tensors first.
func familyFolder(t *testing.T, name string, editCfg func(map[string]any), editTensors func(map[string]stTensor)) string {
	t.Helper()
	src, dir := filepath.Join(modelsDir, name), t.TempDir()
	var cfg map[string]any
	b, err := os.ReadFile(filepath.Join(src, "config.json"))
	if err != nil {
		t.Skip("no testdata/models/" + name)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if editCfg != nil {
		editCfg(cfg)
	}
	b, _ = json.Marshal(cfg)
	os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644)
	if b, err := os.ReadFile(filepath.Join(src, "preprocessor_config.json")); err == nil {
		os.WriteFile(filepath.Join(dir, "preprocessor_config.json"), b, 0o644)
	}
	ck, err := openCheckpoint(filepath.Join(src, "model.safetensors"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	ts := map[string]stTensor{}
	for n, x := range ck.tensors {
		data, err := x.read()
		if err != nil {
			t.Fatal(err)
		}
		ts[n] = stTensor{x.dtype, x.shape, data}
	}
	if editTensors != nil {
		editTensors(ts)
	}
	writeSafetensors(t, filepath.Join(dir, "model.safetensors"), ts)
	return dir
}

func modelArgs(c map[string]any) map[string]any { return c["model_args"].(map[string]any) }

// TestFamilyRefusals: what a DeiT or timm checkpoint holds and vitctl does
// not implement is refused by name.
func TestFamilyRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, model string
		cfg         func(map[string]any)
		tensors     func(map[string]stTensor)
		want        []string
	}{
		{"qk_norm tensors", "timm-p8-reg-ls", nil, func(ts map[string]stTensor) {
			ts["blocks.0.attn.q_norm.weight"] = f32Tensor([]int{12}, 1)
		}, []string{"1 tensor VisionTransformer does not use: blocks.0.attn.q_norm.weight"}},
		{"attention pooling tensors", "timm-p8-reg-ls", nil, func(ts map[string]stTensor) {
			ts["attn_pool.latent"] = f32Tensor([]int{1, 1, 48}, 1)
		}, []string{"VisionTransformer does not use: attn_pool.latent"}},
		{"qk_norm arg", "timm-p8-reg-ls", func(c map[string]any) { modelArgs(c)["qk_norm"] = true },
			nil, []string{"model_args.qk_norm = true is not supported (vitctl needs false)"}},
		{"map pooling", "timm-p8-reg-ls", func(c map[string]any) { c["global_pool"] = "map" },
			nil, []string{`global_pool "map" is not supported`}},
		{"unknown arg", "timm-p8-reg-ls", func(c map[string]any) { modelArgs(c)["block_fn"] = "ParallelScalingBlock" },
			nil, []string{`model_args.block_fn = "ParallelScalingBlock" is not something vitctl implements`}},
		{"activation", "timm-p8-reg-ls", func(c map[string]any) { modelArgs(c)["act_layer"] = "swiglu" },
			nil, []string{`model_args.act_layer "swiglu" is not supported`}},
		{"crop mode", "timm-p8-reg-ls", func(c map[string]any) { c["pretrained_cfg"].(map[string]any)["crop_mode"] = "squash" },
			nil, []string{`crop_mode "squash" is not supported`}},
		{"args disagree", "timm-p8-reg-ls", func(c map[string]any) { modelArgs(c)["embed_dim"] = 64; modelArgs(c)["reg_tokens"] = 0 },
			nil, []string{"model_args.embed_dim = 64 but the tensors say 48", "model_args.reg_tokens = 0 but the tensors say 4"}},
		{"no heads", "timm-p8-reg-ls", func(c map[string]any) { delete(modelArgs(c), "num_heads") },
			nil, []string{`width 48 is not a standard timm ViT width; add "num_heads" to model_args`}},
		{"no final norm", "timm-p8-reg-ls", nil, func(ts map[string]stTensor) { delete(ts, "norm.weight"); delete(ts, "norm.bias") },
			[]string{"want exactly one of norm.weight and fc_norm.weight"}},
		{"positions", "timm-p8-reg-ls", func(c map[string]any) {
			delete(modelArgs(c), "img_size")
			c["pretrained_cfg"].(map[string]any)["input_size"] = []int{3, 40, 40}
		},
			nil, []string{"pos_embed has 16 positions; a 40x40 input with patch 8 and 5 prefix tokens needs 30, or 25 with no_embed_class"}},
		{"architecture a number", "timm-p8-reg-ls", func(c map[string]any) { c["architecture"] = 3 },
			nil, []string{`config.json: line 1: "architecture" is a number, expected a string`}},
		{"architecture a list", "timm-p8-reg-ls", func(c map[string]any) { c["architecture"] = []string{"vit_tiny_patch16_224"} },
			nil, []string{`config.json: line 1: "architecture" is an array, expected a string`}},
		{"labels", "timm-p8-reg-ls", func(c map[string]any) { c["label_names"] = []string{"a", "b"} },
			nil, []string{"2 label_names for 10 classes (head.weight's rows): give one name per class"}},
		{"num_classes", "timm-p8-reg-ls", func(c map[string]any) { c["num_classes"] = 1000 },
			nil, []string{"num_classes 1000 but head.weight has 10 rows: the weights are those of a 10-class head (fine-tuned?); set num_classes to 10 (and label_names to its 10 names) there"}},
		{"deit without a head", "deit-p8-distilled", func(c map[string]any) { c["architectures"] = []string{"DeiTModel"} },
			nil, []string{`architectures [DeiTModel]: vitctl runs DeiT checkpoints with architectures ["DeiTForImageClassification"] or ["DeiTForImageClassificationWithTeacher"] only`}},
		{"deit teacher weights, plain config", "deit-p8-teacher", func(c map[string]any) { c["architectures"] = []string{"DeiTForImageClassification"} },
			nil, []string{"missing tensors: classifier.bias, classifier.weight", "DeiTForImageClassification does not use: cls_classifier.bias, cls_classifier.weight, distillation_classifier.bias, distillation_classifier.weight"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := familyFolder(t, tc.model, tc.cfg, tc.tensors)
			_, err := Convert(t.Context(), dir, filepath.Join(t.TempDir(), "m.gguf"), Options{DType: gguf.F32, Version: "test"})
			if err == nil {
				t.Fatal("converted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nlacks %q", err, w)
				}
			}
		})
	}
}

// TestFamilyPreprocess checks the preprocessing read from DeiT's
// preprocessor_config.json and timm's pretrained_cfg.
func TestFamilyPreprocess(t *testing.T) {
	for _, tc := range []struct {
		model                  string
		shortest, rh, rw, size int
		resample               prep.Resample
		cropPct                float64
	}{
		{"deit-p8-teacher", 0, 36, 36, 32, 3, 0},
		{"timm-p8-reg-ls", 36, 0, 0, 32, 3, 0.875},           // floor(32/0.875)
		{"timm-p8-avg-fcnorm-prenorm", 44, 0, 0, 40, 3, 0.9}, // floor(40/0.9) = floor(44.4)
		{"timm-p8-noclass-avg", 32, 0, 0, 32, 3, 1},          // crop_pct 1: resize to the size, crop nothing
	} {
		info, err := Describe(filepath.Join(modelsDir, tc.model), false)
		if err != nil {
			t.Fatalf("%s: %v", tc.model, err)
		}
		p := info.Config.Preprocess
		if p.ResizeShortest != tc.shortest || p.ResizeHeight != tc.rh || p.ResizeWidth != tc.rw ||
			p.Height != tc.size || p.Width != tc.size || p.Resample != tc.resample || p.CropPct != tc.cropPct ||
			p.Mean[0] != 0.485 || p.Std[2] != 0.225 {
			t.Errorf("%s: preprocess %+v", tc.model, p)
		}
	}
	dir := familyFolder(t, "deit-p8-distilled", nil, nil)
	pre := `{"do_resize": true, "size": {"height": 35, "width": 35}, "do_center_crop": true, "crop_size": {"height": 32, "width": 32}}`
	os.WriteFile(filepath.Join(dir, "preprocessor_config.json"), []byte(pre), 0o644)
	if _, err := Describe(dir, false); err == nil || !strings.Contains(err.Error(), "crop_size 32x32 from size 35x35: vitctl needs a crop no larger than the resize with even margins") {
		t.Errorf("odd crop margin: %v", err)
	}
	pre = `{"do_resize": true, "size": {"shortest_edge": 36}, "do_center_crop": true, "crop_size": {"height": 32, "width": 32}}`
	os.WriteFile(filepath.Join(dir, "preprocessor_config.json"), []byte(pre), 0o644)
	if _, err := Describe(dir, false); err == nil || !strings.Contains(err.Error(), "size {shortest_edge} with do_center_crop is not supported") {
		t.Errorf("shortest_edge crop: %v", err)
	}
}

// FuzzFamilyConfig feeds arbitrary config.json and preprocessor_config.json
// bytes next to a real DeiT and timm checkpoint: errors, never panics.
func FuzzFamilyConfig(f *testing.F) {
	for _, m := range []string{"timm-p8-reg-ls", "deit-p8-teacher"} {
		c, err := os.ReadFile(filepath.Join(modelsDir, m, "config.json"))
		if err != nil {
			f.Skip("no testdata models")
		}
		p, _ := os.ReadFile(filepath.Join(modelsDir, m, "preprocessor_config.json"))
		f.Add(c, p)
	}
	f.Add([]byte(`{"architecture": "x", "model_args": {"num_heads": 0, "img_size": [40, 41]}, "pretrained_cfg": {"crop_pct": 0}}`), []byte(`{}`))
	st, err := os.ReadFile(filepath.Join(modelsDir, "timm-p8-reg-ls", "model.safetensors"))
	if err != nil {
		f.Skip("no testdata models")
	}
	f.Fuzz(func(t *testing.T, cfg, pre []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644)
		os.WriteFile(filepath.Join(dir, "preprocessor_config.json"), pre, 0o644)
		os.WriteFile(filepath.Join(dir, "model.safetensors"), st, 0o644)
		Describe(dir, false)
	})
}
