// Package train fine-tunes a ViT on labelled images: the dataset, the
// split, the loop (batches, shuffling, AdamW, schedule, label smoothing,
// augmentation) and evaluation. It never prints; progress goes through
// callbacks.
package train

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/vitctl/vitctl/internal/imageio"
	"github.com/vitctl/vitctl/internal/imagenet"
)

// Example is one labelled image.
type Example struct {
	Path  string
	Label int
	Where string // the list file and line that name it ("labels.csv:3"); empty in a folder
}

// Err is err, of reading e's image, after the list file and line that
// name the image, where a list does (a missing image was named by its
// path alone, which did not say where to fix it).
func (e Example) Err(err error) error {
	if err == nil || e.Where == "" {
		return err
	}
	return fmt.Errorf("%s: %w", e.Where, err)
}

// row is one labelled path as DATA gives it; where is the list file and
// line that name it, empty in a folder.
type row struct {
	path, label, where string
	given              string // a list's path as the list has it
}

// Dataset is a list of examples and the label names, index = class id.
type Dataset struct {
	Labels   []string
	Examples []Example
	// Empty are the class sub-folders of an ImageFolder tree that hold no
	// image. They give no label (torchvision's ImageFolder refuses such a
	// tree); the caller warns.
	Empty []string
	// Loose are the images directly in an ImageFolder tree's root, outside
	// the class folders: no class, so no example (as torchvision's
	// ImageFolder); the caller warns.
	Loose []string
	// Dangling are the links in an ImageFolder tree's root that lead to
	// nothing (a class folder moved or renamed after a subset was made
	// with ln -s) and are not named as images: no class, and the caller
	// warns, where the class was left out without a word.
	Dangling []string
	// Undecodable counts the files of an ImageFolder tree passed over for
	// being named as images vitctl cannot decode (IMG_0001.HEIC); the
	// caller warns.
	Undecodable imageio.NoDecoderError
}

// Open reads a dataset: a folder with one sub-folder per class (folder name
// = label, as torchvision's ImageFolder: classes sorted, files sorted by
// path), or a .csv or .jsonl file of path,label (relative paths are taken
// from the file's folder; labels sorted). labels, when not nil, fixes the
// class order (a validation set must use the training set's).
func Open(path string, labels []string) (*Dataset, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var pairs []row
	var f folder
	switch read := listReader(path); {
	case st.IsDir():
		pairs, err = readFolder(path, &f)
	case read != nil:
		pairs, err = read(path)
	case imageio.InFolder(path).Image:
		return nil, &KindError{Path: path, Image: true}
	default:
		return nil, &KindError{Path: path}
	}
	if err != nil {
		return nil, err
	}
	if len(pairs) == 0 && !st.IsDir() {
		return nil, fmt.Errorf("%s: lists no images (want a line of path,label for each)", path)
	}
	if len(pairs) == 0 {
		return nil, noImages(path, &f)
	}
	if !st.IsDir() {
		if err := noneThere(path, pairs); err != nil {
			return nil, err
		}
	}
	d, err := build(path, st.IsDir(), pairs, labels)
	if err != nil {
		return nil, err
	}
	d.Empty, d.Loose, d.Dangling, d.Undecodable = f.empty, f.loose, f.dangling, f.photos
	return d, nil
}

// noImages is Open's error for the folder path that gave no example:
// images but no class folders, class folders without images, or nothing;
// f.photos are the files of its class folders passed over for their
// format. Without class folders, the lists f holds are named
// (*ListsError).
func noImages(path string, f *folder) error {
	var err error
	images := ""
	if n := len(f.loose); n == 1 {
		images = "1 image" // it said "1 images"
	} else if n > 1 {
		images = fmt.Sprintf("%d images", n)
	}
	switch {
	case len(f.empty) == 0 && len(f.lists) > 0:
		le := &ListsError{Path: path, Images: images, Lists: f.lists}
		if f.photos.Files > 0 { // said after Use, which the caller sets
			le.Photos = &f.photos
		}
		return le
	case images != "":
		err = fmt.Errorf("%s: %s but no class sub-folders: put each class's images in a sub-folder named after the class (%s), or list path,label in a CSV",
			path, images, filepath.Join(path, "CLASS", "…"))
	case len(f.empty) > 0:
		err = noImageInClasses(path, f.empty)
	default:
		err = fmt.Errorf("%s: no images found (want one sub-folder of images per class, or a CSV/JSONL of path,label)", path)
	}
	if f.photos.Files > 0 {
		return fmt.Errorf("%w; it holds %w", err, &f.photos)
	}
	return err
}

// build numbers the examples' labels, by labels when not nil; folder says
// that path is an ImageFolder tree, for the error naming labels it lacks.
// When labels are ImageNet-1k's, a WordNet synset id (n01440764, the
// folder names of ImageNet's validation set) names its class too.
func build(path string, folder bool, pairs []row, labels []string) (*Dataset, error) {
	if labels == nil {
		for _, p := range pairs {
			labels = append(labels, p.label)
		}
		slices.Sort(labels)
		labels = slices.Compact(labels)
		if err := sameClass(path, folder, labels); err != nil {
			return nil, err
		}
	}
	x := newLabelIndex(labels)
	d := &Dataset{Labels: labels}
	var unknown []string      // distinct, in the order met
	var first, firstAt string // the first example with one, and where the list names it
	seen := make([]bool, len(labels))
	for _, p := range pairs {
		ids := x.ids(p.label)
		if len(ids) > 1 {
			return nil, twoClasses(path, folder, p, ids, x.in1k)
		}
		if len(ids) == 0 {
			if first == "" {
				first, firstAt = p.path, p.where
			}
			if !slices.Contains(unknown, p.label) {
				unknown = append(unknown, p.label)
			}
			continue
		}
		seen[ids[0]] = true
		d.Examples = append(d.Examples, Example{Path: p.path, Label: ids[0], Where: p.where})
	}
	if len(unknown) > 0 {
		e := &LabelError{Path: path, Folder: folder, Example: first, Where: firstAt, Unknown: unknown, Labels: labels}
		for i, l := range labels {
			if !seen[i] {
				e.Absent = append(e.Absent, l)
			}
		}
		return nil, e
	}
	return d, nil
}

// labelIndex is how a data set's labels name a model's: exactly, by
// foldLabel, and, for ImageNet-1k's labels, by WordNet synset id.
type labelIndex struct {
	named map[string][]int // the classes of each label (two for ImageNet-1k's "crane"), and of each synset id
	loose map[string][]int // the classes of each label by foldLabel
	in1k  bool
}

func newLabelIndex(labels []string) *labelIndex {
	x := &labelIndex{named: make(map[string][]int, len(labels)), loose: make(map[string][]int, len(labels))}
	for i, l := range labels {
		x.named[l] = append(x.named[l], i)
		k := foldLabel(l)
		x.loose[k] = append(x.loose[k], i)
	}
	if x.in1k = imagenet.Is1k(labels); x.in1k {
		for i, c := range imagenet.Classes() {
			x.named[c.Synset] = []int{i}
		}
	}
	return x
}

// ids are the classes a data set's label names: those it names exactly,
// else those it names by foldLabel. None is an unknown label, several an
// ambiguous one ("crane" of ImageNet-1k, "CRANE" of "Crane" and "crane").
func (x *labelIndex) ids(label string) []int {
	if ids := x.named[label]; len(ids) > 0 {
		return ids
	}
	return x.loose[foldLabel(label)]
}

// Namer reports whether a class folder's name, or a list's label, names
// one of labels as Open reads it (exactly, letter case and underscores
// aside, or by synset id), for a caller's word on an empty class folder.
func Namer(labels []string) func(name string) bool {
	x := newLabelIndex(labels)
	return func(name string) bool {
		return len(x.ids(name)) > 0
	}
}

// twoClasses refuses the example p, whose label is the name of the
// classes ids of labels (ImageNet-1k's "crane", the bird and the machine,
// and "maillot"): it was read as the last of them, and a folder of crane
// birds was scored against the machine. For ImageNet-1k's labels it names
// the synset ids that tell them apart.
func twoClasses(path string, folder bool, p row, ids []int, in1k bool) error {
	what := fmt.Sprintf("%s: label %q", cmp.Or(p.where, path), p.label)
	do := "the model's labels cannot tell them apart"
	if folder {
		what = fmt.Sprintf("%s: class folder %s", path, filepath.Join(path, p.label))
	}
	classes := make([]string, len(ids))
	for j, i := range ids {
		classes[j] = strconv.Itoa(i)
	}
	if in1k {
		var syn []string
		for _, i := range ids {
			syn = append(syn, fmt.Sprintf("%s for class %d", imagenet.Classes()[i].Synset, i))
		}
		do = "write its WordNet synset id instead, " + strings.Join(syn, " or ")
		if folder {
			do = "name the folder by WordNet synset id instead, " + strings.Join(syn, " or ")
		}
	}
	return fmt.Errorf("%s is ambiguous: %q is the label of %d classes, %s: %s", what, p.label, len(ids), strings.Join(classes, " and "), do)
}

// sameClass refuses a data set's labels of which two name one class but
// for letter case (rose/ and Rose/, made on a case-insensitive disk and
// copied), an underscore for a space, the Unicode form of an accent or a
// space at either end (foldLabel): trained as two classes, the model split
// one class's images between two names, and eval, which reads labels that
// way, could not tell which a data set's "ROSE" meant.
func sameClass(path string, folder bool, labels []string) error {
	seen := make(map[string]string, len(labels))
	for _, l := range labels {
		k := foldLabel(l)
		first, dup := seen[k]
		if !dup {
			seen[k] = l
			continue
		}
		but, a, b := "but for letter case or _ for a space", filepath.Join(path, first), filepath.Join(path, l)
		switch {
		case norm.NFC.String(first) == norm.NFC.String(l): // they look the same
			but = "written two ways in Unicode (é as one letter, and as e and a combining accent, as macOS writes it)"
		case strings.TrimSpace(first) == strings.TrimSpace(l): // quoted, or they look the same
			but, a, b = "but for a space at the start or end", strconv.Quote(a), strconv.Quote(b)
		}
		if folder {
			return fmt.Errorf("%s: class folders %s and %s name one class %s: merge them into one folder (or rename one)",
				path, a, b, but)
		}
		return fmt.Errorf("%s: labels %q and %q name one class %s: write it one way (or rename one)", path, first, l, but)
	}
	return nil
}

// KindError is Open's error for a path that is neither a folder nor a
// .csv or .jsonl file: an image (Image), a .txt list, a .npy. A caller may
// take it for a usage error, as it is known before any file is read.
type KindError struct {
	Path  string
	Image bool // one image: it says that classify takes it
}

func (e *KindError) Error() string {
	if e.Image {
		return fmt.Sprintf("%s: one image, with no label: give labelled images, a folder with one sub-folder of images per class or a .csv or .jsonl file of path,label (vitctl classify %s classifies this one)", e.Path, e.Path)
	}
	return e.Path + ": not a folder, .csv or .jsonl file"
}

// ListsError is Open's error for a folder with no class folders that
// holds, at its top, .csv or .jsonl files (Lists): the list of path,label
// meant to be given in place of the folder. It said "or list path,label
// in a CSV" with labels.csv right there.
type ListsError struct {
	Path   string
	Images string // "2 images" beside the lists, or ""
	Lists  []string
	// Use, which the caller may set, is the command line that reads
	// Lists[0], said after them: the caller added it to the error's end,
	// after the note of Photos, inside it.
	Use    string
	Photos *imageio.NoDecoderError // files passed over for their format, or nil
}

func (e *ListsError) Error() string {
	what := "no class sub-folders"
	if e.Images != "" {
		what = e.Images + " but no class sub-folders"
	}
	msg := fmt.Sprintf("%s: %s, and the list %s: give the list in place of the folder", e.Path, what, e.Lists[0])
	if len(e.Lists) > 1 {
		msg = fmt.Sprintf("%s: %s, and the lists %s: give one of them in place of the folder", e.Path, what, strings.Join(e.Lists, " and "))
	}
	if e.Use != "" {
		msg += ": " + e.Use
	}
	if e.Photos != nil {
		msg += "; it holds " + e.Photos.Error()
	}
	return msg
}

// Unwrap is the note of Photos, for errors.As.
func (e *ListsError) Unwrap() error {
	if e.Photos == nil {
		return nil // not a nil *NoDecoderError
	}
	return e.Photos
}

// LabelError is Open's error for labels that the labels it was given lack.
type LabelError struct {
	Path    string   // the data set
	Folder  bool     // an ImageFolder tree: each label is a sub-folder's name
	Example string   // the first example with such a label
	Where   string   // the list file and line naming Example ("labels.csv:3")
	Unknown []string // the labels lacking, distinct, in the order met
	Labels  []string // the labels given
	Absent  []string // those of Labels that no example has
}

// Error names every label of the data set that the labels lack and, in a
// list, the first example with one, in a folder the class folders (the
// problem is theirs, not one file's); and only a few of the labels: a
// model's 1000 would bury the message.
func (e *LabelError) Error() string {
	n := fmt.Sprintf("%d labels", len(e.Labels))
	if len(e.Labels) == 1 {
		n = "1 label"
	}
	if e.Folder {
		what := fmt.Sprintf("class folder %s is not one of", filepath.Join(e.Path, e.Unknown[0]))
		if len(e.Unknown) > 1 {
			what = fmt.Sprintf("%d class folders (%s) are not among", len(e.Unknown), e.Folders(8))
		}
		return fmt.Sprintf("%s: %s the %s: %s%s%s", e.Path, what, n, QuoteSome(e.Labels, 8), e.synsetHint(), e.idHint())
	}
	what := fmt.Sprintf("label %q is not one of", e.Unknown[0])
	if len(e.Unknown) > 1 {
		what = fmt.Sprintf("%d labels (%s) are not among", len(e.Unknown), QuoteSome(e.Unknown, 8))
	}
	at := e.Where
	if at == "" {
		at = e.Path
	}
	return fmt.Sprintf("%s: %s: %s the %s: %s%s%s", at, e.Example, what, n, QuoteSome(e.Labels, 8), e.synsetHint(), e.idHint())
}

// idHint explains unknown labels that are all class numbers of the labels
// (a list's label_id column, 0 to 9): the names are wanted, and it says the
// first few.
func (e *LabelError) idHint() string {
	for _, u := range e.Unknown {
		if n, err := strconv.Atoi(u); err != nil || n < 0 || n >= len(e.Labels) || strconv.Itoa(n) != u {
			return ""
		}
	}
	var ids []string
	for i, l := range e.Labels[:min(3, len(e.Labels))] {
		ids = append(ids, fmt.Sprintf("%d is %q", i, l))
	}
	if len(e.Labels) > 3 {
		ids = append(ids, "…")
	}
	return fmt.Sprintf(" (class numbers? write each class's label instead: %s)", strings.Join(ids, ", "))
}

// synsetHint explains an unknown label that is a WordNet synset id (the
// folder names of ImageNet's validation set): which ids the labels take,
// if any, and otherwise what to do.
func (e *LabelError) synsetHint() string {
	i := slices.IndexFunc(e.Unknown, imagenet.IsSynset)
	if i < 0 {
		return ""
	}
	if imagenet.Is1k(e.Labels) { // whose synset ids name them as well
		return fmt.Sprintf(" (%s is a WordNet synset id, but not one of ImageNet-1k's 1000 classes)", e.Unknown[i])
	}
	what := "write each label as one of them"
	if e.Folder {
		what = "name each class folder after one of them, or list path,label in a CSV"
	}
	return fmt.Sprintf(" (%s is a WordNet synset id, as ImageNet names its folders; synset ids are read only against ImageNet-1k's 1000 labels in its class order, and these are not: %s)", e.Unknown[i], what)
}

// Folders names the class folders of the unknown labels, the first n of
// them and how many more.
func (e *LabelError) Folders(n int) string {
	var dirs []string
	for _, u := range e.Unknown[:min(n, len(e.Unknown))] {
		dirs = append(dirs, filepath.Join(e.Path, u))
	}
	if len(e.Unknown) > n {
		dirs = append(dirs, fmt.Sprintf("… %d more", len(e.Unknown)-n))
	}
	return strings.Join(dirs, ", ")
}

// QuoteSome quotes the first n of s and says how many more there are: a
// message's list of labels.
func QuoteSome(s []string, n int) string {
	q := make([]string, 0, n+1)
	for _, x := range s[:min(n, len(s))] {
		q = append(q, strconv.Quote(x))
	}
	if len(s) > n {
		q = append(q, fmt.Sprintf("… %d more", len(s)-n))
	}
	return strings.Join(q, ", ")
}

// foldLabel is how a data set's label may differ from a model's and still
// name it: letter case, underscores for spaces ("Golden_Retriever" for
// "golden retriever") and for slashes, which no folder name holds
// ("T-shirt_top" for Fashion-MNIST's "T-shirt/top", which no class folder
// could name), surrounding space, and the Unicode form of accented
// letters: macOS names a folder "rosé" with e and a combining accent
// (NFD), where Linux and Windows keep the one letter é (NFC) that most
// keyboards type, so a model fine-tuned on one refused the other's
// folder of the same name. build accepts such a match only when exactly
// one label folds to it.
func foldLabel(s string) string {
	return strings.ToLower(strings.TrimSpace(strings.NewReplacer("_", " ", "/", " ").Replace(norm.NFC.String(s))))
}

// noImageInClasses says that none of the class folders of the tree at
// path, empty, holds a file with one of the extensions read.
func noImageInClasses(path string, empty []string) error {
	names := make([]string, len(empty))
	for i, e := range empty {
		names[i] = filepath.Base(e)
	}
	exts := imageio.ImageExts
	list := strings.Join(names[:min(8, len(names))], ", ")
	if len(names) > 8 {
		list += fmt.Sprintf(", … %d more", len(names)-8)
	}
	if len(names) == 1 {
		return fmt.Errorf("%s: 1 class folder (%s) but it has no image (%s)", path, list, strings.Join(exts, ", "))
	}
	return fmt.Errorf("%s: %d class folders (%s) but none has an image (%s)", path, len(names), list, strings.Join(exts, ", "))
}

// takes reports whether the file at path, in a data set's folder, is an
// image to read (imageio.InFolder: a JPEG named .heic is; macOS's ._NAME
// metadata is no image and no example), and counts it in photos when it is
// one vitctl cannot decode.
func takes(path string, photos *imageio.NoDecoderError) bool {
	f := imageio.InFolder(path)
	if f.NoDecoder != "" {
		photos.Add(f.NoDecoder)
	}
	return f.Image
}

// folder is what readFolder passes over in an ImageFolder tree: class
// folders without an image, images outside the class folders, links that
// lead nowhere, and the files named as images vitctl cannot decode.
type folder struct {
	empty, loose, dangling []string
	lists                  []string // .csv and .jsonl files at the top
	photos                 imageio.NoDecoderError
}

// readFolder reads the ImageFolder tree dir: its class folders' images,
// and in f what it passes over.
func readFolder(dir string, f *folder) (pairs []row, err error) {
	classes, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, c := range classes { // ReadDir sorts by name
		if strings.HasPrefix(c.Name(), ".") {
			continue
		}
		root := filepath.Join(dir, c.Name())
		if c.Type()&fs.ModeSymlink != 0 {
			// A class folder may be a link to one elsewhere (a subset made
			// with ln -s), as torchvision follows it; walking "LINK/."
			// enters it, and the paths under it still start with LINK.
			st, err := os.Stat(root)
			switch {
			case err != nil && imageio.InFolder(root) == (imageio.Found{}): // named as no image
				f.dangling = append(f.dangling, root)
				continue
			case err != nil || !st.IsDir():
				f.file(root)
				continue
			}
			root += string(filepath.Separator) + "."
		} else if !c.IsDir() {
			f.file(root)
			continue
		}
		var files []string
		err := filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !e.IsDir() && takes(p, &f.photos) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			f.empty = append(f.empty, filepath.Join(dir, c.Name()))
		}
		sort.Strings(files)
		for _, p := range files {
			pairs = append(pairs, row{path: p, label: c.Name()})
		}
	}
	return pairs, nil
}

// file takes path, a file at the top of the tree: a loose image or a list
// (one Open reads: listReader).
func (f *folder) file(path string) {
	if listReader(path) != nil {
		f.lists = append(f.lists, path)
		return
	}
	f.loose = appendImage(f.loose, path, &f.photos)
}

// appendImage appends path to list when it is an image to read (takes).
func appendImage(list []string, path string, photos *imageio.NoDecoderError) []string {
	if takes(path, photos) {
		return append(list, path)
	}
	return list
}

// listReader is the reader of the list of path,label that path's
// extension names, in any letter case (.csv, .jsonl), or nil where it
// names none: Open reads such a file in place of a folder, and a folder
// holding one is named in its error (ListsError).
func listReader(path string) func(string) ([]row, error) {
	switch ext := filepath.Ext(path); {
	case strings.EqualFold(ext, ".csv"):
		return readCSV
	case strings.EqualFold(ext, ".jsonl"):
		return readJSONL
	}
	return nil
}

// readCSV reads a CSV list: rows of path,label, or, after a header row
// naming them (csvColumns), whichever columns the header names, other
// columns aside.
func readCSV(path string) ([]row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(skipBOM(f))
	r.FieldsPerRecord = -1
	var pairs []row
	cols := [2]int{0, 1}
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if line == 1 {
			c, ok := csvColumns(rec)
			if ok {
				cols = c
				continue // header
			}
			if err := halfHeader(rec, c); err != nil {
				return nil, fmt.Errorf("%s:1: %w", path, err)
			}
		}
		if n := max(cols[0], cols[1]) + 1; len(rec) < n && n > 2 {
			return nil, fmt.Errorf("%s:%d: %d fields; the header names %d (the path in column %d, the label in column %d)", path, line, len(rec), n, cols[0]+1, cols[1]+1)
		} else if len(rec) < n {
			return nil, fmt.Errorf("%s:%d: %s", path, line, oneField(rec))
		}
		if err := checkRow(rec[cols[0]], rec[cols[1]]); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		pairs = append(pairs, row{path: relTo(path, rec[cols[0]]), label: rec[cols[1]], where: fmt.Sprintf("%s:%d", path, line), given: rec[cols[0]]})
	}
	return pairs, nil
}

// oneField says what a CSV row of one field lacks: a label, or, in a row
// split by semicolons or tabs (Excel's CSV where the comma is a decimal
// point, a TSV), commas.
func oneField(rec []string) string {
	for _, sep := range []struct{ r, name string }{{";", "semicolons"}, {"\t", "tabs"}} {
		if len(rec) == 1 && strings.Contains(rec[0], sep.r) {
			return fmt.Sprintf("%q is one field: want path,label separated by a comma, not by %s", rec[0], sep.name)
		}
	}
	return fmt.Sprintf("%q has no label: want path,label", strings.Join(rec, ","))
}

// bom is the byte order mark Windows programs (Excel's "CSV UTF-8",
// Notepad) begin a UTF-8 file with: it is no part of the first path or
// header, which it hid ("\ufeffpath" is no column name, so the header
// row was read as a row of data, a class named "label").
const bom = "\ufeff"

// skipBOM is r after a leading byte order mark, if any.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(bom)); err == nil && string(b) == bom {
		br.Discard(len(bom))
	}
	return br
}

// pathNames and labelNames are the names a list may give the path and the
// label, as lists made by others name them: file,test_index,label_id,label
// in testdata/images/fashion, file_name in Hugging Face datasets'
// metadata.csv and metadata.jsonl, a pandas DataFrame's column names.
var (
	pathNames  = []string{"path", "file", "filename", "file_name", "image"}
	labelNames = []string{"label", "class"}
)

// csvColumns reads a CSV list's header row: the columns of the path (one of
// pathNames) and of the label (one of labelNames), in any case; ok is false
// for a row naming neither, the list's first row of data.
func csvColumns(rec []string) (cols [2]int, ok bool) {
	cols = [2]int{-1, -1}
	for i, name := range rec {
		name = strings.ToLower(strings.TrimSpace(name))
		for j, names := range [2][]string{pathNames, labelNames} {
			if cols[j] < 0 && slices.Contains(names, name) {
				cols[j] = i
			}
		}
	}
	return cols, cols[0] >= 0 && cols[1] >= 0
}

// halfHeader refuses a first row that names one of the two columns
// (cols from csvColumns) and not the other: a header, whose missing
// column was read as data (embed -o csv's path,model,…,error listing gave
// an image "path" of class "model", and every image the class
// "vit-tiny-in1k").
func halfHeader(rec []string, cols [2]int) error {
	switch {
	case cols[0] >= 0 && cols[1] < 0:
		return fmt.Errorf("a header naming the path (column %d, %q) but no label column: name the labels' column %s",
			cols[0]+1, rec[cols[0]], quoteAll(labelNames))
	case cols[1] >= 0 && cols[0] < 0:
		return fmt.Errorf("a header naming the label (column %d, %q) but no path column: name the paths' column %s",
			cols[1]+1, rec[cols[1]], quoteAll(pathNames))
	}
	return nil
}

func readJSONL(path string) ([]row, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pairs []row
	for i, l := range strings.Split(strings.TrimPrefix(string(b), bom), "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		p, label, err := jsonlRow(l)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w; want {\"path\": ..., \"label\": ...}", path, i+1, err)
		}
		pairs = append(pairs, row{path: relTo(path, p), label: label, where: fmt.Sprintf("%s:%d", path, i+1), given: p})
	}
	return pairs, nil
}

// jsonlRow reads one line of a JSONL list: an object with a path and a
// label, both strings and neither empty, named as a CSV header names them
// (pathNames, labelNames; "path" and "label" first).
func jsonlRow(line string) (path, label string, err error) {
	var rec map[string]any
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		return "", "", errors.New("not a JSON object")
	}
	var vals [2]string
	for i, names := range [2][]string{pathNames, labelNames} {
		k, v, ok := jsonField(rec, names)
		if !ok {
			return "", "", fmt.Errorf("no %q (nor %s)", names[0], quoteAll(names[1:]))
		}
		s, ok := v.(string)
		if !ok {
			return "", "", fmt.Errorf("%q is %s, not a string", k, jsonKind(v))
		}
		vals[i] = s
	}
	return vals[0], vals[1], checkRow(vals[0], vals[1])
}

// jsonField finds the first of names among rec's keys, in any case; an
// exact key comes before one in another case.
func jsonField(rec map[string]any, names []string) (key string, v any, ok bool) {
	for _, n := range names {
		if v, ok := rec[n]; ok {
			return n, v, true
		}
	}
	keys := slices.Sorted(maps.Keys(rec))
	for _, n := range names {
		for _, k := range keys {
			if strings.EqualFold(strings.TrimSpace(k), n) {
				return k, rec[k], true
			}
		}
	}
	return "", nil, false
}

// quoteAll writes names as "a", "b" or "c".
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case float64:
		return "a number"
	case bool:
		return "true or false"
	case nil:
		return "null"
	case []any:
		return "a list"
	}
	return "an object"
}

// checkRow refuses a list's row with an empty path (it named the list's
// folder, "is a directory") or label (a class named "").
func checkRow(path, label string) error {
	switch {
	case strings.TrimSpace(path) == "":
		return errors.New("the path is empty")
	case strings.TrimSpace(label) == "":
		return fmt.Errorf("the label of %s is empty", path)
	}
	return nil
}

// noneThere refuses a list none of whose paths leads to a file when it
// can tell why: paths written on Windows (images\rose\1.jpg), or relative
// to the current folder where the list's folder was meant. Each was
// skipped on its own, a line apiece, and the run then had "no readable
// training images". A list of missing files it cannot explain is left to
// those lines.
func noneThere(list string, pairs []row) error {
	first := pairs[0]
	why := ""
	dir := filepath.Dir(list)
	if strings.Contains(first.given, `\`) {
		why = fmt.Sprintf("its paths are separated by backslashes, as Windows writes them: write them with / (%s)", strings.ReplaceAll(first.given, `\`, "/"))
	} else if _, err := os.Stat(first.given); err == nil && !filepath.IsAbs(first.given) && dir != "." {
		why = fmt.Sprintf("a relative path is read from the list's folder, %s, and %s is one from the current folder: write the paths from %s, or absolute", dir, first.given, dir)
	}
	if why == "" {
		return nil
	}
	for _, p := range pairs {
		if _, err := os.Stat(p.path); !errors.Is(err, fs.ErrNotExist) {
			return nil // there, or some other trouble that its line will name
		}
	}
	return fmt.Errorf("%s: none of its %d paths is a file (%s: %s: no such file or directory); %s", list, len(pairs), first.where, first.path, why)
}

func relTo(list, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(list), p)
}

// Split shuffles the examples with seed and moves the first fraction frac
// to a validation set, returning (train, val). The shuffle is Python's
// random.Random(seed).shuffle, so a split made in PyTorch with the same
// seed over the same sorted paths is the same split; but a class that it
// would leave without a training example keeps all its examples for
// training (their ids in kept): held out, it is never learnt, and its
// validation images count as errors however well the rest is learnt.
func (d *Dataset) Split(frac float64, seed uint64) (tr, val *Dataset, kept []int) {
	ex := slices.Clone(d.Examples)
	NewPyRandom(seed).Shuffle(len(ex), func(i, j int) { ex[i], ex[j] = ex[j], ex[i] })
	nv := int(frac * float64(len(ex)))
	tr, val = &Dataset{Labels: d.Labels, Examples: ex[nv:]}, &Dataset{Labels: d.Labels}
	n := tr.Counts()
	for _, e := range ex[:nv] {
		if n[e.Label] == 0 {
			tr.Examples = append(tr.Examples, e)
			if !slices.Contains(kept, e.Label) {
				kept = append(kept, e.Label)
			}
			continue
		}
		val.Examples = append(val.Examples, e)
	}
	slices.Sort(kept)
	return tr, val, kept
}

// Shared counts the examples of o whose image is also one of d's: the
// same path, however written, the same file under another name (a
// symbolic or hard link; it compared paths alone, and missed a --val
// folder of links to the training images), or a byte-identical copy (a
// photo filed twice, as flowers5 has four in both rose/ and tulip/). A
// validation set that shares the training set's images measures how well
// they were learnt, not new photos.
func (d *Dataset) Shared(o *Dataset) int {
	paths := make(map[string]bool, len(d.Examples))
	bySize := make(map[int64][]statted, len(d.Examples))
	for _, e := range d.Examples {
		paths[absPath(e.Path)] = true
		if fi, err := os.Stat(e.Path); err == nil && fi.Mode().IsRegular() {
			bySize[fi.Size()] = append(bySize[fi.Size()], statted{e.Path, fi})
		}
	}
	sums := map[string][sha256.Size]byte{}
	n := 0
	for _, e := range o.Examples {
		if paths[absPath(e.Path)] || sameContentIn(e.Path, bySize, sums) {
			n++
		}
	}
	return n
}

// statted is a file's path with what os.Stat said of it.
type statted struct {
	path string
	fi   fs.FileInfo
}

// sameContentIn says whether the file at path (links followed) is one of
// the files listed by size, or holds the same bytes as one: only files of
// its size are compared, by SHA-256 (sums caches them by path).
func sameContentIn(path string, bySize map[int64][]statted, sums map[string][sha256.Size]byte) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() || len(bySize[fi.Size()]) == 0 {
		return false
	}
	for _, f := range bySize[fi.Size()] {
		if os.SameFile(fi, f.fi) {
			return true
		}
	}
	sum, ok := fileSum(path, sums)
	if !ok {
		return false
	}
	for _, f := range bySize[fi.Size()] {
		if s, ok := fileSum(f.path, sums); ok && s == sum {
			return true
		}
	}
	return false
}

// fileSum is the SHA-256 of the file at path, cached in sums; false when
// it cannot be read.
func fileSum(path string, sums map[string][sha256.Size]byte) ([sha256.Size]byte, bool) {
	if s, ok := sums[path]; ok {
		return s, true
	}
	f, err := os.Open(path)
	if err != nil {
		return [sha256.Size]byte{}, false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return [sha256.Size]byte{}, false
	}
	var s [sha256.Size]byte
	h.Sum(s[:0])
	sums[path] = s
	return s, true
}

// absPath is p made absolute and clean, or p cleaned where the working
// folder cannot be read.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

// Counts is the number of examples per class.
func (d *Dataset) Counts() []int {
	n := make([]int, len(d.Labels))
	for _, e := range d.Examples {
		n[e.Label]++
	}
	return n
}

// rng returns a generator for one purpose of one run.
func rng(seed uint64, stream ...uint64) *rand.Rand {
	s := seed
	for _, x := range stream {
		s = s*0x9e3779b97f4a7c15 + x + 1
	}
	return rand.New(rand.NewPCG(seed, s))
}
