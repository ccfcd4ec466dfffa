package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vitctl/vitctl/internal/bench"
	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
)

func init() { subcommands = append(subcommands, newBenchmarkCmd) }

// benchmarkOptions are benchmark's flags.
type benchmarkOptions struct {
	model     modelFlags
	precision precisionFlags
	kernel    kernelFlags
	output    *outputFlags
	memory    memoryFlags
	verify    verifyFlags
	archs     []string
	extra     []string
	// gridGiven is set when --arch, --patch or --image-size was given; with
	// --shape alone only the --shape rows run.
	gridGiven bool
	patches   []int
	sizeList  imageSizeList
	sizes     []imageSize // sizeList's; empty with -m: the file's own
	batches   []int
	threads   []int
	time      time.Duration
	warmup    time.Duration
	minRuns   int
	plot      string
	plotSize  string
	out       string // --out: the rows go to this file, not stdout

	loaded *loadedModel // -m, opened once
	notes  []string     // printed on stderr once the flags are checked
}

func (o *benchmarkOptions) groups() flagGroups {
	return flagGroups{&o.model, &o.precision, &o.kernel, o.output, &o.memory, &o.verify}
}

func newBenchmarkCmd(s streams) *cobra.Command {
	o := &benchmarkOptions{output: newOutputFlags("text", "json", "jsonl", "csv").withOut("the rows")}
	o.model.help = "benchmark this model (a built-in name, a .gguf file, a checkpoint folder or ORG/NAME[@REVISION]) instead of random-weight architectures"
	cmd := &cobra.Command{
		Use:   "benchmark [flags]",
		Short: "Measure speed and memory across architectures, patch sizes, resolutions, batches and threads",
		Long: `Benchmark runs the forward pass of ViTs with random weights (no checkpoint
needed), or of a model file with -m, for every combination of the lists
given, and prints one row per combination: tokens, parameters, GFLOPs per
image (multiply-add = 2; every matrix product, see docs/benchmark.md), load
time, p50/p90 latency per batch and per image, img/s(mean) (batch × runs ÷
the timed runs' time: the mean run's rate, which counts slow runs, where
the progress line's "images/s at that p50" is 1 ÷ p50 per image), achieved
GFLOP/s(mean) (GFLOP/img × img/s(mean)), CPU, peak RSS and the kernel that
ran. In -o json, jsonl and csv they are images_per_second and
gflops_per_second. -o jsonl writes each row as one line of JSON as soon as
it is measured (the fields of -o json's rows; the versions, CPU model and
load average are in -o json only), so a long sweep can be watched, and a
run stopped midway leaves the rows done as whole lines.

--out FILE writes the rows to FILE instead of stdout, through a temporary
file beside it (-o jsonl's rows reach it as they are measured) renamed when
the run ends or is interrupted (Ctrl-C): FILE then holds the rows measured,
and none is written when none was. Without -o, FILE's name picks the format:
FILE.json is written as json, FILE.jsonl (or .ndjson) as jsonl, FILE.csv as
csv, any other name as text; an -o given wins over the name.

CPU is the CPU time the process got while the row ran ÷ (its wall time ×
threads). Near 100 % the threads had their CPUs; well below, the row waited
for CPUs another program held, and its numbers say more about the machine
than about vitctl: re-run it. Idle workers poll for up to 200 µs before they
sleep, and polling counts as CPU time, so the column does not show threads
waiting for each other. Peak RSS marked * is the whole process's so far
(docs/benchmark.md).

Each row runs untimed warm-up passes first, then timed passes until --time
is spent (at least --min-runs). Close other programs for stable numbers, and
compare engines side by side in one session (scripts/compare_pytorch.sh).`,
		Example: `  vitctl benchmark
  vitctl benchmark --arch vit-ti,vit-s,vit-b --patch 8,16,32 --batch 1,8 --threads 1,2 --plot vit.png
  vitctl benchmark --arch vit-b --patch 16 --image-size 224,384,384x224 -o csv > vit-b.csv
  vitctl benchmark --shape vit-b/16@384,vit-l/16@224 --batch 8
  vitctl benchmark -m vit-base.gguf --batch 1,8 --time 10s -o json
  vitctl benchmark --arch vit-s,vit-b --patch 8,16 --batch 1,8,32 -o jsonl > sweep.jsonl
  vitctl benchmark --arch vit-s,vit-b --batch 1,8 --out sweep.csv`,
		Args: noArgs("benchmark takes only flags; a model file goes after -m"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runBenchmark(cmd, s, o) },
	}
	f := cmd.Flags()
	o.groups().register(f)
	f.StringSliceVar(&o.archs, "arch", []string{"vit-ti", "vit-s", "vit-b"}, "architectures: "+strings.Join(bench.ArchNames(), ", "))
	f.StringSliceVar(&o.extra, "shape", nil, "more rows as ARCH/PATCH@SIZE (SIZE is N or WxH), e.g. vit-b/16@384, outside the --arch × --patch × --image-size grid; without --arch, --patch and --image-size, only these rows run")
	f.Var(newIntList(&o.patches, []int{16}), "patch", "patch sizes in pixels")
	f.Var(&o.sizeList, "image-size", "image sizes, N for N×N pixels or WxH (width × height), multiples of the patch size, comma-separated; default: 224, or the model file's size with -m")
	f.Var(newIntList(&o.batches, []int{1}), "batch", "batch sizes (images per forward pass)")
	f.Var(newIntList(&o.threads, []int{kernels.DefaultThreads()}), "threads", "compute thread counts")
	defaultThreadsHelp(f)
	f.DurationVar(&o.time, "time", 3*time.Second, "time spent on timed runs per row")
	f.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "untimed warm-up per row (at least one run)")
	f.IntVar(&o.minRuns, "min-runs", 3, "timed runs per row even when --time is exceeded")
	f.StringVar(&o.plot, "plot", "", "also draw latency and throughput against tokens into this PNG file (.png)")
	f.StringVar(&o.plotSize, "plot-size", "1400x600", "chart size in pixels, WIDTHxHEIGHT")
	f.StringVar(&o.out, "out", "", "write the rows to this file instead of stdout (through a temporary file renamed when the run ends or is interrupted, then holding the rows measured); without -o, a name ending in .json, .jsonl, .ndjson or .csv picks that format")
	o.output.followsName(f, "--out")
	return cmd
}

// shape is one model configuration to load, and the image size it runs
// at (h×w; zero with -m: the file's own); rows vary batch and threads.
type shape struct {
	arch  bench.Arch
	patch int
	size  imageSize
}

// label names a shape as --shape writes it: vit-b/16@384x224.
func (sh shape) label() string {
	return fmt.Sprintf("%s/%d@%s", sh.arch.Name, sh.patch, sh.size.String())
}

func (o *benchmarkOptions) validate(cmd *cobra.Command) error {
	if err := o.groups().validate(); err != nil {
		return err
	}
	o.sizes = o.sizeList.sizes
	if len(o.sizes) == 0 && o.model.path == "" {
		o.sizes = []imageSize{{h: 224, w: 224}}
	}
	o.notes = nil
	for i, a := range o.archs { // as LookupArch reads them: vit-ti, VIT-Ti and tiny are one
		if arch, err := bench.LookupArch(a); err == nil {
			o.archs[i] = arch.Name
		} else { // shapes says that it is unknown
			o.archs[i] = strings.ToLower(strings.TrimSpace(a))
		}
	}
	o.archs, o.extra = uniqNoted(o, "--arch", o.archs), uniqNoted(o, "--shape", o.extra)
	o.patches, o.sizes = uniqNoted(o, "--patch", o.patches), uniqNoted(o, "--image-size", o.sizes)
	o.gridGiven = cmd.Flags().Changed("arch") || cmd.Flags().Changed("patch") || cmd.Flags().Changed("image-size")
	o.batches, o.threads = uniqNoted(o, "--batch", o.batches), uniqNoted(o, "--threads", o.threads)
	if err := o.checkNamesGiven(cmd); err != nil {
		return err
	}
	for _, l := range []struct {
		flag string
		vals []int
	}{{"--patch", o.patches}, {"--batch", o.batches}, {"--threads", o.threads}} {
		if len(l.vals) == 0 {
			return usagef("%s: give at least one value", l.flag)
		}
		for _, v := range l.vals {
			if v < 1 {
				return usagef("%s %d: must be at least 1", l.flag, v)
			}
		}
		if l.flag == "--threads" {
			if err := checkThreads(l.flag, slices.Max(l.vals)); err != nil {
				return err
			}
		}
	}
	switch {
	case o.time <= 0:
		return usagef("--time %v: must be positive", o.time)
	case o.warmup < 0:
		return usagef("--warmup %v: must not be negative", o.warmup)
	case o.minRuns < 1:
		return usagef("--min-runs %d: must be at least 1", o.minRuns)
	}
	if o.verify.on && o.model.path == "" {
		return usagef("--verify-model: checks the model file of -m, and random-weight architectures have none: give -m MODEL, or leave --verify-model out")
	}
	if o.model.path != "" {
		for _, name := range []string{"arch", "shape", "patch"} {
			if cmd.Flags().Changed(name) {
				return usagef("--%s: not with -m; the model file fixes the architecture and patch (--image-size may change the size)", name)
			}
		}
	}
	if _, _, err := parseSize(o.plotSize); err != nil {
		return usagef("--plot-size: %v", err)
	}
	return nil
}

// checkNamesGiven refuses an empty --arch or --shape (--arch "", as a
// script with an unset variable gives it): --arch "" ended in "no
// combination of --patch and --image-size fits", and --shape "" ran the
// whole default grid, minutes of it, instead of the rows asked for.
func (o *benchmarkOptions) checkNamesGiven(cmd *cobra.Command) error {
	switch {
	case cmd.Flags().Changed("arch") && len(o.archs) == 0:
		return usagef("--arch: give at least one architecture: %s", strings.Join(bench.ArchNames(), ", "))
	case cmd.Flags().Changed("shape") && len(o.extra) == 0:
		return usagef("--shape: give at least one row as ARCH/PATCH@SIZE, e.g. vit-b/16@384")
	}
	return nil
}

// uniqNoted drops repeated values of a list flag, keeping the first of
// each, with a note (printed as the run starts) that those run once.
func uniqNoted[T comparable](o *benchmarkOptions, flag string, s []T) []T {
	var out, twice []T
	for _, v := range s {
		switch {
		case !slices.Contains(out, v):
			out = append(out, v)
		case !slices.Contains(twice, v):
			twice = append(twice, v)
		}
	}
	if len(twice) > 0 {
		vals := make([]string, len(twice))
		for i, v := range twice {
			vals[i] = fmt.Sprint(v) // an imageSize by its String
		}
		o.notes = append(o.notes, fmt.Sprintf("note: %s %s given more than once: each combination runs once", flag, strings.Join(vals, ", ")))
	}
	return out
}

// shapes lists the architecture × patch × size combinations, skipping
// (with a note on stderr) sizes that are not a multiple of the patch, then
// the --shape ones.
func (o *benchmarkOptions) shapes(errw io.Writer) ([]shape, error) {
	var out []shape
	archs := o.archs
	if len(o.extra) > 0 && !o.gridGiven {
		archs = nil // --shape alone: only those rows
	}
	for _, name := range archs {
		a, err := bench.LookupArch(name)
		if err != nil {
			return nil, usagef("--arch: %v", err)
		}
		for _, p := range o.patches {
			for _, sz := range o.sizes {
				if sz.h%p != 0 || sz.w%p != 0 {
					fmt.Fprintf(errw, "vitctl: skipping %s/%d at %s: %s of the patch size (%s would be)\n", a.Name, p, sz.given(), notMultiple(sz, p), nearestFit(sz, p))
					continue
				}
				out = append(out, shape{a, p, imageSize{h: sz.h, w: sz.w}}) // one row for 384 and a --shape's 384x384
			}
		}
	}
	for _, e := range o.extra {
		sh, err := parseShape(e)
		if err != nil {
			return nil, usagef("--shape: %v", err)
		}
		if !slices.Contains(out, sh) {
			out = append(out, sh)
		}
	}
	if len(out) == 0 {
		return nil, usagef("no combination of --patch and --image-size fits: each image size must be a multiple of a patch size")
	}
	return out, nil
}

// parseShape reads ARCH/PATCH@SIZE, e.g. vit-b/16@384 or vit-b/16@384x224.
func parseShape(s string) (shape, error) {
	name, rest, ok1 := strings.Cut(s, "/")
	p, sz, ok2 := strings.Cut(rest, "@")
	var sh shape
	var err error
	if !ok1 || !ok2 {
		return sh, fmt.Errorf("%q: want ARCH/PATCH@SIZE, e.g. vit-b/16@384", s)
	}
	if sh.arch, err = bench.LookupArch(name); err != nil {
		return sh, err
	}
	sh.patch, err = strconv.Atoi(p)
	if err == nil {
		err = sh.size.Set(sz)
	}
	if err != nil || sh.patch < 1 || sh.size.h%sh.patch != 0 || sh.size.w%sh.patch != 0 {
		return sh, fmt.Errorf("%q: want a positive patch and an image size (N or WxH) that is a multiple of it", s)
	}
	sh.size.text = "" // a row, as the grid's: @384 and @384x384 are one
	return sh, nil
}

// parseSize reads "WIDTHxHEIGHT".
func parseSize(s string) (w, h int, err error) {
	if _, err := fmt.Sscanf(s, "%dx%d", &w, &h); err != nil || w < 300 || h < 200 || w > 8000 || h > 8000 {
		return 0, 0, fmt.Errorf("%q: want WIDTHxHEIGHT in pixels, from 300x200 to 8000x8000", s)
	}
	return w, h, nil
}

func runBenchmark(cmd *cobra.Command, s streams, o *benchmarkOptions) error {
	formatNote := o.output.follow(o.out)
	if err := o.validate(cmd); err != nil {
		return err
	}
	if err := o.kernel.apply(); err != nil {
		return err
	}
	if err := checkPlotFile("--plot", o.plot); err != nil {
		return err
	}
	if err := o.checkOut(); err != nil {
		return err
	}
	if err := checkDistinctOutputs([2]string{"--out", o.out}, [2]string{"--plot", o.plot}); err != nil {
		return err
	}
	fmt.Fprint(s.err, formatNote)
	for _, n := range o.notes {
		fmt.Fprintln(s.err, "vitctl: "+n)
	}
	ctx := cmd.Context()
	shapes, err := o.plan(ctx, s.err)
	if err != nil {
		return err
	}
	if err := o.checkChart(shapes); err != nil {
		return err
	}
	dst, err := o.openOut(s.out)
	if err != nil {
		return err
	}
	rep := &bench.Report{
		Version: Version, GoVersion: runtime.Version(), OS: runtime.GOOS, GoArch: runtime.GOARCH,
		CPU: bench.CPUModel(), NumCPU: runtime.NumCPU(), TimeBudget: o.time.Seconds(), LoadAvg: -1,
	}
	if l, ok := bench.LoadAverage(); ok {
		rep.LoadAvg = l
		machine, ok := bench.MachineCPUs()
		if !ok {
			machine = rep.NumCPU
		}
		if note := loadNote(l, machine, rep.NumCPU); note != "" {
			fmt.Fprintln(s.err, note)
		}
	}
	if th, cpus := slices.Max(o.threads), kernels.DefaultThreads(); th > cpus {
		fmt.Fprintf(s.err, "vitctl: note: --threads %d is more than the %s this process may use: rows past %d time threads taking turns on the CPUs\n", th, nouns(cpus, "CPU"), cpus)
	}
	total := len(shapes) * len(o.batches) * len(o.threads)
	bar := newProgress(s.err, total, "benchmark", "row")
	var runErr error
	emit := o.emitter(dst, rep)
	for _, sh := range shapes {
		if runErr = o.runShape(ctx, sh, emit, bar); runErr != nil {
			break
		}
	}
	bar.finish()
	return o.finish(s, dst, rep, runErr, total)
}

// checkOut checks --out before any row runs: a file that can be written,
// not named like an image (--plot's chart is one) nor -m's model file.
func (o *benchmarkOptions) checkOut() error {
	if err := checkOutputFile("--out", o.out); err != nil {
		return err
	}
	if err := checkResultsName("--out", o.out, formatEnding(o.output.format.val)); err != nil {
		return err
	}
	return checkNotRead("--out", o.out, modelRead(o.model.path))
}

// rowsOut is where the rows go: stdout, or --out's temporary file (tmp).
type rowsOut struct {
	io.Writer
	tmp  *atomicFile
	name string // "output", or the --out file
}

// openOut opens --out's temporary file; without --out the rows go to stdout.
func (o *benchmarkOptions) openOut(stdout io.Writer) (*rowsOut, error) {
	if o.out == "" {
		return &rowsOut{Writer: stdout, name: "output"}, nil
	}
	tmp, err := createAtomic(o.out)
	if err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	return &rowsOut{Writer: tmp, tmp: tmp, name: o.out}, nil
}

// writeError words an error in writing the rows: the --out file named,
// never its temporary.
func (w *rowsOut) writeError(err error) error {
	if w.tmp != nil {
		return hideTemp(err, w.name)
	}
	return fmt.Errorf("writing output: %w", err)
}

// close renames --out's temporary file into place when keep (the run
// ended, or was interrupted with rows measured), else removes it.
func (w *rowsOut) close(keep bool) error {
	switch {
	case w.tmp == nil:
	case keep:
		return w.tmp.commit()
	default:
		w.tmp.abort()
	}
	return nil
}

// finish prints the rows measured (to --out's file, which is renamed into
// place) and draws --plot, for a run interrupted midway too (the chart's
// title then says so), and words an interruption: how many of the total
// rows ran, and where they are. A run that failed otherwise writes no
// --out file.
func (o *benchmarkOptions) finish(s streams, dst *rowsOut, rep *bench.Report, runErr error, total int) error {
	n := len(rep.Rows)
	stopped := errors.Is(runErr, context.Canceled)
	if runErr == nil || n > 0 {
		if err := o.write(dst, rep); err != nil {
			dst.close(false)
			return dst.writeError(err)
		}
	}
	if err := dst.close(runErr == nil || stopped && n > 0); err != nil {
		return err
	}
	switch {
	case runErr != nil && !stopped && dst.tmp != nil:
		return fmt.Errorf("%w; %s", runErr, notWritten(o.out))
	case runErr != nil && !stopped:
		return runErr
	case stopped && n == 0:
		return interrupted{where: fmt.Sprintf("in the first of %s: nothing measured, nothing written", nouns(total, "row"))}
	case runErr == nil && dst.tmp != nil:
		fmt.Fprintf(s.err, "vitctl: wrote %s (%s)\n", o.out, nouns(n, "row"))
	}
	holds := "the output holds"
	if dst.tmp != nil {
		holds = o.out + " holds"
	}
	where := fmt.Sprintf("after %d of %s: %s only the rows measured", n, nouns(total, "row"), holds)
	if o.plot != "" {
		w, h, _ := parseSize(o.plotSize)
		title := chartTitle(rep, stopped, total)
		err := writeFileAtomic(o.plot, func(f io.Writer) error { return bench.WriteChart(f, rep.Rows, title, w, h) })
		switch {
		case err != nil && stopped:
			return interrupted{where: fmt.Sprintf("%s, and --plot %s: %v", where, notWritten(o.plot), err)}
		case err != nil:
			return fmt.Errorf("--plot: %w", err)
		case stopped:
			where += ", and " + o.plot + " charts them"
		default:
			fmt.Fprintf(s.err, "vitctl: wrote %s (the p50 latency and the mean throughput against tokens per image, %s)\n", o.plot, nouns(n, "row"))
		}
	}
	if stopped {
		return interrupted{where: where}
	}
	return nil
}

// loadNote is the warning for a load average l above the machine's CPUs,
// of which the process's affinity mask (taskset) allows usable; "" when l
// is not above. The load average counts the whole machine's threads: under
// taskset -c 0 on two CPUs it said "load average 2.9 on 1 CPUs".
func loadNote(l float64, machine, usable int) string {
	if l <= float64(machine) {
		return ""
	}
	mask := ""
	if usable < machine {
		mask = fmt.Sprintf(" (its affinity mask gives this process %d of them)", usable)
	}
	return fmt.Sprintf("vitctl: load average %.1f on a machine of %s%s: other programs compete for the CPUs, expect noisy numbers (see the CPU column)",
		l, nouns(machine, "CPU"), mask)
}

// chartTitle is --plot's title: the kernels the rows ran, as their kernel
// column names them (the title named the fp32 kernel, kernels.Selected,
// also over rows of bf16 or int8, which may run on another: avx512vnni,
// avx2 via fp32), the machine, and an interruption after some of total rows.
func chartTitle(rep *bench.Report, stopped bool, total int) string {
	title := fmt.Sprintf("vitctl benchmark: kernel %s; %s (%s), %s", bench.Kernels(rep.Rows), rep.CPU, nouns(rep.NumCPU, "CPU"), rep.GoVersion)
	if stopped {
		title += fmt.Sprintf(" (interrupted after %d of %d rows)", len(rep.Rows), total)
	}
	return title
}

// checkChart refuses, before any row runs, a --plot whose legend would
// not fit the --plot-size chart.
func (o *benchmarkOptions) checkChart(shapes []shape) error {
	if o.plot == "" {
		return nil
	}
	var rows []bench.Row
	for _, sh := range shapes {
		for _, B := range o.batches {
			for _, th := range o.threads {
				rows = append(rows, bench.Row{Arch: o.archOf(sh), Batch: B, Threads: th})
			}
		}
	}
	w, h, _ := parseSize(o.plotSize)
	if err := bench.CheckChart(rows, w, h); err != nil {
		return usagef("--plot: %v: give a taller --plot-size, or fewer --arch, --batch or --threads values", err)
	}
	return nil
}

// plan lists the shapes to run and checks, before anything runs, that each
// row fits in memory. With -m it opens the model file (once) and runs it
// at its own size or at each --image-size.
func (o *benchmarkOptions) plan(ctx context.Context, errw io.Writer) ([]shape, error) {
	var shapes []shape
	if o.model.path == "" {
		var err error
		if shapes, err = o.shapes(errw); err != nil {
			return nil, err
		}
	} else {
		lm, err := openModelRef(ctx, errw, o.model.path, o.verify.on, &o.precision)
		if err != nil {
			return nil, err
		}
		o.loaded = lm
		shapes = []shape{{}} // the file's own size
		if len(o.sizes) > 0 {
			shapes = nil
		}
		for _, sz := range o.sizes {
			if err := checkPatchMultiple(sz, lm.Config.PatchSize); err != nil {
				return nil, err
			}
			shapes = append(shapes, shape{size: sz})
		}
	}
	for _, sh := range shapes {
		cfg, p, h, w := o.configOf(sh)
		for _, B := range o.batches {
			for _, th := range o.threads {
				rs := runShape{h: h, w: w, batch: B, threads: th, window: B}
				what := fmt.Sprintf("%s/%d at %s", o.archOf(sh), cfg.PatchSize, rs.size())
				if err := o.memory.checkHint(what, "--image-size, --batch or --threads (each combination of the lists runs)", estimateMemory(&cfg, p, rs)); err != nil {
					return nil, err
				}
			}
		}
	}
	return shapes, nil
}

// archOf names the architecture a shape runs: the --arch preset, or the
// -m model's name.
func (o *benchmarkOptions) archOf(sh shape) string {
	if o.loaded == nil {
		return sh.arch.Name
	}
	return strings.TrimSuffix(filepath.Base(o.model.path), filepath.Ext(o.model.path))
}

// configOf is the config and precision of the model a shape runs, and the
// image height and width it runs at. A synthetic model's weights are made
// for square images of the shorter side (its position embeddings cover
// that grid, so a long thin size does not make a huge table) and are
// interpolated to a non-square size, as a model file's are when -m runs it
// at another --image-size.
func (o *benchmarkOptions) configOf(sh shape) (cfg model.Config, p kernels.Precision, h, w int) {
	if o.loaded == nil {
		return sh.arch.Config(sh.patch, min(sh.size.h, sh.size.w)), o.precision.or(kernels.FP32), sh.size.h, sh.size.w
	}
	cfg = o.loaded.Config
	h, w = sh.size.or(cfg.ImageSize)
	return cfg, o.loaded.Precision(), h, w
}

// benchModel is a model ready to run and how it was obtained.
type benchModel struct {
	m      *model.Model
	h, w   int // the image size measured
	arch   string
	source string // the row's model: "synthetic", or -m's name as classify's records give it
	sha    string // -m's model's short SHA-256; "" for a synthetic one
	load   time.Duration
}

// load builds sh's model with random weights, or returns -m's.
func (o *benchmarkOptions) load(sh shape) (*benchModel, error) {
	cfg, p, h, w := o.configOf(sh)
	if lm := o.loaded; lm != nil {
		return &benchModel{lm.Model, h, w, o.archOf(sh), lm.Name, lm.ShortSHA(), lm.LoadTime}, nil
	}
	start := time.Now()
	names, get := bench.Synthetic(&cfg)
	m, err := model.New(cfg, names, get)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sh.label(), err)
	}
	if p != kernels.FP32 {
		m = m.WithPrecision(p)
	}
	return &benchModel{m, h, w, sh.arch.Name, "synthetic", "", time.Since(start)}, nil
}

// emitter returns what is done with each row measured: it is added to
// rep, which the other formats print once the run ends, and with -o jsonl
// also written to w at once, a line per row. A row that cannot be written
// (stdout's reader gone, a full disk) stops the run.
func (o *benchmarkOptions) emitter(w *rowsOut, rep *bench.Report) func(bench.Row) error {
	return func(row bench.Row) error {
		if o.output.format.val == "jsonl" {
			if err := bench.WriteJSONLRow(w, &row); err != nil {
				return fmt.Errorf("%w; stopped after writing %s", w.writeError(err), nouns(len(rep.Rows), "row"))
			}
		}
		rep.Rows = append(rep.Rows, row)
		return nil
	}
}

// runShape loads one model and measures it at every batch size and thread
// count, passing each row to emit.
func (o *benchmarkOptions) runShape(ctx context.Context, sh shape, emit func(bench.Row) error, bar *progress) error {
	freeMemory()
	bm, err := o.load(sh)
	if err != nil {
		return err
	}
	cfg := &bm.m.Config
	for _, B := range o.batches {
		pixels := bench.PixelsAt(cfg, B, bm.h, bm.w)
		for _, th := range o.threads {
			if err := ctx.Err(); err != nil {
				return err
			}
			row := bench.Row{
				Arch: bm.arch, Model: bm.source, ModelSHA256: bm.sha, Patch: cfg.PatchSize,
				Tokens: cfg.TokensAt(bm.h, bm.w), Batch: B, Threads: th, Kernel: kernels.SelectedFor(bm.m.Precision()), Precision: bm.m.Precision().String(),
				Params: bench.Params(cfg), GFLOPsPerImage: float64(bench.CostAt(cfg, bm.h, bm.w).FLOPs()) / 1e9,
				LoadSeconds: bm.load.Seconds(),
			}
			row.SetSize(bm.w, bm.h)
			if err := o.measure(ctx, bm.m, pixels, &row); err != nil {
				return err
			}
			if err := emit(row); err != nil {
				return err
			}
			bar.message(fmt.Sprintf("%s/%d@%s batch %d, threads %d: p50 %s/image, %.2f images/s at that p50 (%s)",
				row.Arch, row.Patch, row.Size(), B, th, fmtDuration(row.ImageP50ms), 1000/row.ImageP50ms, nouns(row.Runs, "run")))
			bar.add()
		}
	}
	return nil
}

// fmtDuration prints milliseconds with three significant digits or more.
func fmtDuration(ms float64) string {
	if ms >= 100 {
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.3g ms", ms)
}

// measure times one row's forward passes and records its peak RSS. The
// peak is reset (where Linux allows) once the model is loaded, so it covers
// the weights, this row's workspace and the Go heap's slack.
func (o *benchmarkOptions) measure(ctx context.Context, m *model.Model, pixels []float32, row *bench.Row) error {
	freeMemory()
	row.PeakRSSScope = "row"
	if bench.ResetPeakRSS() != nil {
		row.PeakRSSScope = "process"
	}
	start := time.Now()
	cpu0, cpuOK := bench.CPUTime()
	r, err := m.NewRunnerAt(kernels.NewPool(row.Threads), row.Batch, row.ImageHeight, row.ImageWidth)
	if err != nil {
		return usagef("--image-size: %v", err)
	}
	forward := func() error { _, err := r.Forward(pixels, row.Batch); return err }
	b := bench.Budget{Time: o.time, MinRuns: o.minRuns, Warmup: o.warmup}
	samples, err := bench.Measure(forward, b, time.Now, func() bool { return ctx.Err() != nil })
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	row.ElapsedSeconds = time.Since(start).Seconds()
	if cpu1, ok := bench.CPUTime(); ok && cpuOK {
		row.CPUShare = (cpu1 - cpu0).Seconds() / (row.ElapsedSeconds * float64(row.Threads))
	}
	row.SetTimes(bench.Summarize(samples))
	if peak, err := bench.PeakRSS(); err == nil {
		row.PeakRSSBytes = peak
	} else {
		row.PeakRSSScope = "unknown"
	}
	return nil
}

// freeMemory returns the previous row's memory to the OS, so one row's
// peak RSS does not carry another's garbage.
func freeMemory() {
	runtime.GC()
	debug.FreeOSMemory()
}

// write prints the rows measured once the run ends; -o jsonl wrote each
// as it was measured.
func (o *benchmarkOptions) write(w io.Writer, rep *bench.Report) error {
	switch o.output.format.val {
	case "jsonl":
		return nil
	case "json":
		return bench.WriteJSON(w, rep)
	case "csv":
		return bench.WriteCSV(w, rep.Rows)
	}
	return bench.WriteText(w, rep.Rows)
}
