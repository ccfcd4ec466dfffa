package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vitctl/vitctl/internal/bytestr"
	"github.com/vitctl/vitctl/internal/fetch"
	"github.com/vitctl/vitctl/internal/linkpath"
	"github.com/vitctl/vitctl/internal/npy"
	"github.com/vitctl/vitctl/internal/shard"
)

// scaleFlags split a run across machines and let a killed run resume:
// --shard, --from-file and -0 choose the inputs, --out and --resume where
// the records go. A command that writes one record per input registers
// the group, calls start for its inputs and writer, and finish at the end.
type scaleFlags struct {
	shard    string
	fromFile string
	null     bool
	out      string
	resume   bool
	retry    bool // --retry-failed

	spec shard.Spec // from shard, set by validate
}

func (f *scaleFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.shard, "shard", "", "take only shard I of N of the inputs: I/N (0-based), or auto or auto/N for the index of a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) or a Slurm array (SLURM_ARRAY_TASK_ID) and the count N, JOB_COMPLETION_COUNT or SLURM_ARRAY_TASK_COUNT; an input's shard is a hash of its path below the folder given")
	fs.StringVar(&f.fromFile, "from-file", "", "read input paths from this file too, one per line (- for stdin); as in a folder, files not named as images are passed over unless --all-files")
	fs.BoolVarP(&f.null, "null", "0", false, "paths read from --from-file or - are separated by NUL bytes, as find -print0 writes them")
	fs.StringVar(&f.out, "out", "", "write the results to this file instead of stdout (through a temporary file renamed when the run ends; appended to with --resume); without -o, a name ending in .json, .jsonl, .ndjson or .csv picks that format")
	fs.BoolVar(&f.resume, "resume", false, "with --out FILE.jsonl (or -o jsonl --out FILE): skip the inputs FILE has a record for and append a record for each other input as soon as it is done, so a killed run is finished by running it again")
	fs.BoolVar(&f.retry, "retry-failed", false, "with --resume: remove the records of the inputs that failed (unreadable files and folders, URLs not fetched) from FILE and run those inputs again")
}

// validate parses --shard, reading the scheduler's variables for auto.
func (f *scaleFlags) validate() error {
	if err := checkOutputFile("--out", f.out); err != nil {
		return err
	}
	if f.shard == "" {
		return nil
	}
	spec, err := shard.Parse(f.shard, os.Getenv)
	if err != nil {
		return usagef("--shard %v", err)
	}
	f.spec = spec
	return nil
}

// check relates the group to the command's output format.
func (f *scaleFlags) check(format string) error {
	if err := checkResultsName("--out", f.out, formatEnding(format)); err != nil {
		return err
	}
	if f.resume && (format != "jsonl" || f.out == "" || isStream(f.out)) {
		return usagef("--resume needs JSONL records in a file: --out FILE.jsonl (or -o jsonl --out FILE); the records already in FILE are kept and the rest appended")
	}
	if f.retry && !f.resume {
		return usagef("--retry-failed runs again the inputs whose records in a --resume file are failures: give it with --resume and that run's --out")
	}
	return nil
}

// minArgs is the command's minArgs, or none when --from-file names the
// inputs; stdin is named once, as an argument or --from-file -.
func (f *scaleFlags) minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := stdinOnce("as an argument or --from-file", append(slices.Clone(args), f.fromFile)...); err != nil {
			return err
		}
		want := n
		if f.fromFile != "" { // the list may hold every input
			want = 0
		}
		if err := minArgs(want, what)(cmd, args); err != nil {
			return err
		}
		return nullNeedsList(cmd.Name(), f.null, args, &f.fromFile)
	}
}

// scaleRun is one run's inputs and where its records go.
type scaleRun struct {
	inputs  []input   // this shard's inputs still to do, in listing order
	listed  int       // inputs listed, all shards together, less those passed over (below), each once
	passed  int       // folders and files named in lists, of this shard's share, passed over (listing.dropListed)
	twice   int       // inputs listed more than once, each done once (once)
	kept    int       // inputs the --resume file already has, each once
	keptImg int       // the images of those inputs (a .npy file may hold several)
	w       io.Writer // the records' destination
	out     string    // the --out file
	log     *shard.Log
	tmp     *atomicFile
}

// start lists the inputs of args and --from-file (folders as l says),
// keeps this shard's, opens --out and drops the inputs it already has.
// With no inputs at all it opens nothing (the run fails, writing no file).
// A --resume file must hold records of the run's model (id's SHA-256),
// with id.TopK labels each (the run's -k is k; id.TopK is 0 for records
// without a top_k), and for some of its inputs: anything else was
// another run's.
func (f *scaleFlags) start(ctx context.Context, args []string, l *listing, s streams, id shard.Record, k int) (*scaleRun, error) {
	all, listNote, err := f.list(ctx, args, l, s)
	if err != nil {
		return nil, err
	}
	n := len(all)
	all = l.dropListed(all, f.spec.Owns)
	passed := n - len(all)
	all, twice := once(all) // before the shards' split: the first listing's key decides
	r := &scaleRun{listed: len(all), passed: passed, twice: twice, w: s.out, out: f.out}
	if len(all) == 0 { // no images: --out is neither created nor resumed
		return r, nil
	}
	if err := checkNotInput("--out", f.out, all); err != nil {
		return nil, err
	}
	switch {
	case f.resume:
		if err := f.resumeOut(r, s.err, all, id, k); err != nil {
			return nil, err
		}
	case f.out != "":
		if r.tmp, err = createAtomic(f.out); err != nil {
			return nil, fmt.Errorf("--out: %w", err)
		}
		r.w = r.tmp
	}
	r.share(ctx, f, all)
	fmt.Fprint(s.err, listNote) // after every check: an error stays one line
	f.describe(s.err, r)
	if f.resume {
		r.noteGone(s.err, all)
	}
	return r, nil
}

// list lists the inputs of args and of --from-file (folders as l says),
// with a note on the --from-file list (listFolderNote).
func (f *scaleFlags) list(ctx context.Context, args []string, l *listing, s streams) (all []input, listNote string, err error) {
	sep := byte('\n')
	if f.null {
		sep = 0
	}
	if all, err = expand(args, l, s.in, sep); err != nil {
		return nil, "", err
	}
	if f.fromFile != "" {
		list, err := readListFile(ctx, f.fromFile, s, sep)
		if err != nil {
			return nil, "", err
		}
		all, listNote = append(all, list...), listFolderNote(f.fromFile, list)
	}
	return all, listNote, nil
}

// resumeOut opens the --resume file for r to append to, after checking
// that it holds records of this run (checkResumed), and drops its torn
// last line and, with --retry-failed, its failures, saying so on errw.
func (f *scaleFlags) resumeOut(r *scaleRun, errw io.Writer, all []input, id shard.Record, k int) error {
	var err error
	if r.log, err = shard.Resume(f.out); err != nil {
		if _, ok := errors.AsType[*shard.MixedError](err); ok { // another run's records, as checkResumed refuses
			return usagef("--resume: %w", err)
		}
		if _, ok := errors.AsType[*shard.BusyError](err); ok { // another run is resuming it now
			return fmt.Errorf("--resume: %w: wait for that run to end (the same command then finishes what it left), or give this one another --out", err)
		}
		if shard.Foreign(err) { // not a run's records at all
			return usagef("--resume: %w; it is left as it is: give --out the results file of the run to finish, or a new file", err)
		}
		if errors.Is(err, fs.ErrPermission) { // it would be appended to: "reading FILE" said otherwise
			return fmt.Errorf("--resume: cannot append to %s: %w: make it writable, or give another --out", f.out, statError(err))
		}
		return fmt.Errorf("--resume: %w", readError(err))
	}
	r.w = r.log
	if err := r.checkResumed(f.out, all, id, k); err != nil {
		r.log.Close()
		return err
	}
	if r.log.Dropped > 0 {
		fmt.Fprintf(errw, "%s: dropped a torn last line (%d bytes), its input is done again\n", f.out, r.log.Dropped)
	}
	if f.retry {
		return r.dropFailed(errw)
	}
	return nil
}

// share keeps of all the inputs (listed once each: once) those this
// shard owns that are still to do: with --resume, one whose records the
// file holds is skipped.
func (r *scaleRun) share(ctx context.Context, f *scaleFlags, all []input) {
	for _, in := range all {
		if !f.spec.Owns(in.key) {
			continue
		}
		if n := r.resumed(ctx, in); n > 0 {
			r.kept, r.keptImg = r.kept+1, r.keptImg+n
			continue
		}
		r.inputs = append(r.inputs, in)
	}
}

// dropFailed removes, for --retry-failed, the failed inputs' records
// from the --resume file, saying how many, so that those inputs run again.
func (r *scaleRun) dropFailed(w io.Writer) error {
	removeStaleTempFiles(linkpath.Target(r.out)) // a killed run's rewrite
	n, err := r.log.DropFailed()
	if err != nil {
		r.log.Close()
		return fmt.Errorf("--retry-failed: %w", statError(err))
	}
	if n > 0 {
		fmt.Fprintf(w, "%s: removed the %s of failed inputs; they are run again\n", r.out, nouns(n, "record"))
	}
	return nil
}

// noteGone says on stderr which records of the --resume file are for no
// input of this run (all, every shard's): files removed or renamed since
// the run that wrote them. They stay in the file, where they were kept
// without a word, and merge --inputs then refused them as "for paths that
// are not inputs: were the shards given other inputs?".
func (r *scaleRun) noteGone(w io.Writer, all []input) {
	listed := make(map[string]bool, len(all))
	for _, in := range all {
		listed[in.path] = true
	}
	var gone []string
	failed := 0
	r.log.Paths(func(p string) {
		if !listed[p] && !listed[inputOf(p)] { // FILE[i]: an image of a .npy input
			gone = append(gone, p)
			if r.log.Failed(p) {
				failed++
			}
		}
	})
	if len(gone) == 0 {
		return
	}
	slices.Sort(gone)
	fmt.Fprintf(w, "%s: %s %s for no input of this run (%s): removed or renamed since? %s in the file, and vitctl merge --inputs will refuse %s",
		r.out, nouns(len(gone), "record"), verb(len(gone), "is", "are"), firstFew(gone), verb(len(gone), "It stays", "They stay"), verb(len(gone), "it", "them"))
	if failed > 0 { // a folder that could not be read, and now can, is such a record
		fmt.Fprintf(w, "; %s, which --retry-failed removes", verb(failed, "1 is a failed input's record", fmt.Sprintf("%d are failed inputs' records", failed)))
	}
	fmt.Fprintln(w)
}

// checkResumed refuses a --resume file of another run: one whose records
// are another model's, or hold another number of labels than -k k gives
// (id.TopK), or none of whose records is for one of all, the run's inputs
// in every shard (the same folder named another way, say photos/ and then
// $PWD/photos, would be done again, each input twice).
func (r *scaleRun) checkResumed(name string, all []input, id shard.Record, k int) error {
	first := r.log.First()
	if r.log.Len() == 0 || len(all) == 0 {
		return nil
	}
	if first.ModelSHA256 != id.ModelSHA256 {
		return usagef("--resume: %s holds records from model %s (sha256 %s), and this run's model is %s (sha256 %s): give -m %s, or another --out",
			name, first.Model, first.ModelSHA256, id.Model, id.ModelSHA256, first.Model)
	}
	if n := r.log.FirstTopK().TopK; n > 0 && id.TopK > 0 && n != id.TopK {
		return usagef("--resume: %s holds the top %s of each image, and this run asks for -k %d: give -k %d to finish it, or another --out",
			name, nouns(n, "label"), k, n)
	}
	for _, in := range all {
		if r.log.Done(in.path) || r.log.Done(imagePath(in.path, 0, 2)) || r.failedFolder(in.path) {
			return nil
		}
	}
	return usagef("--resume: none of the %s in %s is for an input of this run (it holds %s; this run's first input is %s): name the inputs as the run that wrote it did, or give another --out",
		nouns(r.log.Len(), "record"), name, first.Path, all[0].path)
}

// failedFolder says whether the --resume file holds a failure's record
// for a folder that holds path: a folder that could not be read, whose
// files are inputs now that it can.
func (r *scaleRun) failedFolder(path string) bool {
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		if r.log.Failed(dir) {
			return true
		}
		if up := filepath.Dir(dir); up == dir {
			return false
		}
	}
}

// resumed is how many images of in the --resume file holds when it holds
// all of them: 1 for an image, N for a .npy file or URL of N images whose N
// records (FILE[0] … FILE[N-1]) are all there, its header read to count
// them (for a URL, only the header is downloaded, and only when FILE[0]
// has a record); 0 when any is missing, or without --resume.
func (r *scaleRun) resumed(ctx context.Context, in input) int {
	switch {
	case r.log == nil:
		return 0
	case r.log.Done(in.path):
		return 1
	case in.err != nil || !r.log.Done(imagePath(in.path, 0, 2)):
		return 0
	}
	n := npyImages(ctx, in.path)
	for i := range n {
		if !r.log.Done(imagePath(in.path, i, n)) {
			return 0
		}
	}
	return n
}

// npyHeaderBytes bounds what is read of a .npy URL to count its images:
// the longest preamble and the longest header that npy reads.
const npyHeaderBytes = 12 + 1<<16

// npyImages is the number of images of a .npy file or URL of several,
// shaped (N, C, H, W), read from its header; 0 for any other input, or one
// whose header cannot be read (the run then reports why).
func npyImages(ctx context.Context, path string) int {
	if !isNpy(path) {
		return 0
	}
	var r io.Reader
	if fetch.IsURL(path) {
		head, err := urls.Prefix(ctx, path, npyHeaderBytes)
		if err != nil {
			return 0
		}
		r = bytes.NewReader(head)
	} else {
		f, err := os.Open(path)
		if err != nil {
			return 0
		}
		defer f.Close()
		r = f
	}
	shape, err := npy.Shape(r)
	if err != nil || len(shape) != 4 || shape[0] < 2 {
		return 0
	}
	return shape[0]
}

// has says whether the --resume file already holds a record for path, as
// it may for an image of an input that holds several (FILE[i] of a .npy
// file of N images), which is done again when one of them is missing.
func (r *scaleRun) has(path string) bool { return r.log != nil && r.log.Done(path) }

// readListFile reads the paths listed in the file called name ("-":
// stdin), separated by sep (readList). A file that is a terminal
// (/dev/stdin, /dev/tty) is read as stdin at a terminal is: a note says
// that the run waits for typed paths, and Ctrl-C stops it
// (terminalStdin), where it waited without a word, deaf to Ctrl-C.
func readListFile(ctx context.Context, name string, s streams, sep byte) ([]input, error) {
	if name == "-" {
		return readStdinList(s.in, sep)
	}
	if isDir(name) {
		return nil, usagef("--from-file %s: is a folder, and --from-file reads a file listing paths; to classify the folder's images, name it as an argument (-r for its sub-folders)", name)
	}
	fh, err := openUserFile(name)
	if err != nil {
		return nil, fmt.Errorf("--from-file: %w", err)
	}
	defer fh.Close()
	var r io.Reader = fh
	if isTerminal(fh) {
		r = &terminalStdin{ctx: ctx, r: fh, w: s.err}
	}
	return readList(r, name, sep)
}

// listFolderNote is a note on the list name (--from-file) whose first
// path is not there from the current folder but is from the list's: its
// paths were written from the list's folder (ls > photos/list.txt), as
// eval's and finetune's lists are read, and every one of them failed "no
// such file or directory" without a word of why. "" otherwise; it stats
// two paths at most.
func listFolderNote(name string, list []input) string {
	dir := filepath.Dir(name)
	if name == "-" || dir == "." || len(list) == 0 {
		return ""
	}
	p := list[0].path
	if list[0].err != nil || fetch.IsURL(p) || filepath.IsAbs(p) || exists(p) || !exists(filepath.Join(dir, p)) {
		return ""
	}
	return fmt.Sprintf("vitctl: note: --from-file %s: its first path, %s, is not there, and %s is: a list's paths are taken from the current folder, not the list's (run vitctl in %s, or write the list from here: find %s …)\n",
		name, bytestr.Text(p), bytestr.Text(filepath.Join(dir, p)), bytestr.Text(dir), bytestr.Text(dir))
}

// describe says on stderr what sharding and resuming left to do, and
// that the inputs listed twice are done once.
func (f *scaleFlags) describe(w io.Writer, r *scaleRun) {
	fmt.Fprint(w, twiceNote(r.twice))
	if f.shard != "" {
		fmt.Fprintf(w, "shard %v: %d of %s\n", f.spec, len(r.inputs)+r.kept+r.passed, nouns(r.listed+r.passed, "input"))
	}
	if f.resume && (len(r.inputs) > 0 || r.kept == 0) { // else upToDate says so
		fmt.Fprintf(w, "%s: %s kept, %s to do\n", f.out, nouns(r.log.Len(), "record"), nouns(len(r.inputs), "input"))
	}
}

// upToDate says on stderr, for a run that found nothing to do, that the
// --resume file already held every image of it (more: images of inputs
// run again though all their records were in it, as a .npy URL's are
// when its header could not be read); it says nothing of a run that
// resumed nothing.
func (r *scaleRun) upToDate(w io.Writer, more int) {
	if n := r.keptImg + more; r.log != nil && n > 0 {
		fmt.Fprintf(w, "%s %s %s already in %s; nothing to do\n", verb(n, "the", "all"), nouns(n, "image"), verb(n, "is", "are"), r.out)
	}
}

// interruptNote says, for an interrupted run that wrote written records,
// what became of them: with --resume they are in the file and the same
// command finishes the run (when it wrote none, the file holds what it
// held before); an --out file is not written at all (one there before is
// left as it was), a surprise when the run had been going for hours.
func (r *scaleRun) interruptNote(written int) string {
	switch {
	case r.log != nil && written > 0:
		return fmt.Sprintf("; their records are in %s: the same command finishes the run", r.out)
	case r.log != nil && r.log.Len() > 0:
		return fmt.Sprintf("; no record was written: %s holds the %s it had, and the same command finishes the run", r.out, nouns(r.log.Len(), "record"))
	case r.log != nil:
		return fmt.Sprintf("; no record was written: %s holds none yet, and the same command runs it again", r.out)
	case r.tmp != nil:
		return fmt.Sprintf("; %s (with -o jsonl --out %s --resume, the records done are kept and the same command finishes the run)", notWritten(r.out), jsonlName(r.out))
	}
	return ""
}

// writeError words an error in writing the records, which stopped the run
// after done of total inputs: the --out file named (not its temporary),
// and what became of the records written before.
func (r *scaleRun) writeError(err error, done, total int) error {
	switch {
	case r.log != nil:
		return fmt.Errorf("%w: the records before are kept in it, and once there is room the same command finishes the run",
			stoppedWriting("writing "+r.out, statError(err), done, total))
	case r.tmp != nil:
		return fmt.Errorf("%w, and %s", stoppedWriting("writing "+r.out, statError(err), done, total), notWritten(r.out))
	}
	return stoppedWriting("writing output", err, done, total)
}

// stoppedWriting is err in writing (what: "writing output" of stdout,
// "writing FILE") a run's results, which stopped it after done of total
// inputs had their results written: classify's, embed's and
// inspect-attention's words.
func stoppedWriting(what string, err error, done, total int) error {
	return fmt.Errorf("%s: %w; stopped after %d of %s", what, err, done, nouns(total, "input"))
}

// jsonlName is name with the extension .jsonl, for a --resume file.
func jsonlName(name string) string {
	return strings.TrimSuffix(name, filepath.Ext(name)) + ".jsonl"
}

// finish closes the destination: the --resume file is synced, the --out
// file renamed into place when ok, removed otherwise.
func (r *scaleRun) finish(ok bool) error {
	switch {
	case r.log != nil:
		return r.log.Close()
	case r.tmp != nil && ok:
		return r.tmp.commit()
	case r.tmp != nil:
		r.tmp.abort()
	}
	return nil
}
