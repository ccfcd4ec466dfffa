package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/train"
)

var (
	fashionOnce  sync.Once
	fashionModel string
	fashionErr   string
)

// fashionGGUF converts testdata/models/fashion-vit (a 6-layer ViT trained
// on Fashion-MNIST, 28×28) once for the package's tests.
func fashionGGUF(t *testing.T) string {
	t.Helper()
	fashionOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vitctl-finetune-test-")
		if err != nil {
			fashionErr = err.Error()
			return
		}
		fashionModel = filepath.Join(dir, "fashion.gguf")
		if code, _, errs := run(t, "", "convert", "../../testdata/models/fashion-vit", "--out", fashionModel); code != 0 {
			fashionErr = errs
		}
	})
	if fashionErr != "" {
		t.Fatal(fashionErr)
	}
	return fashionModel
}

// fashionTree lays out testdata/images/fashion as an ImageFolder tree of
// three new classes (shoes, bags, clothes) and returns its root.
func fashionTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files, err := filepath.Glob(filepath.Join(imagesDir, "fashion", "*.png"))
	if err != nil || len(files) < 20 {
		t.Fatalf("fashion images: %v (%d files)", err, len(files))
	}
	for _, f := range files {
		name := filepath.Base(f)
		class := "clothes"
		switch {
		case strings.Contains(name, "sandal"), strings.Contains(name, "sneaker"), strings.Contains(name, "boot"):
			class = "shoes"
		case strings.Contains(name, "bag"):
			class = "bags"
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(root, class), 0o755)
		os.WriteFile(filepath.Join(root, class, name), b, 0o644)
	}
	return root
}

// TestFinetuneHeadAndEval trains a linear probe on the shipped Fashion-MNIST
// PNGs, then checks that the file is an ordinary model with the new labels
// and its recipe, that classify and eval use it, and that it learned.
func TestFinetuneHeadAndEval(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	out := filepath.Join(t.TempDir(), "ft.gguf")
	code, stdout, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--val-split", "0", "--train", "head",
		"--epochs", "15", "--batch", "8", "--lr", "3e-2", "--threads", "2", "-o", "json")
	if code != 0 {
		t.Fatalf("finetune: exit %d\n%s", code, errs)
	}
	var sum struct {
		Epochs []struct {
			TrainLoss float64 `json:"train_loss"`
			Best      bool    `json:"best"`
		}
		TrainImages int      `json:"train_images"`
		KeptEpoch   *int     `json:"kept_epoch"`
		Labels      []string `json:"labels"`
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("summary: %v\n%s", err, stdout)
	}
	first, last := sum.Epochs[0].TrainLoss, sum.Epochs[len(sum.Epochs)-1].TrainLoss
	if len(sum.Epochs) != 15 || !(last < 0.7*first) {
		t.Errorf("%d epochs, loss %.3f → %.3f: want 15 epochs and the loss down by 30 %%", len(sum.Epochs), first, last)
	}
	// Without a validation set every epoch is "best" when it ends (a tie):
	// kept_epoch names the one written, the last; labels the classes.
	if sum.KeptEpoch == nil || *sum.KeptEpoch != 15 || strings.Join(sum.Labels, ",") != "bags,clothes,shoes" || !sum.Epochs[0].Best {
		t.Errorf("kept_epoch %v, labels %q, epoch 1 best %v: want 15, bags, clothes, shoes, and every epoch best", sum.KeptEpoch, sum.Labels, sum.Epochs[0].Best)
	}
	f, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	labels, _ := f.Strings(model.KeyLabels)
	recipe, _ := f.String(keyFTRecipe)
	f.Close()
	if strings.Join(labels, ",") != "bags,clothes,shoes" || !strings.Contains(recipe, "train=head") {
		t.Errorf("labels %v, recipe %q", labels, recipe)
	}
	code, stdout, errs = run(t, "", "eval", "-m", out, "-o", "json", data)
	if code != 0 {
		t.Fatalf("eval: exit %d\n%s", code, errs)
	}
	var rep struct {
		N         int
		Top1      float64
		Confusion [][]int
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	// The training set itself: the probe must beat the majority class
	// (clothes, 18 of 30).
	if rep.N != sum.TrainImages || rep.Top1 < 0.8 || len(rep.Confusion) != 3 {
		t.Errorf("eval on the training images: %d images, top-1 %.2f, %d confusion rows", rep.N, rep.Top1, len(rep.Confusion))
	}
	code, stdout, _ = run(t, "", "classify", "-m", out, "-k", "1", filepath.Join(data, "shoes"))
	if code != 0 || !strings.Contains(stdout, "shoes") {
		t.Errorf("classify with the fine-tuned model: exit %d\n%s", code, stdout)
	}
	// convert --info says the file was fine-tuned, not converted, and how.
	_, stdout, _ = run(t, "", "convert", "--info", out)
	for _, want := range []string{
		"format:        vitctl model file (GGUF), fine-tuned from " + base + "\n",
		"fine-tuning:   30 training images from " + data + "; epoch 15 kept (no validation set); train=head epochs=15 batch=8 lr=0.03 ",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("convert --info %s lacks %q:\n%s", out, want, stdout)
		}
	}
}

// TestFinetuneAllResume trains every layer for one epoch, then resumes
// the same run for a second from OUT.ckpt.
func TestFinetuneAllResume(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "all.gguf")
	args := []string{"finetune", data, "-m", base, "--out", out, "--train", "all", "--batch", "16", "--threads", "2", "--plot", filepath.Join(dir, "curve.png")}
	code, _, errs := run(t, "", append(args, "--epochs", "1")...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	// The images held out are not among those it trains on.
	if want := " on 24 training images, 3 classes (and 6 for validation): "; !strings.Contains(errs, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errs)
	}
	// A different recipe may not resume this run.
	// It names the settings that differ, and is a usage error.
	if code, _, errs = run(t, "", append(args, "--epochs", "2", "--lr", "3e-4", "--resume")...); code != ExitUsage ||
		errs != "vitctl: --resume: "+out+".ckpt was made with epochs=1 lr=0.0001, and this run has epochs=2 lr=0.0003: use the same flags to continue it, or give another --out to start a new run\n" {
		t.Errorf("resume with other flags: exit %d\n%s", code, errs)
	}
	for _, p := range []string{out, out + ".ckpt", filepath.Join(dir, "curve.png")} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
}

// TestFinetuneHeadAugment trains the head on augmented images, features
// recomputed every epoch.
func TestFinetuneHeadAugment(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	out := filepath.Join(t.TempDir(), "aug.gguf")
	code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--augment", "on", "--epochs", "2", "--batch", "8", "--threads", "2")
	if code != 0 || !strings.Contains(errs, "augment=true") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
}

// TestFinetuneSkipsBrokenImages: an unreadable image is reported by name
// and skipped; the model is still written; the exit status is 1.
func TestFinetuneSkipsBrokenImages(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	os.WriteFile(filepath.Join(data, "bags", "broken.png"), []byte("\x89PNG not really"), 0o644)
	out := filepath.Join(t.TempDir(), "b.gguf")
	code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--epochs", "1", "--val-split", "0", "--threads", "2")
	if code != ExitFailed || !strings.Contains(errs, "broken.png") || !strings.Contains(errs, "1 image could not be read and was skipped") {
		t.Errorf("exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(out); err != nil {
		t.Error(err)
	}
}

// TestFinetuneSkipsOnce: an unreadable image, of the training set or of
// --val, is named once, however many epochs meet it; a run that decodes
// every epoch (--train last:N, all) named it again in each.
func TestFinetuneSkipsOnce(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	os.WriteFile(filepath.Join(data, "bags", "broken.png"), []byte("\x89PNG not really"), 0o644)
	val := t.TempDir()
	for _, class := range []string{"bags", "shoes"} {
		os.MkdirAll(filepath.Join(val, class), 0o755)
	}
	b, _ := os.ReadFile(filepath.Join(imagesDir, "fashion", "0018_bag.png"))
	os.WriteFile(filepath.Join(val, "bags", "a.png"), b, 0o644)
	os.WriteFile(filepath.Join(val, "shoes", "gone.jpg"), []byte("not a JPEG"), 0o644)
	for _, train := range []string{"head", "last:1"} {
		out := filepath.Join(t.TempDir(), "b.gguf")
		code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--train", train, "--val", val, "--epochs", "3", "--threads", "2")
		if code != ExitFailed || strings.Count(errs, "skipped: ") != 2 || strings.Count(errs, "broken.png") != 1 || strings.Count(errs, "gone.jpg") != 1 ||
			!strings.Contains(errs, "vitctl: 2 images could not be read and were skipped\n") {
			t.Errorf("--train %s: exit %d\n%s\nwant exit 1, broken.png and gone.jpg each named once", train, code, errs)
		}
	}
}

// TestFinetuneNoneReadable: a run none of whose training images can be
// read stops saying how many it tried, exit 1, and writes no model, in
// every --train mode. It said only "no readable training images" (head),
// or (all, last:N) wrote OUT, the base with a head that learnt nothing.
func TestFinetuneNoneReadable(t *testing.T) {
	base, data := fashionGGUF(t), t.TempDir()
	for _, class := range []string{"hats", "socks"} {
		os.MkdirAll(filepath.Join(data, class), 0o755)
		for _, name := range []string{"a.jpg", "b.jpg"} {
			os.WriteFile(filepath.Join(data, class, name), []byte("not a JPEG"), 0o644)
		}
	}
	for _, train := range []string{"head", "last:1", "all"} {
		out := filepath.Join(t.TempDir(), "b.gguf")
		code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--train", train, "--epochs", "2", "--val-split", "0", "--threads", "2")
		want := "\nvitctl: no readable training images: none of the 4 training images could be read (each is named above): fix or replace them\n"
		if code != ExitFailed || !strings.HasSuffix(errs, want) || strings.Count(errs, "skipped: ") != 4 {
			t.Errorf("--train %s: exit %d\n%s\nwant exit 1, each image named once, ending%s", train, code, errs, want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("--train %s: %s written", train, out)
		}
	}
}

// TestFinetuneNoneReadableVal: a validation set none of whose images can
// be read stops the run before its first step, exit 1, writing nothing,
// saying how many it tried and what to give instead. It stopped after the
// first epoch (an epoch of training lost), saying only "no readable
// validation images".
func TestFinetuneNoneReadableVal(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	val := t.TempDir()
	os.MkdirAll(filepath.Join(val, "bags"), 0o755)
	for _, name := range []string{"a.jpg", "b.jpg"} {
		os.WriteFile(filepath.Join(val, "bags", name), []byte("not a JPEG"), 0o644)
	}
	for _, train := range []string{"head", "last:1"} {
		out := filepath.Join(t.TempDir(), "b.gguf")
		code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--train", train, "--val", val, "--epochs", "2", "--threads", "2")
		want := "\nvitctl: no readable validation images: none of the 2 validation images could be read (each is named above): fix or replace them, or give another --val than " + val + "\n"
		if code != ExitFailed || !strings.HasSuffix(errs, want) || strings.Contains(errs, "step 1/") {
			t.Errorf("--train %s: exit %d\n%s\nwant exit 1 before the first step, ending%s", train, code, errs, want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("--train %s: %s written", train, out)
		}
	}
	// Held out by --val-split, it says how to train without them.
	if got, want := noneReadHint(&train.NoneReadError{Tried: 2, Validation: true}, ""), ", or give --val-split 0 to train without a validation set"; got != want {
		t.Errorf("noneReadHint of --val-split = %q, want %q", got, want)
	}
}

// TestFinetuneUnreadableClass: a class none of whose training images can
// be read is named after the run: the model has the class and never learnt
// it. The run said only how many images could not be read. A class with
// one image that can be read is not named.
func TestFinetuneUnreadableClass(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	os.MkdirAll(filepath.Join(data, "hats"), 0o755)
	for _, name := range []string{"a.jpg", "b.jpg"} {
		os.WriteFile(filepath.Join(data, "hats", name), []byte("not a JPEG"), 0o644)
	}
	os.WriteFile(filepath.Join(data, "bags", "broken.png"), []byte("\x89PNG not really"), 0o644)
	for _, train := range []string{"head", "last:1"} {
		out := filepath.Join(t.TempDir(), "b.gguf")
		code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--train", train, "--epochs", "2", "--val-split", "0", "--threads", "2")
		want := "vitctl: 3 images could not be read and were skipped\n" +
			"vitctl: warning: class \"hats\": none of its 2 training images could be read, so the model has the class but never learnt it: fix or replace them, or leave the class out\n"
		if code != ExitFailed || !strings.HasSuffix(errs, want) {
			t.Errorf("--train %s: exit %d\n%s\nwant exit 1, ending\n%s", train, code, errs, want)
		}
	}
}

func TestFinetuneErrors(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	one := t.TempDir()
	os.MkdirAll(filepath.Join(one, "only"), 0o755)
	b, _ := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	os.WriteFile(filepath.Join(one, "only", "a.png"), b, 0o644)
	listed := t.TempDir() // images and their list, but no class folders
	os.WriteFile(filepath.Join(listed, "a.png"), b, 0o644)
	os.WriteFile(filepath.Join(listed, "labels.csv"), []byte("a.png,boot\n"), 0o644)
	out := filepath.Join(t.TempDir(), "x.gguf")
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{data, "-m", base}, ExitUsage, "--out OUT.gguf is required"},
		// The list beside the images is named, and the command that reads
		// it: it said "or list path,label in a CSV".
		{[]string{listed, "-m", base, "--out", out}, ExitFailed, "vitctl: data: " + listed + ": 1 image but no class sub-folders, and the list " + filepath.Join(listed, "labels.csv") + ": give the list in place of the folder: vitctl finetune -m " + base + " " + filepath.Join(listed, "labels.csv") + " --out " + out + "\n"},
		{[]string{data, "--val", listed, "-m", base, "--out", out}, ExitFailed, "the list " + filepath.Join(listed, "labels.csv") + ": give the list in place of the folder: --val " + filepath.Join(listed, "labels.csv") + "\n"},
		{[]string{data, "-m", base, "--out", out, "--train", "last:9"}, ExitUsage, "--train last:9"},
		{[]string{data, "-m", base, "--out", out, "--train", "some"}, ExitUsage, "want head, last:N or all"},
		{[]string{data, "-m", base, "--out", out, "--val-split", "1.5"}, ExitUsage, "--val-split"},
		{[]string{one, "-m", base, "--out", out}, ExitFailed, "need at least 2"},
		// 0.01 of 30 images holds out none: the error said so, not what to do.
		{[]string{data, "-m", base, "--out", out, "--val-split", "0.01"}, ExitFailed, "vitctl: data " + data + ": 30 images are too few to hold out 0.01 for validation: give a larger --val-split, --val DIR with validation images, or --val-split 0 to train on them all without validation\n"},
		{[]string{filepath.Join(data, "nope"), "-m", base, "--out", out}, ExitFailed, "nope"},
		{[]string{data, "-m", base, "--out", out, "--resume"}, ExitFailed, "vitctl: --resume: reading " + out + ".ckpt: no such file or directory (a run writes it after each epoch): run without --resume to start one\n"},
		{[]string{data, "-m", base, "--out", out, "--augment", "maybe"}, ExitUsage, "--augment"},
		// DATA or --val of the wrong kind is known before a file is read:
		// exit 2, as other bad arguments, where it was 1, saying what DATA is.
		{[]string{filepath.Join(imagesDir, "chelsea.png"), "-m", base, "--out", out}, ExitUsage, "vitctl: data " + filepath.Join(imagesDir, "chelsea.png") + ": one image, with no label: give labelled images, a folder with one sub-folder of images per class or a .csv or .jsonl file of path,label (vitctl classify " + filepath.Join(imagesDir, "chelsea.png") + " classifies this one)\n"},
		{[]string{data, "--val", filepath.Join(imagesDir, "README.md"), "-m", base, "--out", out}, ExitUsage, "vitctl: --val " + filepath.Join(imagesDir, "README.md") + ": not a folder, .csv or .jsonl file: give a folder"},
		{[]string{"-m", base, "--out", out}, ExitUsage, "finetune: missing argument"},
		// The model file was written under the name meant for -o json's
		// summary, which goes to stdout.
		{[]string{data, "-m", base, "--out", filepath.Join(filepath.Dir(out), "summary.json"), "-o", "json"}, ExitUsage, "vitctl: --out " + filepath.Join(filepath.Dir(out), "summary.json") + ": a .json name, for the model file finetune writes; give a name such as model.gguf (the summary, text or -o json, goes to stdout: vitctl finetune … > " + filepath.Join(filepath.Dir(out), "summary.json") + ")\n"},
		{[]string{data, "-m", base, "--out", filepath.Join(filepath.Dir(out), "log.TXT")}, ExitUsage, "--out " + filepath.Join(filepath.Dir(out), "log.TXT") + ": a .txt name"},
	} {
		code, _, errs := run(t, "", append([]string{"finetune"}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.msg) || strings.Contains(errs, "goroutine") {
			t.Errorf("finetune %v: exit %d, stderr %q; want exit %d and %q", c.args, code, errs, c.code, c.msg)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s written by a failed run", out)
	}
}

// TestOutDashRefused: --out - of finetune and convert, which read as
// stdout, is refused, exit 2, before anything is read; each wrote a model
// file named - (and finetune its state as -.ckpt) in the current folder.
func TestOutDashRefused(t *testing.T) {
	data := fashionTree(t)
	t.Chdir(t.TempDir())
	for _, args := range [][]string{
		{"finetune", data, "-m", "fashion-vit", "--train", "head", "--epochs", "1", "--out", "-"},
		{"convert", "fashion-vit", "--out", "-"},
	} {
		code, stdout, errs := run(t, "", args...)
		want := "vitctl: --out -: a model file is written to a file, not to stdout: give a name such as model.gguf (./- names a file called -)\n"
		if code != ExitUsage || errs != want || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and %q", args[0], code, stdout, errs, want)
		}
		if names, _ := filepath.Glob("*"); len(names) > 0 {
			t.Errorf("%s: wrote %q", args[0], names)
			for _, n := range names {
				os.Remove(n)
			}
		}
	}
}

// TestFinetuneRecipeFlags: each bad number names its flag, and an explicit
// --epochs 0 or --lr 0 is refused rather than read as "the default".
func TestFinetuneRecipeFlags(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.gguf")
	for _, tc := range [][3]string{
		{"--epochs", "0", "--epochs 0: must be at least 1"},
		{"--lr", "0", "--lr 0: must be positive"},
		{"--weight-decay", "-1", "--weight-decay -1: must not be negative"},
		{"--weight-decay", "NaN", "--weight-decay NaN"},
		{"--label-smoothing", "1", "--label-smoothing 1: want 0 ≤ S < 1"},
		{"--warmup", "1", "--warmup 1: want a fraction of the steps"},
		{"--val-split", "NaN", "--val-split NaN: want 0 ≤ F < 1"},
		{"--lr", "inf", "--lr +Inf: want a finite number, such as 0.0001"},
		{"--weight-decay", "Inf", "--weight-decay +Inf: want a finite number, such as 0.05"},
		{"--lr", "NaN", "--lr NaN: want a finite number, such as 0.0001"},                   // "must be positive"
		{"--weight-decay", "NaN", "--weight-decay NaN: want a finite number, such as 0.05"}, // "must not be negative"
		{"--seed", "-1", `--seed "-1": want a whole number, 0 or more`},                     // "want a whole number"
	} {
		code, _, errs := run(t, "", "finetune", "no-such-data", "--out", out, tc[0], tc[1])
		if code != ExitUsage || !strings.Contains(errs, tc[2]) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%s %s: exit %d, stderr %q; want exit 2 saying %q", tc[0], tc[1], code, errs, tc[2])
		}
	}
}

// TestFinetuneValAndValSplit: --val with --val-split is refused before
// anything is read; --val-split used to be ignored without a word.
func TestFinetuneValAndValSplit(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.gguf")
	for _, args := range [][]string{
		{"--val", "val-data", "--val-split", "0.3"},
		{"--val-split", "0.2", "--val", "val-data"}, // the default value, given: still refused
		{"--val", "val-data", "--val-split", "0"},
	} {
		code, _, errs := run(t, "", append([]string{"finetune", "no-such-data", "--out", out}, args...)...)
		want := "vitctl: --val and --val-split are alternatives: --val names the validation set, --val-split holds part of DATA out; give one of them\n"
		if code != ExitUsage || !strings.HasPrefix(errs, want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", args, code, errs, want)
		}
	}
}

// TestFinetuneProgressRate: without a terminal, a progress line every 10 %
// of the steps with the images per second since the line before; a run of
// fewer than ten steps prints every step, and its first (no step before it
// to time from) printed "0.0 img/s" and now no rate.
func TestFinetuneProgressRate(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	out := filepath.Join(t.TempDir(), "ft.gguf")
	code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--val-split", "0",
		"--epochs", "1", "--batch", "8", "--threads", "2")
	if code != 0 {
		t.Fatalf("finetune: exit %d\n%s", code, errs)
	}
	lines := regexp.MustCompile(`vitctl: step \d+/\d+, .*`).FindAllString(errs, -1)
	if len(lines) < 2 || strings.Contains(lines[0], "img/s") || !strings.Contains(lines[1], "img/s") ||
		strings.Contains(errs, " 0.0 img/s") {
		t.Errorf("progress lines %q: want every step, the first without a rate, the others with a nonzero one", lines)
	}
}

// TestFinetuneHeadNoRate: a head trained on cached features prints its
// steps without images per second (it printed "33729.2 img/s", the speed
// of a linear layer, not of the run); on augmented images, whose features
// are computed at each step, the rate stays.
func TestFinetuneHeadNoRate(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	for _, tc := range []struct {
		augment  string
		wantRate bool
	}{{"off", false}, {"on", true}} {
		out := filepath.Join(t.TempDir(), "ft.gguf")
		code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--val-split", "0", "--train", "head",
			"--augment", tc.augment, "--epochs", "2", "--batch", "8", "--threads", "2")
		lines := regexp.MustCompile(`vitctl: step \d+/\d+, .*`).FindAllString(errs, -1)
		if code != 0 || len(lines) < 2 || strings.Contains(lines[len(lines)-1], "img/s") != tc.wantRate {
			t.Errorf("--augment %s: exit %d, progress lines %q; want a rate: %v", tc.augment, code, lines, tc.wantRate)
		}
	}
}

// TestFinetuneDefaultTrain: without --train every layer is trained, with
// augmentation, and the recipe in the file says so.
func TestFinetuneDefaultTrain(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	out := filepath.Join(t.TempDir(), "d.gguf")
	code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--val-split", "0",
		"--epochs", "1", "--batch", "16", "--threads", "2")
	if code != 0 {
		t.Fatalf("finetune: exit %d\n%s", code, errs)
	}
	f, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if recipe, _ := f.String(keyFTRecipe); !strings.Contains(recipe, "train=all ") || !strings.Contains(recipe, "augment=true") {
		t.Errorf("default recipe %q: want train=all with augmentation", recipe)
	}
}

// TestFinetuneOutIsInput: --out naming the base model, the DATA list or
// the --val list is refused before any training, and the file is left as
// it was; the base model and the lists used to be overwritten by the new
// model.
func TestFinetuneOutIsInput(t *testing.T) {
	data := fashionTree(t)
	dir := t.TempDir()
	base := filepath.Join(dir, "base.gguf")
	b, err := os.ReadFile(fashionGGUF(t))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(base, b, 0o644)
	list := "path,label\n"
	for _, class := range []string{"bags", "clothes", "shoes"} {
		files, _ := filepath.Glob(filepath.Join(data, class, "*.png"))
		for _, f := range files {
			list += f + "," + class + "\n"
		}
	}
	csv, val := filepath.Join(dir, "train.csv"), filepath.Join(dir, "val.csv")
	os.WriteFile(csv, []byte(list), 0o644)
	os.WriteFile(val, []byte(list), 0o644)
	for _, tc := range []struct {
		args []string
		out  string
		want string
	}{
		{[]string{data, "-m", base}, base, "is the base model -m " + base},
		{[]string{csv, "-m", base}, csv, "is DATA " + csv},
		{[]string{data, "-m", base, "--val", val}, val, "is --val " + val},
	} {
		before, _ := os.ReadFile(tc.out)
		args := append([]string{"finetune", "--train", "head", "--epochs", "1", "--out", tc.out}, tc.args...)
		code, _, errs := run(t, "", args...)
		if code != ExitUsage || !strings.Contains(errs, "--out "+tc.out+": "+tc.want+"; writing it would overwrite that file: give another name") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errs, tc.want)
		}
		if after, _ := os.ReadFile(tc.out); string(after) != string(before) {
			t.Errorf("%v: %s was overwritten", tc.args, tc.out)
		}
	}
}

// TestFinetuneResumeNamesKeptEpoch: after --resume the summary names the
// epoch the model file holds. Ties go to the later epoch, as in training
// (here without a validation set every epoch ties, so the last is kept);
// the resumed run named the earliest of the tied epochs. Without a
// validation set val_accuracy is null in the JSON summary (it was -1).
func TestFinetuneResumeNamesKeptEpoch(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	out := filepath.Join(t.TempDir(), "r.gguf")
	args := []string{"finetune", data, "-m", base, "--out", out, "--train", "head", "--epochs", "2", "--val-split", "0", "--threads", "2"}
	for _, tc := range []struct {
		extra []string
		want  string
	}{
		{nil, "wrote " + out + ": epoch 2, no validation set"},
		{[]string{"--resume"}, out + ": epoch 2, no validation set"},
		{[]string{"--resume", "-o", "json"}, `"best": {
    "epoch": 2,
    "train_loss": `},
		{[]string{"--resume", "-o", "json"}, `"val_accuracy": null,
    "val_loss": null,
    "best": true
  },
  "epochs": [`},
	} {
		code, stdout, errs := run(t, "", append(args, tc.extra...)...)
		if code != 0 || !strings.Contains(stdout, tc.want) || strings.Contains(stdout, `"val_accuracy": -1`) {
			t.Errorf("%v: exit %d, stdout %q; want %q\n%s", tc.extra, code, stdout, tc.want, errs)
		}
	}
	f, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if e, _ := f.Int(keyFTEpoch); e != 2 {
		t.Errorf("%s holds epoch %d, want 2", out, e)
	}
}

// TestFinetuneReadHistory: --resume reads the epochs of OUT.ckpt, those of
// older files too, whose −1 meant "no validation set" (and would print as
// "val top-1 -100.00 %"); an accuracy of 0 is one.
func TestFinetuneReadHistory(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []float64 // -1: nil
	}{
		{`[{"epoch":1,"train_loss":0.5,"val_accuracy":-1,"best":true}]`, []float64{-1}},
		{`[{"epoch":1,"train_loss":0.5,"val_accuracy":null,"best":true},{"epoch":2,"train_loss":0.4,"best":true}]`, []float64{-1, -1}},
		{`[{"epoch":1,"train_loss":0.5,"val_accuracy":0,"best":true},{"epoch":2,"train_loss":0.4,"val_accuracy":0.75,"best":true}]`, []float64{0, 0.75}},
	} {
		hist, err := readHistory(tc.in)
		if err != nil || len(hist) != len(tc.want) {
			t.Fatalf("%s: %v, %v", tc.in, hist, err)
		}
		for i, h := range hist {
			if got := h.ValAcc; (got == nil) != (tc.want[i] < 0) || got != nil && *got != tc.want[i] {
				t.Errorf("%s: epoch %d: val_accuracy %v, want %v (-1: nil)", tc.in, h.Epoch, got, tc.want[i])
			}
		}
		if h := hist[0]; accText(h) == "val top-1 -100.00 %" {
			t.Errorf("%s: %q", tc.in, accText(h))
		}
	}
}

// TestFinetuneEmptyClassFolder: a class folder without images is named in
// a warning, by finetune (DATA's: it gives no label; --val's) and eval,
// and the run goes on; it used to be dropped without a word, the model
// getting fewer labels than DATA has folders. One in --val or eval's DATA
// that is no class is said to be none (it was said to leave "nothing of
// that class validated").
func TestFinetuneEmptyClassFolder(t *testing.T) {
	base, data, val := fashionGGUF(t), fashionTree(t), fashionTree(t)
	os.Mkdir(filepath.Join(data, "tulip"), 0o755)
	os.Mkdir(filepath.Join(data, ".thumbnails"), 0o755) // hidden: no class, no warning
	os.RemoveAll(filepath.Join(val, "shoes"))
	os.Mkdir(filepath.Join(val, "shoes"), 0o755)
	os.Mkdir(filepath.Join(val, "hats"), 0o755) // no class of DATA, nor of the model
	out := filepath.Join(t.TempDir(), "ft.gguf")
	for _, tc := range []struct {
		args, want []string
	}{
		{[]string{"finetune", data, "-m", base, "--out", out, "--val", val, "--train", "head", "--epochs", "1", "--threads", "2"}, []string{
			"vitctl: warning: " + filepath.Join(data, "tulip") + ": no images; not a class\n",
			"vitctl: warning: " + filepath.Join(val, "shoes") + ": no images; nothing of that class validated\n",
			"vitctl: warning: " + filepath.Join(val, "hats") + `: no images; a folder in --val that is not one of the training classes ("bags", "clothes", "shoes")` + "\n",
		}},
		{[]string{"eval", "-m", out, val, "--threads", "2"}, []string{
			"vitctl: warning: " + filepath.Join(val, "shoes") + ": no images; nothing of that class measured\n",
			"vitctl: warning: " + filepath.Join(val, "hats") + ": no images; a folder in DATA that is not one of the model's labels\n",
		}},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != 0 || strings.Count(errs, "warning") != len(tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 0 and %d warnings", tc.args[0], code, errs, len(tc.want))
		}
		for _, w := range tc.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%s: stderr %q lacks %q", tc.args[0], errs, w)
			}
		}
	}
	f, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if labels, _ := f.Strings(model.KeyLabels); strings.Join(labels, ",") != "bags,clothes,shoes" {
		t.Errorf("labels %v, want bags,clothes,shoes", labels)
	}
}

// TestFinetuneResumeDone: --resume of a run whose epochs are all done says
// so and writes nothing: OUT, OUT.ckpt and the plot keep their bytes and
// times. It used to print "resuming after epoch 2 of 2", compute the
// features again and say "wrote OUT". Without OUT it is an error.
func TestFinetuneResumeDone(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	dir := t.TempDir()
	out, plot := filepath.Join(dir, "d.gguf"), filepath.Join(dir, "curve.png")
	args := []string{"finetune", data, "-m", base, "--out", out, "--train", "head", "--epochs", "2", "--batch", "8", "--threads", "2", "--plot", plot}
	if code, _, errs := run(t, "", args...); code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	type state struct {
		b   string
		mod int64
	}
	snapshot := func() map[string]state {
		m := map[string]state{}
		for _, p := range []string{out, out + ".ckpt", plot} {
			b, err := os.ReadFile(p)
			st, err2 := os.Stat(p)
			if err != nil || err2 != nil {
				t.Fatal(err, err2)
			}
			m[p] = state{string(b), st.ModTime().UnixNano()}
		}
		return m
	}
	before := snapshot()
	for _, tc := range []struct {
		extra  []string
		stdout string // a part of it
	}{
		{nil, out + ": epoch 2, val top-1 "},
		{[]string{"-o", "json"}, `"best": {
    "epoch": 2,`},
	} {
		code, stdout, errs := run(t, "", append(append(args, "--resume"), tc.extra...)...)
		want := "vitctl: " + out + ".ckpt: all 2 epochs are already done; " + out + " is the result; nothing to do\n"
		if code != 0 || errs != want || !strings.Contains(stdout, tc.stdout) || strings.Contains(stdout, "wrote") {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 0, stderr %q and stdout with %q", tc.extra, code, errs, stdout, want, tc.stdout)
		}
		for p, s := range snapshot() {
			if s != before[p] {
				t.Errorf("%v: %s was written again", tc.extra, p)
			}
		}
	}
	os.Remove(out)
	code, _, errs := run(t, "", append(args, "--resume")...)
	if want := "vitctl: --resume: " + out + ".ckpt: all 2 epochs are done, but " + out + ", the model kept, is missing (no such file or directory): run without --resume to train again\n"; code != ExitFailed || errs != want {
		t.Errorf("without OUT: exit %d, stderr %q; want exit 1 and %q", code, errs, want)
	}
}

// TestFinetuneEpochLinesOnce: each epoch is printed once, on stderr as it
// ends; text stdout is the result, one line. Each epoch's line was on
// both, so a terminal showed it twice. -o json still lists the epochs.
func TestFinetuneEpochLinesOnce(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	out := filepath.Join(t.TempDir(), "e.gguf")
	args := []string{"finetune", data, "-m", base, "--out", out, "--train", "head", "--epochs", "3", "--batch", "8", "--threads", "2"}
	for _, format := range []string{"text", "json"} {
		code, stdout, errs := run(t, "", append(args, "-o", format)...)
		if code != 0 {
			t.Fatalf("-o %s: exit %d\n%s", format, code, errs)
		}
		for e := 1; e <= 3; e++ {
			line := regexp.MustCompile(fmt.Sprintf(`(?m)^(vitctl: )?epoch +%d\b.*train loss`, e))
			if n := len(line.FindAllString(stdout+errs, -1)); n != 1 || !strings.Contains(errs, fmt.Sprintf("vitctl: epoch %d/3: train loss ", e)) {
				t.Errorf("-o %s: epoch %d printed %d times, want once, on stderr:\nstdout:\n%s\nstderr:\n%s", format, e, n, stdout, errs)
			}
		}
		switch format {
		case "text":
			if !strings.HasPrefix(stdout, "wrote "+out+": epoch ") || strings.Count(stdout, "\n") != 1 {
				t.Errorf("-o text: stdout %q: want the one line \"wrote %s: epoch …\"", stdout, out)
			}
		case "json":
			var sum struct{ Epochs []json.RawMessage }
			if err := json.Unmarshal([]byte(stdout), &sum); err != nil || len(sum.Epochs) != 3 {
				t.Errorf("-o json: %v, %d epochs:\n%s", err, len(sum.Epochs), stdout)
			}
		}
	}
}

// TestFinetuneFewStepsNote: a run of fewer than 30 optimizer steps (epochs
// × batches per epoch) says so on stderr before training, with the
// --epochs that makes 30 and, unless it trains the head already,
// --train head for a quick look; it started without a word and ended
// near chance.
func TestFinetuneFewStepsNote(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t) // 24 training images, 6 held out
	out := filepath.Join(t.TempDir(), "n.gguf")
	for _, tc := range []struct {
		args []string
		want string // "": no note
	}{
		{[]string{"--train", "last:1", "--epochs", "1", "--batch", "16"},
			"vitctl: note: 1 epoch of 24 training images at batch 16 is only 2 optimizer steps, too few to learn much: give more --epochs (--epochs 15 makes 30), or --train head for a quick look\n"},
		{[]string{"--train", "head", "--epochs", "2", "--batch", "7"},
			"vitctl: note: 2 epochs of 24 training images at batch 7 are only 8 optimizer steps, too few to learn much: give more --epochs (--epochs 8 makes 32)\n"},
		{[]string{"--train", "head", "--epochs", "10", "--batch", "8"}, ""}, // 30 steps
	} {
		code, _, errs := run(t, "", append([]string{"finetune", data, "-m", base, "--out", out, "--threads", "2"}, tc.args...)...)
		note := regexp.MustCompile(`(?m)^vitctl: note: \d+ epochs? of .*\n`).FindString(errs)
		if code != 0 || note != tc.want {
			t.Errorf("%v: exit %d, note %q; want %q", tc.args, code, note, tc.want)
		}
		if tc.want != "" && strings.Index(errs, note) > strings.Index(errs, "vitctl: step 1/") {
			t.Errorf("%v: the note comes after training started:\n%s", tc.args, errs)
		}
	}
}

// TestFinetuneValidationNote: the line that starts a run says what it
// validates on; with --val-split 0 it said "(and 0 for validation)".
func TestFinetuneValidationNote(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t) // 30 images
	out := filepath.Join(t.TempDir(), "v.gguf")
	for _, tc := range []struct {
		split, want string
	}{
		{"0", " on 30 training images, 3 classes (no validation set): "},
		{"0.2", " on 24 training images, 3 classes (and 6 for validation): "},
	} {
		code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--train", "head", "--epochs", "1",
			"--threads", "2", "--val-split", tc.split)
		if line := regexp.MustCompile(`vitctl: fine-tuning .*`).FindString(errs); code != 0 || !strings.Contains(line, tc.want) {
			t.Errorf("--val-split %s: exit %d, %q; want it to contain %q", tc.split, code, line, tc.want)
		}
	}
}

// TestFinetuneSaysWhatRuns: without a terminal, finetune says what it
// starts before the seconds of its first step: the frozen features of
// --train head, the optimizer steps otherwise (it printed nothing until
// the first progress line, ~8 s on 100 photos). A terminal gets its bar at
// 0 instead. The steps' sizes are those the run makes: of 30 images at
// --batch 8 the last step has 6 (it said "4 optimizer steps of 8 images").
// The features' note names its set, training or validation (both said
// "computing the features of N images").
func TestFinetuneSaysWhatRuns(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	for _, tc := range []struct {
		train, batch string
		note         string
	}{
		{"head", "8", "vitctl: computing the features of the 30 training images with the frozen model, once\n"},
		{"last:1", "8", "vitctl: training 4 optimizer steps (4 an epoch: 3 of 8 images, then 1 of 6 images), a line each step\n"},
		{"all", "8", "vitctl: training 4 optimizer steps (4 an epoch: 3 of 8 images, then 1 of 6 images), a line each step\n"},
		{"all", "10", "vitctl: training 3 optimizer steps of 10 images (3 an epoch), a line each step\n"},
		{"all", "32", "vitctl: training 1 optimizer step of 30 images (1 an epoch), a line each step\n"},
	} {
		out := filepath.Join(t.TempDir(), "ft.gguf")
		code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--val-split", "0", "--train", tc.train,
			"--epochs", "1", "--batch", tc.batch, "--threads", "2")
		note, step := strings.Index(errs, tc.note), strings.Index(errs, "vitctl: step 1/")
		if code != 0 || note < 0 || step < note || strings.Count(errs, tc.note) != 1 {
			t.Errorf("--train %s --batch %s: exit %d; want %q once, before the first step:\n%s", tc.train, tc.batch, code, tc.note, errs)
		}
	}
	code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", filepath.Join(t.TempDir(), "ft.gguf"), "--val-split", "0.2", "--train", "head",
		"--epochs", "1", "--threads", "2")
	want := "vitctl: computing the features of the 24 training images with the frozen model, once\n" +
		"vitctl: computing the features of the 6 validation images with the frozen model, once\n"
	if code != 0 || !strings.Contains(errs, want) {
		t.Errorf("--train head --val-split 0.2: exit %d; want\n%s\n%s", code, want, errs)
	}
}

// TestFinetuneValClasses: a --val set with classes DATA lacks names them,
// as class folders in a folder, and those of DATA's it lacks besides (a
// class spelt otherwise); it said "--val: val: val/hats/1.png: 2 labels
// (…) are not among …", naming one file and "val" twice. A --val set
// without some class of DATA trains, with a note that the validation
// accuracy leaves it out.
func TestFinetuneValClasses(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	extra, renamed, lacking := fashionTree(t), fashionTree(t), fashionTree(t)
	os.Rename(filepath.Join(extra, "bags"), filepath.Join(extra, "hats"))
	os.Mkdir(filepath.Join(extra, "bags"), 0o755)
	os.Symlink(filepath.Join(extra, "hats", "0031_bag.png"), filepath.Join(extra, "bags", "1.png"))
	os.Rename(filepath.Join(renamed, "shoes"), filepath.Join(renamed, "shoe"))
	os.RemoveAll(filepath.Join(lacking, "clothes"))
	list := filepath.Join(t.TempDir(), "val.csv")
	os.WriteFile(list, []byte("path,label\n1.png,bag\n"), 0o644)
	classes := `("bags", "clothes", "shoes")`
	for _, tc := range []struct {
		val, want string
		code      int
	}{
		{extra, fmt.Sprintf(`vitctl: --val %[1]s: class folder %[1]s/hats is not a class of DATA %[2]s %[3]s: a validation set has the training set's classes: move that folder out of %[1]s, or add that class to %[2]s`+"\n", extra, data, classes), ExitFailed},
		{renamed, fmt.Sprintf(`vitctl: --val %[1]s: class folder %[1]s/shoe is not a class of DATA %[2]s %[3]s, and %[1]s has no image of "shoes": a validation set`, renamed, data, classes), ExitFailed},
		{list, fmt.Sprintf(`vitctl: --val %[1]s: label "bag" (the first at %[2]s) is not a class of DATA %[3]s %[4]s, and %[1]s has no image of "bags", "clothes", "shoes": a validation set has the training set's classes: relabel or remove those images, or add that class to %[3]s`+"\n",
			list, list+":2: "+filepath.Join(filepath.Dir(list), "1.png"), data, classes), ExitFailed},
		{lacking, fmt.Sprintf("vitctl: note: class \"clothes\": --val %s has no image of it; the validation accuracy leaves the class out\n", lacking), ExitOK},
	} {
		out := filepath.Join(t.TempDir(), "v.gguf")
		code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--val", tc.val, "--train", "head", "--epochs", "1", "--threads", "2")
		if code != tc.code || !strings.Contains(errs, tc.want) || (code != 0 && !strings.HasPrefix(errs, tc.want[:20])) {
			t.Errorf("--val %s: exit %d, stderr %q; want exit %d and %q", tc.val, code, errs, tc.code, tc.want)
		}
	}
}

// TestFinetuneClassNotes: a class of fewer than 10 images trains with a
// note naming it, its count and its folder, and one that the validation
// split holds out nothing of says that the validation accuracy leaves it
// out, both as training starts (it trained without a word). A class of one
// image stays in training whatever the seed.
func TestFinetuneClassNotes(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t) // bags 3, clothes 18, shoes 9
	one := fashionTree(t)
	bags, _ := filepath.Glob(filepath.Join(one, "bags", "*.png"))
	for _, b := range bags[1:] {
		os.Remove(b)
	}
	few := func(dir, class string, n int, rest string) string {
		return fmt.Sprintf("vitctl: note: class %q: only %d images (%s), too few to learn it well%s\n", class, n, filepath.Join(dir, class), rest)
	}
	for _, tc := range []struct {
		data  string
		args  []string
		train int // training images
		notes []string
	}{
		{data, []string{"--val-split", "0"}, 30, []string{few(data, "bags", 3, ": give it 10 or more"), few(data, "shoes", 9, ": give it 10 or more")}},
		{data, nil, 24, []string{few(data, "bags", 3, ": give it 10 or more"),
			few(data, "shoes", 9, ", and too few for --val-split 0.2 to hold one out for sure (1.8 on average; this split held out none; --val DIR chooses validation images): give it 10 or more; the validation accuracy leaves the class out")}},
		// Seed 2 holds the bag out: Python's split trains on 23 images, no bag among them.
		{one, []string{"--seed", "2"}, 24, []string{
			fmt.Sprintf("vitctl: note: class \"bags\": only 1 image (%s), too few to learn it well, and too few to hold any out for validation (--val-split 0.2 would hold it out and leave none to learn it from, so it stays for training; --val DIR chooses validation images): give it 10 or more; the validation accuracy leaves the class out\n", filepath.Join(one, "bags")),
			few(one, "shoes", 9, ": give it 10 or more")}},
	} {
		out := filepath.Join(t.TempDir(), "n.gguf")
		code, stdout, errs := run(t, "", append([]string{"finetune", tc.data, "-m", base, "--out", out, "--train", "head", "--epochs", "1", "--threads", "2", "-o", "json"}, tc.args...)...)
		notes := regexp.MustCompile(`(?m)^vitctl: note: class .*\n`).FindAllString(errs, -1)
		if code != 0 || !slices.Equal(notes, tc.notes) {
			t.Errorf("%v: exit %d, notes %q; want %q", tc.args, code, notes, tc.notes)
		}
		if start := strings.Index(errs, "vitctl: fine-tuning "); len(notes) > 0 && strings.Index(errs, notes[0]) < start {
			t.Errorf("%v: the notes come before the line that starts training:\n%s", tc.args, errs)
		}
		var sum struct {
			TrainImages int `json:"train_images"`
		}
		if err := json.Unmarshal([]byte(stdout), &sum); err != nil || sum.TrainImages != tc.train {
			t.Errorf("%v: %d training images (%v), want %d", tc.args, sum.TrainImages, err, tc.train)
		}
	}
}

// TestNoteClasses: each clause of the notes on classes, a list's DATA
// named as such.
func TestNoteClasses(t *testing.T) {
	ds := func(counts ...int) *train.Dataset {
		d := &train.Dataset{Labels: []string{"a", "b", "c"}}
		for c, n := range counts {
			for range n {
				d.Examples = append(d.Examples, train.Example{Label: c})
			}
		}
		return d
	}
	split := &finetuneOptions{valSplit: 0.2}
	val := &finetuneOptions{val: "v"}
	for _, tc := range []struct {
		name     string
		all, val *train.Dataset
		why      func(c, n int, few bool) string
		want     string
	}{
		{"enough", ds(10, 20, 30), ds(2, 4, 6), split.splitUnvalidated(nil), ""},
		{"no validation set", ds(10, 2, 30), nil, nil, `vitctl: note: class "b": only 2 images (in l.csv), too few to learn it well: give it 10 or more` + "\n"},
		{"none held out", ds(10, 20, 30), ds(2, 0, 6), split.splitUnvalidated(nil),
			`vitctl: note: class "b": --val-split 0.2 held out none of its 20 images (--val DIR chooses them); the validation accuracy leaves the class out` + "\n"},
		{"kept", ds(10, 20, 30), ds(2, 0, 6), split.splitUnvalidated([]int{1}),
			`vitctl: note: class "b": --val-split 0.2 would hold out all its 20 images and leave none to learn it from: they all stay for training; the validation accuracy leaves the class out` + "\n"},
		// A small class: why none is held out, and what to do.
		{"few, none held out", ds(10, 3, 30), ds(2, 0, 6), split.splitUnvalidated(nil),
			`vitctl: note: class "b": only 3 images (in l.csv), too few to learn it well, and too few for --val-split 0.2 to hold one out for sure (0.6 on average; this split held out none; --val DIR chooses validation images): give it 10 or more; the validation accuracy leaves the class out` + "\n"},
		{"few, kept", ds(10, 2, 30), ds(2, 0, 6), split.splitUnvalidated([]int{1}),
			`vitctl: note: class "b": only 2 images (in l.csv), too few to learn it well, and too few to hold any out for validation (--val-split 0.2 would hold both out and leave none to learn it from, so they stay for training; --val DIR chooses validation images): give it 10 or more; the validation accuracy leaves the class out` + "\n"},
		{"--val", ds(10, 20, 1), ds(2, 4, 0), val.valUnvalidated,
			`vitctl: note: class "c": only 1 image (in l.csv), too few to learn it well, and --val v has none: give it 10 or more; the validation accuracy leaves the class out` + "\n"},
	} {
		var b strings.Builder
		noteClasses(&b, "l.csv", tc.all, tc.val, tc.why)
		if b.String() != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, b.String(), tc.want)
		}
	}
}

// TestFinetuneResumeOtherData: --resume with another validation set, or
// DATA of other images or classes, is refused as another recipe is (exit
// 2, naming what differs); it went on with the new data (or, every epoch
// done, called the old result this run's) without a word.
func TestFinetuneResumeOtherData(t *testing.T) {
	base, data, other, val := fashionGGUF(t), fashionTree(t), fashionTree(t), fashionTree(t)
	os.Rename(filepath.Join(other, "bags"), filepath.Join(other, "bag"))
	out := filepath.Join(t.TempDir(), "r.gguf")
	args := []string{"finetune", "-m", base, "--out", out, "--train", "head", "--epochs", "1", "--threads", "2"}
	if code, _, errs := run(t, "", append(args, data)...); code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	ck := out + ".ckpt"
	for _, tc := range []struct {
		extra []string
		want  string
	}{
		{[]string{data, "--val-split", "0"}, ck + " was made with --val-split 0.2 (24 training images), and this run has --val-split 0 (30 training images): give the same DATA and validation to continue it, or another --out to start a new run"},
		{[]string{data, "--val", val}, ck + " was made with --val-split 0.2 (24 training images), and this run has --val " + val + " (30 training images): "},
		{[]string{other}, ck + ` was made for the classes "bags", "clothes", "shoes", and DATA ` + other + ` has "bag", "clothes", "shoes": give the same DATA to continue it, or another --out to start a new run`},
	} {
		code, _, errs := run(t, "", append(append(args, "--resume"), tc.extra...)...)
		if code != ExitUsage || !strings.HasPrefix(errs, "vitctl: --resume: "+tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line %q", tc.extra, code, errs, tc.want)
		}
	}
}

// TestFinetuneInterrupted: an interrupted run says once, in the line that
// ends it, in which epoch it stopped and what it leaves: nothing before an
// epoch ended (it said "interrupted" alone), else the best model so far
// and where --resume continues (it said "interrupted" twice).
func TestFinetuneInterrupted(t *testing.T) {
	acc := 0.5
	best := &train.EpochInfo{Epoch: 2, ValAcc: &acc}
	for _, tc := range []struct {
		name   string
		best   *train.EpochInfo
		saved  int
		resume *train.Checkpoint
		want   string
	}{
		{"first epoch", nil, 0, nil, "vitctl: interrupted in epoch 1 of 6, before it ended: nothing written (m.gguf is written as each epoch ends)\n"},
		{"after epoch 3", best, 3, nil, "vitctl: interrupted in epoch 4 of 6: m.gguf holds the best model so far (epoch 2), and --resume continues after epoch 3 (m.gguf.ckpt)\n"},
		{"resumed", best, 0, &train.Checkpoint{Epoch: 4}, "vitctl: interrupted in epoch 5 of 6: m.gguf holds the best model so far (epoch 2), and --resume continues after epoch 4 (m.gguf.ckpt)\n"},
		{"before its checkpoint", &train.EpochInfo{Epoch: 1}, 0, nil, "vitctl: interrupted in epoch 1 of 6: m.gguf holds the best model so far (epoch 1)\n"},
	} {
		j := &finetuneJob{o: &finetuneOptions{out: "m.gguf"}, r: train.Recipe{Epochs: 6}, best: tc.best, saved: tc.saved, resume: tc.resume}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var b strings.Builder
		if code := exitCode(ctx, j.interrupted(), &b); code != ExitInterrupted || b.String() != tc.want {
			t.Errorf("%s: exit %d, %q; want 130 and %q", tc.name, code, b.String(), tc.want)
		}
	}
}

// TestFinetuneResumedLines: a run resumed with fewer than ten steps left
// says "a line each step" and prints each; its lines were every 10 % of
// the whole run's steps, so a resume after epoch 1 of 3 (steps 5 to 12)
// skipped step 7. A run not resumed prints every 10 % of its steps.
func TestFinetuneResumedLines(t *testing.T) {
	for _, tc := range []struct {
		name   string
		resume *train.Checkpoint
		epochs int
		note   string
		want   []int
	}{
		{"resumed", &train.Checkpoint{Epoch: 1, Step: 4}, 3, "training 8 optimizer steps (4 an epoch: 3 of 8 images, then 1 of 5 images), a line each step", []int{5, 6, 7, 8, 9, 10, 11, 12}},
		{"from the start", nil, 3, "training 12 optimizer steps (4 an epoch: 3 of 8 images, then 1 of 5 images), a line every 10 %", []int{2, 3, 4, 5, 6, 8, 9, 10, 11, 12}},
		{"resumed, many left", &train.Checkpoint{Epoch: 1, Step: 4}, 6, "training 20 optimizer steps (4 an epoch: 3 of 8 images, then 1 of 5 images), a line every 10 %", []int{6, 8, 10, 12, 14, 16, 18, 20, 22, 24}},
	} {
		var b strings.Builder
		j := &finetuneJob{s: streams{err: &b}, r: train.Recipe{Train: "all", Epochs: tc.epochs, Batch: 8},
			train: &train.Dataset{Examples: make([]train.Example, 29)}, resume: tc.resume, bar: &progress{w: &b}}
		j.startSteps()
		first := 1
		if tc.resume != nil {
			first = tc.resume.Step + 1
		}
		for s := first; s <= 4*tc.epochs; s++ {
			j.step(train.StepInfo{Epoch: (s + 3) / 4, Step: s, Steps: 4 * tc.epochs, Images: 8})
		}
		var got []int
		for _, m := range regexp.MustCompile(`vitctl: step (\d+)/`).FindAllStringSubmatch(b.String(), -1) {
			n, _ := strconv.Atoi(m[1])
			got = append(got, n)
		}
		if !strings.Contains(b.String(), tc.note) || !slices.Equal(got, tc.want) {
			t.Errorf("%s: steps printed %v, want %v, after %q:\n%s", tc.name, got, tc.want, tc.note, b.String())
		}
	}
}

// TestFinetuneLinesAMinute: without a terminal, the progress lines come
// every 10 % of the steps and at least once a minute, as the other
// commands' count does: a run of 50 steps of 25 s each printed a line
// every 125 s (a run of ten hours, one an hour); one whose steps take a
// second prints only the tenths. The features of a validation set too
// small for tenths (under 200 images) get a line a minute when slow.
func TestFinetuneLinesAMinute(t *testing.T) {
	for _, tc := range []struct {
		name string
		each time.Duration // a step's time
		want []int         // the steps printed
	}{
		{"slow", 25 * time.Second, []int{3, 5, 8, 10, 13, 15, 18, 20, 23, 25, 28, 30, 33, 35, 38, 40, 43, 45, 48, 50}},
		{"fast", time.Second, []int{5, 10, 15, 20, 25, 30, 35, 40, 45, 50}},
	} {
		var b strings.Builder
		clock := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
		j := &finetuneJob{s: streams{err: &b}, r: train.Recipe{Train: "all", Epochs: 1, Batch: 8},
			train: &train.Dataset{Examples: make([]train.Example, 400)}, bar: &progress{w: &b},
			now: func() time.Time { return clock }}
		j.startSteps()
		for s := 1; s <= 50; s++ {
			clock = clock.Add(tc.each)
			j.step(train.StepInfo{Epoch: 1, Step: s, Steps: 50, Images: 8})
		}
		var got []int
		for _, m := range regexp.MustCompile(`vitctl: step (\d+)/50, epoch 1, loss .*, lr .*`).FindAllStringSubmatch(b.String(), -1) {
			n, _ := strconv.Atoi(m[1])
			got = append(got, n)
		}
		note := "vitctl: training 50 optimizer steps of 8 images (50 an epoch), a line every 10 % and at least once a minute\n"
		if !strings.HasPrefix(b.String(), note) || !slices.Equal(got, tc.want) {
			t.Errorf("%s: steps printed %v, want %v, after %q:\n%s", tc.name, got, tc.want, note, b.String())
		}
	}
	var b strings.Builder
	clock := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	j := &finetuneJob{s: streams{err: &b}, r: train.Recipe{Train: "all", Epochs: 1, Batch: 10}, bar: &progress{w: &b},
		start: clock, lined: clock, now: func() time.Time { return clock }}
	for done := 10; done <= 100; done += 10 {
		clock = clock.Add(25 * time.Second)
		j.features(true, done, 100)
	}
	want := "vitctl: validation features 30/100 (1m15s)\nvitctl: validation features 60/100 (2m30s)\nvitctl: validation features 90/100 (3m45s)\n"
	if b.String() != want {
		t.Errorf("features lines %q, want %q", b.String(), want)
	}
}

// TestFinetuneRateAfterEpoch: the first progress line of an epoch gives
// the rate of its steps, not of the validation and saves of the epoch
// before (the line after a validation of an hour said "0.0 img/s").
func TestFinetuneRateAfterEpoch(t *testing.T) {
	var b strings.Builder
	j := &finetuneJob{s: streams{err: &b}, r: train.Recipe{Train: "all", Epochs: 2, Batch: 8},
		train: &train.Dataset{Examples: make([]train.Example, 16)}, bar: &progress{w: &b}}
	j.step(train.StepInfo{Epoch: 1, Step: 1, Steps: 4, Images: 8})
	j.step(train.StepInfo{Epoch: 1, Step: 2, Steps: 4, Images: 8})
	j.lastStep = j.lastStep.Add(-time.Hour) // the validation and saves took an hour
	j.epochEnded()
	b.Reset()
	j.step(train.StepInfo{Epoch: 2, Step: 3, Steps: 4, Images: 8})
	// A clock too coarse to time the step prints no rate: never the hour's.
	if line := b.String(); !strings.HasPrefix(line, "vitctl: step 3/4, ") || strings.Contains(line, " 0.0 img/s") {
		t.Errorf("first line of epoch 2: %q; want the rate of its step alone", line)
	}
}

// TestFinetuneBarAfterEpoch: on a terminal, the bar made at the first step
// of an epoch after the first (the one before was cleared for the epoch's
// line) gives the rate of the steps it saw take their time: made once that
// step was done, it counted the step as taking none, and said 1.0 step/s,
// 2s left, of steps of 2 s.
func TestFinetuneBarAfterEpoch(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	var b strings.Builder
	j := &finetuneJob{s: streams{err: &b}, r: train.Recipe{Train: "all", Epochs: 2, Batch: 8},
		train: &train.Dataset{Examples: make([]train.Example, 32)}, bar: &progress{w: &b},
		bars: func(n int, what, unit string) *progress {
			return newProgressOn(&b, true, n, what, unit, func() time.Time { return now })
		}}
	j.step(train.StepInfo{Epoch: 2, Step: 5, Steps: 8, Images: 8, Loss: 0.5})
	now = now.Add(2 * time.Second)
	j.step(train.StepInfo{Epoch: 2, Step: 6, Steps: 8, Images: 8, Loss: 0.4})
	if want := "(6/8) epoch 2 loss 0.400: 30.0 step/min, 4s left "; !strings.HasSuffix(b.String(), want) {
		t.Errorf("bar %q; want it ending %q", b.String(), want)
	}
}

// TestFinetuneModelMissing: -m naming a missing or damaged file names it
// once, as classify and eval do; finetune said "model m.gguf: open
// m.gguf: no such file or directory" and "model m.gguf: m.gguf: not a
// GGUF file".
func TestFinetuneModelMissing(t *testing.T) {
	dir, data := t.TempDir(), fashionTree(t)
	missing, bad := filepath.Join(dir, "missing.gguf"), filepath.Join(dir, "bad.gguf")
	os.WriteFile(bad, []byte("garbage, not a model"), 0o644)
	for _, tc := range []struct{ model, want string }{
		{missing, "vitctl: model " + missing + ": no such file or folder\n"},
		{bad, "vitctl: model " + bad + ": not a GGUF file (bad magic); convert the checkpoint with vitctl convert\n"},
	} {
		code, _, errs := run(t, "", "finetune", data, "-m", tc.model, "--out", filepath.Join(dir, "out.gguf"), "--train", "head", "--epochs", "1")
		if code != ExitFailed || errs != tc.want {
			t.Errorf("-m %s: exit %d, stderr %q; want exit 1 and %q", tc.model, code, errs, tc.want)
		}
	}
}

// TestFinetuneDiverged: a run whose loss stops being finite says what it
// leaves, as an interrupted one does (it said only "training diverged: …
// (a lower --lr may help)"), and removes OUT.ckpt: --resume from it
// diverges again, training being deterministic, and the rerun with a
// lower --lr was refused as one over an interrupted run's state.
func TestFinetuneDiverged(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	for _, tc := range []struct{ lr, want string }{
		{"1e7", "vitctl: training diverged: the loss of step N is NaN (a lower --lr may help): OUT holds the best model so far (epoch 1); OUT.ckpt is removed, since --resume from it would diverge again\n"},
		{"1e30", "vitctl: training diverged: the loss of step N is NaN (a lower --lr may help): nothing written (OUT is written as each epoch ends)\n"},
	} {
		out := filepath.Join(t.TempDir(), "d.gguf")
		args := []string{"finetune", data, "-m", base, "--out", out, "--train", "head", "--epochs", "3", "--batch", "8", "--threads", "2"}
		code, _, errs := run(t, "", append(args, "--lr", tc.lr)...)
		want := strings.ReplaceAll(tc.want, "OUT", out)
		// The step that blows up may differ with the kernels' summation order.
		errs = regexp.MustCompile(`the loss of step \d+ is`).ReplaceAllString(errs, "the loss of step N is")
		if code != ExitFailed || !strings.HasSuffix(errs, want) {
			t.Errorf("--lr %s: exit %d, stderr %q; want exit 1 ending %q", tc.lr, code, errs, want)
		}
		if _, err := os.Stat(out + ".ckpt"); err == nil {
			t.Errorf("--lr %s: %s.ckpt kept", tc.lr, out)
		}
		if code, _, errs := run(t, "", append(args, "--lr", "1e-2")...); code != 0 {
			t.Errorf("--lr %s, then --lr 1e-2: exit %d, stderr %q; want a new run", tc.lr, code, errs)
		}
	}
}

// TestFinetuneBackbone fine-tunes a model without a classifier (eval
// sends one there: "vitctl finetune -m BACKBONE trains one"), which
// failed with "tensor cls_head.weight is missing", then classifies with
// the result.
func TestFinetuneBackbone(t *testing.T) {
	dir, data := t.TempDir(), fashionTree(t)
	base, out := filepath.Join(dir, "bb.gguf"), filepath.Join(dir, "ft.gguf")
	if code, _, errs := run(t, "", "convert", "../../testdata/models/vit-p8-backbone", "--out", base); code != 0 {
		t.Fatalf("convert: exit %d\n%s", code, errs)
	}
	if code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--train", "head", "--epochs", "1", "--threads", "2"); code != 0 {
		t.Fatalf("finetune -m %s: exit %d\n%s", base, code, errs)
	}
	code, stdout, errs := run(t, "", "classify", "-m", out, "-k", "1", filepath.Join(data, "bags"))
	if code != 0 || !strings.Contains(stdout, "(class ") {
		t.Errorf("classify -m %s: exit %d\n%s%s", out, code, stdout, errs)
	}
}

// TestFinetuneKeepsUnfinishedCheckpoint: a run without --resume over
// OUT.ckpt of a run with epochs left is refused (it overwrote OUT.ckpt,
// and OUT, when its first epoch ended, and the interrupted run was lost);
// over a finished run's, or an unreadable one, it starts.
func TestFinetuneKeepsUnfinishedCheckpoint(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	ckpt := func(t *testing.T, path string, done int, recipe string) {
		w := gguf.NewWriter()
		w.AddString(keyFTRecipe, recipe)
		w.AddUint32(keyCkEpoch, uint32(done))
		if err := w.AddTensor("pos_embd", []int{1}, gguf.F32); err != nil {
			t.Fatal(err)
		}
		if err := w.WriteFile(path, func(_ gguf.TensorInfo, dst io.Writer) error { _, err := dst.Write(make([]byte, 4)); return err }); err != nil {
			t.Fatal(err)
		}
	}
	const recipe = "train=head epochs=3 batch=8 lr=0.01 weight_decay=0.05 label_smoothing=0.1 schedule=onecycle(warmup=0.1) augment=false seed=0"
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, path string)
		code  int
		errs  string // stderr's first line, where code is not 0
	}{
		{"interrupted after epoch 1 of 3", func(t *testing.T, p string) { ckpt(t, p, 1, recipe) }, ExitUsage,
			"vitctl: --out OUT: OUT.ckpt holds a run interrupted after epoch 1 of 3: give --resume and that run's recipe (" + recipe + ") to continue it, or remove OUT.ckpt or give another --out to start a new run\n"},
		{"finished", func(t *testing.T, p string) { ckpt(t, p, 3, recipe) }, ExitOK, ""},
		{"not a checkpoint", func(t *testing.T, p string) { os.WriteFile(p, []byte("junk"), 0o644) }, ExitOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "m.gguf")
			tc.write(t, out+".ckpt")
			before, _ := os.ReadFile(out + ".ckpt")
			code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--train", "head", "--epochs", "1", "--threads", "2")
			if want := strings.ReplaceAll(tc.errs, "OUT", out); code != tc.code || (code != ExitOK && errs != want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit %d and %q", code, errs, tc.code, want)
			}
			after, _ := os.ReadFile(out + ".ckpt")
			if kept := string(after) == string(before); kept != (code != ExitOK) {
				t.Errorf("exit %d: OUT.ckpt kept %v", code, kept)
			}
		})
	}
}

// TestFinetuneValSharesTraining: a --val set holding training images
// (--val DATA, or a folder of copies of some of them) is noted before
// training: its accuracy measured what was learnt, and it said nothing.
func TestFinetuneValSharesTraining(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t) // 30 images
	copies, other := t.TempDir(), t.TempDir()
	for _, class := range []string{"bags", "shoes"} {
		os.MkdirAll(filepath.Join(copies, class), 0o755)
		os.MkdirAll(filepath.Join(other, class), 0o755)
		ents, _ := os.ReadDir(filepath.Join(data, class))
		b, _ := os.ReadFile(filepath.Join(data, class, ents[0].Name()))
		os.WriteFile(filepath.Join(copies, class, "copy.png"), b, 0o644)                          // the same bytes: the same photo
		os.WriteFile(filepath.Join(other, class, "other.png"), append(b, "after IEND"...), 0o644) // other bytes, the same pixels
	}
	for _, tc := range []struct {
		name, val, want string
	}{
		{"DATA itself", data + string(filepath.Separator), "vitctl: note: --val " + data + string(filepath.Separator) + ": 30 of its 30 images are training images too: "},
		{"copies", copies, "vitctl: note: --val " + copies + ": 2 of its 2 images are training images too: "},
		{"other files", other, ""},
	} {
		out := filepath.Join(t.TempDir(), "v.gguf")
		code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--train", "head", "--epochs", "1", "--threads", "2", "--val", tc.val)
		if line := regexp.MustCompile(`vitctl: note: --val .*`).FindString(errs); code != 0 || !strings.HasPrefix(line, tc.want) || (tc.want == "") != (line == "") {
			t.Errorf("%s: exit %d, note %q; want %q", tc.name, code, line, tc.want)
		}
	}
}

// TestFinetuneStateNotAModel: OUT.ckpt, given where a model or a
// checkpoint goes, says it is finetune's training state and names OUT.
// -m took it for a timm checkpoint ("give -m ., its folder"), and convert
// asked for the config.json of one.
func TestFinetuneStateNotAModel(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "m.gguf")
	if code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--train", "head", "--epochs", "1", "--threads", "2"); code != 0 {
		t.Fatalf("finetune: exit %d\n%s", code, errs)
	}
	state := "finetune's training state for --resume (the last epoch's weights and AdamW moments)"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "-m", out + ".ckpt", data}, "vitctl: -m " + out + ".ckpt: " + state + ", not a model file: give -m " + out + ", the model the run kept\n"},
		{[]string{"eval", "-m", out + ".ckpt", data}, "vitctl: -m " + out + ".ckpt: " + state + ", not a model file: give -m " + out + ", the model the run kept\n"},
		{[]string{"convert", "--info", out + ".ckpt"}, "vitctl: " + out + ".ckpt: " + state + ", not a checkpoint to convert: " + out + " is the model the run kept, a model file already (convert --info " + out + " describes it)\n"},
		{[]string{"convert", out + ".ckpt", "--out", filepath.Join(dir, "c.gguf")}, "vitctl: " + out + ".ckpt: " + state + ", not a checkpoint to convert: " + out + " is the model the run kept, a model file already (convert --info " + out + " describes it)\n"},
	} {
		if code, _, errs := run(t, "", tc.args...); code != ExitFailed || errs != tc.want {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant exit 1 and:\n%s", tc.args, code, errs, tc.want)
		}
	}
}

// TestFinetuneMemoryHint: a run over --max-memory is told what makes it
// smaller; --train head was told to use --train head.
func TestFinetuneMemoryHint(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	out := filepath.Join(t.TempDir(), "m.gguf")
	for _, tc := range []struct{ train, want string }{
		{"head", "; use a smaller --batch, or raise --max-memory\n"},
		{"all", "; use a smaller --batch (or --train head), or raise --max-memory\n"},
	} {
		code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--train", tc.train, "--max-memory", "1K")
		if code != ExitUsage || !strings.HasPrefix(errs, "vitctl: fine-tuning "+tc.train+" at ") || !strings.HasSuffix(errs, tc.want) {
			t.Errorf("--train %s: exit %d, stderr %q; want exit 2 ending %q", tc.train, code, errs, tc.want)
		}
	}
}

// TestFinetuneLooseImages: images beside DATA's class folders have no
// class and are left out, with a warning naming them; they were left out
// without a word.
func TestFinetuneLooseImages(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	b, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(data, "boot.png"), b, 0o644)
	out := filepath.Join(t.TempDir(), "m.gguf")
	code, _, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--train", "head", "--epochs", "1", "--threads", "2")
	want := "vitctl: warning: " + data + `: left out 1 image outside the class folders ("boot.png"): it has no class; move it into ` + filepath.Join(data, "CLASS") + "\n"
	if code != 0 || !strings.Contains(errs, want) {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 0 and %q", code, errs, want)
	}
}

// TestFinetuneKeptText: an epoch line says "(best, saved)" only of an
// epoch with a higher validation accuracy, the tie of one with a lower
// loss, "(saved)" without a validation set, and nothing of an epoch not
// kept (it said "(best, saved)" of every tie).
func TestFinetuneKeptText(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	prev := &train.EpochInfo{Epoch: 2, ValAcc: f(0.5), ValLoss: f(1)}
	for _, tc := range []struct {
		name string
		e    train.EpochInfo
		best *train.EpochInfo
		want string
	}{
		{"first", train.EpochInfo{Epoch: 1, ValAcc: f(0.5), ValLoss: f(1), Best: true}, nil, " (best, saved)"},
		{"higher accuracy", train.EpochInfo{Epoch: 3, ValAcc: f(0.75), ValLoss: f(2), Best: true}, prev, " (best, saved)"},
		{"tie, lower loss", train.EpochInfo{Epoch: 3, ValAcc: f(0.5), ValLoss: f(0.5), Best: true}, prev, " (best: the top-1 of epoch 2, with a lower val loss; saved)"},
		{"tie, higher loss", train.EpochInfo{Epoch: 3, ValAcc: f(0.5), ValLoss: f(2)}, prev, ""},
		{"no validation set", train.EpochInfo{Epoch: 3, Best: true}, &train.EpochInfo{Epoch: 2, Best: true}, " (saved)"},
	} {
		if got := keptText(tc.e, tc.best); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestFinetuneValLossDigits: an epoch line prints its validation loss
// with 6 decimals, so that an epoch kept on a tie of accuracy for a lower
// loss does not print the loss of the epoch it beat (it printed 4: 0.2179
// and 0.2179); losses closer than that are printed in the note with the
// digits that tell them apart. -o json has them whole.
func TestFinetuneValLossDigits(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	for _, tc := range []struct {
		name       string
		loss, best float64
		line, kept string // the kept epoch's epochText and keptText
		bestLine   string // the beaten epoch's epochText
	}{
		{"apart at the 5th decimal", 0.21786, 0.21794,
			"val top-1 50.00 %, val loss 0.217860", " (best: the top-1 of epoch 2, with a lower val loss; saved)", "val top-1 50.00 %, val loss 0.217940"},
		{"apart at the 9th decimal", 0.217900001, 0.217900002,
			"val top-1 50.00 %, val loss 0.217900", " (best: the top-1 of epoch 2, with a lower val loss, 0.217900001 < 0.217900002; saved)", "val top-1 50.00 %, val loss 0.217900"},
	} {
		best := train.EpochInfo{Epoch: 2, ValAcc: f(0.5), ValLoss: f(tc.best), Best: true}
		e := train.EpochInfo{Epoch: 3, ValAcc: f(0.5), ValLoss: f(tc.loss), Best: true}
		if got, kept, bestLine := epochText(e), keptText(e, &best), epochText(best); got != tc.line || kept != tc.kept || bestLine != tc.bestLine {
			t.Errorf("%s: %q%q after %q\nwant %q%q after %q", tc.name, got, kept, bestLine, tc.line, tc.kept, tc.bestLine)
		}
	}
}

// TestFinetuneJSONNamesModels: finetune -o json names the base and the
// written model as classify's records do, each with its model_sha256, so
// a script can match them (base_model was "built-in model fashion-vit",
// and neither had a SHA-256).
func TestFinetuneJSONNamesModels(t *testing.T) {
	data := fashionTree(t)
	for _, base := range []string{"fashion-vit", fashionGGUF(t)} {
		out := filepath.Join(t.TempDir(), "ft.gguf")
		code, stdout, errs := run(t, "", "finetune", data, "-m", base, "--out", out, "--val-split", "0", "--train", "head",
			"--epochs", "1", "--threads", "1", "-o", "json")
		if code != 0 {
			t.Fatalf("-m %s: exit %d\n%s", base, code, errs)
		}
		var sum struct {
			Model           string `json:"model"`
			ModelSHA256     string `json:"model_sha256"`
			BaseModel       string `json:"base_model"`
			BaseModelSHA256 string `json:"base_model_sha256"`
		}
		if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
			t.Fatalf("-m %s: summary: %v\n%s", base, err, stdout)
		}
		for _, m := range []struct{ ref, name, sha string }{{base, sum.BaseModel, sum.BaseModelSHA256}, {out, sum.Model, sum.ModelSHA256}} {
			_, rec, errs := run(t, "", "classify", "-m", m.ref, "-o", "jsonl", "-k", "1", imagesDir+"/chelsea.png")
			var r record
			if err := json.Unmarshal([]byte(rec), &r); err != nil {
				t.Fatalf("classify -m %s: %v\n%s", m.ref, err, errs)
			}
			if m.name != r.Model || m.sha != r.ModelSHA256 {
				t.Errorf("-m %s: summary names %q (sha256 %q), classify's records %q (%q)", base, m.name, m.sha, r.Model, r.ModelSHA256)
			}
		}
	}
}

// TestFinetuneOutLink: with --out LINK, a link to a model file in another
// folder, OUT.ckpt goes beside that file, as the model does (it went
// beside the link, where --out OUT naming the file itself did not find
// it); --resume and the check for an unfinished run look for it there.
func TestFinetuneOutLink(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	models, err := filepath.EvalSymlinks(t.TempDir()) // the checkpoint's path, its links resolved
	if err != nil {
		t.Fatal(err)
	}
	links := t.TempDir()
	target, link := filepath.Join(models, "m.gguf"), filepath.Join(links, "m.gguf")
	if b, err := os.ReadFile(base); err != nil || os.WriteFile(target, b, 0o644) != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	args := []string{"finetune", data, "-m", base, "--out", link, "--train", "head", "--epochs", "1", "--threads", "2"}
	if code, _, errs := run(t, "", args...); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(target + ".ckpt"); err != nil {
		t.Errorf("no checkpoint beside the model file: %v", err)
	}
	if _, err := os.Lstat(link + ".ckpt"); err == nil {
		t.Errorf("a checkpoint beside the link")
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("--out %s is no longer a link: %v", link, err)
	}
	code, _, errs := run(t, "", append(args, "--resume")...)
	if want := "vitctl: " + target + ".ckpt: the 1 epoch is already done; " + link + " is the result; nothing to do\n"; code != ExitOK || errs != want {
		t.Errorf("--resume: exit %d, stderr %q; want exit 0 and %q", code, errs, want)
	}
	code, _, errs = run(t, "", append(args[:len(args)-4:len(args)-4], "--epochs", "2", "--threads", "2", "--resume")...)
	if want := "--resume: " + target + ".ckpt was made with epochs=1"; code != ExitUsage || !strings.Contains(errs, want) {
		t.Errorf("--resume --epochs 2: exit %d, stderr %q; want exit 2 and %q", code, errs, want)
	}
}

// TestFinetuneResumeDamaged: --resume of an OUT.ckpt cut short, empty or
// not a GGUF file says the run cannot be continued and to run without
// --resume, which starts (it said "copy or download it again, or re-run
// vitctl convert", of a file no conversion made).
func TestFinetuneResumeDamaged(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	const fix = "the run cannot be continued from it: run without --resume to train from the start, which replaces it"
	for _, tc := range []struct {
		name   string
		damage func(b []byte) []byte
		want   string // after "vitctl: --resume: OUT.ckpt: "
	}{
		{"empty", func([]byte) []byte { return nil }, "empty file (" + fix + ")\n"},
		{"not GGUF", func([]byte) []byte { return []byte("junk") }, "not a GGUF file (bad magic); " + fix + "\n"},
		{"header cut", func(b []byte) []byte { return b[:100] }, "(truncated or corrupt file: " + fix + ")\n"},
		{"data cut", func(b []byte) []byte { return b[:len(b)-10] }, "bytes (truncated? " + fix + ")\n"},
	} {
		out := filepath.Join(t.TempDir(), "m.gguf")
		args := []string{"finetune", data, "-m", base, "--out", out, "--train", "head", "--epochs", "1", "--val-split", "0", "--threads", "2"}
		if code, _, errs := run(t, "", args...); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		b, _ := os.ReadFile(out + ".ckpt")
		os.WriteFile(out+".ckpt", tc.damage(b), 0o644)
		code, _, errs := run(t, "", append(args, "--resume")...)
		if prefix := "vitctl: --resume: " + out + ".ckpt: "; code != ExitFailed || !strings.HasPrefix(errs, prefix) || !strings.HasSuffix(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and %q…%q", tc.name, code, errs, prefix, tc.want)
		}
		if code, _, errs := run(t, "", args...); code != ExitOK {
			t.Errorf("%s: without --resume: exit %d: %s", tc.name, code, errs)
		}
	}
}

// TestNoneReadWording: finetune's error of a set none of whose images
// could be read asks to fix the one image, or each of them, as eval's
// does, and for a validation set names what else to give.
func TestNoneReadWording(t *testing.T) {
	for _, tc := range []struct {
		e    train.NoneReadError
		val  string
		want string
	}{
		{train.NoneReadError{Tried: 1}, "", "no readable training images: the 1 training image could not be read (named above): fix or replace it"},
		{train.NoneReadError{Tried: 3, Validation: true}, "", "no readable validation images: none of the 3 validation images could be read (each is named above): fix or replace them, or give --val-split 0 to train without a validation set"},
		{train.NoneReadError{Tried: 1, Validation: true}, "v.csv", "no readable validation images: the 1 validation image could not be read (named above): fix or replace it, or give another --val than v.csv"},
	} {
		if got := noneRead(&tc.e, tc.val).Error(); got != tc.want {
			t.Errorf("%+v:\n got %s\nwant %s", tc.e, got, tc.want)
		}
	}
}
