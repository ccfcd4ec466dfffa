package cli

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/npy"
)

const imagesDir = "../../testdata/images"

// folderWithBrokenFile makes a folder of two good images and three bad ones.
func folderWithBrokenFile(t *testing.T) string {
	dir := t.TempDir()
	for _, name := range []string{"chelsea.png", "rocket.jpg"} {
		b, err := os.ReadFile(filepath.Join(imagesDir, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "broken.jpg"), []byte("\xff\xd8\xff\xe0 not really a jpeg"), 0o644)
	os.WriteFile(filepath.Join(dir, "empty.png"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not picked up: not an image extension"), 0o644)
	return dir
}

func TestClassifyJSONL(t *testing.T) {
	dir := folderWithBrokenFile(t)
	code, out, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "-k", "3", "--batch", "2", dir)
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1 (some files failed); stderr:\n%s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	wantOrder := []string{"broken.jpg", "chelsea.png", "empty.png", "rocket.jpg"}
	if len(lines) != len(wantOrder) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(wantOrder), out)
	}
	for i, line := range lines {
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d not JSON: %v", i, err)
		}
		if filepath.Base(string(r.Path)) != wantOrder[i] {
			t.Errorf("line %d is %s, want %s (input order)", i, r.Path, wantOrder[i])
		}
		bad := strings.HasPrefix(wantOrder[i], "broken") || strings.HasPrefix(wantOrder[i], "empty")
		if bad != (r.Error != "") || (!bad && len(r.TopK) != 3) {
			t.Errorf("line %d: %s", i, line)
		}
		if bad && !strings.Contains(errs, string(r.Path)) {
			t.Errorf("stderr does not name %s:\n%s", r.Path, errs)
		}
	}
	if !strings.Contains(errs, "classified 2 of 4 images") {
		t.Errorf("summary missing from stderr:\n%s", errs)
	}
}

func TestClassifyFormats(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	_, jsonOut, _ := run(t, "", "classify", "-o", "json", "-k", "100", img)
	var recs []record
	if err := json.Unmarshal([]byte(jsonOut), &recs); err != nil || len(recs) != 1 {
		t.Fatalf("json: %v, %d records:\n%s", err, len(recs), jsonOut)
	}
	top := recs[0].TopK
	_, csvOut, _ := run(t, "", "classify", "-o", "csv", "-k", "100", img)
	rows, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil || len(rows) != len(top)+1 || rows[0][0] != "path" {
		t.Fatalf("csv: %v, %d rows:\n%s", err, len(rows), csvOut)
	}
	for i, p := range top {
		if rows[i+1][5] != p.Label {
			t.Errorf("csv row %d label %q, json %q", i+1, rows[i+1][5], p.Label)
		}
		// The same numbers as JSON's, to the last digit (8 digits lost a logit's).
		prob, _ := strconv.ParseFloat(rows[i+1][6], 64)
		logit, _ := strconv.ParseFloat(rows[i+1][7], 64)
		if rows[i+1][4] != strconv.Itoa(p.Index) || prob != p.Prob || logit != p.Logit {
			t.Errorf("csv row %d: index, prob, logit %q, json %d %v %v", i+1, rows[i+1][4:8], p.Index, p.Prob, p.Logit)
		}
	}
	// Every record names the model that answered and its weights' checksum.
	if m := recs[0]; m.Model != "vit-tiny-in1k" || len(m.ModelSHA256) != 12 {
		t.Errorf("json record: model %q sha256 %q", m.Model, m.ModelSHA256)
	}
	if rows[1][1] != recs[0].Model || rows[1][2] != recs[0].ModelSHA256 {
		t.Errorf("csv row 1 model %q sha256 %q, json %q %q", rows[1][1], rows[1][2], recs[0].Model, recs[0].ModelSHA256)
	}
	code, text, errs := run(t, "", "classify", "-k", "2", img)
	if code != 0 || !strings.Contains(text, top[0].Label) || !strings.HasPrefix(text, img) {
		t.Errorf("text output (exit %d):\n%s", code, text)
	}
	banner := "model vit-tiny-in1k (sha256 " + recs[0].ModelSHA256 + "): 1000 labels, input 224x224, precision fp32\n"
	if !strings.HasPrefix(errs, banner) {
		t.Errorf("stderr should start with %q:\n%s", banner, errs)
	}
}

// TestClassifyNpyMatchesImage feeds the preprocessed tensor of an image as
// .npy and expects the same logits as the image itself; the one image of
// an array shaped (1, 3, H, W) is named FILE, not FILE[0], as the help says.
func TestClassifyNpyMatchesImage(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	m, err := loadModel(resolveModel("fashion-vit"), false, &precisionFlags{})
	if err != nil {
		t.Fatal(err)
	}
	px, err := loadInput(context.Background(), img, m.Config.Preprocess, decodeFlags{maxPixels: 100_000_000})
	if err != nil {
		t.Fatal(err)
	}
	S := m.Config.ImageSize
	path := filepath.Join(t.TempDir(), "chelsea.npy")
	var buf bytes.Buffer
	npy.Write(&buf, &npy.Array{Shape: []int{1, 3, S, S}, Data: px})
	os.WriteFile(path, buf.Bytes(), 0o644)
	_, a, _ := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "-k", "3", img)
	_, b, _ := run(t, path+"\n", "classify", "-m", "fashion-vit", "-o", "jsonl", "-k", "3", "-")
	var ra, rb record
	json.Unmarshal([]byte(a), &ra)
	json.Unmarshal([]byte(b), &rb)
	if len(ra.TopK) != 3 || len(rb.TopK) != 3 {
		t.Fatalf("image: %s\nnpy via stdin: %s", a, b)
	}
	if string(rb.Path) != path {
		t.Errorf("the record of a (1, 3, H, W) array names %q, want %q", rb.Path, path)
	}
	for i := range ra.TopK {
		if ra.TopK[i].Logit != rb.TopK[i].Logit {
			t.Errorf("rank %d: image logit %v, npy logit %v", i, ra.TopK[i].Logit, rb.TopK[i].Logit)
		}
	}
}

// TestNonFiniteNpy: a .npy of NaN or Inf pixels is refused by name, and
// finite pixels so large that the model's output overflows fail that image
// alone: the run goes on, every record is written (JSON has no NaN), and
// the exit status is 1. inspect-attention, whose summary.json cannot hold
// the NaN either, says so as classify does, of a classifier's logits and a
// backbone's features, where it said "writing …/summary.json: json:
// unsupported value: NaN".
func TestNonFiniteNpy(t *testing.T) {
	for _, c := range []struct {
		model string
		size  int
		cmds  []string
	}{
		{"fashion-vit", 28, []string{"classify", "embed", "inspect-attention"}},
		{convertTestModel(t, "vit-p8-backbone"), 32, []string{"inspect-attention"}},
	} {
		testNonFiniteNpy(t, c.model, c.size, c.cmds)
	}
}

func testNonFiniteNpy(t *testing.T, model string, S int, cmds []string) {
	dir := t.TempDir()
	write := func(name string, set func(px []float32)) {
		px := make([]float32, 3*S*S)
		set(px)
		var buf bytes.Buffer
		npy.Write(&buf, &npy.Array{Shape: []int{3, S, S}, Data: px})
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	write("a_good.npy", func(px []float32) {})
	write("b_nan.npy", func(px []float32) { px[7] = nan })
	write("c_inf.npy", func(px []float32) { px[0], px[9] = -inf, inf })
	write("d_huge.npy", func(px []float32) {
		for i := range px {
			px[i] = math.MaxFloat32
		}
	})
	wantErr := map[string]string{
		"a_good.npy": "",
		"b_nan.npy":  "the array holds 1 NaN or Inf value (first NaN at element 7); preprocessed pixels must be finite numbers",
		"c_inf.npy":  "the array holds 2 NaN or Inf values (first -Inf at element 0)",
		"d_huge.npy": "the model's output holds",
	}
	for _, args := range [][]string{
		{"classify", "-m", model, "-o", "jsonl", dir},
		{"classify", "-m", model, "-o", "json", dir},
		{"embed", "-m", model, dir},
		{"embed", "-m", model, "--npy", filepath.Join(t.TempDir(), "e.npy"), dir},
		{"inspect-attention", "-m", model, "--layers", "0", "-o", "jsonl", "--out", filepath.Join(t.TempDir(), "attn"), dir},
	} {
		if !slices.Contains(cmds, args[0]) {
			continue
		}
		code, out, errs := run(t, "", args...)
		var recs []record
		if slices.Contains(args, "json") {
			json.Unmarshal([]byte(out), &recs)
		} else {
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				var r record
				json.Unmarshal([]byte(line), &r)
				recs = append(recs, r)
			}
		}
		if code != ExitFailed || len(recs) != len(wantErr) || strings.Contains(errs, "writing output") {
			t.Errorf("%v: exit %d, %d records, want 1 and %d:\n%s\n%s", args, code, len(recs), len(wantErr), out, errs)
			continue
		}
		for _, r := range recs {
			want := wantErr[filepath.Base(string(r.Path))]
			if want == "" && r.Error != "" || !strings.Contains(r.Error, want) || want != "" && !strings.Contains(errs, string(r.Path)+": "+want) {
				t.Errorf("%v: %s: error %q, want %q (stderr %q)", args, r.Path, r.Error, want, errs)
			}
		}
	}
}

// TestClassifyBatchedNpy: a .npy of N preprocessed images gives N records,
// FILE[0] … FILE[N-1], each with the logits of the image run alone;
// inspect-attention refuses such a file with one line.
func TestClassifyBatchedNpy(t *testing.T) {
	m, err := loadModel(resolveModel(""), false, &precisionFlags{})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"chelsea.png", "rocket.jpg", "chelsea.png"}
	var px []float32
	for _, n := range names {
		p, err := loadInput(context.Background(), filepath.Join(imagesDir, n), m.Config.Preprocess, decodeFlags{})
		if err != nil {
			t.Fatal(err)
		}
		px = append(px, p...)
	}
	S := m.Config.ImageSize
	path := filepath.Join(t.TempDir(), "three.npy")
	var buf bytes.Buffer
	npy.Write(&buf, &npy.Array{Shape: []int{3, 3, S, S}, Data: px})
	os.WriteFile(path, buf.Bytes(), 0o644)
	code, out, errs := run(t, "", "classify", "-o", "jsonl", "-k", "1", "--batch", "2", path)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != ExitOK || len(lines) != 3 {
		t.Fatalf("exit %d, %d records:\n%s\n%s", code, len(lines), out, errs)
	}
	for i, line := range lines {
		var batched, alone record
		json.Unmarshal([]byte(line), &batched)
		_, a, _ := run(t, "", "classify", "-o", "jsonl", "-k", "1", filepath.Join(imagesDir, names[i]))
		json.Unmarshal([]byte(a), &alone)
		if want := fmt.Sprintf("%s[%d]", path, i); string(batched.Path) != want || len(batched.TopK) != 1 || batched.TopK[0] != alone.TopK[0] {
			t.Errorf("record %d: %s, want %s with %+v", i, line, want, alone.TopK)
		}
	}
	code, _, errs = run(t, "", "inspect-attention", "--out", t.TempDir(), path)
	if code != ExitFailed || !strings.Contains(errs, "holds 3 images") {
		t.Errorf("inspect-attention: exit %d, %q", code, errs)
	}
}

func TestClassifyExitCodes(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, tc := range []struct {
		args []string
		want int
		msg  string
	}{
		{[]string{"classify", "-m", "fashion-vit", img}, ExitOK, ""},
		{[]string{"classify"}, ExitUsage, "missing argument"},
		{[]string{"classify", "-k", "0", img}, ExitUsage, "-k 0"},
		{[]string{"classify", "-o", "xml", img}, ExitUsage, `--output "xml": want text, json, jsonl or csv`},
		{[]string{"classify", "--bogus", img}, ExitUsage, "unknown flag"},
		{[]string{"classify", "--kernel", "sse9", img}, ExitUsage, "--kernel"},
		{[]string{"classify", "does/not/exist.png"}, ExitFailed, "does/not/exist.png: no such file"},
		{[]string{"classify", "-m", "missing.gguf", img}, ExitFailed, "missing.gguf"},
		{[]string{"nosuchcommand"}, ExitUsage, "unknown command"},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != tc.want || !strings.Contains(errs, tc.msg) {
			t.Errorf("%v: exit %d, want %d; stderr %q should contain %q", tc.args, code, tc.want, errs, tc.msg)
		}
	}
}

// TestClassifyRefusesBrokenWeights: a model file with a NaN or Inf weight
// is refused at load, naming the file and the tensor, in every command
// that loads a model, instead of answering NaN for every image.
func TestClassifyRefusesBrokenWeights(t *testing.T) {
	good, err := os.ReadFile("../zoo/fashion-vit.gguf")
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, tc := range []struct {
		name string
		bits uint32
		want string
	}{
		{"nan", 0x7fc00000, "tensor post_norm.weight holds 1 NaN or Inf value (first NaN at element 63)"},
		{"inf", 0xff800000, "tensor post_norm.weight holds 1 NaN or Inf value (first -Inf at element 63)"},
	} {
		bad := slices.Clone(good)
		// The last tensor in the file is post_norm.weight, f32: its last value.
		binary.LittleEndian.PutUint32(bad[len(bad)-4:], tc.bits)
		path := filepath.Join(t.TempDir(), tc.name+".gguf")
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"classify", "-m", path, img},
			{"classify", "-o", "jsonl", "-m", path, img},
			{"embed", "-m", path, img},
			{"inspect-attention", "-m", path, "--out", t.TempDir(), img},
		} {
			code, out, errs := run(t, "", args...)
			if code != ExitFailed || out != "" || !strings.Contains(errs, "model "+path+": "+tc.want) {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and %q", args, code, out, errs, tc.want)
			}
		}
	}
}

// TestClassifyVerifyModel flips one byte of tensor data: classify, embed,
// eval, inspect-attention, finetune (its base model) and benchmark -m
// succeed silently without --verify-model and fail with it (embed, eval
// and inspect-attention, then finetune and benchmark, had no
// --verify-model: "unknown flag").
func TestClassifyVerifyModel(t *testing.T) {
	good, err := os.ReadFile("../zoo/fashion-vit.gguf")
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), good...)
	bad[len(bad)-100] ^= 0x40
	path := filepath.Join(t.TempDir(), "corrupt.gguf")
	os.WriteFile(path, bad, 0o644)
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, args := range [][]string{
		{"classify", img},
		{"embed", img},
		{"eval", filepath.Join(imagesDir, "fashion", "labels.csv")},
		{"inspect-attention", "--out", t.TempDir(), img},
		{"finetune", "--train", "head", "--epochs", "1", "--out", filepath.Join(t.TempDir(), "m.gguf"), filepath.Join(imagesDir, "fashion", "labels.csv")},
		{"benchmark", "--time", "1ms", "--warmup", "0", "--min-runs", "1", "--threads", "1"},
	} {
		if code, _, errs := run(t, "", append([]string{args[0], "-m", path}, args[1:]...)...); code != 0 {
			t.Fatalf("%s without --verify-model: exit %d: %s", args[0], code, errs)
		}
		code, out, errs := run(t, "", append([]string{args[0], "--verify-model", "-m", path}, args[1:]...)...)
		if code != ExitFailed || out != "" || !strings.Contains(errs, "corrupt.gguf") || !strings.Contains(errs, "checksum") {
			t.Errorf("%s with --verify-model: exit %d, stdout %q: %s", args[0], code, out, errs)
		}
	}
}

// TestJSONNoHTMLEscapes: the JSON and JSONL of classify, embed and
// inspect-attention write a path's &, < and > as they are, so grep finds
// "R&D" in them (they were \u0026, \u003c, \u003e), and the records read
// back to the path.
func TestJSONNoHTMLEscapes(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "R&D<1>.png")
	b, err := os.ReadFile(imagesDir + "/chelsea.png")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(img, b, 0o644)
	for _, args := range [][]string{
		{"classify", "-k", "1", "-o", "jsonl"},
		{"classify", "-k", "1", "-o", "json"},
		{"embed", "-o", "jsonl"},
		{"inspect-attention", "-k", "1", "-o", "jsonl", "--layers", "0", "--out", filepath.Join(dir, "attn")},
	} {
		code, out, errs := run(t, "", append(args, "-m", "fashion-vit", img)...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var recs []struct{ Path string }
		if err := json.Unmarshal([]byte(out), &recs); err != nil { // -o json; else one JSONL record
			recs = make([]struct{ Path string }, 1)
			err = json.Unmarshal([]byte(out), &recs[0])
			if err != nil {
				t.Fatalf("%v: %v\n%s", args, err, out)
			}
		}
		if !strings.Contains(out, `R&D<1>.png`) || len(recs) != 1 || recs[0].Path != img {
			t.Errorf("%v: path %q, want it as it is:\n%.300s", args, recs, out)
		}
	}
}
