package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/vitctl/vitctl/internal/convert"
	"github.com/vitctl/vitctl/internal/filelock"
	"github.com/vitctl/vitctl/internal/linkpath"
)

// writeFileAtomic writes path through a temporary file beside it, renamed
// into place only when complete: an interrupt or a full disk never leaves
// a partial file under the real name. Errors name path, never the
// temporary file.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	return writeThrough(createAtomic, path, write)
}

// writeThrough is writeFileAtomic with the temporary file from create.
func writeThrough(create func(string) (*atomicFile, error), path string, write func(io.Writer) error) error {
	f, err := create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.abort()
		return hideTemp(err, path)
	}
	return f.commit()
}

// atomicFile is a temporary file beside path that commit renames to path.
// Its lock (held until the rename or the removal) tells a later run that
// it is not a killed run's (removeStaleTempFiles). For a stream (isStream:
// --out /dev/stdout) it is in the system's temporary folder, and commit
// copies it to path.
type atomicFile struct {
	*os.File
	path   string
	unlock func()
	stream bool
}

// createAtomic makes path's temporary file, after removing those a killed
// run left beside path.
func createAtomic(path string) (*atomicFile, error) {
	if isStream(path) {
		return createStreamTemp(path)
	}
	path = linkpath.Target(path) // renamed onto, a link became a file of its own
	removeStaleTempFiles(path)
	return createTemp(path)
}

// isStream reports whether path is no file a rename may replace: a device,
// a pipe or a socket, or a name under /dev or /proc (/dev/stdout, a link
// to /proc/self/fd/1, is one even when the shell sent stdout to a file).
// Renamed onto, /dev/stdout became a file of results, for every process
// after, where vitctl runs as root (in a container); as another user
// --out /dev/stdout was refused as a folder it cannot write into.
func isStream(path string) bool {
	if abs, err := filepath.Abs(path); err == nil {
		for _, dir := range []string{"/dev/", "/proc/"} {
			if strings.HasPrefix(abs, dir) {
				return true
			}
		}
	}
	st, err := os.Stat(path)
	return err == nil && st.Mode()&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket) != 0
}

// createStreamTemp makes the temporary file of the stream path, which
// commit copies to it whole (nothing when the run fails, as for a file):
// writing it as the run goes would leave half the results there, and a
// .npy's header is written last.
func createStreamTemp(path string) (*atomicFile, error) {
	f, err := os.CreateTemp("", "vitctl-out-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return &atomicFile{File: f, path: path, unlock: func() {}, stream: true}, nil
}

// copyOut copies the stream's temporary file to it and removes the file.
func (f *atomicFile) copyOut() error {
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("writing %s: %w", f.path, err)
	}
	if std := inherited(f.path); std != nil {
		_, err := io.Copy(std, f.File)
		return wrapWriting(f.path, err)
	}
	// Appended to: a file that is a stream's end is one stdout was sent
	// to with >> (its content kept) or > (empty).
	dst, err := os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return wrapWriting(f.path, err)
	}
	_, err = io.Copy(dst, f.File)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return wrapWriting(f.path, err)
}

// inherited is the process's stdout or stderr when path names it
// (/dev/stdout, /dev/fd/1, /proc/self/fd/1), else nil: written through the
// descriptor the shell gave, the results land where the shell's next
// writes follow them (opened anew, a file's offset is its own, and
// "{ vitctl … --out /dev/stdout; echo done; } > log" wrote done over them).
func inherited(path string) *os.File {
	switch filepath.Clean(path) {
	case "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1":
		return os.Stdout
	case "/dev/stderr", "/dev/fd/2", "/proc/self/fd/2":
		return os.Stderr
	}
	return nil
}

// wrapWriting names path in a non-nil err.
func wrapWriting(path string, err error) error {
	if err == nil {
		return nil
	}
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) && pe.Path == path {
		err = pe.Err // "write /dev/full: no space left on device" named path twice
	}
	return fmt.Errorf("writing %s: %w", path, err)
}

// createTemp makes path's temporary file, ".NAME.*.tmp" beside it.
func createTemp(path string) (*atomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, hideTemp(err, path)
	}
	return &atomicFile{File: f, path: path, unlock: filelock.Hold(f.Name())}, nil
}

// commit closes the file and renames it into place.
func (f *atomicFile) commit() error {
	if f.stream {
		return f.copyOut()
	}
	defer f.unlock() // after the rename: an unlocked temporary may be removed
	err := f.Close()
	if err == nil {
		err = os.Chmod(f.Name(), linkpath.KeptMode(f.path))
	}
	if err == nil {
		err = os.Rename(f.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.Name())
		if st, serr := os.Lstat(f.path); serr == nil && st.IsDir() { // made after checkOutputFile looked
			return fmt.Errorf("%s: %w", f.path, errFolderInWay)
		}
		return hideTemp(err, f.path)
	}
	return nil
}

// errFolderInWay is commit's error when a folder has the output file's
// name (the rename says "file exists"), worded as inspect-attention's for
// a picture's name.
var errFolderInWay = errors.New("is a folder, where the output file goes; move it away or give another name")

// abort closes and removes the temporary file.
func (f *atomicFile) abort() {
	f.Close()
	os.Remove(f.Name())
	f.unlock()
}

// hideTemp rewrites an error in writing path as one naming path, never
// its temporary file.
func hideTemp(err error, path string) error {
	if cause, ok := tempCause(err, path); ok {
		err = cause
	}
	return fmt.Errorf("writing %s: %w", path, err)
}

// tempCause finds, in an error about path's temporary file (".NAME.…"
// beside it, or beside the file its links lead to, as createAtomic and the
// gguf writer name them), the reason.
func tempCause(err error, path string) (error, bool) {
	target := linkpath.Target(path) // where a link's temporary goes
	isTemp := func(p string) bool {
		return isTempOf(p, path) || isTempOf(p, target)
	}
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe) && isTemp(pe.Path):
		return pe.Err, true
	case errors.As(err, &le) && isTemp(le.Old):
		return le.Err, true
	}
	return err, false
}

// isTempOf reports whether p is a temporary file of path's (".NAME.…"
// beside it).
func isTempOf(p, path string) bool {
	return filepath.Dir(p) == filepath.Dir(path) && strings.HasPrefix(filepath.Base(p), "."+filepath.Base(path)+".")
}

// notWritten says of path, an output file that a failed or interrupted
// run did not write (its temporary removed): "FILE is not written", or,
// when a file was there before, "FILE is left as it was, not replaced",
// where "not written" alone read as if the earlier file were gone (a
// device or pipe is only not written).
func notWritten(path string) string {
	if _, err := os.Lstat(path); err == nil && !isStream(path) {
		return path + " is left as it was, not replaced"
	}
	return path + " is not written"
}

// checkOutputFile checks, before any work, that path (given with flag) can
// be written: its folder exists and takes new files, and path is not a
// folder. Empty paths pass, and so does "-", which checkResultsName and
// checkModelName refuse.
func checkOutputFile(flag, path string) error {
	if path == "" || path == "-" || isStream(path) {
		return nil
	}
	path = linkpath.Target(path) // the file written, and the folder its temporary goes in
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return usagef("%s %s: is a folder; give a file name", flag, path)
	case err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o222 == 0:
		// The rename would replace it all the same: a file made read-only
		// to keep it was overwritten, and made writable.
		return readOnlyOut(flag, path, st.Mode().Perm(), runtime.GOOS)
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if f := fileAbove(path); f != "" {
			return usagef("%s %s: %s is not a folder", flag, path, f)
		}
		return usagef("%s %s: folder %s does not exist", flag, path, dir)
	}
	return probeWrite(flag, path, dir, "."+filepath.Base(path)+".*.tmp")
}

// readOnlyOut refuses path (given with flag), a file read-only on goos,
// saying how to make it writable there: Windows has no chmod, and its
// read-only attribute shows as -r--r--r--, which it set on no one's file.
func readOnlyOut(flag, path string, perm fs.FileMode, goos string) error {
	if goos == "windows" {
		return usagef("%s %s: is read-only (its read-only attribute is set), and vitctl leaves it as it is: make it writable (attrib -r %s) or give another name", flag, path, path)
	}
	return usagef("%s %s: is read-only (%v), and vitctl leaves it as it is: make it writable (chmod u+w %s) or give another name", flag, path, perm, path)
}

// probeWrite checks that dir takes a new file, named as pattern says (a
// pattern of os.CreateTemp), by making one and removing it; its error
// names flag's path, the folder and why.
func probeWrite(flag, path, dir, pattern string) error {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return fmt.Errorf("%s %s: cannot write into %s: %w", flag, path, dir, statError(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// checkOutputFolder checks that the folder flag names (inspect-attention's
// --out DIR) can be written into: dir when it is there, else the nearest
// folder above it, where it is made. It said "--out: mkdir attn:
// permission denied" of a folder it could not make, and of one there
// that it could not write into, "making attn/IMG: permission denied" for
// every image of the run, once the model was loaded.
func checkOutputFolder(flag, dir string) error {
	at := dir
	for {
		if st, err := os.Stat(at); err == nil && st.IsDir() {
			break
		}
		if at == filepath.Dir(at) {
			return nil // nothing there to write into: the run's own mkdir says why
		}
		at = filepath.Dir(at)
	}
	return probeWrite(flag, dir, at, ".vitctl-check-*.tmp")
}

// checkResultsName refuses a name like an image's for a results file
// (results.ext): after "--out *.jpg" the shell hands --out the first photo,
// which the results would replace; and a name of a format vitctl does not
// write (unwrittenExts: .tsv, .parquet, .gz). "-" is refused: it wrote a
// file named -, where elsewhere it means stdout, and stdout is where the
// results go without flag.
func checkResultsName(flag, path, ext string) error {
	if path == "-" {
		return usagef("%s -: would write a file named -, not stdout: leave %s out to print the results on stdout, or give ./- for a file of that name", flag, flag)
	}
	e := strings.ToLower(filepath.Ext(path))
	if u, ok := unwrittenExts[e]; ok {
		what, hint := formatNames[ext], "give a name such as results."+ext
		if u.compressed {
			what += ", uncompressed"
			if inner := uncompressed(path); strings.EqualFold(filepath.Ext(inner), "."+ext) {
				hint = fmt.Sprintf("give %s, and compress it once it is written", inner)
			}
		}
		return usagef("%s %s: a %s name, for %s, which vitctl does not write: these results would be %s; %s", flag, path, e, u.what, what, hint)
	}
	return checkNotInputName(flag, path, ext, "results that are not one", "results")
}

// unwrittenExts are the endings of data formats vitctl does not write,
// and of compressed files, with what a file so named is: results under
// such a name read as neither (--out labels.tsv got text blocks, which
// pandas' read_csv(sep="\t") made nothing of, and --out labels.jsonl.gz
// was no gzip file).
var unwrittenExts = map[string]struct {
	what       string
	compressed bool
}{
	".tsv": {"tab-separated values", false}, ".parquet": {"Parquet", false},
	".xlsx": {"an Excel workbook", false}, ".xls": {"an Excel workbook", false},
	".gz": {"a gzip file", true}, ".bz2": {"a bzip2 file", true}, ".xz": {"an xz file", true},
	".zst": {"a zstd file", true}, ".zip": {"a zip archive", true},
}

// uncompressed is path less a compressed file's ending (labels.csv of
// labels.csv.gz), path itself otherwise: the format an --out name says
// is that of the name within (classify --out labels.csv.gz said its
// results would be text, and to give results.txt).
func uncompressed(path string) string {
	if u, ok := unwrittenExts[strings.ToLower(filepath.Ext(path))]; ok && u.compressed {
		return strings.TrimSuffix(path, filepath.Ext(path))
	}
	return path
}

// formatNames name the format of results written to a file ending in
// each results ending (checkResultsName's ext).
var formatNames = map[string]string{"txt": "text", "json": "JSON", "jsonl": "JSONL", "csv": "CSV", "npy": "a NumPy array"}

// formatEnding is the ending of a results file of format (-o's value):
// txt for text, the format's name otherwise.
func formatEnding(format string) string {
	if format == "text" {
		return "txt"
	}
	return format
}

// checkModelName refuses a name like an image's for a model file
// (convert's and finetune's --out), as checkResultsName does for results,
// and a checkpoint's (model.safetensors, x.bin, x.pth): -m reads a file so
// named as a checkpoint, and refused the model file written under it.
func checkModelName(flag, path string) error {
	if path == "-" { // it wrote a file named -, where - means stdout elsewhere
		return usagef("%s -: a model file is written to a file, not to stdout: give a name such as model.gguf (./- names a file called -)", flag)
	}
	if isStream(path) {
		return usagef("%s %s: is no file but a device or a pipe, and a model file is written beside its name and renamed: give a file name", flag, path)
	}
	if convert.CheckpointName(path) {
		return usagef("%s %s: a checkpoint's name, and -m would take the model file written under it for one; give a name such as model.gguf", flag, path)
	}
	return checkNotInputName(flag, path, "gguf", "a model file, which is not one", "model")
}

// fileAbove is the nearest folder above path that is there, when it is
// no folder but a file ("" when it is a folder): inspect-attention --out
// photo.jpg/attn failed once the model was loaded, with "mkdir photo.jpg:
// not a directory", and export's said "not a directory" alone.
func fileAbove(path string) string {
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		if st, err := os.Stat(dir); err == nil {
			if st.IsDir() {
				return ""
			}
			return dir
		}
		if dir == filepath.Dir(dir) {
			return ""
		}
	}
}

// checkFolderName refuses "-" for the folder flag names (export's and
// inspect-attention's --out), as checkResultsName does for a file: it
// wrote a folder named -, where - means stdout elsewhere. goes says what
// is written into the folder, and example is a name to give instead.
func checkFolderName(flag, path, goes, example string) error {
	if path == "-" {
		return usagef("%s -: %s a folder, not to stdout: give a folder name such as %s (./- names a folder called -)", flag, goes, example)
	}
	return nil
}

// checkNotResultsName refuses a results name (.json, .txt, .csv, …: the
// endings of formatExts) for the model file that command writes to --out
// out: convert's --out DIR/config.json wrote the model file over the config
// of the checkpoint it converted, and finetune's --out summary.json -o json
// under the name meant for the summary, which goes to stdout. what says
// more of the model file, where says where the results go; either may be
// "" (each is said in brackets).
func checkNotResultsName(out, command, what, where string) error {
	ext := strings.ToLower(filepath.Ext(out))
	if formatExts[ext] == "" {
		return nil
	}
	if what != "" {
		what = " (" + what + ")"
	}
	if where != "" {
		where = " (" + where + ")"
	}
	return usagef("--out %s: a %s name, for the model file %s writes%s; give a name such as model.gguf%s", out, ext, command, what, where)
}

// checkNotInputName refuses path, a file of what (named as base.ext would
// be), when its name is an input's (namedAsInput) other than ext's.
func checkNotInputName(flag, path, ext, what, base string) error {
	if e := strings.ToLower(filepath.Ext(path)); namedAsInput(e) && e != "."+ext {
		return usagef("%s %s: a %s name, for %s; give a name such as %s.%s (after --out, a shell pattern such as *%s hands it the first file it matches)", flag, path, e, what, base, ext, e)
	}
	return nil
}

// checkNotInput refuses an output file that is also one of the inputs,
// which the results would replace. Only inputs of the file's name are
// compared, so a long listing costs no more than that.
func checkNotInput(flag, path string, inputs []input) error {
	if path == "" {
		return nil
	}
	ost, err := os.Stat(path)
	if err != nil {
		return nil // not there: no input is it
	}
	for _, in := range inputs {
		if in.err != nil || filepath.Base(in.path) != filepath.Base(path) {
			continue
		}
		if sameRegularFile(ost, in.path) {
			return usagef("%s %s: is also one of the inputs, which the results would replace; give another file", flag, path)
		}
	}
	return nil
}

// checkPlotFile is checkOutputFile for a chart, which is a PNG image: the
// name must end in .png, so that no PNG bytes land under a .jpg name.
func checkPlotFile(flag, path string) error {
	if ext := strings.ToLower(filepath.Ext(path)); path != "" && ext != ".png" {
		return usagef("%s %s: the chart is a PNG image; give a name ending in .png", flag, path)
	}
	return checkOutputFile(flag, path)
}

// checkDistinctOutputs refuses two output files of one command, each
// given as {flag, path}, that are one file: the same name, another
// spelling of it, or a name that leads to it through links (--plot a.png
// with a.png -> rows.csv): the second written would replace the first.
// Empty paths and streams (--out /dev/null) are passed over.
func checkDistinctOutputs(outs ...[2]string) error {
	for i, a := range outs {
		for _, b := range outs[i+1:] {
			if !sameOutput(a[1], b[1]) {
				continue
			}
			how := ""
			if t := linkpath.Target(b[1]); t != b[1] {
				how = fmt.Sprintf(" (%s leads to %s)", b[1], t)
			} else if t := linkpath.Target(a[1]); t != a[1] {
				how = fmt.Sprintf(" (%s leads to %s)", a[1], t)
			}
			return usagef("%s %s and %s %s name one file%s: the second written would replace the first; give one of them another name", a[0], a[1], b[0], b[1], how)
		}
	}
	return nil
}

// sameOutput reports whether writing a and b writes one file: their links
// (the file's and its folders') lead to one name, or, both there, they
// are one file (os.SameFile: a hard link, a bind mount).
func sameOutput(a, b string) bool {
	if a == "" || b == "" || isStream(a) || isStream(b) {
		return false
	}
	if outputKey(a) == outputKey(b) {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// outputKey is the absolute name of the file a write to path lands in,
// its links and its folder's followed, there or not yet.
func outputKey(path string) string {
	t := linkpath.Target(path)
	if dir, err := filepath.EvalSymlinks(filepath.Dir(t)); err == nil {
		t = filepath.Join(dir, filepath.Base(t))
	}
	if abs, err := filepath.Abs(t); err == nil {
		return abs
	}
	return t
}

// checkNotRead refuses an output file that is one of the files a command
// reads, each given as {what, path} (what names it: "the input x.png",
// "-m base.gguf"): writing it would destroy it. os.SameFile, so another
// spelling or a link to the file counts; paths that are no file pass.
func checkNotRead(flag, out string, inputs ...[2]string) error {
	if out == "" {
		return nil
	}
	ost, err := os.Stat(out)
	if err != nil {
		return nil
	}
	for _, in := range inputs {
		if sameRegularFile(ost, in[1]) {
			return usagef("%s %s: is %s; writing it would overwrite that file: give another name", flag, out, in[0])
		}
	}
	return nil
}

// modelRead is checkNotRead's {what, path} of the model file -m names
// (a built-in name or a folder is no file, and passes).
func modelRead(path string) [2]string {
	return [2]string{"the model -m " + path, path}
}

// sameRegularFile reports whether path is the regular file out (os.SameFile: another
// spelling or a link counts), for checkNotInput and checkNotRead.
func sameRegularFile(out os.FileInfo, path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && os.SameFile(out, st)
}
