package model_test

import (
	"io"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/prep"
)

// schemaConfigs are valid configs that between them set every field of
// Config and prep.Params to a value that is not its zero.
func schemaConfigs() []model.Config {
	base := model.Config{
		HiddenSize: 24, NumHiddenLayers: 2, NumAttentionHeads: 3, IntermediateSize: 40,
		HiddenAct: "gelu_new", LayerNormEps: 1e-6, ImageSize: 32, PatchSize: 8, NumChannels: 3,
		QKVBias: true, Labels: []string{"cat", "dog"}, ModelType: "vit", Pooling: model.PoolCLS,
		Preprocess: prep.Params{
			DoResize: true, Height: 32, Width: 32, Resample: prep.Hamming,
			DoRescale: true, RescaleFactor: 1.0 / 255, DoNormalize: true,
			Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225},
		},
	}
	deit := base
	deit.ModelType, deit.DistillationToken, deit.DistillationHead = "deit", true, true
	deit.Preprocess.ResizeHeight, deit.Preprocess.ResizeWidth = 36, 40
	timm := base
	timm.ModelType, timm.NoClassToken, timm.Pooling, timm.FCNorm = "timm", true, model.PoolAvg, true
	timm.RegisterTokens, timm.NoEmbedClass, timm.PreNorm, timm.NoPatchBias, timm.LayerScale = 4, true, true, true, true
	timm.Preprocess.ResizeShortest, timm.Preprocess.CropPct = 36, 0.9
	return []model.Config{base, deit, timm}
}

// TestMetadataRoundTrip writes each config into a model file and reads it
// back: every field the writer records, the reader restores.
func TestMetadataRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for i, want := range schemaConfigs() {
		w := gguf.NewWriter()
		model.WriteMetadata(w, &want, model.Provenance{Name: "tiny", Source: "tiny/model.safetensors", ConverterVersion: "test"})
		if err := w.AddTensor("x", []int{1}, gguf.F32); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "m.gguf")
		if err := w.WriteFile(path, func(_ gguf.TensorInfo, dst io.Writer) error {
			_, err := dst.Write(make([]byte, 4))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		f, err := gguf.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := model.ConfigFrom(f)
		if src, _ := f.String(model.KeySource); src != "tiny/model.safetensors" {
			t.Errorf("config %d: source %q", i, src)
		}
		f.Close()
		if err != nil {
			t.Fatalf("config %d: %v", i, err)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("config %d: read back\n%+v\nwrote\n%+v", i, *got, want)
		}
	}
}

// TestSchemaConfigsCoverEveryField keeps the round trip complete: a field
// added to Config or prep.Params must be set in schemaConfigs, and then the
// writer and the reader must both know its key.
func TestSchemaConfigsCoverEveryField(t *testing.T) {
	set := map[string]bool{}
	for _, c := range schemaConfigs() {
		markSet(reflect.ValueOf(c), "", set)
	}
	for _, name := range fieldNames(reflect.TypeFor[model.Config](), "") {
		if !set[name] {
			t.Errorf("no schema config sets %s", name)
		}
	}
}

func markSet(v reflect.Value, prefix string, set map[string]bool) {
	for i := range v.NumField() {
		f, name := v.Field(i), prefix+v.Type().Field(i).Name
		if f.Kind() == reflect.Struct {
			markSet(f, name+".", set)
		} else if !f.IsZero() {
			set[name] = true
		}
	}
}

func fieldNames(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Struct {
			out = append(out, fieldNames(f.Type, prefix+f.Name+".")...)
		} else {
			out = append(out, prefix+f.Name)
		}
	}
	return out
}
