package hub

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseRef: a reference that parses names cache paths inside the
// cache (its repository folder, refs/REVISION), whatever it holds.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"google/vit-base-patch16-224", "org/name@refs/pr/1", "a/b@" + strings.Repeat("0", 40), "../x", "a/b@..", "a/b@x/../../y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s)
		if err != nil {
			return
		}
		root := filepath.Join("cache", "hub")
		repo := filepath.Join(root, folderName(r.Repo))
		for _, p := range []string{repo, filepath.Join(repo, "refs", filepath.FromSlash(r.Revision))} {
			rel, err := filepath.Rel(root, p)
			if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
				t.Fatalf("%q: path %s escapes the cache", s, p)
			}
		}
		if strings.Contains(folderName(r.Repo), string(filepath.Separator)) {
			t.Fatalf("%q: repository folder %q is not one name", s, folderName(r.Repo))
		}
	})
}
