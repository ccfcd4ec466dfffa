package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/npy"
	"github.com/vitctl/vitctl/internal/prep"
)

func writeNpy(t *testing.T, path string, shape []int) []float32 {
	t.Helper()
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(i) / float32(n)
	}
	var b bytes.Buffer
	if err := npy.Write(&b, &npy.Array{Shape: shape, Data: data}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return data
}

// TestLoadInput: a .npy passes through when shaped as the model's input or
// a batch of them, an image is decoded and preprocessed.
func TestLoadInput(t *testing.T) {
	dir := t.TempDir()
	p := prep.Default(16)
	for _, shape := range [][]int{{3, 16, 16}, {1, 3, 16, 16}, {2, 3, 16, 16}} {
		path := filepath.Join(dir, "x.npy")
		want := writeNpy(t, path, shape)
		got, err := loadInput(context.Background(), path, p, decodeFlags{})
		if err != nil {
			t.Fatalf("%v: %v", shape, err)
		}
		if len(got) != len(want) || got[5] != want[5] {
			t.Errorf("%v: data not passed through", shape)
		}
	}
	for _, shape := range [][]int{{3, 16, 15}, {16, 16, 3}, {2, 16, 16, 3}, {0, 3, 16, 16}, {768}} {
		path := filepath.Join(dir, "bad.NPY")
		writeNpy(t, path, shape)
		_, err := loadInput(context.Background(), path, p, decodeFlags{})
		if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), "(3, 16, 16)") { // what is wrong: TestNpyInputs
			t.Errorf("%v: got %v", shape, err)
		}
	}
	if _, err := loadInput(context.Background(), filepath.Join(dir, "missing.npy"), p, decodeFlags{}); err == nil || strings.Count(err.Error(), "missing.npy") != 1 {
		t.Errorf("missing file: %v", err)
	}
	got, err := loadInput(context.Background(), filepath.Join(imagesDir, "rocket.jpg"), p, decodeFlags{})
	if err != nil || len(got) != 3*16*16 {
		t.Fatalf("image input: %d values, %v", len(got), err)
	}
}

// TestNullSeparatedStdin: classify, embed and inspect-attention all take
// -0 for paths on stdin, with a file name that begins with a space kept as
// it is.
func TestNullSeparatedStdin(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(imagesDir, "chelsea.png"))
	if err != nil {
		t.Fatal(err)
	}
	odd := filepath.Join(dir, " cat\nwith a newline.png")
	if err := os.WriteFile(odd, b, 0o644); err != nil {
		t.Fatal(err)
	}
	stdin := odd + "\x00" + filepath.Join(imagesDir, "coffee.png") + "\x00"
	for _, args := range [][]string{
		{"classify", "-m", "fashion-vit", "-0", "-"},
		{"embed", "-m", "fashion-vit", "-0", "-"},
		{"inspect-attention", "-m", "fashion-vit", "--layers", "0", "--out", t.TempDir(), "-0", "-"},
	} {
		code, _, errs := run(t, stdin, args...)
		if code != ExitOK || !strings.Contains(errs, " 2 of 2 images") {
			t.Errorf("%s -0: exit %d, stderr %q", args[0], code, errs)
		}
	}
}
