package imageio

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/vitctl/vitctl/"

// TestBelowModel: image decoding depends on neither the model nor the
// kernels (whose dispatch reads the environment at start), only on the
// preprocessing parameters in prep.
func TestBelowModel(t *testing.T) {
	deps := map[string]bool{}
	if err := addDeps(module+"internal/imageio", deps); err != nil {
		t.Fatal(err)
	}
	if !deps[module+"internal/prep"] {
		t.Fatalf("the walk missed internal/prep: %v", deps)
	}
	for _, p := range []string{"internal/model", "internal/kernels", "internal/npy", "internal/cli"} {
		if deps[module+p] {
			t.Errorf("internal/imageio depends on %s", p)
		}
	}
}

// addDeps adds path and every package of this module it imports, directly
// or not, to deps, reading the sources under the module root.
func addDeps(path string, deps map[string]bool) error {
	if deps[path] {
		return nil
	}
	deps[path] = true
	pkg, err := build.ImportDir(filepath.Join("..", "..", strings.TrimPrefix(path, module)), 0)
	if err != nil {
		return err
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, module) {
			if err := addDeps(imp, deps); err != nil {
				return err
			}
		}
	}
	return nil
}
