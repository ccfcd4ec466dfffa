package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vitctl/vitctl/internal/train"
)

// openData is train.Open of DATA or the --val set (flag "data" or
// "--val"), its errors named by flag: a path that is neither a folder nor
// a .csv or .jsonl file is a usage error (exit 2), known before any file
// is read, saying what finetune takes, and of an image that it is one and
// classify takes it (it exited 1 saying only "not a folder, .csv or .jsonl
// file"). A *train.LabelError stays in the chain for the caller to word.
// Of a folder with no class folders that holds a list (labels.csv), the
// error names use(list), the command line that reads the list, after it
// (train.ListsError.Use): appended to the chain, it came after a note of
// photos vitctl cannot decode, inside it.
func openData(flag, path string, labels []string, use func(list string) string) (*train.Dataset, error) {
	ds, err := train.Open(path, labels)
	ke := (*train.KindError)(nil)
	if le := (*train.ListsError)(nil); errors.As(err, &le) {
		le.Use = use(le.Lists[0])
	}
	switch {
	case err == nil:
		return ds, nil
	case !errors.As(err, &ke):
		return nil, fmt.Errorf("%s: %w", flag, convertHint(readError(err)))
	case ke.Image:
		return nil, usagef("%s %v", flag, ke)
	}
	return nil, usagef("%s %s: not a folder, .csv or .jsonl file: give a folder with one sub-folder of images per class (%s), or a .csv or .jsonl file of path,label",
		flag, path, filepath.Join("DIR", "rose", "1.jpg"))
}

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
		at := le.Example
		if le.Where != "" {
			at = le.Where + ": " + at
		}
		what += fmt.Sprintf(" (the first at %s)", at)
	}
	lacks := ""
	if len(le.Absent) > 0 {
		lacks = fmt.Sprintf(", and %s has no image of %s", val, train.QuoteSome(le.Absent, 8))
	}
	return fmt.Errorf("--val %s: %s %s not %s of DATA %s (%s)%s: a validation set has the training set's classes: %s, or add %s to %s",
		val, what, verb(n, "is", "are"), verb(n, "a class", "classes"), data, train.QuoteSome(le.Labels, 8), lacks,
		fix, verb(n, "that class", "those classes"), data)
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

// fewImages is the fewest images a class of DATA has without a note:
// Apple's Create ML and Google's AutoML Vision ask for 10 a class at least.
const fewImages = 10

// noteClasses names on errw, before training, each class of DATA (all,
// read from data) with fewer than fewImages images, which is learnt
// poorly, and each that the validation set val (nil: none) has no image
// of, which the validation accuracy leaves out; unvalidated says why of
// such a class, of n images (few: fewer than fewImages), as a clause.
// Both used to train without a word, and looked like a failure of the
// training.
func noteClasses(errw io.Writer, data string, all, val *train.Dataset, unvalidated func(c, n int, few bool) string) {
	folder := isDir(data)
	var nv []int
	if val != nil {
		nv = val.Counts()
	}
	for c, n := range all.Counts() {
		l := all.Labels[c]
		unval := nv != nil && nv[c] == 0 && !emptyFolder(val, l)
		var msg string
		switch {
		case n < fewImages:
			where := "in " + data
			if folder {
				where = filepath.Join(data, l)
			}
			msg = fmt.Sprintf("only %s (%s), too few to learn it well", nouns(n, "image"), where)
			if unval {
				msg += ", " + unvalidated(c, n, true)
			}
			msg += fmt.Sprintf(": give it %d or more", fewImages)
		case unval:
			msg = unvalidated(c, n, false)
		default:
			continue
		}
		if unval {
			msg += "; the validation accuracy leaves the class out"
		}
		fmt.Fprintf(errw, "vitctl: note: class %q: %s\n", l, msg)
	}
}

// valUnvalidated is noteClasses's clause for a class that --val has no
// image of.
func (o *finetuneOptions) valUnvalidated(c, n int, few bool) string {
	if few {
		return "and --val " + o.val + " has none"
	}
	return "--val " + o.val + " has no image of it"
}

// splitUnvalidated is noteClasses's clause for a class that --val-split
// held out no image of: the split kept them all for training (kept), or
// the shuffle held out none. Of a class of few images it says that they
// are too few for the fraction, and how to validate it (it said "and none
// held out for validation", without why).
func (o *finetuneOptions) splitUnvalidated(kept []int) func(c, n int, few bool) string {
	return func(c, n int, few bool) string {
		switch {
		case few && slices.Contains(kept, c):
			return fmt.Sprintf("and too few to hold any out for validation (--val-split %g would hold %s out and leave none to learn it from, so %s for training; --val DIR chooses validation images)",
				o.valSplit, allOf(n), verb(n, "it stays", "they stay"))
		case few:
			return fmt.Sprintf("and too few for --val-split %g to hold one out for sure (%.2g on average; this split held out none; --val DIR chooses validation images)",
				o.valSplit, o.valSplit*float64(n))
		case slices.Contains(kept, c):
			return fmt.Sprintf("--val-split %g would hold out all its %d images and leave none to learn it from: they all stay for training", o.valSplit, n)
		}
		return fmt.Sprintf("--val-split %g held out none of its %d images (--val DIR chooses them)", o.valSplit, n)
	}
}

// allOf names all of n things: "it", "both" or "all of them".
func allOf(n int) string {
	switch n {
	case 1:
		return "it"
	case 2:
		return "both"
	}
	return "all of them"
}

// noteShared says on notes, before training, that n of the total images
// of the validation set val are training images too: its accuracy then
// measures how well they were learnt, not how the model does on new
// photos, and picks the epoch kept by it (--val DATA gave 100 % without a
// word).
func noteShared(notes io.Writer, val string, n, total int) {
	if n == 0 {
		return
	}
	fmt.Fprintf(notes, "vitctl: note: --val %s: %d of its %s %s training images too: the validation accuracy measures how well they were learnt, not new photos; give images held out of DATA, or --val-split F instead of --val\n",
		val, n, nouns(total, "image"), verb(n, "is", "are"))
}
