package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vitctl/vitctl/internal/imageio"
	"github.com/vitctl/vitctl/internal/kernels"
)

// A flagGroup is flags that several commands share, defined once: register
// adds them to a command, validate checks their values after parsing and
// changes no global state (whatever they select is applied in the run).
type flagGroup interface {
	register(f *pflag.FlagSet)
	validate() error
}

// flagGroups registers and validates its groups in order.
type flagGroups []flagGroup

func (gs flagGroups) register(f *pflag.FlagSet) {
	for _, g := range gs {
		g.register(f)
	}
}

func (gs flagGroups) validate() error {
	for _, g := range gs {
		if err := g.validate(); err != nil {
			return err
		}
	}
	return nil
}

// atLeast1 is the check of every count flag.
func atLeast1(flag string, v int) error {
	if v < 1 {
		return usagef("%s %d: must be at least 1", flag, v)
	}
	return nil
}

// modelFlags is -m: a built-in model's name or a model file (resolveModel
// says which); empty for the default built-in model.
type modelFlags struct {
	path string
	help string // the flag's help line; empty: the common one
}

func (m *modelFlags) register(f *pflag.FlagSet) {
	help := m.help
	if help == "" {
		help = modelHelp
	}
	f.StringVarP(&m.path, "model", "m", "", help)
}

func (m *modelFlags) validate() error { return nil }

// verifyFlags is --verify-model, of the commands that run a model file
// (classify, embed, eval, inspect-attention, finetune's base model and
// benchmark -m).
type verifyFlags struct{ on bool }

func (v *verifyFlags) register(f *pflag.FlagSet) {
	f.BoolVar(&v.on, "verify-model", false, "check the model file's tensor data against its checksum before running")
}

func (v *verifyFlags) validate() error { return nil }

// precisionFlags is --precision of the encoder's Linear layers; empty
// means the model file's.
type precisionFlags struct{ value enumValue }

func (p *precisionFlags) register(f *pflag.FlagSet) {
	p.value = enumValue{names: precisionNames, aliases: precisionAliases}
	f.Var(&p.value, "precision", "precision of the encoder's Linear layers: fp32, bf16 (weights and activations rounded to bfloat16, fp32 sums) or int8 (per-channel weights, per-row activations, int32 sums); f32 and q8_0, convert's --dtype names, also work; default: the model file's (bf16 for bf16 tensors, int8 for q8_0), else fp32")
}

// precisionNames are the precisions the engine runs.
var precisionNames = []string{kernels.FP32.String(), kernels.BF16.String(), kernels.INT8.String()}

// precisionAliases lets --precision take convert's --dtype spellings.
var precisionAliases = map[string]string{"f32": "fp32", "q8_0": "int8"}

func (p *precisionFlags) validate() error { return nil }

// or returns the precision named, or def when none was.
func (p *precisionFlags) or(def kernels.Precision) kernels.Precision {
	if pr, err := kernels.ParsePrecision(p.value.val); err == nil {
		return pr
	}
	return def
}

// threadsFlags is --threads, the compute threads of one forward pass.
type threadsFlags struct{ n int }

func (t *threadsFlags) register(f *pflag.FlagSet) {
	f.IntVar(&t.n, "threads", kernels.DefaultThreads(), "compute threads")
	defaultThreadsHelp(f)
}

// defaultThreadsHelp says in --threads' help where its default comes from,
// once (pflag's own "(default 2)" came after a "(default: …)").
func defaultThreadsHelp(f *pflag.FlagSet) {
	fl := f.Lookup("threads")
	fl.Usage += fmt.Sprintf(" (default: %s: %d here)", threadsFrom(), kernels.DefaultThreads())
	fl.DefValue = "0" // what pflag takes for no default, so it adds none (an int, or benchmark's intList)
}

// threadsFrom says where kernels.DefaultThreads comes from: the Go
// runtime's GOMAXPROCS, which is $GOMAXPROCS when that is a number above
// 0 (a container's or a job's environment may set it), else the CPUs the
// process may use. Help said "by its affinity mask and cgroup quota: 7
// here" of GOMAXPROCS=7 on a machine of 2.
func threadsFrom() string {
	if v := os.Getenv("GOMAXPROCS"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return "GOMAXPROCS=" + v + " in the environment"
		}
	}
	return "the CPUs this process may use, by its affinity mask and cgroup quota"
}

func (t *threadsFlags) validate() error { return checkThreads("--threads", t.n) }

// maxThreads bounds --threads and --decoders: each thread holds its own
// scratch, and a typo (--threads 1000000) should not start a million.
const maxThreads = 1024

func checkThreads(flag string, n int) error {
	if n > maxThreads {
		return usagef("%s %d: at most %d (%s: %d here)", flag, n, maxThreads, threadsFrom(), kernels.DefaultThreads())
	}
	if n < 1 {
		return usagef("%s %d: must be at least 1 (without %s: %s, %d here)", flag, n, flag, threadsFrom(), kernels.DefaultThreads())
	}
	return nil
}

// imageSizeFlags is --image-size: the model's own size, or N, or WxH.
type imageSizeFlags struct{ size imageSize }

func (s *imageSizeFlags) register(f *pflag.FlagSet) {
	f.Var(&s.size, "image-size", "run at N×N or WIDTHxHEIGHT pixels (multiples of the patch size; position embeddings are interpolated); default: the model's size")
}

func (s *imageSizeFlags) validate() error { return nil }

// inputFlags say which files a run reads, how big they may be and how
// JPEGs are decoded. fromFile, set before register, says that the command
// also reads a --from-file list (classify), which --all-files' help names.
type inputFlags struct {
	recursive bool
	allFiles  bool
	fromFile  bool
	decodeFlags
}

// listing starts a listing of folders as the flags say.
func (in *inputFlags) listing() *listing {
	return &listing{recursive: in.recursive, allFiles: in.allFiles}
}

func (in *inputFlags) register(f *pflag.FlagSet) {
	f.BoolVarP(&in.recursive, "recursive", "r", false, "descend into sub-folders of the folders given")
	lists := "the paths read from - (stdin)" // embed's help named classify's --from-file, which embed has not
	if in.fromFile {
		lists = "lists of paths (- or --from-file)"
	}
	f.BoolVar(&in.allFiles, "all-files", false, "in folders and in "+lists+", take every file and decode it by its content, not only files named .jpg, .png, .npy, …")
	in.decodeFlags.register(f)
}

// stdinFlags is -0 for the commands that read paths from - but have no
// --from-file (classify's -0 is in scaleFlags, with --from-file).
type stdinFlags struct{ null bool }

func (n *stdinFlags) register(f *pflag.FlagSet) {
	f.BoolVarP(&n.null, "null", "0", false, "paths read from - are separated by NUL bytes, as find -print0 writes them")
}

func (n *stdinFlags) validate() error { return nil }

// args is inputArgs(what), and -0 refused where no argument is - (stdin).
func (n *stdinFlags) args(what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := inputArgs(what)(cmd, args); err != nil {
			return err
		}
		return nullNeedsList(cmd.Name(), n.null, args, nil)
	}
}

// nullNeedsList refuses -0 (null) in a run of command that reads no list
// of paths: -0 says how the paths read from - (stdin), or from --from-file
// (fromFile: nil for a command without the flag), are separated, and it
// was taken without a word by a run that read none, as if it did
// something; --retry-failed without --resume is refused likewise.
func nullNeedsList(command string, null bool, args []string, fromFile *string) error {
	if !null || slices.Contains(args, "-") || (fromFile != nil && *fromFile != "") {
		return nil
	}
	lists := "- (stdin)"
	if fromFile != nil {
		lists += " or --from-file LIST"
	}
	return usagef("-0 separates the paths read from %s by NUL bytes, and this run reads no list: give - for a list on stdin (find photos -print0 | vitctl %s -0 -), or leave out -0", lists, command)
}

// sep is the separator of the paths read from stdin.
func (n *stdinFlags) sep() byte {
	if n.null {
		return 0
	}
	return '\n'
}

// decodeFlags say how big an image may be and how JPEGs are decoded: what
// loadInput needs of the flags.
type decodeFlags struct {
	maxPixels int
	decode    enumValue
}

func (d *decodeFlags) register(f *pflag.FlagSet) {
	f.IntVar(&d.maxPixels, "max-pixels", imageio.DefaultMaxPixels, "refuse images with more pixels than this")
	d.decode = enumValue{val: "exact", names: []string{"exact", "draft"}}
	f.Var(&d.decode, "decode", "JPEG decoding: exact (full size, Pillow's pixels) or draft (1/2, 1/4 or 1/8 size in the DCT domain, still at least the model's resize size, as Pillow's Image.draft; much faster on large photos, slightly different pixels)")
}

func (d *decodeFlags) decoding() imageio.Decoding {
	if d.decode.val == "draft" {
		return imageio.Draft
	}
	return imageio.Exact
}

func (d *decodeFlags) validate() error { return atLeast1("--max-pixels", d.maxPixels) }

// pipelineFlags are --batch and --decoders of the commands that run images
// through the model as a pipeline (classify, embed, eval).
type pipelineFlags struct{ batch, decoders int }

func (p *pipelineFlags) register(f *pflag.FlagSet) {
	f.IntVar(&p.batch, "batch", 8, "images per forward pass")
	registerDecoders(f, &p.decoders)
}

// runShape is the shape of a run of the pipeline the flags make, on
// threads compute threads: besides the batch computed, the images in the
// decode window and the batch being gathered hold preprocessed pixels.
func (p *pipelineFlags) runShape(threads int) runShape {
	return runShape{batch: p.batch, threads: threads, window: decodeWindow(p.batch, p.decoders) + p.batch}
}

// upTo is the flags for a run of inputs: --batch no larger than their
// images when each is one image (a .npy file may hold several), so that a
// batch larger than the run sizes neither the memory estimate nor the
// runner's buffers for images that never come (eval --batch 4096 of a few
// photos was refused as needing 16 GiB).
func (p *pipelineFlags) upTo(inputs []input) *pipelineFlags {
	q := *p
	if len(inputs) > 0 && !slices.ContainsFunc(inputs, func(in input) bool { return isNpy(in.path) }) {
		q.batch = min(q.batch, len(inputs))
	}
	return &q
}

func (p *pipelineFlags) validate() error {
	if err := atLeast1("--batch", p.batch); err != nil {
		return err
	}
	return checkThreads("--decoders", p.decoders)
}

// registerDecoders defines --decoders, the image decoding goroutines.
func registerDecoders(f *pflag.FlagSet, n *int) {
	f.IntVar(n, "decoders", kernels.DefaultThreads(), "image decoding goroutines")
}

// topKFlags is -k, the labels printed per image.
type topKFlags struct {
	k    int
	flag *pflag.Flag // -k itself: Changed when given
}

func (t *topKFlags) register(f *pflag.FlagSet) {
	f.IntVarP(&t.k, "top-k", "k", 5, "number of labels to print per image")
	t.flag = f.Lookup("top-k")
}

func (t *topKFlags) validate() error { return atLeast1("-k", t.k) }

// note says, when -k asks for more labels than the model has, that each
// image gets them all: a record's top_k is shorter than -k said. The
// default -k 5 asks for nothing: a model of 2 or 3 classes (a finetuned
// one) had the note at every run that gave no -k.
func (t *topKFlags) note(model string, labels int) string {
	if t.k <= labels || t.flag == nil || !t.flag.Changed {
		return ""
	}
	return fmt.Sprintf("vitctl: note: -k %d: model %s has %s, and each image gets them all\n", t.k, model, nouns(labels, "class"))
}

// outputFlags is -o, the format of the results printed on stdout. Files
// and folders a command writes are named with --out.
type outputFlags struct{ format enumValue }

// newOutputFlags accepts the formats given, the first being the default.
// A value that is none, and no other command's format either (-o
// labels.json, meant as a file), is told where results go: stdout, to
// redirect, unless the command sets a hint of its own (withOut).
// -o ndjson is jsonl where a command has it, as an --out name ending in
// .ndjson is (it was "want text, json, jsonl or csv").
func newOutputFlags(formats ...string) *outputFlags {
	hint := "-o is the format of the results on stdout; redirect them (> FILE) to keep them"
	o := &outputFlags{format: enumValue{val: formats[0], names: formats, hint: hint, noHint: []string{"text", "json", "jsonl", "ndjson", "csv"}}}
	if slices.Contains(formats, "jsonl") {
		o.format.aliases = map[string]string{"ndjson": "jsonl"}
	}
	return o
}

// formats lists the formats for -o's help: "text, json, jsonl (or ndjson)
// or csv" (newOutputFlags gives every jsonl its alias ndjson).
func (o *outputFlags) formats() string {
	names := slices.Clone(o.format.names)
	if i := slices.Index(names, "jsonl"); i >= 0 {
		names[i] = "jsonl (or ndjson)"
	}
	return orList(names)
}

// withOut makes the hint of a bad -o value name --out, where the command
// writes its results to a file: what names them (the results, the rows).
func (o *outputFlags) withOut(what string) *outputFlags {
	o.format.hint = "-o is the format of " + what + "; --out FILE writes them to a file"
	return o
}

func (o *outputFlags) register(f *pflag.FlagSet) {
	f.VarP(&o.format, "output", "o", "output format: "+o.formats())
}

func (o *outputFlags) validate() error { return nil }

// followsName says in -o's help that, without -o, the format is the one
// the name given to flag says (follow), and drops pflag's "(default
// text)", which is then not always true.
func (o *outputFlags) followsName(f *pflag.FlagSet, flag string) {
	var exts []string
	for _, e := range []string{".json", ".jsonl", ".ndjson", ".csv"} {
		if slices.Contains(o.format.names, formatExts[e]) {
			exts = append(exts, e)
		}
	}
	fl := f.Lookup("output")
	fl.Usage = fmt.Sprintf("output format: %s (default: the one the %s name ends in, %s; else %s)", o.formats(), flag, strings.Join(exts, ", "), o.format.names[0])
	fl.DefValue = ""
}

// formatExts are the file name endings that name an output format.
var formatExts = map[string]string{".txt": "text", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}

// nameFormat is the output format that the name path ends in
// (formatExts), a compressed file's by the name within (uncompressed),
// and that ending; "" for a name of no format.
func nameFormat(path string) (format, ext string) {
	ext = filepath.Ext(uncompressed(path))
	return formatExts[strings.ToLower(ext)], ext
}

// follow makes the format the one the name of the results file path
// says (results.json: json), when -o was not given and the command has
// that format; an -o given wins over the name, and follow returns a note
// saying so when the name says another format ("" otherwise).
func (o *outputFlags) follow(path string) string {
	f, ext := nameFormat(path)
	switch {
	case f == "":
	case !o.format.set && slices.Contains(o.format.names, f):
		o.format.val = f
	case o.format.set && f != o.format.val:
		return fmt.Sprintf("vitctl: note: --out %s gets %s, not %s (-o %s wins over the name)\n", path, o.format.val, strings.TrimPrefix(ext, "."), o.format.val)
	}
	return ""
}

// enumValue is a flag whose value is one of names (or an alias of one),
// in any letter case (names and aliases are lower case), refused when
// parsed otherwise. It starts as val, which may be empty.
type enumValue struct {
	val     string
	names   []string
	aliases map[string]string
	hint    string            // added to the error, e.g. what the user may have meant
	noHint  []string          // values that get no hint: they mean what it says
	hintFor map[string]string // a value's own hint, in place of hint
	set     bool              // parsed from the command line, not the starting val
}

func (e *enumValue) Set(s string) error {
	s = strings.ToLower(s)
	if a, ok := e.aliases[s]; ok {
		s = a
	}
	if !slices.Contains(e.names, s) {
		if h, ok := e.hintFor[s]; ok {
			return fmt.Errorf("want %s (%s)", orList(e.names), h)
		}
		if e.hint != "" && !slices.Contains(e.noHint, s) {
			return fmt.Errorf("want %s (%s)", orList(e.names), e.hint)
		}
		return fmt.Errorf("want %s", orList(e.names))
	}
	e.val, e.set = s, true
	return nil
}

func (e *enumValue) String() string { return e.val }
func (e *enumValue) Type() string   { return strings.Join(e.names, "|") }

// orList writes a, b or c.
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// intList is a list flag of whole numbers, comma-separated or given again
// (--batch 1,8 --batch 32), as pflag's IntSlice, but with spaces after the
// commas taken (--batch "1, 8"), as the other lists (--arch, --image-size)
// take them, where IntSlice refused "1, 8" as no whole number. A bad
// number of a list is named.
type intList struct {
	vals    *[]int
	changed bool // set from the command line: the default is dropped
}

func newIntList(p *[]int, def []int) *intList {
	*p = def
	return &intList{vals: p}
}

func (l *intList) Set(v string) error {
	var vals []int
	for _, part := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			if strings.Contains(v, ",") { // name the bad one of the list
				return fmt.Errorf("%q: want a whole number", strings.TrimSpace(part))
			}
			return err // a *strconv.NumError, worded by badValue
		}
		vals = append(vals, n)
	}
	if !l.changed {
		*l.vals, l.changed = nil, true
	}
	*l.vals = append(*l.vals, vals...)
	return nil
}

func (l *intList) String() string {
	parts := make([]string, len(*l.vals))
	for i, n := range *l.vals {
		parts[i] = strconv.Itoa(n)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// Type is pflag's name for IntSlice, which its help shows as "ints".
func (l *intList) Type() string { return "intSlice" }
