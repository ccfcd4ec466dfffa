package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vitctl/vitctl/internal/bytestr"
	"github.com/vitctl/vitctl/internal/fetch"
	"github.com/vitctl/vitctl/internal/shard"
)

func init() { subcommands = append(subcommands, newMergeCmd) }

// mergeOptions are merge's flags.
type mergeOptions struct {
	out       string
	inputs    []string
	recursive bool
	allFiles  bool
	fromFile  string
	null      bool
}

func newMergeCmd(s streams) *cobra.Command {
	o := &mergeOptions{}
	cmd := &cobra.Command{
		Use:   "merge [flags] SHARD.jsonl...",
		Short: "Join the JSONL files of a sharded run, checking each input has one record",
		Long: `Merge copies the records of the JSONL files written by the shards of a
run (classify --shard I/N -o jsonl --out FILE) to stdout or --out, file
after file, once every file is checked: a failing merge writes no record.
An --out name ending in .csv or .json gets them as classify -o csv or
-o json writes them; any other name, and stdout, the shards' JSONL.
It fails, naming the files, when a path has two records, the records are
from two models (model_sha256) or hold top_k lists of two lengths (shards
run with different -k), a file ends with a torn line (its shard was killed:
run it again with --resume), or the files hold no record at all. A file
named twice, the --out file among the files, and a file that is not
classify's records (not JSONL records, or records without "model_sha256" or
without "top_k" or "error": a path,label list, embed's vectors), as classify
--resume refuses it, and - (merge reads files, not stdin: give a command's
output as <(cmd)) are usage errors. With the run's inputs (--inputs, -r,
--all-files, --from-file, as given to classify) it also checks that every
input has a record and that no record is for another path. docs/scale.md
shows a whole sharded run.`,
		Example: `  vitctl classify -m fashion-vit --shard 0/2 --out shard-0.jsonl testdata/images/fashion
  vitctl classify -m fashion-vit --shard 1/2 --out shard-1.jsonl testdata/images/fashion
  vitctl merge --inputs testdata/images/fashion --out labels.jsonl shard-0.jsonl shard-1.jsonl
  vitctl merge --out labels.jsonl results/shard-*.jsonl
  vitctl merge --out labels.csv results/shard-*.jsonl
  vitctl merge --inputs /data/images -r --out labels.jsonl results/shard-*.jsonl`,
		Args: minArgs(1, "the JSONL files of the shards"),
		// The shards' files, and folders: <TAB> offered every file.
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"jsonl", "ndjson"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runMerge(cmd.Context(), s, o, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "write the merged records to this file (through a temporary file, renamed only when every check passed) instead of stdout: CSV for a name ending in .csv, a JSON array for .json, JSONL otherwise")
	f.StringArrayVar(&o.inputs, "inputs", nil, "an image, folder or - (paths on stdin) the run was given; repeat for each; every input must have one record")
	f.BoolVarP(&o.recursive, "recursive", "r", false, "the run descended into sub-folders of the --inputs folders")
	f.BoolVar(&o.allFiles, "all-files", false, "the run took every file of the --inputs folders and lists, not only those named as images (classify --all-files)")
	f.StringVar(&o.fromFile, "from-file", "", "the list of paths the run read with --from-file; every one must have one record (a folder in it, or a file not named as an image without --all-files, is passed over, as classify passes it over)")
	f.BoolVarP(&o.null, "null", "0", false, "the paths of --from-file or - are separated by NUL bytes")
	return cmd
}

func runMerge(ctx context.Context, s streams, o *mergeOptions, files []string) error {
	format, err := o.check(files)
	if err != nil {
		return err
	}
	// Nothing reaches stdout or --out before every file and input is
	// checked, so a failing merge writes no part of a result: --out goes
	// through a temporary file, and the records for stdout are held in
	// memory until then. They are small JSON lines (a few hundred bytes
	// each, some hundred MB for a million images); reading the files twice
	// instead would fail on a pipe (<(ssh host cat shard.jsonl)) and could
	// copy a file changed between the two reads.
	var held bytes.Buffer
	w, tmp := io.Writer(&held), (*atomicFile)(nil)
	if o.out != "" {
		if tmp, err = createAtomic(o.out); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		w = tmp
	}
	m, err := o.merge(ctx, s, files, format, w)
	switch {
	case tmp != nil && err != nil:
		tmp.abort()
		return err
	case tmp != nil:
		err = tmp.commit()
	case err == nil:
		err = writeOutput(s.out, &held)
	}
	if err == nil {
		into := ""
		if o.out != "" {
			into = " into " + o.out
		}
		fmt.Fprintf(s.err, "merged %s from %s%s\n", nouns(m.Len(), "record"), nouns(len(files), "file"), into)
	}
	return err
}

// check refuses, before any file is read, flags and files that make no
// merge, and gives the format --out's name says.
func (o *mergeOptions) check(files []string) (format string, err error) {
	if err := checkOutputFile("--out", o.out); err != nil {
		return "", err
	}
	format = mergeFormat(o.out)
	if err := checkResultsName("--out", o.out, formatEnding(format)); err != nil {
		return "", err
	}
	if err := checkMergeFiles(files, o.out); err != nil {
		return "", err
	}
	if err := checkNotRead("--out", o.out, [2]string{"the list --from-file " + o.fromFile, o.fromFile}); err != nil {
		return "", err // the merged records replaced the run's list
	}
	if format == "text" {
		return "", usagef("--out %s: a text name, and merge writes records, not text tables: give a name ending in .jsonl (the shards' JSONL), .csv or .json (the rows or array classify -o csv or -o json writes)", o.out)
	}
	if err := stdinOnce("in --inputs and --from-file", append(slices.Clone(o.inputs), o.fromFile)...); err != nil {
		return "", err
	}
	return format, o.checkListFlags()
}

// merge writes the records of files to w in format, and checks them
// against the run's inputs; an error leaves w with a part of them.
func (o *mergeOptions) merge(ctx context.Context, s streams, files []string, format string, w io.Writer) (*shard.Merger, error) {
	rep, err := newRecordsWriter(format, w)
	if err != nil {
		return nil, err
	}
	m, err := mergeFiles(files, rep)
	if err != nil {
		return nil, err
	}
	if err := rep.close(); err != nil {
		return nil, err
	}
	if err := o.checkInputs(ctx, s, m); err != nil { // first: its inputs without a record say more
		return nil, err
	}
	if m.Len() == 0 {
		return nil, noRecords(files)
	}
	return m, nil
}

// mergeFormat is the format of the merged records that the --out name
// out says, as classify's --out name picks it: CSV for .csv, a JSON array
// for .json, text for .txt (which check refuses: merge --out labels.csv
// wrote JSONL under that name, which no CSV reader took, and text tables
// are for people, not the records of a run), the shards' JSONL otherwise
// (stdout, .jsonl, any other name).
func mergeFormat(out string) string {
	if f, _ := nameFormat(out); f != "" {
		return f
	}
	return "jsonl"
}

// recordsWriter takes the merged JSONL records, one a Write (as
// shard.Merger.Add writes them), and writes them in its format: as they
// are for JSONL, else each read back and written by format's reporter,
// classify's CSV rows or JSON array.
type recordsWriter struct {
	w   io.Writer
	rep reporter // nil: JSONL, copied
}

func newRecordsWriter(format string, w io.Writer) (*recordsWriter, error) {
	if format == "jsonl" {
		return &recordsWriter{w: w}, nil
	}
	rep, err := newReporter(format, w, "")
	return &recordsWriter{w: w, rep: rep}, err
}

func (r *recordsWriter) Write(line []byte) (int, error) {
	if r.rep == nil {
		return r.w.Write(line)
	}
	var rec record
	if err := json.Unmarshal(line, &rec); err != nil {
		return 0, fmt.Errorf("reading a record back: %w", err)
	}
	return len(line), r.rep.add(rec)
}

// close ends the format's document (a JSON array's bracket).
func (r *recordsWriter) close() error {
	if r.rep == nil {
		return nil
	}
	return r.rep.close()
}

// noRecords is the error of a merge of files that hold no record, as
// noImages is classify's of a listing without images: there is nothing to
// merge, and a run that wrote only empty files did no work.
func noRecords(files []string) error {
	names := files
	if len(names) > 3 {
		names = append(slices.Clone(names[:3]), fmt.Sprintf("%d more", len(names)-3))
	}
	return fmt.Errorf("no records found in %s: nothing to merge", andList(names))
}

// stdinNotShard is merge's refusal of "-", which it took for a file
// ("reading -: no such file or directory").
const stdinNotShard = `-: merge reads the shards' files, not stdin: give the files, or a command's output as a file with process substitution (vitctl merge <(ssh host cat shard-0.jsonl) shard-1.jsonl); a file named - is ./-`

// checkMergeFiles refuses "-" (stdin), a folder (the shards' results/, meant for the
// files in it), a file named twice and --out among the files, as
// a glob rerun after a first merge into the same folder names it
// (results/*.jsonl with --out results/all.jsonl): each would read as every
// record twice.
func checkMergeFiles(files []string, out string) error {
	seen := make([]os.FileInfo, len(files)) // nil: cannot stat, mergeFiles says why
	outSt, _ := os.Stat(out)
	for i, name := range files {
		if name == "-" {
			return usagef("%s", stdinNotShard)
		}
		if seen[i], _ = os.Stat(name); seen[i] == nil {
			continue
		}
		if seen[i].IsDir() {
			return usagef("%s is a folder: give the shards' files in it (%s)", name, filepath.Join(name, "*.jsonl"))
		}
		if outSt != nil && os.SameFile(seen[i], outSt) {
			return usagef("%s is --out %s, the merged file: leave it out of the files to merge", name, out)
		}
		for j, prev := range seen[:i] {
			switch {
			case prev == nil || !os.SameFile(seen[i], prev):
			case files[j] == name:
				return usagef("%s is named twice: give each shard's file once", name)
			default:
				return usagef("%s is named twice (as %s and %s): give each shard's file once", name, files[j], name)
			}
		}
	}
	return nil
}

func mergeFiles(files []string, w io.Writer) (*shard.Merger, error) {
	m := shard.NewMerger()
	for _, name := range files {
		f, err := openUserFile(name)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		err = m.Add(name, f, w)
		f.Close()
		if shard.Foreign(err) { // not a run's records at all, as classify --resume refuses
			return nil, usagef("%w; merge joins the files classify -o jsonl --out wrote", err)
		}
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

// checkListFlags refuses the flags that say how the run's inputs were
// listed (-r, --all-files, -0) in a merge given no inputs to list: they
// were taken without a word and did nothing (-r did not descend into a
// folder of shard files, nor -0 read a list).
func (o *mergeOptions) checkListFlags() error {
	if o.null && !slices.Contains(o.inputs, "-") && o.fromFile == "" {
		return usagef("-0 separates the paths of --from-file or --inputs - by NUL bytes, and this merge reads no list: give the run's list (--from-file LIST -0), or leave out -0")
	}
	if len(o.inputs) > 0 || o.fromFile != "" {
		return nil
	}
	for _, f := range []struct {
		set  bool
		name string
	}{{o.recursive, "-r"}, {o.allFiles, "--all-files"}} {
		if f.set {
			return usagef("%s says how the run listed its input folders, and this merge is given none: give them with --inputs DIR (or --from-file LIST) to check that each input has a record, or leave out %s", f.name, f.name)
		}
	}
	return nil
}

// checkInputs compares the merged records with the run's inputs, if given:
// each has its record, or a .npy file of N images one for each image
// (FILE[0] … FILE[N-1], counted from its header), and no record is for
// anything else.
func (o *mergeOptions) checkInputs(ctx context.Context, s streams, m *shard.Merger) error {
	if len(o.inputs) == 0 && o.fromFile == "" {
		return nil
	}
	lst := &listing{recursive: o.recursive, allFiles: o.allFiles}
	inputs, err := o.listInputs(ctx, s, lst)
	if err != nil {
		return err
	}
	c := compareRecords(ctx, m, inputs, lst)
	if m.Len() == 0 && len(c.want) == 0 {
		return nil // no inputs, no records: runMerge says there is nothing to merge
	}
	if err := o.recordsError(m, lst, c); err != nil {
		return err
	}
	c.say(s.err)
	return nil
}

// listInputs lists the run's inputs as classify listed them (folders as
// lst says), those of --inputs, then those of --from-file.
func (o *mergeOptions) listInputs(ctx context.Context, s streams, lst *listing) ([]input, error) {
	sep := byte('\n')
	if o.null {
		sep = 0
	}
	inputs, err := expand(o.inputs, lst, s.in, sep)
	if err != nil {
		return nil, err
	}
	if o.fromFile != "" {
		list, err := readListFile(ctx, o.fromFile, s, sep)
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, list...)
	}
	return inputs, nil
}

// inputRecords is how the run's inputs and the merged records compare:
// the paths of the records the inputs want, the inputs named (each once),
// the wanted paths without a record and the records' paths not wanted
// (sorted).
type inputRecords struct {
	want, named    map[string]bool
	missing, extra []string
}

// compareRecords compares the run's inputs with the merged records,
// passing over what classify passed over and inputs listed again.
func compareRecords(ctx context.Context, m *shard.Merger, inputs []input, lst *listing) inputRecords {
	c := inputRecords{want: map[string]bool{}, named: map[string]bool{}}
	for _, in := range inputs {
		if !m.Has(in.path) && lst.passesOver(in) {
			continue // classify passed over it: a folder, or a file not named as an image, named in a list
		}
		if c.named[in.path] {
			continue // listed again: classify did it once (once), after passing over what it passed over
		}
		c.named[in.path] = true
		for _, p := range recordPaths(ctx, m, in.path) {
			if c.want[p] = true; !m.Has(p) {
				c.missing = append(c.missing, p)
			}
		}
	}
	m.Paths(func(p string) {
		if !c.want[p] {
			c.extra = append(c.extra, p)
		}
	})
	slices.Sort(c.extra)
	return c
}

// recordsError is the error of records (some) that do not match the
// inputs (c), nil when they do.
func (o *mergeOptions) recordsError(m *shard.Merger, lst *listing, c inputRecords) error {
	switch {
	case len(c.want) == 0 && lst.subdirs == 0 && lst.skipped == 0: // else extraHint names -r and --all-files
		// An empty list (--from-file, or - of nothing): no run had it, as
		// classify finds no image there; each record was said to be "for a
		// path that is not an input".
		given := o.givenInputs()
		return fmt.Errorf("%s %s no input, where the files hold %s: give --inputs (and --from-file) as the run gave them",
			andList(given), verb(len(given), "gives", "give"), nouns(m.Len(), "record"))
	case len(c.missing) > 0 && len(c.extra) > 0:
		if err := namedOtherwise(c.missing, c.extra, len(c.want)); err != nil {
			return err
		}
		fallthrough
	case len(c.missing) > 0:
		return missingError(c.missing, len(c.want))
	case len(c.extra) > 0:
		return extraError(c.extra, lst)
	}
	return nil
}

// extraError is the error of records for paths (extra) that are not
// inputs, the inputs listed as lst says.
func extraError(extra []string, lst *listing) error {
	hint := extraHint(lst)
	switch n := goneFiles(extra); {
	case n == len(extra):
		hint = verb(n, "it is no longer there, removed or renamed since the run: delete its line from its shard's file",
			"they are no longer there, removed or renamed since the run: delete their lines from the shards' files")
	case n > 0:
		hint = fmt.Sprintf("%d of them are no longer there, removed or renamed since the run; %s", n, hint)
	}
	return fmt.Errorf("%s %s (%s): %s",
		nouns(len(extra), "record"), verb(len(extra), "is for a path that is not an input", "are for paths that are not inputs"), firstFew(extra), hint)
}

// say writes to w that every input has its records.
func (c inputRecords) say(w io.Writer) {
	switch {
	case len(c.named) != len(c.want): // .npy files of several images
		fmt.Fprintf(w, "%s has its records (%s)\n", verb(len(c.named), "the one input", fmt.Sprintf("every one of the %d inputs", len(c.named))), nouns(len(c.want), "image"))
	case len(c.want) == 1:
		fmt.Fprintln(w, "the one input has one record")
	default:
		fmt.Fprintf(w, "every one of the %d inputs has one record\n", len(c.want))
	}
}

// missingError is the error of inputs (of total) that have no record. An
// input that is not there either was never a shard's, which would have
// written its error, and running a shard again gives it none: merge
// --inputs /data/imgaes said "run its shard again with --resume".
func missingError(missing []string, total int) error {
	what := fmt.Sprintf("%d of %s %s no record (%s)", len(missing), nouns(total, "input"), verb(len(missing), "has", "have"), firstFew(missing))
	switch n := goneFiles(missing); {
	case n == len(missing):
		return fmt.Errorf("%s, and %s not there: give --inputs (and --from-file) as the run gave them",
			what, verb(n, "it is", "they are"))
	case n > 0:
		return fmt.Errorf("%s, and %d of them %s not there: give --inputs (and --from-file) as the run gave them, and run the shards of the others again with --resume", what, n, verb(n, "is", "are"))
	}
	return fmt.Errorf("%s: run %s again with --resume", what, verb(len(missing), "its shard", "their shards"))
}

// givenInputs names the inputs merge was given: "--inputs a", "--inputs
// -", "--from-file list.txt".
func (o *mergeOptions) givenInputs() []string {
	var given []string
	for _, in := range o.inputs {
		given = append(given, "--inputs "+in)
	}
	if o.fromFile != "" {
		given = append(given, "--from-file "+o.fromFile)
	}
	return given
}

// namedOtherwise is the error of inputs (of total) missing a record
// whose file has one under another name, extra holding the records'
// paths for no input: the shards were given photos/ and merge --inputs
// $PWD/photos, or the other way round, or ran in another folder. merge
// said to run their shards again, all of them, for records it had. Paths
// are compared as absolute ones from this folder; nil when none matches.
func namedOtherwise(missing, extra []string, total int) error {
	byAbs := make(map[string]string, len(extra))
	for _, p := range extra {
		if a, err := filepath.Abs(p); err == nil && !fetch.IsURL(p) {
			byAbs[a] = p
		}
	}
	var first [2]string
	n := 0
	for _, p := range missing {
		a, err := filepath.Abs(p)
		if rec, ok := byAbs[a]; ok && err == nil && !fetch.IsURL(p) {
			if n++; n == 1 {
				first = [2]string{p, rec}
			}
		}
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("%d of %s %s recorded under another name (input %s is %s in the records): the shards named the inputs another way; give --inputs (and --from-file) as the run gave them",
		n, nouns(total, "input"), verb(n, "is", "are"), bytestr.Text(first[0]), bytestr.Text(first[1]))
}

// goneFiles counts the paths of records that name no file there now (a
// file removed or renamed after the run, a .npy file's images by that
// file; URLs aside).
func goneFiles(paths []string) int {
	n := 0
	for _, p := range paths {
		if _, err := os.Lstat(inputOf(p)); errors.Is(err, fs.ErrNotExist) && !fetch.IsURL(p) {
			n++
		}
	}
	return n
}

// extraHint asks, of records for paths that are not inputs, whether the
// shards were given other inputs, or the flags that would have listed
// what the --inputs folders hold beside their inputs: -r for their
// sub-folders, --all-files for their files not named as images.
func extraHint(lst *listing) string {
	var flags, held []string
	if lst.subdirs > 0 {
		flags, held = append(flags, "-r"), append(held, nouns(lst.subdirs, "sub-folder")+" not searched")
	}
	if lst.skipped > 0 {
		flags, held = append(flags, "--all-files"), append(held, nouns(lst.skipped, "file")+" not named as images")
	}
	if len(flags) == 0 {
		return "were the shards given other inputs?"
	}
	return fmt.Sprintf("were the shards given other inputs, or run with %s (the --inputs folders hold %s)?", strings.Join(flags, " and "), andList(held))
}

// recordPaths are the paths of the records an input gets: its own, or
// FILE[0] … FILE[N-1] for a .npy file of N images that has no record of
// its own (one that failed has).
func recordPaths(ctx context.Context, m *shard.Merger, path string) []string {
	n := 0
	if !m.Has(path) {
		n = npyImages(ctx, path)
	}
	if n == 0 {
		return []string{path}
	}
	paths := make([]string, n)
	for i := range paths {
		paths[i] = imagePath(path, i, n)
	}
	return paths
}

// firstFew names up to three paths, each as bytestr.Text writes it: a
// message naming "new\nline.png" as it is took two lines of stderr.
func firstFew(paths []string) string {
	var few []string
	for _, p := range paths[:min(3, len(paths))] {
		few = append(few, bytestr.Text(p))
	}
	if len(paths) > 3 {
		few = append(few, "…")
	}
	return strings.Join(few, ", ")
}
