package convert

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/prep"
)

// timm VisionTransformer checkpoints: timm's key names, fused qkv, and the
// config.json timm's push_to_hub writes (architecture, num_classes,
// global_pool, model_args, pretrained_cfg, label_names). The sizes and
// options come from the tensors themselves, cross-checked against
// model_args; what the architecture needs beyond that is refused by name.

// timmConfig is the part of a timm config.json vitctl reads.
type timmConfig struct {
	Architecture  string                     `json:"architecture"`
	NumClasses    *int                       `json:"num_classes"`
	GlobalPool    *string                    `json:"global_pool"`
	ModelArgs     map[string]json.RawMessage `json:"model_args"`
	LabelNames    []string                   `json:"label_names"`
	PretrainedCfg struct {
		InputSize     []int     `json:"input_size"`
		Interpolation string    `json:"interpolation"`
		CropPct       *float64  `json:"crop_pct"`
		CropMode      string    `json:"crop_mode"`
		Mean          []float64 `json:"mean"`
		Std           []float64 `json:"std"`
	} `json:"pretrained_cfg"`
}

// isTimmConfig tells a timm config.json (an "architecture" and no
// "model_type") from a Hugging Face one. An "architecture" of the wrong
// kind still marks timm's, so that reading it names that field.
func isTimmConfig(path string) bool {
	var c struct {
		Architecture json.RawMessage `json:"architecture"`
		ModelType    json.RawMessage `json:"model_type"`
	}
	given := func(v json.RawMessage) bool {
		s := string(v)
		return s != "" && s != "null" && s != `""`
	}
	return readJSON(path, &c) == nil && given(c.Architecture) && !given(c.ModelType)
}

// timm's defaults: LayerNorm eps, crop_pct and ImageNet mean/std.
const (
	timmEps     = 1e-6
	timmCropPct = 0.875
)

var (
	timmMean = []float64{0.485, 0.456, 0.406}
	timmStd  = []float64{0.229, 0.224, 0.225}
)

// timmHeads gives num_heads for the standard widths when model_args does
// not: vit_tiny 192/3, small 384/6, medium 512/8, betwixt 640/10, base
// 768/12, large 1024/16, huge 1280/16, giant 1408/16.
var timmHeads = map[int]int{192: 3, 384: 6, 512: 8, 640: 10, 768: 12, 1024: 16, 1280: 16, 1408: 16}

// timmGlobal and timmBlock name the model file's tensors in a timm
// state dict; "[q]", "[k]", "[v]" are the thirds of the fused attn.qkv
// (see splitQKV).
var timmGlobal = map[string]string{
	model.TensorCLS: "cls_token", model.TensorReg: "reg_token", model.TensorPos: "pos_embed",
	model.TensorPatchW: "patch_embed.proj.weight", model.TensorPatchB: "patch_embed.proj.bias",
	model.TensorPreNormW: "norm_pre.weight", model.TensorPreNormB: "norm_pre.bias",
	model.TensorPostNormW: "norm.weight", model.TensorPostNormB: "norm.bias",
	model.TensorFCNormW: "fc_norm.weight", model.TensorFCNormB: "fc_norm.bias",
	model.TensorClassW: "head.weight", model.TensorClassB: "head.bias",
	model.TensorDist: "dist_token", model.TensorDistHeadW: "head_dist.weight", model.TensorDistHeadB: "head_dist.bias",
}

var timmBlock = map[string]string{
	model.Norm1W: "norm1.weight", model.Norm1B: "norm1.bias",
	model.AttnQW: "attn.qkv.weight[q]", model.AttnKW: "attn.qkv.weight[k]", model.AttnVW: "attn.qkv.weight[v]",
	model.AttnQB: "attn.qkv.bias[q]", model.AttnKB: "attn.qkv.bias[k]", model.AttnVB: "attn.qkv.bias[v]",
	model.AttnOutW: "attn.proj.weight", model.AttnOutB: "attn.proj.bias",
	model.Norm2W: "norm2.weight", model.Norm2B: "norm2.bias",
	model.FFNUpW: "mlp.fc1.weight", model.FFNUpB: "mlp.fc1.bias",
	model.FFNDownW: "mlp.fc2.weight", model.FFNDownB: "mlp.fc2.bias",
	model.AttnLS: "ls1.gamma", model.FFNLS: "ls2.gamma",
}

func timmLayout() layout {
	name := func(n string) string {
		if t, ok := timmGlobal[n]; ok {
			return t
		}
		rest, ok := strings.CutPrefix(n, "blk.")
		if !ok {
			return ""
		}
		i, suffix, _ := strings.Cut(rest, ".")
		if t, ok := timmBlock[suffix]; ok {
			return "blocks." + i + "." + t
		}
		return ""
	}
	return layout{from: "timm", arch: "VisionTransformer", name: name}
}

// prepareTimm is prepare for a timm folder.
func prepareTimm(dir, ckPath, out string, noEMA bool) (*prepared, error) {
	cfgPath := filepath.Join(dir, "config.json")
	var tc timmConfig
	if err := readJSON(cfgPath, &tc); err != nil {
		return nil, err
	}
	ck, err := openCheckpoint(ckPath, noEMA)
	if err != nil {
		return nil, err
	}
	s := &prepared{dir: dir, ck: ck, res: &Result{Source: ckPath}}
	if err := s.timm(cfgPath, &tc, out); err != nil {
		ck.Close()
		return nil, err
	}
	return s, nil
}

func (s *prepared) timm(cfgPath string, tc *timmConfig, out string) error {
	if err := checkOutput(out, "checkpoint", s.ck.files()...); err != nil {
		return err
	}
	if err := splitQKV(s.ck); err != nil {
		return err
	}
	var err error
	if s.cfg, err = timmModelConfig(cfgPath, tc, s.ck, s.res); err != nil {
		return err
	}
	if err := s.cfg.Validate(); err != nil {
		return fmt.Errorf("%s: %w", cfgPath, err)
	}
	s.plan, err = planTensors(s.cfg, s.ck, s.res)
	return err
}

var qkvName = regexp.MustCompile(`^blocks\.\d+\.attn\.qkv\.(weight|bias)$`)

// splitQKV replaces each fused blocks.N.attn.qkv tensor, (3D, D) or (3D),
// by its query, key and value thirds, named with a [q], [k] or [v] suffix;
// timm's rows are q, then k, then v, heads contiguous within each, as the
// model file stores them.
func splitQKV(ck *checkpoint) error {
	for name, t := range ck.tensors {
		if !qkvName.MatchString(name) {
			continue
		}
		if len(t.shape) == 0 || t.shape[0]%3 != 0 || len(t.shape) > 2 {
			return fmt.Errorf("%v has shape %v, want (3D, D) or (3D)", t, t.shape)
		}
		shape := append([]int{t.shape[0] / 3}, t.shape[1:]...)
		part := *t
		part.shape = shape
		n := int(part.elems()) * dtypeSize[t.dtype]
		for i, s := range []string{"q", "k", "v"} {
			p := part
			p.name = name + "[" + s + "]"
			p.read = func() ([]byte, error) {
				b, err := t.read()
				if err != nil || len(b) != 3*n {
					return nil, fmt.Errorf("%v: fused qkv: %d bytes, want %d (%v)", t, len(b), 3*n, err)
				}
				return b[i*n : (i+1)*n], nil
			}
			ck.tensors[p.name] = &p
		}
		delete(ck.tensors, name)
	}
	return nil
}

// timmModelConfig derives the model from the checkpoint's tensors and
// checks it against config.json.
func timmModelConfig(path string, tc *timmConfig, ck *checkpoint, res *Result) (*model.Config, error) {
	shape := func(n string) []int {
		if t := ck.tensors[n]; t != nil {
			return t.shape
		}
		return nil
	}
	has := func(n string) bool { return ck.tensors[n] != nil }
	pw := shape("patch_embed.proj.weight")
	if pw == nil {
		names := slices.SortedFunc(maps.Keys(ck.tensors), numericCmp)
		return nil, fmt.Errorf("%s: no tensor patch_embed.proj.weight, which every timm VisionTransformer has: %s",
			ck.path, cmp.Or(ck.wrapperHint(), "its tensors are "+firstNames(names)))
	}
	if len(pw) != 4 || pw[2] != pw[3] {
		return nil, fmt.Errorf("%s: patch_embed.proj.weight %v: not a timm VisionTransformer with square patches", ck.path, pw)
	}
	D, C, P := pw[0], pw[1], pw[2]
	depth := 0
	for has("blocks." + strconv.Itoa(depth) + ".norm1.weight") {
		depth++
	}
	up := shape("blocks.0.mlp.fc1.weight")
	if depth == 0 || len(up) != 2 {
		return nil, fmt.Errorf("%s: no blocks.0.norm1.weight or blocks.0.mlp.fc1.weight: not a timm VisionTransformer", ck.path)
	}
	cfg := &model.Config{
		ModelType: "timm", HiddenSize: D, NumHiddenLayers: depth, IntermediateSize: up[0],
		HiddenAct: "gelu", LayerNormEps: timmEps, PatchSize: P, NumChannels: C,
		QKVBias:      has("blocks.0.attn.qkv.bias[q]"),
		NoClassToken: !has("cls_token"),
		// VisionTransformerDistilled (timm's DeiT): eval logits are the mean of head and head_dist.
		DistillationToken: has("dist_token"),
		DistillationHead:  has("head_dist.weight"),
		PreNorm:           has("norm_pre.weight"),
		NoPatchBias:       !has("patch_embed.proj.bias"),
		LayerScale:        has("blocks.0.ls1.gamma"),
		FCNorm:            has("fc_norm.weight"),
		Pooling:           model.PoolCLS,
	}
	if r := shape("reg_token"); len(r) == 3 {
		cfg.RegisterTokens = r[1]
	}
	if has("fc_norm.weight") == has("norm.weight") {
		return nil, fmt.Errorf("%s: want exactly one of norm.weight and fc_norm.weight (final_norm=False, or both, is not supported)", ck.path)
	}
	if err := timmArgs(path, tc, cfg, res); err != nil {
		return nil, err
	}
	if cfg.ImageSize <= 0 || cfg.ImageSize > 1<<16 {
		return nil, fmt.Errorf("%s: image size %d is not usable", path, cfg.ImageSize)
	}
	if pos := shape("pos_embed"); len(pos) == 3 {
		switch np := cfg.NumPatches(); pos[1] {
		case np:
			cfg.NoEmbedClass = cfg.PrefixTokens() > 0
		case np + cfg.PrefixTokens():
		default:
			return nil, fmt.Errorf("%s: pos_embed has %d positions; a %dx%d input with patch %d and %d prefix tokens needs %d, or %d with no_embed_class",
				ck.path, pos[1], cfg.ImageSize, cfg.ImageSize, P, cfg.PrefixTokens(), np+cfg.PrefixTokens(), np)
		}
	}
	if err := timmCrossCheck(path, tc, cfg); err != nil {
		return nil, err
	}
	L := 0
	if h := shape("head.weight"); len(h) == 2 {
		L = h[0]
	}
	var err error
	if cfg.Labels, err = timmLabels(path, tc, L); err != nil {
		return nil, err
	}
	cfg.Preprocess, err = timmPreprocess(path, tc, cfg.ImageSize)
	return cfg, err
}

// timmArgs reads num_heads, the image size, the pooling and the
// activation, refusing every model_args entry vitctl does not implement.
func timmArgs(path string, tc *timmConfig, cfg *model.Config, res *Result) error {
	bad := func(format string, a ...any) error { return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, a...)) }
	a := tc.ModelArgs
	str := func(k string) string {
		var s string
		json.Unmarshal(a[k], &s)
		return s
	}
	pool := "token"
	if tc.GlobalPool != nil {
		pool = *tc.GlobalPool
	}
	if _, ok := a["global_pool"]; ok {
		pool = str("global_pool")
	}
	switch pool {
	case "token":
	case "avg":
		cfg.Pooling = model.PoolAvg
	default:
		return bad("global_pool %q is not supported (vitctl implements \"token\" and \"avg\")", pool)
	}
	if n, ok := a["num_heads"]; ok {
		if err := json.Unmarshal(n, &cfg.NumAttentionHeads); err != nil {
			return bad("model_args.num_heads: %v", err)
		}
	} else if h, ok := timmHeads[cfg.HiddenSize]; ok {
		cfg.NumAttentionHeads = h
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s: no model_args.num_heads; assuming %d heads, timm's for width %d", path, h, cfg.HiddenSize))
	} else {
		return bad("no model_args.num_heads and width %d is not a standard timm ViT width; add \"num_heads\" to model_args", cfg.HiddenSize)
	}
	switch act := str("act_layer"); act {
	case "", "gelu":
	case "quick_gelu":
		cfg.HiddenAct = "quick_gelu"
	case "gelu_tanh":
		cfg.HiddenAct = "gelu_pytorch_tanh"
	default:
		return bad("model_args.act_layer %q is not supported (gelu, gelu_tanh or quick_gelu)", act)
	}
	if n := str("norm_layer"); n != "" && n != "layernorm" {
		return bad("model_args.norm_layer %q is not supported (LayerNorm only)", n)
	}
	cfg.ImageSize = 224
	if in := tc.PretrainedCfg.InputSize; len(in) == 3 {
		if in[1] != in[2] {
			return bad("pretrained_cfg.input_size %v is not square, which vitctl does not support", in)
		}
		cfg.ImageSize = in[1]
	}
	if raw, ok := a["img_size"]; ok {
		n, err := squareSize(raw, cfg.ImageSize)
		if err != nil {
			return bad("model_args.img_size: %v", err)
		}
		cfg.ImageSize = n
	}
	return nil
}

// timmKnown are the model_args keys vitctl reads or checks, with the
// value each must have when it cannot be derived; timmIgnored change
// training only.
var (
	timmKnown = map[string]string{
		"img_size": "", "patch_size": "", "in_chans": "", "num_classes": "", "global_pool": "",
		"embed_dim": "", "depth": "", "num_heads": "", "mlp_ratio": "", "qkv_bias": "",
		"init_values": "", "class_token": "", "no_embed_class": "", "reg_tokens": "",
		"pre_norm": "", "fc_norm": "", "act_layer": "", "norm_layer": "",
		"qk_norm": "false", "final_norm": "true", "proj_bias": "true", "pos_embed": `"learn"`,
		"dynamic_img_pad": "false", "pool_include_prefix": "false",
		"scale_attn_norm": "false", "scale_mlp_norm": "false",
	}
	timmIgnored = []string{"drop_rate", "pos_drop_rate", "patch_drop_rate", "proj_drop_rate", "attn_drop_rate",
		"drop_path_rate", "weight_init", "fix_init", "dynamic_img_size"}
)

// timmCrossCheck compares model_args with what the tensors say and refuses
// what vitctl does not implement, by name.
func timmCrossCheck(path string, tc *timmConfig, cfg *model.Config) error {
	derived := map[string]any{
		"patch_size": cfg.PatchSize, "in_chans": cfg.NumChannels, "embed_dim": cfg.HiddenSize,
		"depth": cfg.NumHiddenLayers, "qkv_bias": cfg.QKVBias, "class_token": !cfg.NoClassToken,
		"reg_tokens": cfg.RegisterTokens, "pre_norm": cfg.PreNorm, "fc_norm": cfg.FCNorm,
		"mlp_ratio": float64(cfg.IntermediateSize) / float64(cfg.HiddenSize),
	}
	if cfg.PrefixTokens() > 0 {
		derived["no_embed_class"] = cfg.NoEmbedClass
	}
	keys := make([]string, 0, len(tc.ModelArgs))
	for k := range tc.ModelArgs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []string
	for _, k := range keys {
		raw := strings.TrimSpace(string(tc.ModelArgs[k]))
		want, known := timmKnown[k]
		switch {
		case !known && !slices.Contains(timmIgnored, k):
			errs = append(errs, fmt.Sprintf("model_args.%s = %s is not something vitctl implements", k, raw))
		case want != "" && raw != want && raw != "null":
			errs = append(errs, fmt.Sprintf("model_args.%s = %s is not supported (vitctl needs %s)", k, raw, want))
		case k == "init_values":
			if on := raw != "null" && raw != "0" && raw != "0.0"; on != cfg.LayerScale {
				errs = append(errs, fmt.Sprintf("model_args.init_values = %s but ls1.gamma is %s", raw, map[bool]string{true: "present", false: "absent"}[cfg.LayerScale]))
			}
		case derived[k] != nil && raw != "null":
			if d := derived[k]; !sameJSON(tc.ModelArgs[k], d) {
				errs = append(errs, fmt.Sprintf("model_args.%s = %s but the tensors say %v", k, raw, d))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s:\n  %s", path, strings.Join(errs, "\n  "))
	}
	return nil
}

// sameJSON compares a JSON value with a derived int, float or bool.
func sameJSON(raw json.RawMessage, v any) bool {
	switch v := v.(type) {
	case bool:
		var b bool
		return json.Unmarshal(raw, &b) == nil && b == v
	case int:
		var f float64
		return json.Unmarshal(raw, &f) == nil && f == float64(v)
	case float64: // mlp_ratio: timm takes int(D * mlp_ratio)
		var f float64
		return json.Unmarshal(raw, &f) == nil && math.Abs(f-v)*float64(1<<20) < 1<<10
	}
	return false
}

// timmLabels takes label_names, or LABEL_i for L classes as Hugging Face
// names unnamed ones.
func timmLabels(path string, tc *timmConfig, L int) ([]string, error) {
	if tc.NumClasses != nil && *tc.NumClasses != L {
		return nil, fmt.Errorf("%s: num_classes %d but head.weight has %d rows: the weights are those of a %d-class head (fine-tuned?); set num_classes to %d (and label_names to its %d names) there", path, *tc.NumClasses, L, L, L, L)
	}
	if L == 0 { // num_classes=0: a backbone, head = Identity
		return nil, nil
	}
	if L < 0 || L > maxLabels {
		return nil, fmt.Errorf("%s: %d classes", path, L)
	}
	if len(tc.LabelNames) > 0 {
		if len(tc.LabelNames) != L {
			return nil, fmt.Errorf("%s: %d label_names for %d classes (head.weight's rows): give one name per class", path, len(tc.LabelNames), L)
		}
		return tc.LabelNames, nil
	}
	out := make([]string, L)
	for i := range out {
		out[i] = "LABEL_" + strconv.Itoa(i)
	}
	return out, nil
}

// timmPreprocess is timm's evaluation transform for pretrained_cfg: resize
// the shorter side to floor(size/crop_pct), center crop size×size,
// rescale by 1/255, normalize with mean and std.
func timmPreprocess(path string, tc *timmConfig, size int) (prep.Params, error) {
	pc := &tc.PretrainedCfg
	p := prep.Params{
		DoResize: true, Height: size, Width: size, Resample: prep.Bicubic,
		DoRescale: true, RescaleFactor: 1.0 / 255, DoNormalize: true, Mean: timmMean, Std: timmStd,
		CropPct: timmCropPct,
	}
	if pc.Interpolation != "" {
		r, err := prep.ParseResample(pc.Interpolation)
		if err != nil {
			return p, fmt.Errorf("%s: pretrained_cfg.interpolation %q is not supported", path, pc.Interpolation)
		}
		p.Resample = r
	}
	if pc.CropMode != "" && pc.CropMode != "center" {
		return p, fmt.Errorf("%s: pretrained_cfg.crop_mode %q is not supported (center only)", path, pc.CropMode)
	}
	if pc.CropPct != nil {
		p.CropPct = *pc.CropPct
	}
	if !(p.CropPct > 0 && p.CropPct <= 1) {
		return p, fmt.Errorf("%s: pretrained_cfg.crop_pct %g is not in (0, 1]", path, p.CropPct)
	}
	p.ResizeShortest = int(math.Floor(float64(size) / p.CropPct))
	if len(pc.Mean) > 0 {
		p.Mean = pc.Mean
	}
	if len(pc.Std) > 0 {
		p.Std = pc.Std
	}
	return p, nil
}
