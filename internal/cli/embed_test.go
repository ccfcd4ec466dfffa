package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/npy"
)

// splitPixels writes each image of a golden pixels.npy (B, C, H, W) as its
// own (C, H, W) .npy file, the preprocessed input embed takes like an image.
func splitPixels(t *testing.T, golden string) []string {
	t.Helper()
	px := readNpy(t, filepath.Join(golden, "pixels.npy"))
	B, per := px.Shape[0], len(px.Data)/px.Shape[0]
	dir := t.TempDir()
	var paths []string
	for b := 0; b < B; b++ {
		var buf bytes.Buffer
		npy.Write(&buf, &npy.Array{Shape: px.Shape[1:], Data: px.Data[b*per : (b+1)*per]})
		p := filepath.Join(dir, "img"+strconv.Itoa(b)+".npy")
		os.WriteFile(p, buf.Bytes(), 0o644)
		paths = append(paths, p)
	}
	return paths
}

// goldenFeatures derives cls, mean and tokens from PyTorch's hidden states
// after the final LayerNorm, final_norm.npy (B, T, D).
func goldenFeatures(t *testing.T, golden string, prefix int) map[string][]float32 {
	fn := readNpy(t, filepath.Join(golden, "final_norm.npy"))
	B, T, D := fn.Shape[0], fn.Shape[1], fn.Shape[2]
	ref := map[string][]float32{"tokens": fn.Data}
	for b := 0; b < B; b++ {
		img := fn.Data[b*T*D : (b+1)*T*D]
		ref["cls"] = append(ref["cls"], img[:D]...)
		for d := 0; d < D; d++ {
			var s float64
			for tk := prefix; tk < T; tk++ {
				s += float64(img[tk*D+d])
			}
			ref["mean"] = append(ref["mean"], float32(s/float64(T-prefix)))
		}
	}
	return ref
}

// TestEmbedBackboneGolden runs vitctl embed, end to end, on the two
// backbones without a classifier (scripts/gen_backbone_goldens.py) and on
// the reference's own pixels: every pooling, to a .npy file and inline,
// within 1e-4 of PyTorch's hidden states after the final LayerNorm.
func TestEmbedBackboneGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		prefix int
	}{{"vit-p8-backbone", 1}, {"timm-p8-backbone", 3}} {
		t.Run(tc.name, func(t *testing.T) {
			golden := filepath.Join(testdataDir, "golden", tc.name)
			mfile := convertTestModel(t, tc.name)
			inputs := splitPixels(t, golden)
			ref := goldenFeatures(t, golden, tc.prefix)
			for _, pool := range []string{"cls", "mean", "tokens"} {
				out := filepath.Join(t.TempDir(), pool+".npy")
				args := append([]string{"embed", "-m", mfile, "--pool", pool, "--out", out, "-o", "csv"}, inputs...)
				code, stdout, errs := run(t, "", args...)
				if code != 0 {
					t.Fatalf("%s: exit %d: %s", pool, code, errs)
				}
				got := readNpy(t, out)
				if got.Shape[0] != len(inputs) || len(got.Data) != len(ref[pool]) {
					t.Fatalf("%s: shape %v, reference has %d values", pool, got.Shape, len(ref[pool]))
				}
				if d := maxDiff(got.Data, ref[pool]); d > 1e-4 {
					t.Errorf("%s: max |Δ| %.3g > 1e-4", pool, d)
				}
				rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
				if err != nil || len(rows) != len(inputs)+1 || rows[1][0] != inputs[0] || rows[2][4] != "1" || rows[1][3] != pool {
					t.Errorf("%s: paths listing %v (%v)", pool, rows, err)
				}
				// Inline, the same vectors bit for bit.
				_, line, _ := run(t, "", "embed", "-m", mfile, "--pool", pool, inputs[1])
				var rec embedRecord
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("%s: %v: %.200s", pool, err, line)
				}
				per := len(got.Data) / len(inputs)
				if d := maxDiff(rec.Embedding, got.Data[per:2*per]); d != 0 || len(rec.Embedding) != per {
					t.Errorf("%s: inline vector differs from the .npy row by %g (%d values, want %d)", pool, d, len(rec.Embedding), per)
				}
			}
		})
	}
}

func maxDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

// TestEmbedRowsSkipFailures: a failed image gets an error line and no row;
// the rows of the others count up in input order.
func TestEmbedRowsSkipFailures(t *testing.T) {
	dir := folderWithBrokenFile(t) // broken.jpg, chelsea.png, empty.png, rocket.jpg
	out := filepath.Join(t.TempDir(), "v.npy")
	code, stdout, errs := run(t, "", "embed", "-m", "fashion-vit", "--npy", out, dir)
	if code != ExitFailed || !strings.Contains(errs, "embedded 2 of 4 images") {
		t.Fatalf("exit %d, want 1: %s", code, errs)
	}
	var rows []int
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r embedRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.Model != "fashion-vit" || len(r.ModelSHA256) != 12 {
			t.Fatalf("%v: %s", err, line)
		}
		if (r.Row == nil) == (r.Error == "") {
			t.Errorf("a line needs a row or an error: %s", line)
		}
		if r.Row != nil {
			rows = append(rows, *r.Row)
		}
	}
	if a := readNpy(t, out); len(rows) != 2 || rows[0] != 0 || rows[1] != 1 || a.Shape[0] != 2 || a.Shape[1] != 64 {
		t.Errorf("rows %v, array %v", rows, a.Shape)
	}
}

// TestEmbedRefusals: what a model cannot give, and flags that do not fit,
// are refused before any work, naming the flag; classify refuses a backbone.
func TestEmbedRefusals(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	backbone := convertTestModel(t, "vit-p8-backbone")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"classify", "-m", backbone, img}, ExitFailed, "has no classifier (a backbone without labels): vitctl embed -m"},
		{[]string{"embed", "-m", convertTestModel(t, "timm-p8-avg-fcnorm-prenorm"), "--pool", "tokens", img}, ExitUsage, "--pool: model"},
		{[]string{"embed", "-m", convertTestModel(t, "timm-p8-noclass-avg"), "--pool", "cls", img}, ExitUsage, "no class token"},
		{[]string{"embed", "--pool", "max", img}, ExitUsage, "want cls, mean or tokens"},
		{[]string{"embed", "-o", "csv", img}, ExitUsage, "-o csv lists the rows of --out FILE.npy"},
		{[]string{"embed", "--out", "a.npy", "--npy", "b.npy", img}, ExitUsage, "--npy is the earlier name of --out; give one"},
		{[]string{"embed"}, ExitUsage, "missing argument"},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args[:3], code, errs, tc.code, tc.msg)
		}
	}
}

// TestInspectBackbone draws the attention of a model without labels.
func TestInspectBackbone(t *testing.T) {
	out := t.TempDir()
	code, stdout, errs := run(t, "", "inspect-attention", "-m", convertTestModel(t, "timm-p8-backbone"),
		filepath.Join(imagesDir, "chelsea.png"), "--out", out, "-o", "jsonl", "--size", "32")
	var rec record
	if code != 0 || json.Unmarshal([]byte(stdout), &rec) != nil || rec.Error != "" || len(rec.TopK) != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, errs)
	}
	if _, err := os.Stat(filepath.Join(out, "chelsea", "rollout_grid.png")); err != nil {
		t.Error(err)
	}
}

// TestEmbedOutIsInput: --out naming one of the images (in any spelling)
// is refused before any work and leaves the image as it was; it used to
// be overwritten with the .npy array.
func TestEmbedOutIsInput(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "cat.png")
	b, err := os.ReadFile(filepath.Join(imagesDir, "chelsea.png"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(img, b, 0o644)
	other := filepath.Join(imagesDir, "coffee.png")
	for _, tc := range []struct{ out, input string }{
		{img, img},
		{filepath.Join(dir, ".", "..", filepath.Base(dir), "cat.png"), img},
	} {
		code, _, errs := run(t, "", "embed", "-m", "fashion-vit", "--out", tc.out, other, tc.input)
		want := "vitctl: --out " + tc.out + ": is the input " + tc.input + "; writing it would overwrite that file: give another name\n"
		if code != ExitUsage || errs != want {
			t.Errorf("--out %s: exit %d, stderr %q; want exit 2 and %q", tc.out, code, errs, want)
		}
		if got, _ := os.ReadFile(img); !bytes.Equal(got, b) {
			t.Fatalf("--out %s: the input image was overwritten", tc.out)
		}
	}
}

// TestEmbedOutTextName: --out named as a results file (vecs.jsonl,
// .json, .csv, .txt) is refused before any work, writing nothing: embed
// wrote a NumPy array under that name, and the JSONL expected was not
// there. A .npy name, or another, is taken.
func TestEmbedOutTextName(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		code int
		msg  string
	}{
		{"vecs.jsonl", ExitUsage, "--out DIR/vecs.jsonl: embed writes the vectors there as a NumPy array, not JSONL; give a name ending in .npy (the list of paths and rows goes to stdout), or leave --out out to print each vector inline as JSONL\n"},
		{"vecs.CSV", ExitUsage, "not CSV; give a name ending in .npy"},
		{"vecs.json", ExitUsage, "not JSON;"},
		{"vecs.txt", ExitUsage, "not text;"},
		{"vecs.npy", ExitOK, "vecs.npy holds (1, 64)"},
		{"vecs.f32", ExitOK, "vecs.f32 holds (1, 64)"},
	} {
		out := filepath.Join(dir, tc.name)
		code, _, errs := run(t, "", "embed", "-m", "fashion-vit", "--out", out, img)
		_, err := os.Stat(out)
		if code != tc.code || !strings.Contains(errs, strings.ReplaceAll(tc.msg, "DIR", dir)) || (err == nil) != (code == ExitOK) {
			t.Errorf("%s: exit %d, written %v, stderr %q; want %d and %q", tc.name, code, err == nil, errs, tc.code, tc.msg)
		}
	}
}
