package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/vitctl/vitctl/internal/train"
)

// valLabelsError is finetune's error for a --val set with classes that
// DATA lacks: it names them (in a folder, the class folders: theirs is the
// problem, not one file's) and DATA's classes, and those of DATA's that
// --val lacks besides, which are often the same class spelt otherwise
// (it said "--val: val: val/daisy/1.jpg: 2 labels (…) are not among the 3
// labels: …", naming one file and "val" twice).
func valLabelsError(data, val string, le *train.LabelError) error {
	n := len(le.Unknown)
	what := fmt.Sprintf("%s %s", plural(n, "label"), train.QuoteSome(le.Unknown, 8))
	fix := "relabel or remove those images"
	if le.Folder {
		what = fmt.Sprintf("%s %s", plural(n, "class folder"), le.Folders(8))
		fix = fmt.Sprintf("move %s out of %s", verb(n, "that folder", "those folders"), val)
	} else {
		what += fmt.Sprintf(" (the first at %s)", le.Example)
	}
	lacks := ""
	if len(le.Absent) > 0 {
		lacks = fmt.Sprintf(", and %s has no image of %s", val, train.QuoteSome(le.Absent, 8))
	}
	return fmt.Errorf("--val %s: %s %s not %s of DATA %s (%s)%s: a validation set has the training set's classes: %s, or add %s to %s",
		val, what, verb(n, "is", "are"), verb(n, "a class", "classes"), data, train.QuoteSome(le.Labels, 8), lacks,
		fix, verb(n, "that class", "those classes"), data)
}

// noteUnvalidated says on errw which classes the validation set val has
// no image of, and so leaves out of the validation accuracy; why says why
// of a class. A class whose empty folder was warned of already is not
// named again.
func noteUnvalidated(errw io.Writer, val *train.Dataset, why func(label string) string) {
	for c, n := range val.Counts() {
		l := val.Labels[c]
		if n > 0 || emptyFolder(val, l) {
			continue
		}
		fmt.Fprintf(errw, "vitctl: note: class %q: %s; the validation accuracy leaves the class out\n", l, why(l))
	}
}

// emptyFolder says whether d has an empty class folder named label (its
// letter case aside, as train.Open matches labels).
func emptyFolder(d *train.Dataset, label string) bool {
	for _, e := range d.Empty {
		if strings.EqualFold(filepath.Base(e), label) {
			return true
		}
	}
	return false
}
