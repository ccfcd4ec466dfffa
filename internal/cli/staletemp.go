package cli

import (
	"os"
	"path/filepath"
	"regexp"

	"github.com/vitctl/vitctl/internal/filelock"
)

// A run killed by SIGKILL runs no cleanup: it leaves the temporary file of
// createAtomic (".NAME.123.tmp" beside NAME) or the temporary folder of an
// image's pictures (".NAME.123.tmp" in --out) behind. A later run removes
// those a dead writer left (filelock.RemoveDead: unlocked, and unmodified
// for a minute); each writer holds its temporary's lock (filelock.Hold)
// until the rename.

// tempFileName matches the temporary names createAtomic gives files beside
// one named base: os.CreateTemp puts decimal digits for the "*".
func tempFileName(base string) *regexp.Regexp {
	return regexp.MustCompile(`^\.` + regexp.QuoteMeta(base) + `\.\d+\.tmp$`)
}

// tempFolderName matches the temporary folders of newPictureFolder.
var tempFolderName = regexp.MustCompile(`^\..+\.\d+\.tmp$`)

// removeStaleTempFiles removes the temporary files a killed run left beside
// path (tempFileName), best effort: a run goes on whatever it finds.
func removeStaleTempFiles(path string) {
	temp := tempFileName(filepath.Base(path))
	filelock.RemoveDead(filepath.Dir(path), func(e os.DirEntry) bool {
		return e.Type().IsRegular() && temp.MatchString(e.Name())
	})
}

// removeStaleTempFolders removes the temporary folders of pictures a killed
// run left in out, best effort. Only folders named as newPictureFolder
// names them, and holding nothing but the files it writes (pictureName),
// are taken: --out may be a folder of other things too.
func removeStaleTempFolders(out string) {
	filelock.RemoveDeadFolders(out, tempFolderName.MatchString, func(e os.DirEntry) bool {
		return e.Type().IsRegular() && pictureName.MatchString(e.Name())
	})
}
