package cli

import "testing"

func TestNouns(t *testing.T) {
	for _, c := range []struct {
		n          int
		noun, want string
	}{
		{0, "file", "0 files"}, {1, "file", "1 file"}, {2, "file", "2 files"},
		{1, "image", "1 image"}, {9, "image", "9 images"},
		{1, "class", "1 class"}, {3, "class", "3 classes"},
		{1, "patch", "1 patch"}, {4, "patch", "4 patches"},
		{1, "epoch", "1 epoch"}, {2, "epoch", "2 epochs"}, // was "2 epoches"
		{1, "run", "1 run"}, {-1, "run", "-1 runs"},
	} {
		if got := nouns(c.n, c.noun); got != c.want {
			t.Errorf("nouns(%d, %q) = %q, want %q", c.n, c.noun, got, c.want)
		}
	}
	if verb(1, "was", "were") != "was" || verb(0, "was", "were") != "were" || verb(2, "has", "have") != "have" {
		t.Error("verb picks the wrong form")
	}
}
