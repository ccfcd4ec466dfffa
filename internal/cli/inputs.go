package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vitctl/vitctl/internal/bytestr"
	"github.com/vitctl/vitctl/internal/fetch"
	"github.com/vitctl/vitctl/internal/fileprobe"
	"github.com/vitctl/vitctl/internal/imageio"
)

// input is one item to classify: a path, or the reason it cannot be used.
type input struct {
	path string
	key  string // the path relative to the folder named, slash-separated, as --shard hashes it
	err  error
	// listed: read from a list (stdin, --from-file), which names files: a
	// folder there, or a file a folder walk would not take, is passed over
	// (listing.dropListed), not searched nor tried.
	listed bool
}

// fileInput is a path named on its own (an argument, a line of a list): its
// key is the path as given, cleaned (a URL as given).
func fileInput(p string, err error) input {
	if fetch.IsURL(p) {
		return input{path: p, key: p, err: err}
	}
	return input{path: p, key: filepath.ToSlash(filepath.Clean(p)), err: err}
}

// namedAsInput reports whether a folder walk takes a file by its
// extension ext (lower case) alone: an image vitctl decodes, or a .npy
// tensor. Files named on the command line are tried whatever their
// extension.
func namedAsInput(ext string) bool {
	return imageio.IsImageExt(ext) || ext == ".npy"
}

// listing says how folders are listed, and counts what it passed over.
type listing struct {
	recursive bool // descend into sub-folders
	allFiles  bool // take every file, decoded by content, not only namedAsInput's
	skipped   int  // files in folders left out for their names
	subdirs   int  // sub-folders not descended into (without recursive)
	loops     int  // links to folders that hold them, not followed (recursive)
	macMeta   int  // macOS metadata files (._NAME, AppleDouble) passed over
	// skippedFew are the first of the skipped files (4 at most: the note
	// names 3, then "…"), so that the note says which they are.
	skippedFew []string
	// photos counts the skipped files named as images vitctl cannot
	// decode (IMG_0001.HEIC): --all-files would not help with those.
	photos imageio.NoDecoderError
	// folders are the folders named in lists, passed over (the first
	// three named in the note).
	folders []string
	// unlisted are the files named in lists that a folder walk would not
	// take (notes.txt, .DS_Store), passed over; unlistedPhotos counts
	// those of them that are images vitctl cannot decode, as photos does.
	unlisted       []string
	unlistedPhotos imageio.NoDecoderError
}

// takes reports whether the file at path, found in a folder, is an input,
// counting those it leaves out.
func (l *listing) takes(path string) bool {
	f, ok := l.rule(path)
	if !ok && !f.MacMeta {
		l.skipped++
		if len(l.skippedFew) < 4 {
			l.skippedFew = append(l.skippedFew, path) // quoted by firstFew
		}
		if f.NoDecoder != "" {
			l.photos.Add(f.NoDecoder)
		}
	}
	return ok
}

// takesListed reports whether the file at path, named in a list, is one
// a folder walk would take, keeping the names of those it would not.
func (l *listing) takesListed(path string) bool {
	f, ok := l.rule(path)
	if !ok && !f.MacMeta {
		l.unlisted = append(l.unlisted, path)
		if f.NoDecoder != "" {
			l.unlistedPhotos.Add(f.NoDecoder)
		}
	}
	return ok
}

// rule is the folder walk's rule for the file at path: whether it is an
// input, and what imageio.InFolder made of it (a JPEG named .heic is
// taken, a real HEIC not; macOS's ._NAME metadata is never taken, not even
// with --all-files: it is no image whatever its name, and it is counted
// here).
func (l *listing) rule(path string) (imageio.Found, bool) {
	f := imageio.InFolder(path)
	if f.MacMeta {
		l.macMeta++
		return f, false
	}
	return f, f.Image || l.allFiles || strings.EqualFold(filepath.Ext(path), ".npy")
}

// expand turns arguments into the ordered list of inputs: files and
// http(s) URLs as given, folders as their image files in name order
// (listed as l says), and "-" as the paths or URLs read from stdin,
// separated by sep ('\n', or 0 for -0).
func expand(args []string, l *listing, stdin io.Reader, sep byte) ([]input, error) {
	var out []input
	for _, a := range args {
		if a == "-" {
			list, err := readStdinList(stdin, sep)
			if err != nil {
				return nil, err
			}
			out = append(out, list...)
			continue
		}
		if fetch.IsURL(a) {
			out = append(out, fileInput(a, nil))
			continue
		}
		out = append(out, l.expandPath(a)...)
	}
	return out, nil
}

// stdinOnce refuses stdin ("-") named more than once among names, the
// arguments and lists of a command (where says where it may be named):
// the first reads it to its end, and the others silently gave no path.
func stdinOnce(where string, names ...string) error {
	if n := slices.Index(names, "-"); n >= 0 && slices.Contains(names[n+1:], "-") {
		return usagef("- (stdin) is named more than once %s: stdin is read once, to its end, so name it once", where)
	}
	return nil
}

// inputArgs wants at least one input argument, what says what they are,
// and stdin named once among them.
func inputArgs(what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := minArgs(1, what)(cmd, args); err != nil {
			return err
		}
		return stdinOnce("as an argument", args...)
	}
}

// noImages is the error of a run that found no image in its inputs: the
// arguments args ("-": the paths read from stdin) and the --from-file list
// fromFile ("" for none), named (the first three); note is the listing's
// skippedNote.
func noImages(args []string, fromFile, note string) error {
	var names []string
	for _, a := range args {
		names = append(names, inputsName(a, "%s"))
	}
	if fromFile != "" {
		names = append(names, inputsName(fromFile, "the paths listed in %s"))
	}
	if len(names) > 3 {
		names = append(names[:3], fmt.Sprintf("%d more", len(names)-3))
	}
	return fmt.Errorf("no images found in %s%s", andList(names), note)
}

// inputsName names the inputs of the argument or list a, as format puts
// it, or stdin when a is "-".
func inputsName(a, format string) string {
	if a == "-" {
		return "the paths read from stdin"
	}
	return fmt.Sprintf(format, a)
}

// andList joins s as a, b and c.
func andList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// readStdinList is readList of stdin. A folder there (vitctl classify -
// < photos/, as a shell opens one) is a usage error, as --from-file DIR
// is, where it was one failed input named "stdin" ("reading its paths: is
// a directory"), a record a --resume file kept.
func readStdinList(stdin io.Reader, sep byte) ([]input, error) {
	if f, ok := stdin.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, usagef("reading paths from stdin: it is a folder (< DIR), not a list of paths: give the folder itself in place of - (-r for its sub-folders)")
		}
	}
	return readList(stdin, "stdin", sep)
}

// readList reads the paths of a list named name: one per line (a "\r"
// before the "\n" dropped), or, with sep 0, separated by NUL bytes (find
// -print0). Paths are taken as they are: file names may begin or end with
// spaces. Empty entries, and lines of spaces only, are skipped. A list
// saved by a Windows program (Notepad) may begin with a byte order mark,
// which is no part of the first path. A list of lines holding a NUL byte,
// which no path holds, is find -print0's read without -0: a usage error,
// where it was taken for one path (its files skipped for its name, and the
// whole list printed in the note). An entry longer than maxListLine, which
// no path is, is one failed input named NAME:N (its line, or its entry's
// number with -0), and the entries after it are read. An image where the
// list was expected (cat photo.png | vitctl classify -) is a usage error
// saying so (imageAsList).
func readList(r io.Reader, name string, sep byte) ([]input, error) {
	var out []input
	br := bufio.NewReader(r)
	head, err := br.Peek(imageio.MagicBytes)
	if err == io.EOF { // head is the whole list; a terminal says EOF once (Ctrl-D), and Peek took it
		br = bufio.NewReader(bytes.NewReader(head))
	}
	format := imageio.Sniff(head)
	notList := usagef("reading paths from %s: it holds a %s image, not a list of paths: %s", name, strings.ToUpper(format), imageAsList(name))
	if sep == 0 && format != "" && format != "bmp" { // "BM" may begin a path: BMW/1.jpg
		return nil, notList
	}
	for n := 1; ; n++ {
		b, long, err := readEntry(br, sep)
		if errors.Is(err, errNULInLines) && format != "" { // not n == 1: a PNG's first line ends in its signature
			return nil, notList
		}
		if errors.Is(err, errNULInLines) {
			return nil, usagef("reading paths from %s: %v: its paths are separated by NUL bytes (find -print0), so give -0", name, err)
		}
		if n == 1 && err == io.EOF && linesWithNull(b, long, sep) {
			return nil, usagef("reading paths from %s: -0 given, but no NUL byte separates its paths and it holds line breaks: its paths are one per line (find without -print0), so leave out -0", name)
		}
		p := string(b)
		if n == 1 {
			p = strings.TrimPrefix(p, "\ufeff")
		}
		if sep != 0 {
			p = strings.TrimSuffix(p, "\r")
		}
		switch {
		case long:
			at := fmt.Sprintf("%s:%d", name, n)
			out = append(out, input{path: at, key: at, err: fmt.Errorf("%s longer than %s, which no path is: not read (the paths after it are)", entryWord(sep), humanSize(maxListLine))})
		case strings.TrimSpace(p) != "":
			in := fileInput(p, listLineError(p))
			in.listed = true
			out = append(out, in)
		}
		switch {
		case err == io.EOF:
			return out, nil
		case errors.Is(err, context.Canceled): // Ctrl-C while a terminal's list was typed
			return nil, err
		case err != nil:
			return append(out, input{path: name, key: name, err: fmt.Errorf("reading its paths: %w", statError(err))}), nil
		}
	}
}

// listLineError is the error of a line p of a list that is no path but
// holds one, or several, that are: a path with spaces or quotes around it
// (a list written by hand, or quoted as a shell or CSV quotes names), or
// paths separated by commas or tabs, which the run took for one name and
// passed over for its extension (" a.png" and "a.png " are no .png) or
// called "no such file". nil when p is there, or holds no path that is.
func listLineError(p string) error {
	t := strings.TrimSpace(p)
	odd := t != p || strings.ContainsAny(p, ",\t") || len(t) >= 2 && (t[0] == '"' || t[0] == '\'')
	if !odd || fetch.IsURL(p) || exists(p) { // most lines are stat'ed once, by screenListed
		return nil
	}
	spaces, quotes := t != p, false
	if len(t) >= 2 && (t[0] == '"' || t[0] == '\'') && t[len(t)-1] == t[0] {
		t, quotes = t[1:len(t)-1], true
		if u := strings.TrimSpace(t); u != t {
			t, spaces = u, true
		}
	}
	if t != p && t != "" && exists(t) {
		around := "spaces"
		if quotes && spaces {
			around = "quotes and spaces"
		} else if quotes {
			around = "quotes"
		}
		return fmt.Errorf("no such file: the line has %s around %s, which is there; a list holds each path as it is, one a line", around, bytestr.Text(t))
	}
	parts := strings.FieldsFunc(p, func(r rune) bool { return r == ',' || r == '\t' })
	for _, part := range parts {
		if part = strings.TrimSpace(part); !exists(part) {
			return nil
		}
	}
	if len(parts) > 1 {
		return fmt.Errorf("no such file: the line holds %d paths, separated by commas or tabs; a list holds one path a line", len(parts))
	}
	return nil
}

// exists reports whether there is a file or folder at p (a link to one).
func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// linesWithNull says whether the only entry of a list read with -0 (sep
// 0) is lines: paths one per line read as one path, which was passed over
// for its name, the whole list printed in the note (or, one line, failed
// as a name ending in a line break). A long entry is
// dropped unread, so it does not say.
func linesWithNull(entry []byte, long bool, sep byte) bool {
	return sep == 0 && !long && bytes.IndexByte(entry, '\n') >= 0
}

// imageAsList says what to do with an image given where a list of paths
// was read (cat photo.png | vitctl classify -, or --from-file photo.png),
// which was "a line holds a NUL byte: … so give -0" (and with -0, each
// run of its bytes a path "skipped for its name").
func imageAsList(name string) string {
	if name == "stdin" {
		return "name the image as an argument instead of - (a pipe too: <(curl -s URL))"
	}
	return fmt.Sprintf("name it as an argument, not with --from-file (%s)", name)
}

// entryWord is what an entry of a list separated by sep is called.
func entryWord(sep byte) string {
	if sep == 0 {
		return "a NUL-separated entry"
	}
	return "a line"
}

// maxListLine bounds a line (an entry) of a list of paths.
const maxListLine = 1 << 20

// errNULInLines is readEntry's error for a NUL byte in a line.
var errNULInLines = errors.New("a line holds a NUL byte")

// readEntry reads the next entry of a list, up to the byte sep (dropped)
// or the end (io.EOF, with the last entry, or none). An entry longer than
// maxListLine is read to its end and dropped, long set, so that the
// entries after it are read. With sep '\n', a NUL byte in a line is
// errNULInLines.
func readEntry(br *bufio.Reader, sep byte) (entry []byte, long bool, err error) {
	for {
		chunk, err := br.ReadSlice(sep)
		if sep != 0 && bytes.IndexByte(chunk, 0) >= 0 {
			return nil, false, errNULInLines
		}
		if len(chunk) > 0 && chunk[len(chunk)-1] == sep && err == nil {
			chunk = chunk[:len(chunk)-1]
		}
		if long = long || len(entry)+len(chunk) > maxListLine; long {
			entry = nil
		} else {
			entry = append(entry, chunk...)
		}
		if err != bufio.ErrBufferFull {
			return entry, long, err
		}
	}
}

func (l *listing) expandPath(p string) []input {
	st, err := os.Stat(p)
	if err != nil {
		return []input{fileInput(p, notThere(p, statError(err)))}
	}
	if !st.IsDir() {
		return []input{fileInput(p, nil)}
	}
	if !l.recursive {
		return l.listDir(p)
	}
	var out []input
	l.walk(p, p, []string{realPath(p)}, &out)
	return out
}

// walk appends to out the files below dir, keyed by their path below top
// (the folder named), in name order, descending into sub-folders and into
// links to folders, as finetune's class folders and torchvision's
// ImageFolder follow them (a subset made with ln -s). A link to a folder
// that the walk is already inside, or to one above it, is a loop: not
// followed, and counted. chain holds the real paths of top and the links
// followed on the way to dir; the folder holding the link counts too, as a
// walk that came down to it by plain sub-folders is inside it (TOP/a/b/up
// -> TOP/a) but holds no link to it in chain. top may itself be a link to
// a folder (filepath.WalkDir took one for a loop, and found nothing).
func (l *listing) walk(top, dir string, chain []string, out *[]input) {
	entries, err := readDir(dir)
	if err != nil {
		*out = append(*out, dirInput(top, dir, &folderError{statError(err)}))
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir():
			l.walk(top, path, chain, out)
		case e.Type()&fs.ModeSymlink != 0 && isDir(path):
			target := realPath(path)
			inside := func(c string) bool { return within(c, target) }
			if inside(realPath(dir)) || slices.ContainsFunc(chain, inside) {
				l.loops++
				continue
			}
			l.walk(top, path, append(chain[:len(chain):len(chain)], target), out)
		case l.takes(path):
			*out = append(*out, input{path: path, key: relKey(top, path), err: notRegular(path, e.Type())})
		}
	}
}

// readDir lists a folder: os.ReadDir, which a test replaces to make a
// folder unreadable where chmod 000 cannot (run as root).
var readDir = os.ReadDir

// folderError is the error of a folder that cannot be read: an input that
// fails, whose record says so, counted in a run's summary as a folder
// (unreadable), not as an image.
type folderError struct{ err error }

func (e *folderError) Error() string {
	return fmt.Sprintf("a folder that cannot be read (%v): its files are left out", e.err)
}

func (e *folderError) Unwrap() error { return e.err }

// unreadable are the folders of a run that could not be read, counted
// apart from its images.
type unreadable []string

// add keeps path when err is a folder's that could not be read, and
// reports whether it was.
func (u *unreadable) add(path string, err error) bool {
	if _, ok := errors.AsType[*folderError](err); !ok {
		return false
	}
	*u = append(*u, path)
	return true
}

// note says, for a run's summary, which folders could not be read; empty
// when all could.
func (u unreadable) note() string {
	if len(u) == 0 {
		return ""
	}
	return fmt.Sprintf("; %s could not be read (%s)", nouns(len(u), "folder"), firstFew(u))
}

// noneFound is the summary of a run whose only inputs were the folders
// that could not be read: "no images found: 1 folder could not be read
// (photos/raw)", where it read "classified 0 of 0 images …, 0 failed; 1
// folder could not be read (photos/raw)"; "" when the run had an image.
func (u unreadable) noneFound(images int) string {
	if images > 0 || len(u) == 0 {
		return ""
	}
	return fmt.Sprintf("no images found: %s could not be read (%s)", nouns(len(u), "folder"), firstFew(u))
}

// dirInput is the input of the folder dir, found below top (or top
// itself), that cannot be read, err saying why.
func dirInput(top, dir string, err error) input {
	if dir == top {
		return fileInput(dir, err)
	}
	return input{path: dir, key: relKey(top, dir), err: err}
}

// isDir reports whether path is a folder, or a link to one.
func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// realPath is path with its links resolved, or path when they cannot be.
func realPath(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		if a, err := filepath.Abs(r); err == nil {
			return a
		}
	}
	return path
}

// within reports whether the folder inner is outer or below it.
func within(inner, outer string) bool {
	rel, err := filepath.Rel(outer, inner)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// listDir lists the image files directly inside dir, sorted by name.
func (l *listing) listDir(dir string) []input {
	entries, err := readDir(dir)
	if err != nil {
		return []input{fileInput(dir, &folderError{statError(err)})}
	}
	var out []input
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if e.IsDir() || e.Type()&fs.ModeSymlink != 0 && isDir(path) {
			l.subdirs++
		} else if l.takes(path) {
			out = append(out, input{path: path, key: e.Name(), err: notRegular(path, e.Type())})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// notRegular is the error of a file found in a folder, or named in a list,
// of type typ (a link followed: fs.ModeSymlink looks at the file), that is no regular file: a named pipe,
// whose reading would wait for a writer for ever, a socket or a device.
// Such a file is not read; a named pipe named as an argument is
// (<(curl …)). nil for a regular file, or one that cannot be looked at
// (reading it says why).
func notRegular(path string, typ fs.FileMode) error {
	if typ&fs.ModeSymlink != 0 {
		st, err := os.Stat(path)
		if err != nil {
			return nil
		}
		typ = st.Mode().Type()
	}
	kind := fileprobe.Kind(typ)
	switch {
	case kind == "":
		return nil
	case typ&fs.ModeNamedPipe != 0:
		return errors.New("a named pipe, not a regular file: not read, as reading it waits for a program to write to it (name it as an argument to read it)")
	}
	return fmt.Errorf("%s, not a regular file: not read", kind)
}

// dropListed leaves out of inputs the entries of lists that a folder walk
// would not take, counting them for the note: folders, and files not
// named as images (listing.rule); only the inputs owns (this shard's; nil:
// all) are looked at, so a shard stats its own share of a list only.
//
// A list names files: find DIR prints DIR and each sub-folder beside the
// files in them, and a folder that find's tests pass (-newer, -mtime,
// -maxdepth) is no request for all its files. Searching it would run its
// files twice, or ones the list left out, so a folder is searched only
// when it is an argument. find also prints what lies beside the photos
// (notes.txt, .DS_Store, Thumbs.db, macOS's ._IMG_0001.jpg): a list is
// taken as a folder walk takes a folder, and a file named as an argument
// is tried whatever its name.
func (l *listing) dropListed(inputs []input, owns func(key string) bool) []input {
	out := inputs[:0]
	for _, in := range inputs {
		if owns == nil || owns(in.key) {
			st, skip := l.screenListed(in)
			if skip {
				continue
			}
			if st != nil { // a path named in a list that is a named pipe, a socket or a device is not read, as in a folder
				in.err = notRegular(in.path, st.Mode().Type())
			}
		}
		out = append(out, in)
	}
	return out
}

// once drops each input whose path was listed before it, and counts the
// paths listed more than once: an input listed twice (a file named beside
// its folder, a list of two finds' paths) gets one record and one row, as
// merge and --resume want one record a path ("a second record for …").
func once(inputs []input) (out []input, twice int) {
	seen := make(map[string]int, len(inputs))
	out = inputs[:0]
	for _, in := range inputs {
		switch seen[in.path]++; seen[in.path] {
		case 1:
			out = append(out, in)
		case 2:
			twice++
		}
	}
	return out, twice
}

// twiceNote says that twice inputs listed more than once are each done
// once; "" for none.
func twiceNote(twice int) string {
	if twice == 0 {
		return ""
	}
	return fmt.Sprintf("vitctl: note: %s listed more than once %s done once\n", nouns(twice, "input"), verb(twice, "is", "are each"))
}

// passesOver reports whether in, read from a list, is no input: a folder
// (a link to one too), or a file a folder walk would not take; it counts
// what it passes over. URLs are inputs whatever their names; a path that
// cannot be read is judged by its name.
func (l *listing) passesOver(in input) bool {
	_, skip := l.screenListed(in)
	return skip
}

// screenListed is passesOver, also giving what in's path is (its links
// followed), stat'ed once for both: nil for an input read from no list, a
// URL, one that failed already, or a path that cannot be stat'ed.
func (l *listing) screenListed(in input) (fs.FileInfo, bool) {
	if !in.listed || in.err != nil || fetch.IsURL(in.path) {
		return nil, false
	}
	st, err := os.Stat(in.path)
	if err != nil {
		return nil, !l.takesListed(in.path)
	}
	if st.IsDir() {
		l.folders = append(l.folders, in.path)
		return st, true
	}
	return st, !l.takesListed(in.path)
}

// skippedNote says what the listing left out, for a run's summary; empty
// when nothing was.
func (l *listing) skippedNote() string {
	note := ""
	if n := len(l.folders); n > 0 {
		note = fmt.Sprintf("; %s in the list skipped (%s): a list names files, a folder is searched for images when it is an argument",
			nouns(n, "folder"), firstFew(l.folders))
	}
	if n := len(l.unlisted); n > 0 {
		note += fmt.Sprintf("; %s in the list skipped for %s, as in folders (%s%s)%s", nouns(n, "file"), verb(n, "its name", "their names"),
			firstFew(l.unlisted), allFilesHelps(n, &l.unlistedPhotos, "; ", ""), photosNote(n, &l.unlistedPhotos))
	}
	if n := l.skipped; n > 0 {
		note += fmt.Sprintf("; %s in folders skipped for %s (%s%s)%s", nouns(n, "file"), verb(n, "its name", "their names"),
			firstFew(l.skippedFew), allFilesHelps(n, &l.photos, "; ", ""), photosNote(n, &l.photos))
	}
	if l.subdirs > 0 {
		note += fmt.Sprintf("; %s not searched (-r descends into sub-folders)", nouns(l.subdirs, "sub-folder"))
	}
	if l.loops > 0 {
		note += fmt.Sprintf("; %s to a folder holding %s not followed (a loop)", nouns(l.loops, "link"), verb(l.loops, "it", "them"))
	}
	if l.macMeta > 0 {
		note += fmt.Sprintf("; %s skipped (._NAME: what macOS writes beside a file it copies, not an image)", nouns(l.macMeta, "macOS metadata file"))
	}
	return note
}

// photosNote tells, of skipped files, those that are images vitctl cannot
// decode (photos counts them), and says how to convert them: empty when
// there are none.
func photosNote(skipped int, photos *imageio.NoDecoderError) string {
	n := photos.Files
	if n == 0 {
		return ""
	}
	what := photos.Error() // "a HEIC image, which vitctl cannot decode"
	if n > 1 {
		what = strings.Join(photos.Formats, "/") + " images, which vitctl cannot decode"
	}
	switch {
	case n == skipped && n > 1:
		what = "all " + what
	case n < skipped:
		what = fmt.Sprintf("%d of them %s", n, what)
	}
	return fmt.Sprintf(", %s: %s", what, convertAdvice(photos))
}

// allFilesHelps says, in parentheses, that --all-files tries the skipped
// files, unless all of them are images vitctl cannot decode.
func allFilesHelps(skipped int, photos *imageio.NoDecoderError, open, close string) string {
	if photos.Files == skipped {
		return ""
	}
	return open + "--all-files tries every file" + close
}

// relKey is the key of path found in the folder root: its path below root.
func relKey(root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		rel = path
	}
	return filepath.ToSlash(rel)
}

// openUserFile opens for reading a file the user named, its errors in
// the user's terms: "reading NAME: REASON", where os.Open says "open
// NAME: REASON", naming the system call; a folder is refused at once
// (reading one would fail later, as "read NAME: is a directory").
func openUserFile(name string) (*os.File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, readError(err)
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("reading %s: is a folder, not a file", name)
	}
	return f, nil
}

// readError words an *fs.PathError from reading a file the user named
// ("open NAME: REASON", "stat NAME: REASON") as "reading NAME: REASON",
// a link that leads nowhere as brokenLink does; other errors, which say
// what they were doing, are kept.
func readError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return fmt.Errorf("reading %s: %w", pe.Path, brokenLink(pe.Path, pe.Err))
	}
	return err
}

// statError shortens os errors (a path's, or a rename's two) to their
// reason; the path is printed beside it.
func statError(err error) error {
	var pe *fs.PathError
	if ok := asPathError(err, &pe); ok {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
