package cli

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/zoo"
)

// TestDamagedModelFiles: a model file that is damaged or not one gets one
// line naming it once, saying what is wrong and what to do, from classify
// -m and from convert --info alike.
func TestDamagedModelFiles(t *testing.T) {
	z, _ := zoo.Lookup("fashion-vit")
	good := z.GGUF
	version := func(v uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[4:], v)
		return b
	}
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, tc := range []struct {
		name string
		body []byte
		want string // after "vitctl: model FILE: " (classify) or "vitctl: FILE: " (convert --info)
	}{
		// Named twice and told twice: "model m.gguf: model metadata:
		// m.gguf: metadata key … is missing (re-run vitctl convert)
		// (re-run vitctl convert)".
		{"no-labels.gguf", bytes.Replace(good, []byte("vit.labels"), []byte("vit.labelz"), 1),
			`model metadata: metadata key "vit.labels" is missing (re-run vitctl convert)`},
		{"v2.gguf", version(2), "GGUF version 2, older than the version 3 vitctl reads: convert the checkpoint again (vitctl convert)"},
		// A file of a newer vitctl was told to "re-run vitctl convert",
		// as if it were damaged.
		{"v4.gguf", version(4), "GGUF version 4, newer than the version 3 this vitctl reads: it was written by a newer vitctl or another tool: update vitctl, or convert the checkpoint with this one (vitctl convert)"},
		// "file has 0" of a file of 5000 bytes, and nothing to do.
		{"cut-5000.gguf", good[:5000], "truncated at byte 5000 (4 more bytes needed, 0 left): copy or download it again, or re-run vitctl convert"},
		{"cut-100.gguf", good[:100], "tensor count 104 at byte 8 exceeds what the file can hold (truncated or corrupt file: copy or download it again, or re-run vitctl convert)"},
		{"cut-data.gguf", good[:len(good)-1], `tensor "post_norm.weight": data ends at byte 1252064 but the file has 1252063 bytes (truncated? copy or download it again, or re-run vitctl convert)`},
		{"empty.gguf", nil, "empty file (convert the checkpoint again)"},
		{"text.gguf", []byte("hello world\n"), "not a GGUF file (bad magic); convert the checkpoint with vitctl convert"},
		// Another tool's GGUF was told to "re-run vitctl convert", which
		// made no such file: "architecture "clip" is not "vit" (not a
		// vitctl ViT model file) (re-run vitctl convert)".
		{"mmproj.gguf", foreignGGUF(t, "clip", "mmproj"),
			`model metadata: general.architecture is "clip", not "vit" (general.name "mmproj"): a GGUF file of another tool, not a vitctl model file: vitctl runs the files vitctl convert writes, so convert the checkpoint this one came from (a Hugging Face or timm folder)`},
		{"noarch.gguf", foreignGGUF(t, "", ""),
			`model metadata: no general.architecture key: a GGUF file of another tool, not a vitctl model file: vitctl runs the files vitctl convert writes, so convert the checkpoint this one came from (a Hugging Face or timm folder)`},
	} {
		path := filepath.Join(t.TempDir(), tc.name)
		if err := os.WriteFile(path, tc.body, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"classify", "-m", path, img}, {"convert", "--info", path}} {
			want := "vitctl: model " + path + ": " + tc.want + "\n"
			if args[0] == "convert" {
				want = "vitctl: " + path + ": " + tc.want + "\n"
			}
			if code, _, errs := run(t, "", args...); code != ExitFailed || errs != want {
				t.Errorf("%s %s: exit %d, stderr\n%s\nwant exit 1 and\n%s", args[0], tc.name, code, errs, want)
			}
		}
	}
}

// TestCheckpointFileAsModel: -m naming a checkpoint's weights file (which
// convert takes) says to give its folder, or to convert it, where it said
// 'not a GGUF file (bad magic); convert the checkpoint with vitctl
// convert', in every command that takes -m.
func TestCheckpointFileAsModel(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	dir := filepath.Join("..", "..", "testdata", "models")
	ckpt := filepath.Join(t.TempDir(), "last.ckpt") // a Lightning checkpoint's name
	os.WriteFile(ckpt, []byte("PK\x03\x04"), 0o644)
	for _, tc := range []struct{ file, cmd string }{
		{filepath.Join(dir, "fashion-vit", "model.safetensors"), "classify"},
		{filepath.Join(dir, "fashion-vit", "model.safetensors"), "embed"},
		{filepath.Join(dir, "vit-p8-quickgelu-sharded", "model.safetensors.index.json"), "classify"},
		// timm training checkpoints said "not a GGUF file (bad magic); convert
		// the checkpoint with vitctl convert", naming no folder nor command.
		{filepath.Join(testdataDir, "convert", "train.pth.tar"), "classify"},
		{ckpt, "classify"},
		// Given with slashes, on Windows too: both paths suggested have the
		// system's separator, as filepath.Dir gives the folder's; it said
		// "give -m ..\..\testdata\… or … vitctl convert ../../testdata/…".
		{"../../testdata/models/fashion-vit/model.safetensors", "classify"},
	} {
		code, _, errs := run(t, "", tc.cmd, "-m", tc.file, img)
		want := "vitctl: -m " + tc.file + ": a checkpoint's weights, not a vitctl model file: give -m " + filepath.Dir(tc.file) +
			", its folder (converted once, then cached), or make a model file with vitctl convert " + filepath.FromSlash(tc.file) + " --out model.gguf\n"
		if code != ExitFailed || errs != want {
			t.Errorf("%s -m %s: exit %d, stderr\n%s\nwant exit 1 and\n%s", tc.cmd, tc.file, code, errs, want)
		}
	}
}

// TestInputAsModel: -m (and export's MODEL) naming an image, a .npy
// tensor or a checkpoint's config.json says what the file is, where it
// said "not a GGUF file (bad magic); convert the checkpoint with vitctl
// convert" of a photo. A model file under such a name is still a model.
func TestInputAsModel(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	dir := t.TempDir()
	npy := filepath.Join(dir, "x.npy")
	os.WriteFile(npy, []byte("\x93NUMPY"), 0o644)
	config := filepath.Join("..", "..", "testdata", "models", "fashion-vit", "config.json")
	takes := ", not a model: -m names the model, a built-in name (vitctl models lists them), a .gguf file, a checkpoint folder or ORG/NAME\n"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "-m", img, img}, "vitctl: -m " + img + ": an image" + takes},
		{[]string{"embed", "-m", img, img}, "vitctl: -m " + img + ": an image" + takes},
		{[]string{"benchmark", "-m", npy}, "vitctl: -m " + npy + ": a NumPy array (.npy)" + takes},
		{[]string{"inspect-attention", "-m", img, "--out", filepath.Join(dir, "attn"), img}, "vitctl: -m " + img + ": an image" + takes},
		{[]string{"finetune", "-m", img, filepath.Join(imagesDir, "fashion", "labels.csv"), "--out", filepath.Join(dir, "m.gguf")}, "vitctl: -m " + img + ": an image" + takes},
		{[]string{"export", img, "--out", filepath.Join(dir, "hf")}, "vitctl: " + img + ": an image, not a model: MODEL names the model, a built-in name (vitctl models lists them), a .gguf file, a checkpoint folder or ORG/NAME\n"},
		{[]string{"classify", "-m", config, img}, "vitctl: -m " + config + ": a checkpoint's config.json, not a vitctl model file: give -m " + filepath.Dir(config) + ", its folder (converted once, then cached)\n"},
	} {
		code, stdout, errs := run(t, "", tc.args...)
		if code != ExitFailed || errs != tc.want || stdout != "" {
			t.Errorf("%q: exit %d, stdout %.100q, stderr\n%s\nwant exit 1 and\n%s", tc.args, code, stdout, errs, tc.want)
		}
	}
	model := filepath.Join(dir, "model.png")
	b, err := os.ReadFile(filepath.Join("..", "zoo", "fashion-vit.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(model, b, 0o644)
	if code, _, errs := run(t, "", "classify", "-m", model, img); code != ExitOK {
		t.Errorf("a model file named model.png: exit %d\n%s", code, errs)
	}
}

// foreignGGUF is a GGUF file as another tool writes one: general.*
// metadata of its own (none where arch is ""), one f32 tensor.
func foreignGGUF(t *testing.T, arch, name string) []byte {
	t.Helper()
	w := gguf.NewWriter()
	if arch != "" {
		w.AddString("general.architecture", arch)
		w.AddString("general.name", name)
		w.AddUint32(arch+".block_count", 2)
	}
	if err := w.AddTensor("v.blk.0.attn_q.weight", []int{4, 4}, gguf.F32); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "f.gguf")
	if err := w.WriteFile(path, func(ti gguf.TensorInfo, dst io.Writer) error {
		_, err := dst.Write(make([]byte, 4*ti.Elems()))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLoadTimeWithoutCheck: a model's load time (benchmark's load_seconds)
// is of the load alone, not of --verify-model's checksum, which read the
// whole file and made a checked load look an hour slow; the check still
// runs.
func TestLoadTimeWithoutCheck(t *testing.T) {
	now := time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Millisecond); return now }
	checked := false
	check := func(f *gguf.File) error {
		checked = true
		now = now.Add(time.Hour) // a slow disk
		return f.Verify()
	}
	m, err := loadModelClock(resolveModel("fashion-vit"), check, &precisionFlags{}, clock)
	if err != nil || !checked {
		t.Fatalf("load: %v, checked %v", err, checked)
	}
	if m.LoadTime >= time.Hour || m.LoadTime <= 0 {
		t.Errorf("load time %v: want the load's alone, not the check's hour", m.LoadTime)
	}
}
