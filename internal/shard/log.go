package shard

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/vitctl/vitctl/internal/bytestr"
	"github.com/vitctl/vitctl/internal/filelock"
	"github.com/vitctl/vitctl/internal/linkpath"
)

// Record is what a JSONL record says of itself: the input it is for, the
// model that answered (empty in records that do not name one), how many
// labels its top_k holds (0 in a record without one, as a failed input's)
// and whether it has an error (a failed input's).
type Record struct {
	Path        string `json:"path"`
	Model       string `json:"model"`
	ModelSHA256 string `json:"model_sha256"`
	TopK        int    `json:"-"`
	Failed      bool   `json:"-"`
}

// classified says whether rec is what classify writes: a record naming
// its model's SHA-256, with a top_k or an error.
func (rec Record) classified() bool {
	return rec.ModelSHA256 != "" && (rec.TopK > 0 || rec.Failed)
}

// wireRecord is a Record as a line holds it: top_k's entries are counted.
type wireRecord struct {
	Record
	Name   bytestr.String    `json:"path"` // Record.Path, every byte of it
	Labels []json.RawMessage `json:"top_k"`
	Error  string            `json:"error"`
}

// NotResultsError reports a record that classify did not write: one
// without a "model_sha256", or with neither a "top_k" nor an "error" (a
// path,label list, say, which finetune reads).
type NotResultsError struct {
	line []byte
	rec  Record
}

func (e *NotResultsError) Error() string {
	var no []string
	if e.rec.ModelSHA256 == "" {
		no = append(no, `no "model_sha256"`)
	}
	if e.rec.TopK == 0 && !e.rec.Failed {
		no = append(no, `no "top_k" nor "error"`)
	}
	return fmt.Sprintf("the record for %s has %s: %.60q", bytestr.Text(e.rec.Path), strings.Join(no, " and "), bytes.TrimSpace(e.line))
}

// MixedError reports records that one run cannot have written: records of
// two models, or with top_k lists of two lengths.
type MixedError struct{ msg string }

func (e *MixedError) Error() string { return e.msg }

// oneModel checks that records name one model: the first record's SHA-256
// sets it. Every record names its model: ScanRecords, which reads the
// records of its only users (Resume, Merger), refuses one that does not
// (NotResultsError).
type oneModel struct {
	first Record // the first record
	file  string // the file holding first
}

// add checks rec, read from file, against the records before it.
func (o *oneModel) add(rec Record, file string) error {
	if o.first.ModelSHA256 == "" {
		o.first, o.file = rec, file
	}
	if rec.ModelSHA256 == o.first.ModelSHA256 {
		return nil
	}
	return &MixedError{fmt.Sprintf("the record for %s is from model %s (sha256 %s), but %s holds records from %s (sha256 %s): were the runs given different -m?",
		bytestr.Text(rec.Path), rec.Model, rec.ModelSHA256, o.file, o.first.Model, o.first.ModelSHA256)}
}

// NotRecordsError reports a file that is not JSONL records at all: its
// first line is not a JSON record with a path, nor, as the file's only
// and unfinished line, the start of one.
type NotRecordsError struct{ line []byte }

func (e *NotRecordsError) Error() string {
	if c := compressed(e.line); c != "" {
		return c // its bytes, quoted, are noise
	}
	msg := fmt.Sprintf("its first line is not a JSON record with a \"path\": %.60q", bytes.TrimSpace(e.line))
	if kind := otherFormat(e.line); kind != "" {
		msg += "; " + kind
	}
	return msg
}

// compressed says how a file beginning with line is compressed, with what
// to do; "" when it is not.
func compressed(line []byte) string {
	switch {
	case bytes.HasPrefix(line, []byte("\x1f\x8b")):
		return "it is gzip-compressed: gunzip it first (or give <(gunzip -c FILE))"
	case bytes.HasPrefix(line, []byte("\x28\xb5\x2f\xfd")):
		return "it is zstd-compressed: unzstd it first (or give <(zstd -dc FILE))"
	}
	return ""
}

// otherFormat says what a file beginning with line is, when it is one of
// the files a run's records are often mistaken for or turned into, with
// what to do; "" for anything else, where only its first bytes were
// quoted.
func otherFormat(line []byte) string {
	t := bytes.TrimSpace(line)
	switch {
	case bytes.HasPrefix(t, []byte("\ufeff")):
		return "it begins with a byte order mark, as a Windows editor saves it: save it as UTF-8 without one"
	case bytes.HasPrefix(t, []byte("[")):
		return "it is one JSON array, as classify -o json writes, not -o jsonl's records, one a line (jq -c '.[]' FILE turns the array into them)"
	case bytes.HasPrefix(t, []byte("path,model,")):
		return "it is CSV, as classify -o csv writes, not -o jsonl's records"
	case bytes.HasPrefix(t, []byte("model ")) && bytes.Contains(t, []byte("(sha256 ")):
		return "it is text, as classify writes without -o, not -o jsonl's records"
	}
	return ""
}

// Foreign reports whether err, of ScanRecords, Resume or Merger.Add, says
// that a file is not classify's records at all (a *NotRecordsError or a
// *NotResultsError), rather than damaged or mixed ones.
func Foreign(err error) bool {
	_, notRecords := errors.AsType[*NotRecordsError](err)
	_, notResults := errors.AsType[*NotResultsError](err)
	return notRecords || notResults
}

// foreignFile words err, for which Foreign holds, for the file name.
func foreignFile(name string, err error) error {
	if _, ok := errors.AsType[*NotRecordsError](err); ok {
		return fmt.Errorf("%s is not a vitctl JSONL results file (%w)", name, err)
	}
	return fmt.Errorf("%s does not hold classify results (%w)", name, err)
}

// recordStart is how every record a run writes begins.
const recordStart = `{"path":"`

// tornRecord says whether line, a last line without its newline, can be
// what a killed run left: the start of a record, or NUL bytes (blocks a
// crash left unwritten). Anything else was not written by a run.
func tornRecord(line []byte) bool {
	if bytes.HasPrefix(line, []byte(recordStart)) || strings.HasPrefix(recordStart, string(line)) {
		return true
	}
	return len(bytes.Trim(line, "\x00")) == 0
}

// ScanRecords reads the JSONL records classify writes, calling fn with
// each complete line's record and the line itself (with its newline). It
// returns the length of the complete lines; a last line without its
// newline is torn (a run was killed while writing it) and is not passed to
// fn. A complete line that is not a JSON object with a non-empty "path",
// or a torn one that does not start as a record does, is an error naming
// its line: a *NotRecordsError when it is the first; a record classify did
// not write is a *NotResultsError.
func ScanRecords(r io.Reader, fn func(rec Record, line []byte) error) (complete int64, err error) {
	br := bufio.NewReaderSize(r, 1<<20)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return complete, err
		}
		eof := err != nil
		var w wireRecord
		switch {
		case eof && tornRecord(line):
			return complete, nil // a torn last line, or none
		case !eof && json.Unmarshal(line, &w) == nil && w.Name != "":
		case n == 1:
			return complete, &NotRecordsError{line}
		default:
			return complete, fmt.Errorf("line %d is not a JSON record with a path: %.60q", n, bytes.TrimSpace(line))
		}
		rec := w.Record
		rec.Path = string(w.Name)
		rec.TopK, rec.Failed = len(w.Labels), w.Error != ""
		if !rec.classified() {
			return complete, fmt.Errorf("line %d: %w", n, &NotResultsError{line, rec})
		}
		if err := fn(rec, line); err != nil {
			return complete, fmt.Errorf("line %d: %w", n, err)
		}
		complete += int64(len(line))
	}
}

// BusyError reports a file that another run is resuming: it holds the
// file's lock.
type BusyError struct{ Path string }

func (e *BusyError) Error() string {
	return e.Path + " is being written by another run, which holds its lock (one run per file)"
}

// Log is a JSONL output file that a killed run resumes. Each record is
// appended with one write as soon as it is added, so a run killed at any
// moment (kill -9 included) leaves complete records and at most one torn
// last line, which the next Resume drops.
type Log struct {
	path    string
	f       *os.File
	old     *os.File // the file DropFailed renamed over, kept locked until Close
	done    map[string]bool
	failed  map[string]bool // the paths whose record is an input's failure
	model   oneModel
	topK    oneTopK
	err     error // of a write that failed: no record is written after it
	Dropped int64 // bytes of a torn last line removed by Resume
}

// First is the file's first record; zero when it has none.
func (l *Log) First() Record { return l.model.first }

// FirstTopK is the file's first record with a top_k; zero when it has none.
func (l *Log) FirstTopK() Record { return l.topK.first }

// Resume opens the JSONL file at path for appending (creating it if it is
// missing), reads the paths of the records it holds and truncates a torn
// last line. A file that is not JSONL records (a *NotRecordsError), or
// with a record classify did not write (a *NotResultsError), or two
// records for a path, or records of two models or with top_k lists of two
// lengths (a *MixedError), is refused. One process at a time may resume a
// file: it holds the file's lock until Close, and a file another holds is
// refused (a *BusyError), as two runs appending to it wrote each input's
// record twice, and the one reading it could take the other's line in
// progress for a torn one and cut it.
func Resume(path string) (*Log, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o666)
	if err != nil {
		return nil, err
	}
	if filelock.Busy(f) {
		f.Close()
		return nil, &BusyError{path}
	}
	l := &Log{path: path, f: f, done: map[string]bool{}, failed: map[string]bool{}}
	complete, err := ScanRecords(f, func(rec Record, _ []byte) error {
		if l.done[rec.Path] {
			return fmt.Errorf("a second record for %s", bytestr.Text(rec.Path))
		}
		if err := l.model.add(rec, "the file"); err != nil {
			return err
		}
		if err := l.topK.add(rec, "the file"); err != nil {
			return err
		}
		l.done[rec.Path] = true
		if rec.Failed {
			l.failed[rec.Path] = true
		}
		return nil
	})
	if err == nil {
		err = l.dropTorn(complete)
	}
	if err != nil {
		f.Close()
		if Foreign(err) {
			return nil, foreignFile(path, err)
		}
		return nil, fmt.Errorf("%s: %w (cannot resume: move the file away or fix it)", path, err)
	}
	return l, nil
}

func (l *Log) dropTorn(complete int64) error {
	st, err := l.f.Stat()
	if err != nil {
		return err
	}
	if l.Dropped = st.Size() - complete; l.Dropped > 0 {
		return l.f.Truncate(complete)
	}
	return nil
}

// Done says whether the file holds a record for path.
func (l *Log) Done(path string) bool { return l.done[path] }

// Failed says whether the file's record for path is a failure (it has an
// error).
func (l *Log) Failed(path string) bool { return l.failed[path] }

// DropFailed removes the records of failed inputs from the file, so that
// their inputs are done again, and returns how many it removed. The
// records kept are written to a temporary file beside the file (beside
// the file its links lead to), synced and renamed over it, so a run
// killed at any moment leaves the file as it was or without those
// records, never torn; a killed run's temporary, ".NAME.123.tmp", is
// unlocked and can be removed. The temporary is locked before the rename
// and the old file stays locked until Close (but on Windows: replace), so
// no other run takes either for free meanwhile.
func (l *Log) DropFailed() (int, error) {
	if len(l.failed) == 0 {
		return 0, nil
	}
	path := linkpath.Target(l.path)
	st, err := l.f.Stat()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", l.path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, fmt.Errorf("%s: writing the records kept beside it: %w", l.path, err)
	}
	filelock.Busy(tmp) // locks it: renamed, it is the file, which this run holds
	if err := l.copyKept(tmp, st); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return 0, fmt.Errorf("%s: writing the records kept beside it: %w; the file is left as it was", l.path, err)
	}
	switch renamed, err := l.replace(tmp, path); {
	case err != nil && !renamed:
		os.Remove(tmp.Name())
		return 0, fmt.Errorf("%s: %w; the file is left as it was", l.path, err)
	case err != nil:
		return 0, fmt.Errorf("%s: %w", l.path, err)
	}
	linkpath.SyncDir(filepath.Dir(path))
	n := len(l.failed)
	for p := range l.failed {
		delete(l.done, p)
	}
	clear(l.failed)
	return n, nil
}

// openBlocksRename: Windows renames no file that is open, nor over one
// that is (a sharing violation), this process's own handles included,
// where Unix renames and leaves open files to their holders. A variable:
// tests take the Windows way on Unix too.
var openBlocksRename = runtime.GOOS == "windows"

// replace renames tmp, written, over path, the file l.f holds open, and
// makes it l.f. Where open files block the rename (openBlocksRename), both
// are closed first and path is opened again after: --retry-failed on
// Windows failed every time, "rename .out.jsonl.123.tmp out.jsonl: Access
// is denied". renamed says whether path holds tmp's records now.
func (l *Log) replace(tmp *os.File, path string) (renamed bool, err error) {
	if !openBlocksRename {
		if err := os.Rename(tmp.Name(), path); err != nil {
			tmp.Close()
			return false, err
		}
		l.old, l.f = l.f, tmp
		return true, nil
	}
	tmp.Close()
	l.f.Close()
	err = os.Rename(tmp.Name(), path)
	f, oerr := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if oerr != nil {
		return err == nil, errors.Join(err, fmt.Errorf("opening it again: %w", oerr))
	}
	l.f = f
	return err == nil, err
}

// copyKept writes the file's records, but the failures', to tmp, with
// the file's permissions, and syncs it.
func (l *Log) copyKept(tmp *os.File, st os.FileInfo) error {
	w := bufio.NewWriterSize(tmp, 1<<20)
	_, err := ScanRecords(io.NewSectionReader(l.f, 0, st.Size()), func(rec Record, line []byte) error {
		if rec.Failed {
			return nil
		}
		_, err := w.Write(line)
		return err
	})
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Chmod(st.Mode().Perm())
	}
	if err == nil {
		err = tmp.Sync()
	}
	return err
}

// Paths calls fn with the path of each record in the file, in no order.
func (l *Log) Paths(fn func(path string)) {
	for p := range l.done {
		fn(p)
	}
}

// Len is the number of records in the file.
func (l *Log) Len() int { return len(l.done) }

// Write appends one record: a complete line, newline included.
func (l *Log) Write(line []byte) (int, error) {
	if len(line) == 0 || line[len(line)-1] != '\n' {
		return 0, fmt.Errorf("shard: a record must be one complete line")
	}
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.f.Write(line)
	if err != nil {
		// Part of the line may be in the file: a record written after it
		// (a full disk with room again) would make it a corrupt line in
		// the middle, which Resume refuses, where a torn last line is
		// dropped.
		l.err = err
	}
	return n, err
}

// Close syncs the file to storage and closes it.
func (l *Log) Close() error {
	err := l.f.Sync()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	if l.old != nil {
		l.old.Close()
	}
	return err
}
