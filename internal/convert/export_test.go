package convert

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/prep"
	"github.com/vitctl/vitctl/internal/zoo"
)

// builtinFile opens a built-in model's file.
func builtinFile(t *testing.T, name string) *gguf.File {
	t.Helper()
	z, ok := zoo.Lookup(name)
	if !ok {
		t.Fatalf("no built-in model %s", name)
	}
	f, err := gguf.FromBytes(z.GGUF)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// exportTo exports f into a new folder under a temporary one.
func exportTo(t *testing.T, f *gguf.File) (string, *Exported) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "hf")
	res, err := Export(context.Background(), f, dir, "test model")
	if err != nil {
		t.Fatal(err)
	}
	return dir, res
}

// withPreprocess writes f's model again with preprocessing p.
func withPreprocess(t *testing.T, f *gguf.File, p prep.Params) *gguf.File {
	t.Helper()
	cfg, err := model.ConfigFrom(f)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Preprocess = p
	out := filepath.Join(t.TempDir(), "m.gguf")
	if err := WriteModel(out, cfg, f.Float32s, Written{Name: "m", Version: "test"}); err != nil {
		t.Fatal(err)
	}
	g, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// TestExportRoundTrip exports models, converts each folder back and
// requires every tensor bit for bit (widened to float32) and the same
// config, labels and preprocessing, except what the export's notes say
// Hugging Face cannot express.
func TestExportRoundTrip(t *testing.T) {
	crop := func(f *gguf.File) *gguf.File {
		cfg, _ := model.ConfigFrom(f)
		p := cfg.Preprocess
		p.ResizeHeight, p.ResizeWidth = 32, 34
		return withPreprocess(t, f, p)
	}
	converted := func(name string, dt gguf.Type) func(*testing.T) *gguf.File {
		return func(t *testing.T) *gguf.File {
			f, _, err := convertTo(t, filepath.Join(modelsDir, name), dt)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	cases := []struct {
		name  string
		open  func(*testing.T) *gguf.File
		want  func(p *prep.Params) // the preprocessing expected back
		notes []string             // substrings of the notes, in order
	}{
		{"fashion-vit", func(t *testing.T) *gguf.File { return builtinFile(t, "fashion-vit") }, nil, nil},
		{"vit-tiny-in1k", func(t *testing.T) *gguf.File { return builtinFile(t, "vit-tiny-in1k") },
			func(p *prep.Params) { p.ResizeShortest, p.CropPct = 0, 0 },
			[]string{"shorter side to 248 and crops the central 224x224 (timm crop_pct 0.9)", `("crane" and "maillot")`, "74 f16 tensors widened exactly"}},
		{"fashion-vit cropped", func(t *testing.T) *gguf.File { return crop(builtinFile(t, "fashion-vit")) }, nil, nil},
		{"vit-p8-relu-noqkvbias", converted("vit-p8-relu-noqkvbias", gguf.F32), nil, nil},
		{"vit-p16-gelu q8_0", converted("vit-p16-gelu", gguf.Q8_0), nil, []string{"q8_0 tensors dequantized"}},
		{"vit-p16-gelunew-bf16 bf16", converted("vit-p16-gelunew-bf16", gguf.BF16), nil, []string{"bf16 tensors widened"}},
		{"vit-p8-quickgelu-sharded f16", converted("vit-p8-quickgelu-sharded", gguf.F16), nil, []string{"f16 tensors widened"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := c.open(t)
			dir, res := exportTo(t, f)
			checkNotes(t, res.Notes, c.notes)
			back, _, err := convertTo(t, dir, gguf.F32)
			if err != nil {
				t.Fatalf("converting the export back: %v", err)
			}
			compareConfigs(t, f, back, c.want)
			compareTensors(t, f, back)
		})
	}
}

func checkNotes(t *testing.T, notes, want []string) {
	t.Helper()
	if len(notes) != len(want) {
		t.Errorf("notes %q, want %d", notes, len(want))
		return
	}
	for i, w := range want {
		if !strings.Contains(notes[i], w) {
			t.Errorf("note %d %q lacks %q", i, notes[i], w)
		}
	}
}

func compareConfigs(t *testing.T, f, back *gguf.File, fix func(*prep.Params)) {
	t.Helper()
	a, err := model.ConfigFrom(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := model.ConfigFrom(back)
	if err != nil {
		t.Fatal(err)
	}
	a.ModelType, b.ModelType = "vit", "vit" // timm's plain ViTs export as Hugging Face's
	a.Pooling, b.Pooling = model.PoolCLS, model.PoolCLS
	if fix != nil {
		fix(&a.Preprocess)
	}
	if !slices.Equal(a.Labels, b.Labels) {
		t.Errorf("labels back from the export differ")
	}
	a.Labels, b.Labels = nil, nil
	if !reflect.DeepEqual(a, b) {
		t.Errorf("config back from the export:\n %+v\nwant\n %+v", *b, *a)
	}
}

func compareTensors(t *testing.T, f, back *gguf.File) {
	t.Helper()
	if len(f.Tensors()) != len(back.Tensors()) {
		t.Fatalf("%d tensors back, want %d", len(back.Tensors()), len(f.Tensors()))
	}
	for _, ti := range f.Tensors() {
		want, _, err := f.Float32s(ti.Name)
		if err != nil {
			t.Fatal(err)
		}
		got, shape, err := back.Float32s(ti.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(shape, ti.Shape) {
			t.Fatalf("%s: shape %v, want %v", ti.Name, shape, ti.Shape)
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s[%d] = %g, want %g", ti.Name, i, got[i], want[i])
			}
		}
	}
}

// TestExportRefusals requires each model family Hugging Face ViT cannot
// represent to be refused, naming what it lacks, with nothing written.
func TestExportRefusals(t *testing.T) {
	cases := []struct{ model, want string }{
		{"deit-p8-distilled", "a distillation token (DeiT)"},
		{"deit-p8-teacher", "a distillation head"},
		{"timm-p8-deit-distilled", "a distillation token"},
		{"timm-p8-avg-fcnorm-prenorm", "average pooling of the patch tokens"},
		{"timm-p8-avg-fcnorm-prenorm", "fc_norm"},
		{"timm-p8-avg-fcnorm-prenorm", "(timm pre_norm)"},
		{"timm-p8-noclass-avg", "no class token"},
		{"timm-p8-reg-ls", "register tokens"},
		{"timm-p8-reg-ls", "layer scale"},
		{"timm-p8-backbone", "no classifier"},
		{"vit-p8-backbone", "no classifier"},
	}
	for _, c := range cases {
		t.Run(c.model+"/"+c.want, func(t *testing.T) {
			f, _, err := convertTo(t, filepath.Join(modelsDir, c.model), gguf.F32)
			if err != nil {
				t.Fatal(err)
			}
			parent := t.TempDir()
			_, err = Export(context.Background(), f, filepath.Join(parent, "hf"), "model m.gguf")
			if err == nil || !strings.Contains(err.Error(), c.want) ||
				!strings.HasPrefix(err.Error(), "model m.gguf: cannot be exported as a Hugging Face ViTForImageClassification") {
				t.Fatalf("error %v, want one naming %q", err, c.want)
			}
			if ents, _ := os.ReadDir(parent); len(ents) != 0 {
				t.Errorf("a refused export left %v", ents)
			}
		})
	}
}

// TestExportExisting refuses an --out that exists, empty or not, and
// leaves it as it was.
func TestExportExisting(t *testing.T) {
	f := builtinFile(t, "fashion-vit")
	parent := t.TempDir()
	for _, name := range []string{"empty", "file"} {
		out := filepath.Join(parent, name)
		if name == "empty" {
			os.Mkdir(out, 0o755)
		} else {
			os.WriteFile(out, []byte("x"), 0o644)
		}
		_, err := Export(context.Background(), f, out, "fashion-vit")
		if err == nil || !strings.Contains(err.Error(), out+": already exists") {
			t.Errorf("%s: error %v", name, err)
		}
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 2 {
		t.Errorf("left %v", ents)
	}
}
