package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rivo/uniseg"

	"github.com/vitctl/vitctl/internal/train"
)

// TestEvalLabels: a data set whose class folders are not the model's
// labels fails in one line naming them and a few of the model's, and says
// that finetune teaches new labels, or, without -m, that the built-in model
// was measured and -m names the fine-tuned one; folders named by the
// model's labels (letter case and underscores aside) are evaluated.
func TestEvalLabels(t *testing.T) {
	boot, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		model   []string
		classes []string
		want    int
		msg     string
	}{
		{"the model's", []string{"-m", "fashion-vit"}, []string{"ankle_boot", "Trouser"}, ExitOK, ""},
		{"others", []string{"-m", "fashion-vit"}, []string{"ankle_boot", "rose", "tulip"}, ExitFailed,
			`data: %[1]s: 2 class folders (%[1]s/rose, %[1]s/tulip) are not among the 10 labels: "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", … 2 more (eval measures a model on its own labels; vitctl finetune teaches it new ones)`},
		{"others, no -m", nil, []string{"daisy", "rose", "tulip"}, ExitFailed,
			`data: %[1]s: 2 class folders (%[1]s/rose, %[1]s/tulip) are not among the 1000 labels: "tench", "goldfish", "great white shark", "tiger shark", "hammerhead", "electric ray", "stingray", "cock", … 992 more (eval measures a model on its own labels, and without -m it measured the built-in vit-tiny-in1k: give -m OUT.gguf to measure the model vitctl finetune wrote)`},
	} {
		data := t.TempDir()
		for _, c := range tc.classes {
			os.Mkdir(filepath.Join(data, c), 0o755)
			if err := os.WriteFile(filepath.Join(data, c, "1.png"), boot, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		code, _, errs := run(t, "", append(append([]string{"eval"}, tc.model...), data)...)
		if msg := strings.ReplaceAll(tc.msg, "%[1]s", data); code != tc.want || !strings.Contains(errs, msg) {
			t.Errorf("%s: exit %d, want %d; stderr %q should contain %q", tc.name, code, tc.want, errs, msg)
		}
	}
}

// TestEvalCSVHeader: the Fashion-MNIST samples' labels.csv, whose header
// (file,test_index,label_id,label) names its columns, is evaluated as
// testdata/images/fashion/README.md shows (it was read as path,label: a
// row of path "file", label "test_index", 31 labels not the model's).
func TestEvalCSVHeader(t *testing.T) {
	code, out, errs := run(t, "", "eval", "-m", "fashion-vit", filepath.Join(imagesDir, "fashion", "labels.csv"))
	if code != ExitOK || !strings.Contains(out, "images  30\n") || !strings.Contains(errs, "evaluated 30 of 30 images") {
		t.Errorf("exit %d\n%s\n%s", code, out, errs)
	}
}

// TestEvalView: eval's text and plot show every class of a model of at
// most 30, else only the data set's classes, the predictions outside them
// in one "other" column (a 1000-class model printed a 1000×1000 matrix for
// a folder of daisies and asked --plot for a 24,160-pixel square).
func TestEvalView(t *testing.T) {
	many := make([]string, 40)
	for i := range many {
		many[i] = fmt.Sprint("c", i)
	}
	logit := func(L, c int) []float32 {
		l := make([]float32, L)
		l[c] = 1
		return l
	}
	for _, tc := range []struct {
		name       string
		labels     []string
		truth      []int
		pred       []int
		rows, cols []string
		confusion  [][]int
	}{
		{"few classes: all shown", []string{"a", "b", "c"}, []int{0, 0}, []int{0, 2},
			[]string{"a", "b", "c"}, []string{"a", "b", "c"}, [][]int{{1, 0, 1}, {0, 0, 0}, {0, 0, 0}}},
		{"many: the data's classes", many, []int{3, 3, 7}, []int{3, 7, 7},
			[]string{"c3", "c7"}, []string{"c3", "c7"}, [][]int{{1, 1}, {0, 1}}},
		{"many: other", many, []int{3, 3, 7, 7}, []int{3, 39, 0, 7},
			[]string{"c3", "c7"}, []string{"c3", "c7", "other"}, [][]int{{1, 0, 1}, {0, 1, 1}}},
	} {
		var logits [][]float32
		for _, p := range tc.pred {
			logits = append(logits, logit(len(tc.labels), p))
		}
		v := viewOf(train.Score(tc.labels, tc.truth, logits))
		if !slices.Equal(v.rows, tc.rows) || !slices.Equal(v.cols, tc.cols) || len(v.perClass) != len(tc.rows) ||
			!slices.EqualFunc(v.confusion, tc.confusion, slices.Equal) {
			t.Errorf("%s: rows %v cols %v confusion %v, want %v %v %v", tc.name, v.rows, v.cols, v.confusion, tc.rows, tc.cols, tc.confusion)
		}
	}
}

// TestEvalManyClasses: the default 1000-class model on two images prints
// their classes only and draws a small --plot; data with more than 100 of
// its classes is refused with --plot before any image is read.
func TestEvalManyClasses(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "two.csv")
	images, err := filepath.Abs(imagesDir) // a list's relative paths start at its folder
	if err != nil {
		t.Fatal(err)
	}
	body := filepath.Join(images, "chelsea.png") + ",Egyptian cat\n" + filepath.Join(images, "coffee.png") + ",espresso\n"
	os.WriteFile(list, []byte(body), 0o644)
	plot := filepath.Join(dir, "cm.png")
	code, out, errs := run(t, "", "eval", "--plot", plot, list)
	if code != ExitOK || strings.Contains(out, "tench") || !strings.Contains(out, "the model's other 998 classes") || !strings.Contains(out, "Egyptian cat  espresso") {
		t.Fatalf("exit %d: %s\n%s", code, out, errs)
	}
	f, err := os.Open(plot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cfg, err := png.DecodeConfig(f); err != nil || cfg.Width > 500 || cfg.Height > 500 {
		t.Errorf("--plot: %+v, %v; want at most 500×500", cfg, err)
	}
	m, err := loadModel(resolveModel(""), false, &precisionFlags{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i, l := range m.Config.Labels[:101] {
		fmt.Fprintf(&b, "%d.png,%q\n", i, l)
	}
	big := filepath.Join(dir, "big.csv")
	os.WriteFile(big, []byte(b.String()), 0o644)
	code, _, errs = run(t, "", "eval", "--plot", plot, big)
	if code != ExitUsage || !strings.Contains(errs, "--plot: the confusion matrix would have 101 rows; the picture draws at most 100") {
		t.Errorf("101 classes: exit %d, %s", code, errs)
	}
}

// TestEvalSkipsUnreadable: images that cannot be read are reported by
// path, after the list file and line that name them, and skipped, the
// others scored, exit 1, as eval's help says; a missing or broken file
// stopped the run with "inference: image has 0 values, want 150528", and
// then was named by its path alone.
func TestEvalSkipsUnreadable(t *testing.T) {
	dir := t.TempDir()
	boot := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	good, err := os.ReadFile(boot)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "good.png"), good, 0o644)
	os.WriteFile(filepath.Join(dir, "cut.png"), good[:len(good)/2], 0o644)
	os.WriteFile(filepath.Join(dir, "empty.png"), nil, 0o644)
	for _, tc := range []struct {
		name, list string
		bad        []string // line:path and what is wrong
	}{
		{"missing", "good.png,Ankle boot\nmissing.png,Bag\n", []string{"2:missing.png: no such file or directory"}},
		{"truncated and empty", "cut.png,Bag\ngood.png,Ankle boot\nempty.png,Bag\n", []string{"1:cut.png: ", "3:empty.png: empty file"}},
	} {
		list := filepath.Join(dir, "l.csv")
		os.WriteFile(list, []byte(tc.list), 0o644)
		code, out, errs := run(t, "", "eval", "-m", "fashion-vit", list)
		if code != ExitFailed || !strings.Contains(out, "images  1\ntop-1   100.00 %") || strings.Contains(errs, "inference") {
			t.Errorf("%s: exit %d, want 1 with the good image scored:\n%s\n%s", tc.name, code, out, errs)
		}
		for _, b := range tc.bad {
			line, name, _ := strings.Cut(b, ":")
			if want := list + ":" + line + ": " + filepath.Join(dir, name); !strings.Contains(errs, want) {
				t.Errorf("%s: stderr %q does not report %q", tc.name, errs, want)
			}
		}
	}
}

// TestEvalNoneReadable: a data set none of whose images can be read ends,
// exit 1, saying how many were tried, as finetune does; it said only "no
// readable images".
func TestEvalNoneReadable(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "Bag"), 0o755)
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{"a.png"}, "the 1 image could not be read (named above): fix or replace it"},
		{[]string{"a.png", "b.png"}, "none of the 2 images could be read (each is named above): fix or replace them"},
	} {
		for _, name := range tc.names {
			os.WriteFile(filepath.Join(dir, "Bag", name), []byte("not a PNG"), 0o644)
		}
		code, out, errs := run(t, "", "eval", "-m", "fashion-vit", dir)
		want := "vitctl: data " + dir + ": no readable images: " + tc.want + "\n"
		if code != ExitFailed || out != "" || !strings.HasSuffix(errs, want) {
			t.Errorf("%d images: exit %d, stdout %q, stderr\n%s\nwant exit 1, ending %s", len(tc.names), code, out, errs, want)
		}
	}
}

// TestDataArgModelFile: a model file given as DATA, alone or before DATA,
// is shown after -m; it was "unexpected argument" for DATA, or "not a
// folder, .csv or .jsonl file" for the model.
func TestDataArgModelFile(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", "flowers.gguf", "photos"}, "vitctl: eval: flowers.gguf is a model file, not labelled images: give it after -m (vitctl eval -m flowers.gguf photos)\n"},
		{[]string{"eval", "flowers.gguf"}, "vitctl: eval: flowers.gguf is a model file, not labelled images: give it after -m (vitctl eval -m flowers.gguf DATA)\n"},
		{[]string{"finetune", "base.GGUF", "photos", "--out", "x.gguf"}, "vitctl: finetune: base.GGUF is a model file, not labelled images: give it after -m (vitctl finetune -m base.GGUF photos)\n"},
		{[]string{"eval", "-m", "flowers.gguf", "photos", "more"}, `vitctl: eval: unexpected argument "more"`},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != ExitUsage || !strings.HasPrefix(errs, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestEvalDataKind: DATA that is neither a folder nor a .csv or .jsonl
// file is a usage error (exit 2), as in finetune: an image says that
// classify takes it (it exited 1).
func TestEvalDataKind(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(imagesDir, "chelsea.png")
	list := filepath.Join(dir, "list.txt")
	if err := os.WriteFile(list, []byte("a.jpg\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ data, want string }{
		{img, "vitctl: data " + img + ": one image, with no label: give labelled images, a folder with one sub-folder of images per class or a .csv or .jsonl file of path,label (vitctl classify " + img + " classifies this one)\n"},
		{list, "vitctl: data " + list + ": not a folder, .csv or .jsonl file: give a folder with one sub-folder of images per class (" + filepath.Join("DIR", "rose", "1.jpg") + "), or a .csv or .jsonl file of path,label\n"},
	} {
		code, out, errs := run(t, "", "eval", tc.data)
		if code != ExitUsage || !strings.HasSuffix(errs, tc.want) || out != "" {
			t.Errorf("eval %s: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.data, code, out, errs, tc.want)
		}
	}
	// A folder with a list and no class folders names the list and the
	// command that reads it: it said "or list path,label in a CSV".
	os.WriteFile(filepath.Join(dir, "labels.jsonl"), []byte(`{"path":"a.png","label":"cat"}`+"\n"), 0o644)
	code, out, errs := run(t, "", "eval", "-m", "fashion-vit", dir)
	want := "vitctl: data: " + dir + ": no class sub-folders, and the list " + filepath.Join(dir, "labels.jsonl") + ": give the list in place of the folder: vitctl eval -m fashion-vit " + filepath.Join(dir, "labels.jsonl") + "\n"
	if code != ExitFailed || !strings.HasSuffix(errs, want) || out != "" {
		t.Errorf("eval DIR: exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errs, want)
	}
	// The command follows the list it reads, before the note of a photo
	// vitctl cannot decode: it came after, inside that note ("which vitctl
	// cannot decode: vitctl eval … labels.jsonl: convert it to JPEG").
	os.WriteFile(filepath.Join(dir, "p.heic"), nil, 0o644)
	code, out, errs = run(t, "", "eval", "-m", "fashion-vit", dir)
	want = "the list " + filepath.Join(dir, "labels.jsonl") + ": give the list in place of the folder: vitctl eval -m fashion-vit " + filepath.Join(dir, "labels.jsonl") + "; it holds a HEIC image, which vitctl cannot decode: convert it to JPEG first"
	if code != ExitFailed || !strings.Contains(errs, want) || out != "" {
		t.Errorf("eval DIR with a HEIC file: exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errs, want)
	}
}

// TestEvalTop5: eval prints top-5 accuracy for a model of more than 5
// classes only; of 5 or fewer it is always 100 % and was printed anyway.
// In JSON it is then null. The JSON names the model ("model",
// "model_sha256"), which it did not.
func TestEvalTop5(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	three := filepath.Join(t.TempDir(), "three.gguf")
	if code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", three, "--train", "head", "--epochs", "1", "--threads", "2"); code != 0 {
		t.Fatalf("finetune: exit %d\n%s", code, errs)
	}
	ten := t.TempDir() // two of fashion-vit's ten classes
	for _, f := range []string{"0000_ankle_boot.png", "0002_trouser.png"} {
		class := map[bool]string{true: "Ankle boot", false: "Trouser"}[strings.Contains(f, "boot")]
		b, err := os.ReadFile(filepath.Join(imagesDir, "fashion", f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(ten, class), 0o755)
		os.WriteFile(filepath.Join(ten, class, f), b, 0o644)
	}
	for _, tc := range []struct {
		name, model, data, wantModel string
		top5                         bool
	}{
		{"3 classes", three, data, three, false},
		{"10 classes", "fashion-vit", ten, "fashion-vit", true},
	} {
		code, out, errs := run(t, "", "eval", "-m", tc.model, tc.data, "--threads", "2")
		if code != 0 || strings.Contains(out, "top-5") != tc.top5 || !strings.Contains(out, "top-1") {
			t.Errorf("%s: exit %d, top-5 line %v, want %v:\n%s%s", tc.name, code, strings.Contains(out, "top-5"), tc.top5, out, errs)
		}
		code, out, errs = run(t, "", "eval", "-m", tc.model, tc.data, "--threads", "2", "-o", "json")
		var rep map[string]any
		if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil {
			t.Fatalf("%s: -o json: exit %d, %v\n%s", tc.name, code, err, errs)
		}
		if top5, ok := rep["top5"]; !ok || (top5 != nil) != tc.top5 {
			t.Errorf("%s: -o json: \"top5\": %v (present %v); want a number %v, else null", tc.name, top5, ok, tc.top5)
		}
		// The report names the model as classify's records do.
		if name, sha := rep["model"], rep["model_sha256"]; name != tc.wantModel || len(fmt.Sprint(sha)) != 12 || !strings.Contains(errs, fmt.Sprint(sha)) {
			t.Errorf("%s: -o json: model %v, model_sha256 %v; want %q and the 12 digits of the model line:\n%s", tc.name, name, sha, tc.wantModel, errs)
		}
	}
}

// TestPlotSaysWrote: finetune --plot and eval --plot say on stderr which
// file they wrote and what it shows; they wrote it without a word.
func TestPlotSaysWrote(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	dir := t.TempDir()
	out, curve, cm := filepath.Join(dir, "p.gguf"), filepath.Join(dir, "curve.png"), filepath.Join(dir, "cm.png")
	for _, tc := range []struct {
		args []string
		plot string
		want string
	}{
		{[]string{"finetune", data, "-m", base, "--out", out, "--train", "head", "--epochs", "1", "--plot", curve},
			curve, "the training loss per step and per epoch, the validation accuracy per epoch"},
		{[]string{"finetune", data, "-m", base, "--out", out, "--train", "head", "--epochs", "1", "--val-split", "0", "--plot", curve},
			curve, "the training loss per step and per epoch"},
		{[]string{"eval", "-m", out, data, "--plot", cm}, cm, "the confusion matrix of 3 classes"},
	} {
		os.Remove(tc.plot)
		code, _, errs := run(t, "", append(tc.args, "--threads", "2")...)
		want := "vitctl: wrote " + tc.plot + " (" + tc.want + ")\n"
		if _, err := os.Stat(tc.plot); code != 0 || err != nil || !strings.Contains(errs, want) {
			t.Errorf("%s: exit %d, %v, stderr %q; want %q", tc.args[0], code, err, errs, want)
		}
	}
}

// TestConfusionPlotLabels: --plot draws an NFD label ("rosé" as macOS
// names folders) in NFC, whose accent the font drew beside its letter, and
// a label the font has no glyphs for by its class number, saying which,
// where its row and column were drawn without a name.
func TestConfusionPlotLabels(t *testing.T) {
	labels := []string{"rose\u0301", "trouser", "外套"}
	r := train.Score(labels, []int{0, 1, 2}, [][]float32{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})
	drawn, numbered := drawnLabels(viewOf(r))
	if want := []string{"ros\u00e9", "trouser", "#2"}; !slices.Equal(drawn.rows, want) || !slices.Equal(drawn.cols, want) {
		t.Errorf("drawn rows %+q, columns %+q; want %+q", drawn.rows, drawn.cols, want)
	}
	if want := []string{"#2 外套"}; !slices.Equal(numbered, want) {
		t.Errorf("numbered %q, want %q", numbered, want)
	}
	path := filepath.Join(t.TempDir(), "cm.png")
	var errb strings.Builder
	if err := writeConfusionPlot(streams{err: &errb}, path, r); err != nil {
		t.Fatal(err)
	}
	if want := "vitctl: wrote " + path + " (the confusion matrix of 3 classes; labels its font cannot draw shown by class number: #2 外套)\n"; errb.String() != want {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
}

// TestConfusionPlotLongLabels: the confusion picture makes room for its
// longest label, left of the rows and above the columns, so that no label
// runs off its edge: the left and top edge are white. With a margin of 140
// pixels, "American Staffordshire terrier" was cut at the left edge and
// its column label ran over the title and the top edge. A label of more
// than maxDrawnLabel letters is cut short with "…".
func TestConfusionPlotLongLabels(t *testing.T) {
	labels := []string{"American Staffordshire terrier", "cat", strings.Repeat("very long ", 10)}
	r := train.Score(labels, []int{0, 1, 2}, [][]float32{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})
	drawn, _ := drawnLabels(viewOf(r))
	if got := []rune(drawn.rows[2]); len(got) != maxDrawnLabel || got[len(got)-1] != '…' {
		t.Errorf("label of %d letters drawn as %q", len([]rune(labels[2])), drawn.rows[2])
	}
	var b bytes.Buffer
	if err := plotConfusion(&b, drawn, r.Top1); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	white := func(x, y int) bool {
		r, g, b, _ := img.At(x, y).RGBA()
		return r == 0xffff && g == 0xffff && b == 0xffff
	}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		if !white(bounds.Min.X, y) {
			t.Fatalf("the left edge is drawn on at y=%d: a row's label is cut", y)
		}
	}
	for x := bounds.Min.X; x < bounds.Max.X; x++ {
		if !white(x, bounds.Min.Y) {
			t.Fatalf("the top edge is drawn on at x=%d: a column's label is cut", x)
		}
	}
}

// TestEvalUndefinedScores: the text table prints "-", not 0.000, for the
// recall and F1 of a class without images and the precision of one never
// predicted, and says what "-" means; a class the data set lacked read as
// a class the model failed at. -o json keeps 0.
func TestEvalUndefinedScores(t *testing.T) {
	logits := [][]float32{{1, 0, 0}, {0, 0, 1}, {1, 0, 0}} // a→a, b→c, b→a; nothing of c, nothing predicted b
	r := train.Score([]string{"a", "b", "c"}, []int{0, 1, 1}, logits)
	var b strings.Builder
	if err := writeReport(&b, "text", evalJSON{Report: r}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  a        1      0.500   1.000  0.667\n",
		"  b        2          -   0.000  0.000\n",
		"  c        0      0.000       -      -\n",
		"(-: no image of the class, so no recall, or none predicted as it, so no precision)\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	writeReport(&b, "json", evalJSON{Report: r})
	if !strings.Contains(b.String(), `"label": "c",
      "support": 0,
      "precision": 0,
      "recall": 0,`) {
		t.Errorf("-o json changed:\n%s", b.String())
	}
}

// TestEvalJSONFailed: -o json lists the images left out of the scores,
// each as classify's records give a failed image (path, error), and []
// when none was; the JSON said only n, so a script could not tell that
// an image was missing, nor which.
func TestEvalJSONFailed(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "good.png"), good, 0o644)
	os.WriteFile(filepath.Join(dir, "empty.png"), nil, 0o644)
	for _, tc := range []struct {
		name, list string
		code       int
		failed     map[string]string // path → the start of its error
	}{
		{"none", "good.png,Ankle boot\n", ExitOK, map[string]string{}},
		{"missing and empty", "missing.png,Bag\ngood.png,Ankle boot\nempty.png,Bag\n", ExitFailed,
			map[string]string{"missing.png": "no such file", "empty.png": "empty file"}},
	} {
		list := filepath.Join(dir, "l.csv")
		os.WriteFile(list, []byte(tc.list), 0o644)
		code, out, errs := run(t, "", "eval", "-m", "fashion-vit", "-o", "json", list)
		var rep struct {
			N      int `json:"n"`
			Failed []struct {
				Path  string `json:"path"`
				Error string `json:"error"`
			} `json:"failed"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil || code != tc.code {
			t.Fatalf("%s: exit %d (want %d), %v:\n%s\n%s", tc.name, code, tc.code, err, out, errs)
		}
		if rep.N != 1 || rep.Failed == nil || len(rep.Failed) != len(tc.failed) {
			t.Errorf("%s: n %d, failed %+v (null: %v), want n 1 and %d failed", tc.name, rep.N, rep.Failed, rep.Failed == nil, len(tc.failed))
		}
		for _, f := range rep.Failed {
			if want, ok := tc.failed[filepath.Base(f.Path)]; !ok || filepath.Dir(f.Path) != dir || !strings.HasPrefix(f.Error, want) {
				t.Errorf("%s: failed %+v, want the path and an error starting %q", tc.name, f, want)
			}
		}
	}
}

// TestEvalSynsetFolders: the built-in ImageNet-1k model is measured on
// folders named by WordNet synset id, as ImageNet's validation set is laid
// out (no folder was one of its labels, and eval stopped).
func TestEvalSynsetFolders(t *testing.T) {
	data := t.TempDir()
	for dir, photo := range map[string]string{"n02124075": "chelsea.png", "n07920052": "coffee.png"} {
		b, err := os.ReadFile(filepath.Join(imagesDir, photo))
		if err != nil {
			t.Fatal(err)
		}
		os.Mkdir(filepath.Join(data, dir), 0o755)
		if err := os.WriteFile(filepath.Join(data, dir, photo), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Empty class folders, named as eval reads them, are classes with
	// nothing measured: n01440764/ was said to be "not one of the model's
	// labels", and so was great_white_shark/.
	for _, dir := range []string{"n01440764", "great_white_shark", "nosuchclass"} {
		os.Mkdir(filepath.Join(data, dir), 0o755)
	}
	code, out, errs := run(t, "", "eval", data)
	for _, want := range []string{"images  2\ntop-1   100.00 %", "Egyptian cat        1", "espresso        1"} {
		if code != ExitOK || !strings.Contains(out, want) {
			t.Errorf("exit %d, stdout should contain %q\n%s\n%s", code, want, out, errs)
		}
	}
	for _, want := range []string{
		"vitctl: warning: " + filepath.Join(data, "great_white_shark") + ": no images; nothing of that class measured\n",
		"vitctl: warning: " + filepath.Join(data, "n01440764") + ": no images; nothing of that class measured\n",
		"vitctl: warning: " + filepath.Join(data, "nosuchclass") + ": no images; a folder in DATA that is not one of the model's labels\n",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr should contain %q\n%s", want, errs)
		}
	}
}

// TestEvalTableWideLabels: eval's text tables line up in a terminal when
// labels take two cells a rune (外套コート) or a rune takes none (the
// accent of an NFD "rosé", as macOS names folders), and a label holding a
// tab is quoted, on one line; text/tabwriter counted runes, and the
// columns after such labels were out of line.
func TestEvalTableWideLabels(t *testing.T) {
	labels := []string{"rose\u0301", "外套コート", "trouser", "a\tb"}
	logits := [][]float32{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {1, 0, 0, 0}}
	r := train.Score(labels, []int{0, 1, 2, 3}, logits)
	var b strings.Builder
	if err := writeReport(&b, "text", evalJSON{Report: r}); err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(b.String(), "\n\n")
	for _, block := range blocks[1:] { // the per-class table, the confusion matrix
		lines := strings.Split(strings.Trim(block, "\n"), "\n")
		if strings.HasPrefix(lines[0], "confusion") {
			lines = lines[1:]
		}
		if strings.HasPrefix(lines[len(lines)-1], "(") { // the note on "-"
			lines = lines[:len(lines)-1]
		}
		for _, l := range lines {
			// Each line ends at the same cell, and so does each column
			// (every cell is right-aligned): compare the line up to each
			// column's end.
			if uniseg.StringWidth(l) != uniseg.StringWidth(lines[0]) {
				t.Errorf("line %q is %d cells wide, the header %d:\n%s", l, uniseg.StringWidth(l), uniseg.StringWidth(lines[0]), b.String())
			}
		}
	}
	if !strings.Contains(b.String(), `"a\tb"`) {
		t.Errorf("the label with a tab is not quoted:\n%s", b.String())
	}
}
