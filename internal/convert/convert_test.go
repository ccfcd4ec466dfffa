package convert

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/model"
)

// stTensor is a tensor to write into a synthetic safetensors file.
type stTensor struct {
	dtype string
	shape []int
	data  []byte
}

func f32Tensor(shape []int, seed int) stTensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	var b []byte
	for i := range n {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(math.Sin(float64(seed*1000+i)))))
	}
	return stTensor{"F32", shape, b}
}

func writeSafetensors(t *testing.T, path string, ts map[string]stTensor) {
	t.Helper()
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	sort.Strings(names)
	hdr := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var data []byte
	for _, n := range names {
		x := ts[n]
		hdr[n] = map[string]any{"dtype": x.dtype, "shape": x.shape, "data_offsets": []int{len(data), len(data) + len(x.data)}}
		data = append(data, x.data...)
	}
	h, _ := json.Marshal(hdr)
	out := append(binary.LittleEndian.AppendUint64(nil, uint64(len(h))), h...)
	if err := os.WriteFile(path, append(out, data...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tiny is a 2-layer ViT small enough to spell out: D=8, I=16, P=4, 8x8
// images (T=5), 3 labels.
type tiny struct {
	cfg     map[string]any
	pre     map[string]any // nil: no preprocessor_config.json
	weights map[string]stTensor
}

// hfToGGUF is the name mapping written out independently of names.go.
var hfToGGUF = map[string]string{
	"vit.embeddings.cls_token":                          "cls_token",
	"vit.embeddings.position_embeddings":                "pos_embd",
	"vit.embeddings.patch_embeddings.projection.weight": "patch_embd.weight",
	"vit.embeddings.patch_embeddings.projection.bias":   "patch_embd.bias",
	"vit.layernorm.weight":                              "post_norm.weight",
	"vit.layernorm.bias":                                "post_norm.bias",
	"classifier.weight":                                 "cls_head.weight",
	"classifier.bias":                                   "cls_head.bias",
}

func init() {
	for i := range 2 {
		for hf, g := range map[string]string{
			"layernorm_before": "ln1", "attention.attention.query": "attn_q", "attention.attention.key": "attn_k",
			"attention.attention.value": "attn_v", "attention.output.dense": "attn_out", "layernorm_after": "ln2",
			"intermediate.dense": "ffn_up", "output.dense": "ffn_down",
		} {
			for _, wb := range []string{".weight", ".bias"} {
				hfToGGUF[fmt.Sprintf("vit.encoder.layer.%d.%s%s", i, hf, wb)] = fmt.Sprintf("blk.%d.%s%s", i, g, wb)
			}
		}
	}
}

func newTiny() *tiny {
	m := &tiny{
		cfg: map[string]any{
			"architectures": []string{"ViTForImageClassification"}, "model_type": "vit",
			"hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 16,
			"hidden_act": "gelu", "layer_norm_eps": 1e-12, "image_size": 8, "patch_size": 4, "num_channels": 3,
			"qkv_bias": true, "id2label": map[string]string{"0": "cat", "2": "fish", "1": "dog"},
		},
		pre: map[string]any{
			"do_resize": true, "size": map[string]int{"height": 8, "width": 8}, "resample": 3,
			"do_rescale": true, "rescale_factor": 0.5, "do_normalize": true,
			"image_mean": []float64{0.1, 0.2, 0.3}, "image_std": []float64{0.4, 0.5, 0.6},
			"image_processor_type": "ViTImageProcessor",
		},
		weights: map[string]stTensor{},
	}
	shapes := map[string][]int{
		"cls_token": {1, 1, 8}, "pos_embd": {1, 5, 8}, "patch_embd.weight": {8, 3, 4, 4}, "patch_embd.bias": {8},
		"post_norm.weight": {8}, "post_norm.bias": {8}, "cls_head.weight": {3, 8}, "cls_head.bias": {3},
		"ln1.weight": {8}, "ln1.bias": {8}, "ln2.weight": {8}, "ln2.bias": {8},
		"attn_q.weight": {8, 8}, "attn_k.weight": {8, 8}, "attn_v.weight": {8, 8}, "attn_out.weight": {8, 8},
		"attn_q.bias": {8}, "attn_k.bias": {8}, "attn_v.bias": {8}, "attn_out.bias": {8},
		"ffn_up.weight": {16, 8}, "ffn_up.bias": {16}, "ffn_down.weight": {8, 16}, "ffn_down.bias": {8},
	}
	seed := 0
	for _, hf := range slices.Sorted(maps.Keys(hfToGGUF)) {
		g := hfToGGUF[hf]
		if _, rest, ok := strings.Cut(g, "blk."); ok {
			_, g, _ = strings.Cut(rest, ".")
		}
		seed++
		m.weights[hf] = f32Tensor(shapes[g], seed)
	}
	return m
}

// write puts the model in a new folder and returns it.
func (m *tiny) write(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	c, _ := json.Marshal(m.cfg)
	os.WriteFile(filepath.Join(dir, "config.json"), c, 0o644)
	if m.pre != nil {
		p, _ := json.Marshal(m.pre)
		os.WriteFile(filepath.Join(dir, "preprocessor_config.json"), p, 0o644)
	}
	writeSafetensors(t, filepath.Join(dir, "model.safetensors"), m.weights)
	return dir
}

func convertTo(t *testing.T, src string, dt gguf.Type) (*gguf.File, *Result, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "m.gguf")
	res, err := Convert(context.Background(), src, out, Options{DType: dt, Version: "test"})
	if err != nil {
		return nil, nil, err
	}
	f, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, res, nil
}

func TestConvertTiny(t *testing.T) {
	m := newTiny()
	for _, dt := range []gguf.Type{gguf.F32, gguf.F16, gguf.BF16} {
		f, res, err := convertTo(t, m.write(t), dt)
		if err != nil {
			t.Fatal(err)
		}
		if res.Params != 1683 || len(f.Tensors()) != len(hfToGGUF) {
			t.Errorf("%d params, %d tensors", res.Params, len(f.Tensors()))
		}
		if err := f.Verify(); err != nil {
			t.Error(err)
		}
		for hf, name := range hfToGGUF {
			x, shape, err := f.Float32s(name)
			if err != nil {
				t.Fatal(err)
			}
			src := m.weights[hf]
			want := map[string][]int{"cls_token": {8}, "pos_embd": {5, 8}}[name]
			if want == nil {
				want = src.shape
			}
			if !slices.Equal(shape, want) {
				t.Errorf("%s: shape %v, want %v", name, shape, want)
			}
			var ti gguf.TensorInfo
			for _, x := range f.Tensors() {
				if x.Name == name {
					ti = x
				}
			}
			wantType := dt
			if len(shape) == 1 || name == "cls_token" || name == "pos_embd" {
				wantType = gguf.F32
			}
			if ti.Type != wantType {
				t.Errorf("%v: %s stored as %v, want %v", dt, name, ti.Type, wantType)
			}
			for i, v := range x {
				w := math.Float32frombits(binary.LittleEndian.Uint32(src.data[4*i:]))
				switch ti.Type {
				case gguf.F16:
					w = gguf.F16ToF32(gguf.F32ToF16(w))
				case gguf.BF16:
					w = gguf.BF16ToF32(gguf.F32ToBF16(w))
				}
				if v != w {
					t.Fatalf("%v: %s[%d] = %g, want %g", dt, name, i, v, w)
				}
			}
		}
	}
}

func TestMetadata(t *testing.T) {
	f, _, err := convertTo(t, newTiny().write(t), gguf.F32)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int{
		model.KeyHiddenSize: 8, model.KeyLayers: 2, model.KeyHeads: 2, model.KeyIntermediate: 16,
		model.KeyImageSize: 8, model.KeyPatchSize: 4, model.KeyChannels: 3,
		model.KeyHeight: 8, model.KeyWidth: 8, model.KeyResample: 3,
	} {
		if v, err := f.Int(key); v != want || err != nil {
			t.Errorf("%s = %d, %v; want %d", key, v, err, want)
		}
	}
	for key, want := range map[string]float64{model.KeyLayerNormEps: 1e-12, model.KeyRescaleFactor: 0.5} {
		if v, err := f.Float(key); v != want || err != nil {
			t.Errorf("%s = %g, %v; want %g", key, v, err, want)
		}
	}
	for key, want := range map[string]string{model.KeyArch: "vit", model.KeyModelType: "vit", model.KeyHiddenAct: "gelu", model.KeyConverterVersion: "test"} {
		if v, err := f.String(key); v != want || err != nil {
			t.Errorf("%s = %q, %v; want %q", key, v, err, want)
		}
	}
	for _, key := range []string{model.KeyQKVBias, model.KeyDoResize, model.KeyDoRescale, model.KeyDoNormalize} {
		if v, err := f.Bool(key); !v || err != nil {
			t.Errorf("%s = %v, %v", key, v, err)
		}
	}
	if v, err := f.Strings(model.KeyLabels); !slices.Equal(v, []string{"cat", "dog", "fish"}) || err != nil {
		t.Errorf("labels %q, %v", v, err)
	}
	if v, err := f.Floats(model.KeyStd); !slices.Equal(v, []float64{0.4, 0.5, 0.6}) || err != nil {
		t.Errorf("std %v, %v", v, err)
	}
	if v, err := f.Floats(model.KeyMean); !slices.Equal(v, []float64{0.1, 0.2, 0.3}) || err != nil {
		t.Errorf("mean %v, %v", v, err)
	}
	if src, _ := f.String(model.KeySource); !strings.HasSuffix(src, "/model.safetensors") {
		t.Errorf("source %q", src)
	}
}

// TestConvertVariants covers inputs that convert, with what they imply.
func TestConvertVariants(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*tiny)
		check  func(*testing.T, *gguf.File, *Result)
	}{
		// A note says the classes are unnamed and where names go: the
		// output said LABEL_2 with no word why (TestConvertVariants'
		// other cases, all named, have no such note).
		{"no id2label: LABEL_i from the classifier", func(m *tiny) { delete(m.cfg, "id2label") }, func(t *testing.T, f *gguf.File, r *Result) {
			if v, _ := f.Strings(model.KeyLabels); !slices.Equal(v, []string{"LABEL_0", "LABEL_1", "LABEL_2"}) {
				t.Errorf("labels %q", v)
			}
			if n := strings.Join(r.Notes, "\n"); !strings.Contains(n, "config.json names none of the 3 classes, so the model calls them LABEL_0 … LABEL_2: to name them, write id2label") {
				t.Errorf("notes %q, want one saying the classes are unnamed", r.Notes)
			}
		}},
		{"id2label of Hugging Face's placeholders", func(m *tiny) { m.cfg["id2label"] = []string{"LABEL_0", "LABEL_1", "LABEL_2"} }, func(t *testing.T, _ *gguf.File, r *Result) {
			if n := strings.Join(r.Notes, "\n"); !strings.Contains(n, "names none of the 3 classes") {
				t.Errorf("notes %q, want one saying the classes are unnamed", r.Notes)
			}
		}},
		{"id2label as a list: no note", func(m *tiny) { m.cfg["id2label"] = []string{"cat", "LABEL_1", "fish"} }, func(t *testing.T, _ *gguf.File, r *Result) {
			if len(r.Notes) != 0 {
				t.Errorf("notes %q", r.Notes)
			}
		}},
		{"no preprocessor_config.json: defaults", func(m *tiny) { m.pre = nil }, func(t *testing.T, f *gguf.File, r *Result) {
			if v, _ := f.Floats(model.KeyMean); !slices.Equal(v, []float64{0.5, 0.5, 0.5}) || len(r.Warnings) != 1 {
				t.Errorf("mean %v, warnings %q", v, r.Warnings)
			}
			if v, _ := f.Int(model.KeyResample); v != 2 {
				t.Errorf("resample %d", v)
			}
		}},
		{"id2label as a list: labels in class order", func(m *tiny) { m.cfg["id2label"] = []string{"cat", "dog", "fish"} }, func(t *testing.T, f *gguf.File, _ *Result) {
			if v, _ := f.Strings(model.KeyLabels); !slices.Equal(v, []string{"cat", "dog", "fish"}) {
				t.Errorf("labels %q", v)
			}
		}},
		{"do_resize false: size unused, the input is image_size", func(m *tiny) {
			m.pre["do_resize"] = false
			m.pre["size"] = map[string]int{"height": 224, "width": 224}
		}, func(t *testing.T, f *gguf.File, _ *Result) {
			h, _ := f.Int(model.KeyHeight)
			w, _ := f.Int(model.KeyWidth)
			if h != 8 || w != 8 {
				t.Errorf("input %dx%d, want the model's 8x8", w, h)
			}
		}},
		{"f64 weights narrowed to f32", func(m *tiny) {
			x := m.weights["vit.layernorm.bias"]
			var b []byte
			for i := 0; i < len(x.data); i += 4 {
				b = binary.LittleEndian.AppendUint64(b, math.Float64bits(float64(math.Float32frombits(binary.LittleEndian.Uint32(x.data[i:])))))
			}
			m.weights["vit.layernorm.bias"] = stTensor{"F64", x.shape, b}
		}, func(t *testing.T, f *gguf.File, _ *Result) {
			x, _, _ := f.Float32s("post_norm.bias")
			want := newTiny().weights["vit.layernorm.bias"].data
			for i, v := range x {
				if math.Float32bits(v) != binary.LittleEndian.Uint32(want[4*i:]) {
					t.Fatalf("element %d: %g", i, v)
				}
			}
		}},
		{"size as an int, scalar mean", func(m *tiny) { m.pre["size"] = 8; m.pre["image_mean"] = 0.25 }, func(t *testing.T, f *gguf.File, _ *Result) {
			if v, _ := f.Floats(model.KeyMean); !slices.Equal(v, []float64{0.25, 0.25, 0.25}) {
				t.Errorf("mean %v", v)
			}
		}},
		{"size shortest_edge warns", func(m *tiny) { m.pre["size"] = map[string]int{"shortest_edge": 8} }, func(t *testing.T, f *gguf.File, r *Result) {
			if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "shortest_edge") {
				t.Errorf("warnings %q", r.Warnings)
			}
		}},
		{"pooler ignored as Hugging Face does", func(m *tiny) {
			m.weights["vit.pooler.dense.weight"] = f32Tensor([]int{8, 8}, 99)
			m.weights["vit.pooler.dense.bias"] = f32Tensor([]int{8}, 98)
		}, func(t *testing.T, _ *gguf.File, r *Result) {
			if !slices.Equal(r.Ignored, []string{"vit.pooler.dense.bias", "vit.pooler.dense.weight"}) {
				t.Errorf("ignored %q", r.Ignored)
			}
		}},
		{"qkv_bias false", func(m *tiny) {
			m.cfg["qkv_bias"] = false
			for i := range 2 {
				for _, p := range []string{"query", "key", "value"} {
					delete(m.weights, fmt.Sprintf("vit.encoder.layer.%d.attention.attention.%s.bias", i, p))
				}
			}
		}, func(t *testing.T, f *gguf.File, _ *Result) {
			if len(f.Tensors()) != len(hfToGGUF)-6 {
				t.Errorf("%d tensors", len(f.Tensors()))
			}
		}},
		{"f16 and bf16 weights in", func(m *tiny) {
			for hf, x := range m.weights {
				var b []byte
				dt, conv := "F16", gguf.F32ToF16
				if strings.Contains(hf, "layer.1") {
					dt, conv = "BF16", gguf.F32ToBF16
				}
				for i := 0; i < len(x.data); i += 4 {
					b = binary.LittleEndian.AppendUint16(b, conv(math.Float32frombits(binary.LittleEndian.Uint32(x.data[i:]))))
				}
				m.weights[hf] = stTensor{dt, x.shape, b}
			}
		}, func(t *testing.T, f *gguf.File, _ *Result) {
			x, _, _ := f.Float32s("blk.1.ffn_up.weight")
			if x[1] != gguf.BF16ToF32(gguf.F32ToBF16(float32(math.Sin(float64(x1Seed()*1000+1))))) {
				t.Errorf("bf16 weight not kept exactly: %g", x[1])
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newTiny()
			tc.mutate(m)
			f, res, err := convertTo(t, m.write(t), gguf.F32)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, f, res)
		})
	}
}

// x1Seed is the seed newTiny gives blk.1.ffn_up.weight (names in sorted order).
func x1Seed() int {
	return slices.Index(slices.Sorted(maps.Keys(hfToGGUF)), "vit.encoder.layer.1.intermediate.dense.weight") + 1
}

// TestConvertErrors: every refused input names the file and the tensor or
// key at fault, and leaves no output behind.
func TestConvertErrors(t *testing.T) {
	nanTensor := f32Tensor([]int{16}, 5)
	binary.LittleEndian.PutUint32(nanTensor.data[12:], math.Float32bits(float32(math.NaN())))
	for _, tc := range []struct {
		name   string
		mutate func(*tiny)
		dtype  gguf.Type
		want   []string
	}{
		{"missing", func(m *tiny) {
			delete(m.weights, "vit.layernorm.bias")
			delete(m.weights, "vit.encoder.layer.1.output.dense.weight")
		}, gguf.F32, []string{"model.safetensors does not match config.json", "2 missing tensors: vit.encoder.layer.1.output.dense.weight, vit.layernorm.bias"}},
		{"unused", func(m *tiny) {
			m.weights["vit.embeddings.mask_token"] = f32Tensor([]int{1, 1, 8}, 1)
			m.weights["vit.encoder.layer.2.output.dense.bias"] = f32Tensor([]int{8}, 1)
		}, gguf.F32, []string{"2 tensors ViTForImageClassification does not use: vit.embeddings.mask_token, vit.encoder.layer.2.output.dense.bias"}},
		{"mis-shaped", func(m *tiny) { m.weights["classifier.weight"] = f32Tensor([]int{8, 3}, 1) }, gguf.F32,
			[]string{`model.safetensors: tensor "classifier.weight" has shape [8 3], config.json implies [3 8]`}},
		{"config disagrees", func(m *tiny) { m.cfg["intermediate_size"] = 32 }, gguf.F32,
			[]string{`tensor "vit.encoder.layer.0.intermediate.dense.weight" has shape [16 8], config.json implies [32 8]`, "check that config.json belongs to these weights"}},
		{"foreign names", func(m *tiny) {
			m.weights = map[string]stTensor{"blocks.0.attn.qkv.weight": f32Tensor([]int{24, 8}, 1), "head.weight": f32Tensor([]int{3, 8}, 1)}
		}, gguf.F32, []string{"is this a Hugging Face ViTForImageClassification checkpoint?", "blocks.0.attn.qkv.weight, head.weight"}},
		{"dtype", func(m *tiny) {
			m.weights["vit.layernorm.bias"] = stTensor{"I64", []int{8}, make([]byte, 64)}
			m.weights["vit.layernorm.weight"] = stTensor{"U8", []int{8}, make([]byte, 8)}
		}, gguf.F32,
			[]string{`model.safetensors: 2 tensors of a type vitctl cannot convert ("vit.layernorm.bias" is I64 and "vit.layernorm.weight" is U8): the weights are floating point, F32, F16, BF16 or F64: re-save the model with float weights`}},
		{"dtype and shape", func(m *tiny) {
			m.weights["vit.layernorm.bias"] = stTensor{"I64", []int{8}, make([]byte, 64)}
			m.weights["classifier.weight"] = f32Tensor([]int{8, 3}, 1)
		}, gguf.F32, []string{`model.safetensors does not match config.json`, `"classifier.weight" has shape [8 3]`}},
		{"NaN", func(m *tiny) { m.weights["vit.encoder.layer.1.intermediate.dense.bias"] = nanTensor }, gguf.F32,
			[]string{`model.safetensors: tensor "vit.encoder.layer.1.intermediate.dense.bias" holds 1 NaN or Inf value (first NaN at element 3)`}},
		{"f16 overflow", func(m *tiny) {
			x := f32Tensor([]int{8, 8}, 3)
			binary.LittleEndian.PutUint32(x.data[20:], math.Float32bits(70000))
			m.weights["vit.encoder.layer.0.attention.attention.key.weight"] = x
		}, gguf.F16, []string{`tensor "vit.encoder.layer.0.attention.attention.key.weight": value 70000 at element 5 overflows f16`}},
		{"model_type", func(m *tiny) { m.cfg["model_type"] = "swin" }, gguf.F32, []string{`config.json: model_type "swin" is not supported`}},
		// It said `model_type "" is not supported`.
		{"no model_type", func(m *tiny) { delete(m.cfg, "model_type") }, gguf.F32, []string{`config.json: no "model_type" (Hugging Face) nor "architecture" (timm): not a model's config.json`}},
		{"architecture", func(m *tiny) { m.cfg["architectures"] = []string{"ViTForMaskedImageModeling"} }, gguf.F32, []string{"config.json: architectures [ViTForMaskedImageModeling]"}},
		{"backbone with a classifier", func(m *tiny) { m.cfg["architectures"] = []string{"ViTModel"} }, gguf.F32, []string{"2 tensors ViTModel does not use: classifier.bias, classifier.weight"}},
		{"activation", func(m *tiny) { m.cfg["hidden_act"] = "swish" }, gguf.F32, []string{`config.json: config: hidden_act "swish" is not supported`}},
		{"heads", func(m *tiny) { m.cfg["num_attention_heads"] = 3 }, gguf.F32, []string{"config.json: config: hidden_size 8 is not a multiple of num_attention_heads 3"}},
		{"hidden_size type", func(m *tiny) { m.cfg["hidden_size"] = "8" }, gguf.F32, []string{`config.json: line 1: "hidden_size" is a string, expected an integer`}},
		{"image_size not square", func(m *tiny) { m.cfg["image_size"] = []int{8, 16} }, gguf.F32, []string{"image_size: [8 16] is not square"}},
		{"id2label gap", func(m *tiny) { m.cfg["id2label"] = map[string]string{"0": "a", "3": "b", "1": "c"} }, gguf.F32,
			[]string{`config.json: id2label has 3 labels with ids up to 3: id 2 has none: give every class id from 0 a label (the classifier has 3 rows)`}},
		{"id2label gaps", func(m *tiny) { m.cfg["id2label"] = map[string]string{"0": "a", "5": "b", "2": "c"} }, gguf.F32,
			[]string{`id2label has 3 labels with ids up to 5: ids 1, 3 and 4 have none`}},
		{"id2label leading zero", func(m *tiny) { m.cfg["id2label"] = map[string]string{"0": "a", "01": "b", "2": "c"} }, gguf.F32, []string{`id2label key "01" is not a class id (0, 1, 2, …)`}},
		{"num_channels 1", func(m *tiny) {
			m.cfg["num_channels"] = 1
			m.pre["image_mean"], m.pre["image_std"] = []float64{0.5}, []float64{0.5}
		}, gguf.F32, []string{`config.json: num_channels 1: vitctl converts models of 3-channel (RGB) input only`}},
		{"labels vs classifier", func(m *tiny) { m.cfg["id2label"] = map[string]string{"0": "a", "1": "b"} }, gguf.F32, []string{`"classifier.weight" has shape [3 8], config.json implies [2 8]`}},
		{"center crop", func(m *tiny) { m.pre["do_center_crop"] = true }, gguf.F32, []string{"preprocessor_config.json: do_center_crop is set but crop_size is missing"}},
		{"size mismatch", func(m *tiny) { m.pre["size"] = 16 }, gguf.F32, []string{"preprocessor_config.json: size 16x16 differs from image_size 8"}},
		{"size shape", func(m *tiny) { m.pre["size"] = map[string]int{"longest_edge": 8} }, gguf.F32, []string{"preprocessor_config.json: size: {\"longest_edge\":8} has neither"}},
		{"mean channels", func(m *tiny) { m.pre["image_mean"] = []float64{0.5, 0.5} }, gguf.F32, []string{"preprocessor_config.json: image_mean: 2 values for 3 channels"}},
		{"std zero", func(m *tiny) { m.pre["image_std"] = 0 }, gguf.F32, []string{"image_std [0 0 0] has a zero"}},
		// They converted, and classify's every logit was NaN: float32, in which pixels are normalised, holds neither.
		{"mean beyond float32", func(m *tiny) { m.pre["image_mean"] = []float64{0.5, 1e308, 0.5} }, gguf.F32,
			[]string{"preprocessor_config.json: preprocess: image_mean [0.5 1e+308 0.5]: 1e+308 is outside float32's range"}},
		{"std beyond float32", func(m *tiny) { m.pre["image_std"] = 1e39 }, gguf.F32,
			[]string{"preprocessor_config.json: preprocess: image_std [1e+39 1e+39 1e+39]: 1e+39 is outside float32's range"}},
		{"resample", func(m *tiny) { m.pre["resample"] = 7 }, gguf.F32, []string{"unknown resample filter 7"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newTiny()
			tc.mutate(m)
			dir := m.write(t)
			outDir := t.TempDir()
			_, err := Convert(context.Background(), dir, filepath.Join(outDir, "m.gguf"), Options{DType: tc.dtype})
			if err == nil {
				t.Fatal("converted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nlacks %q", err, w)
				}
			}
			if ents, _ := os.ReadDir(outDir); len(ents) != 0 {
				t.Errorf("left behind %v", ents)
			}
		})
	}
}

// TestMismatchListed: a config.json of another size than its weights
// lists the first ten tensors at fault of each kind, in layer order, and
// counts the rest: it listed every one (ViT-B's config beside ViT-L's
// weights: 200 names in a line, then 200 lines), layer.10 before layer.2.
func TestMismatchListed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*tiny)
		want   []string
		lines  int
	}{
		{"layers", func(m *tiny) { m.cfg["num_hidden_layers"] = 12 }, []string{
			"160 missing tensors: vit.encoder.layer.2.attention.attention.key.bias, vit.encoder.layer.2.attention.attention.key.weight, ",
			"vit.encoder.layer.2.intermediate.dense.weight, … and 150 more\n"}, 2},
		{"width", func(m *tiny) { m.cfg["hidden_size"] = 16 }, []string{
			`model.safetensors: tensor "classifier.weight" has shape [3 8], config.json implies [3 16]`,
			"\n  … and 27 more tensors of another shape\n"}, 12},
		{"unused", func(m *tiny) {
			for i := range 12 {
				m.weights[fmt.Sprintf("extra.%d", i)] = f32Tensor([]int{1}, 1)
			}
		}, []string{"12 tensors ViTForImageClassification does not use: extra.0, extra.1, extra.2, ", "extra.9, … and 2 more\n"}, 2},
	} {
		m := newTiny()
		tc.mutate(m)
		_, err := Convert(context.Background(), m.write(t), filepath.Join(t.TempDir(), "m.gguf"), Options{DType: gguf.F32})
		if err == nil {
			t.Fatalf("%s: converted", tc.name)
		}
		msg := err.Error() + "\n"
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error\n%s\nlacks %q", tc.name, msg, w)
			}
		}
		if n := strings.Count(msg, "\n"); n != tc.lines {
			t.Errorf("%s: %d lines, want %d:\n%s", tc.name, n, tc.lines, msg)
		}
	}
}

func TestNumericCmp(t *testing.T) {
	names := []string{"layer.10.b", "layer.2.b", "layer.02.a", "layer.2.a", "layer.1", "layer.", "head", "layer.x"}
	slices.SortFunc(names, numericCmp)
	if got, want := strings.Join(names, " "), "head layer. layer.1 layer.02.a layer.2.a layer.2.b layer.10.b layer.x"; got != want {
		t.Errorf("%s\nwant %s", got, want)
	}
}

// TestSourceNameCase: a checkpoint or model file named in capitals
// (MODEL.SAFETENSORS, M.GGUF) is the file its extension says, whatever
// the case; MODEL.SAFETENSORS was "not a model folder or a .safetensors,
// .bin, .pth, .pt, .ckpt or .index.json file".
func TestSourceNameCase(t *testing.T) {
	dir := newTiny().write(t)
	src := filepath.Join(dir, "MODEL.SAFETENSORS")
	if err := os.Rename(filepath.Join(dir, "model.safetensors"), src); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "M.GGUF")
	if _, err := Convert(context.Background(), src, out, Options{DType: gguf.F32}); err != nil {
		t.Fatalf("convert %s: %v", src, err)
	}
	for _, p := range []string{src, out} {
		if _, err := Describe(p, false); err != nil {
			t.Errorf("describe %s: %v", p, err)
		}
	}
}

func TestTruncatedSafetensors(t *testing.T) {
	dir := newTiny().write(t)
	p := filepath.Join(dir, "model.safetensors")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:len(b)-100], 0o644)
	_, err := Convert(context.Background(), dir, filepath.Join(t.TempDir(), "m.gguf"), Options{DType: gguf.F32})
	// The last tensors by offset are cut off; the first by name is named.
	if err == nil || !strings.Contains(err.Error(), "model.safetensors: tensor \"vit.encoder.layer.1.output.dense.weight\": data ends at byte") {
		t.Fatalf("err = %v", err)
	}
}

func TestCancelLeavesNothing(t *testing.T) {
	dir := newTiny().write(t)
	outDir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := Convert(ctx, dir, filepath.Join(outDir, "m.gguf"), Options{DType: gguf.F32, Progress: func(done, total int64) {
		if n++; n == 3 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if ents, _ := os.ReadDir(outDir); len(ents) != 0 {
		t.Errorf("left behind %v", ents)
	}
}

func TestOutputIsInput(t *testing.T) {
	dir := newTiny().write(t)
	_, err := Convert(context.Background(), dir, filepath.Join(dir, "model.safetensors"), Options{DType: gguf.F32})
	if err == nil || !strings.Contains(err.Error(), "is the checkpoint being converted") {
		t.Fatalf("err = %v", err)
	}
	_, err = Convert(context.Background(), dir, dir, Options{DType: gguf.F32})
	if err == nil || !strings.Contains(err.Error(), "is a folder") {
		t.Fatalf("err = %v", err)
	}
}

func TestNoCheckpoint(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "tf_model.h5"), nil, 0o644)
	_, err := Convert(context.Background(), dir, filepath.Join(dir, "m.gguf"), Options{DType: gguf.F32})
	if err == nil || !strings.Contains(err.Error(), "only tf_model.h5 found") {
		t.Fatalf("err = %v", err)
	}
	os.Remove(filepath.Join(dir, "tf_model.h5"))
	_, err = Convert(context.Background(), dir, filepath.Join(dir, "m.gguf"), Options{DType: gguf.F32})
	want := "no checkpoint found (want one of model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json, or a PyTorch file (.pth, .pt, .pth.tar, .ckpt))"
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Fatalf("err = %v, want it to end %q", err, want)
	}
	// A folder holding a model file, not a checkpoint, says to give the
	// file: it said "no checkpoint found", as of an empty folder.
	os.WriteFile(filepath.Join(dir, "flowers.gguf"), nil, 0o644)
	_, err = FindCheckpoint(dir)
	if want := want + "; flowers.gguf in it is a model file already: give the file itself, " + filepath.Join(dir, "flowers.gguf"); err == nil || err.Error() != want {
		t.Errorf("a model file: err = %v\nwant %s", err, want)
	}
	os.WriteFile(filepath.Join(dir, "flowers-f16.GGUF"), nil, 0o644)
	_, err = FindCheckpoint(dir)
	if want := want + "; flowers-f16.GGUF and flowers.gguf in it are model files already: give one itself, e.g. " + filepath.Join(dir, "flowers-f16.GGUF"); err == nil || err.Error() != want {
		t.Errorf("two model files: err = %v\nwant %s", err, want)
	}
}

// TestNoConfig: a folder or a weights file without config.json beside it
// is refused naming the folder and the missing file.
func TestNoConfig(t *testing.T) {
	dir := newTiny().write(t)
	os.Remove(filepath.Join(dir, "config.json"))
	for _, src := range []string{dir, filepath.Join(dir, "model.safetensors")} {
		_, err := Convert(context.Background(), src, filepath.Join(t.TempDir(), "m.gguf"), Options{DType: gguf.F32})
		if want := dir + ": no config.json beside model.safetensors"; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", src, err, want)
		}
	}
}

func TestShardIndexErrors(t *testing.T) {
	m := newTiny()
	dir := m.write(t)
	os.Remove(filepath.Join(dir, "model.safetensors"))
	a, b := map[string]stTensor{}, map[string]stTensor{}
	wm := map[string]string{}
	for n, x := range m.weights {
		if strings.Contains(n, "layer.1") {
			b[n], wm[n] = x, "model-00002-of-00002.safetensors"
		} else {
			a[n], wm[n] = x, "model-00001-of-00002.safetensors"
		}
	}
	writeSafetensors(t, filepath.Join(dir, "model-00001-of-00002.safetensors"), a)
	writeSafetensors(t, filepath.Join(dir, "model-00002-of-00002.safetensors"), b)
	writeIndex := func(wm map[string]string) {
		j, _ := json.Marshal(map[string]any{"metadata": map[string]int{"total_size": 1}, "weight_map": wm})
		os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), j, 0o644)
	}
	writeIndex(wm)
	if _, _, err := convertTo(t, dir, gguf.F32); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		edit func(map[string]string)
		want string
	}{
		{func(w map[string]string) { w["classifier.bias"] = "model-00002-of-00002.safetensors" }, `tensor "classifier.bias" is not in model-00002-of-00002.safetensors`},
		{func(w map[string]string) { delete(w, "classifier.bias") }, `tensor "classifier.bias" of model-00001-of-00002.safetensors is not in the weight_map`},
		{func(w map[string]string) { w["classifier.bias"] = "../x.safetensors" }, `shard "../x.safetensors" must be a file name in the same folder`},
		{func(w map[string]string) { w["classifier.bias"] = "model-00003-of-00002.safetensors" }, "names 1 shard not in "},
		{func(w map[string]string) { w["classifier.bias"] = "model-00003-of-00002.safetensors" }, ": model-00003-of-00002.safetensors (1 tensor): download every file the index names"},
	} {
		w := maps.Clone(wm)
		tc.edit(w)
		writeIndex(w)
		if _, _, err := convertTo(t, dir, gguf.F32); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err %v, want %q", err, tc.want)
		}
	}
}

// TestCheckpointName: the names convert reads as a checkpoint's weights, in
// any letter case, and names that are not.
func TestCheckpointName(t *testing.T) {
	for name, want := range map[string]bool{
		"model.safetensors": true, "MODEL.SAFETENSORS": true, "pytorch_model.bin": true,
		"model.safetensors.index.json": true, "model_best.pth.tar": true, "x.PTH": true,
		"x.pt": true, "last.ckpt": true, "dir/w.Pth": true,
		"model.gguf": false, "config.json": false, "x.tar": false, "photo.jpg": false, "bin": false, "": false,
	} {
		if got := CheckpointName(name); got != want {
			t.Errorf("CheckpointName(%q) = %v, want %v", name, got, want)
		}
	}
}
