package prep

import (
	"go/build"
	"strings"
	"testing"
)

// TestLeaf: prep imports nothing of vitctl's, so both model and imageio
// can import it.
func TestLeaf(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "github.com/vitctl/") {
			t.Errorf("prep imports %s", imp)
		}
	}
}
