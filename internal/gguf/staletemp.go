package gguf

import (
	"os"
	"path/filepath"
	"regexp"

	"github.com/vitctl/vitctl/internal/filelock"
)

// A convert or finetune killed by SIGKILL runs no cleanup and leaves
// WriteFile's temporary (".NAME.tmp-123" beside NAME) behind, often as
// large as the model. The next WriteFile to NAME removes those a dead
// writer left (filelock.RemoveDead: unlocked, and unmodified for a
// minute); WriteFile holds its temporary's lock (filelock.Hold) until the
// rename.

// tempName matches the temporary names WriteFile gives files beside one
// named base: os.CreateTemp puts decimal digits for the "*".
func tempName(base string) *regexp.Regexp {
	return regexp.MustCompile(`^\.` + regexp.QuoteMeta(base) + `\.tmp-\d+$`)
}

// removeStaleTemps removes the temporaries a killed WriteFile left beside
// path, best effort: the write goes on whatever it finds.
func removeStaleTemps(path string) {
	temp := tempName(filepath.Base(path))
	filelock.RemoveDead(filepath.Dir(path), func(e os.DirEntry) bool {
		return e.Type().IsRegular() && temp.MatchString(e.Name())
	})
}
