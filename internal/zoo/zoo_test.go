package zoo

import (
	"testing"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/model"
)

// TestModels opens every built-in model file and checks what the table
// says about it: the label count, a notice where one is owed, the size cap.
func TestModels(t *testing.T) {
	if _, ok := Lookup(Default); !ok || All()[0].Name != Default {
		t.Fatalf("default %q must be the first built-in model", Default)
	}
	seen := map[string]bool{}
	for _, m := range All() {
		t.Run(m.Name, func(t *testing.T) {
			if seen[m.Name] || m.Description == "" {
				t.Fatalf("duplicate name or empty description")
			}
			seen[m.Name] = true
			f, err := gguf.FromBytes(m.GGUF)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Verify(); err != nil {
				t.Fatal(err)
			}
			labels, err := f.Strings(model.KeyLabels)
			if err != nil || len(labels) != m.Labels {
				t.Fatalf("file has %d labels (%v), table says %d", len(labels), err, m.Labels)
			}
			if len(m.GGUF) > 12_000_000 {
				t.Errorf("%d bytes: built-in models stay under 12 MB", len(m.GGUF))
			}
		})
	}
	if m, _ := Lookup("vit-tiny-in1k"); len(m.Notice) < 10000 {
		t.Errorf("vit-tiny-in1k must carry its Apache-2.0 notice and licence text (%d bytes)", len(m.Notice))
	}
	if _, ok := Lookup("no-such-model"); ok {
		t.Error("Lookup found a model that does not exist")
	}
}
