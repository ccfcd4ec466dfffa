//go:build unix

package convert

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/vitctl/vitctl/internal/filelock"
)

// TestExportRemovesStaleTemps: the temporary folders a killed export to
// the same --out left (unlocked, a minute old, holding only an export's
// files) are removed by the next export; a newer one, one holding other
// files, and another --out's are kept.
func TestExportRemovesStaleTemps(t *testing.T) {
	f := builtinFile(t, "fashion-vit")
	parent := t.TempDir()
	old := time.Now().Add(-2 * filelock.StaleAfter)
	for _, tc := range []struct {
		name  string
		files []string
		age   time.Time
	}{
		{".hf.123.tmp", []string{"config.json", "model.safetensors"}, old}, // a killed export's
		{".hf.456.tmp", []string{"config.json"}, time.Now()},               // still being written, maybe
		{".hf.789.tmp", []string{"config.json", "notes.txt"}, old},         // not only an export's
		{".other.123.tmp", []string{"config.json"}, old},                   // another --out's
	} {
		dir := filepath.Join(parent, tc.name)
		os.Mkdir(dir, 0o755)
		for _, file := range tc.files {
			os.WriteFile(filepath.Join(dir, file), []byte("x"), 0o644)
			os.Chtimes(filepath.Join(dir, file), tc.age, tc.age)
		}
		os.Chtimes(dir, tc.age, tc.age)
	}
	if _, err := Export(context.Background(), f, filepath.Join(parent, "hf"), "fashion-vit"); err != nil {
		t.Fatal(err)
	}
	var left []string
	ents, _ := os.ReadDir(parent)
	for _, e := range ents {
		left = append(left, e.Name())
	}
	if want := []string{".hf.456.tmp", ".hf.789.tmp", ".other.123.tmp", "hf"}; !slices.Equal(left, want) {
		t.Errorf("left %q, want %q", left, want)
	}
}
