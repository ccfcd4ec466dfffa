package imagenet

import (
	"slices"
	"strings"
	"testing"
)

func TestClasses(t *testing.T) {
	cs := Classes()
	if len(cs) != 1000 {
		t.Fatalf("%d classes, want 1000", len(cs))
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.Synset
		if !IsSynset(c.Synset) || len(c.Lemmas) == 0 || c.Lemmas[0] == "" {
			t.Errorf("class %d: %q %q", i, c.Synset, c.Lemmas)
		}
	}
	// ILSVRC-2012's class order is the ids sorted (ImageFolder's order).
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != 1000 {
		t.Error("synset ids are not 1000 distinct ones, sorted")
	}
	for i, want := range map[int]string{0: "n01440764 tench", 285: "n02124075 Egyptian cat", 967: "n07920052 espresso", 999: "n15075141 toilet tissue"} {
		if got := cs[i].Synset + " " + cs[i].Lemmas[0]; got != want {
			t.Errorf("class %d: %s, want %s", i, got, want)
		}
	}
}

func TestIs1k(t *testing.T) {
	first := func() []string { // timm's label_names: one lemma each
		var ls []string
		for _, c := range Classes() {
			ls = append(ls, c.Lemmas[0])
		}
		return ls
	}
	tests := []struct {
		name   string
		labels func() []string
		want   bool
	}{
		{"first lemmas", first, true},
		{"all lemmas (Hugging Face's id2label)", func() []string {
			var ls []string
			for _, c := range Classes() {
				ls = append(ls, strings.Join(c.Lemmas, ", "))
			}
			return ls
		}, true},
		{"letter case", func() []string {
			ls := first()
			ls[0] = "TENCH"
			return ls
		}, true},
		{"two swapped", func() []string {
			ls := first()
			ls[1], ls[2] = ls[2], ls[1]
			return ls
		}, false},
		{"999", func() []string { return first()[1:] }, false},
		{"LABEL_N", func() []string {
			ls := first()
			ls[500] = "LABEL_500"
			return ls
		}, false},
		{"none", func() []string { return nil }, false},
	}
	for _, tt := range tests {
		if got := Is1k(tt.labels()); got != tt.want {
			t.Errorf("%s: Is1k = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestIsSynset(t *testing.T) {
	for s, want := range map[string]bool{"n01440764": true, "n0144076": false, "n014407640": false, "N01440764": false, "tench": false, "n0144076x": false, "": false} {
		if IsSynset(s) != want {
			t.Errorf("IsSynset(%q) = %v", s, !want)
		}
	}
}
