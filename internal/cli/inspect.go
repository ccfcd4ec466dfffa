package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vitctl/vitctl/internal/attention"
	"github.com/vitctl/vitctl/internal/bytestr"
	"github.com/vitctl/vitctl/internal/fetch"
	"github.com/vitctl/vitctl/internal/imageio"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/npy"
	"github.com/vitctl/vitctl/internal/prep"
)

func init() { subcommands = append(subcommands, newInspectCmd) }

// inspectOptions are inspect-attention's flags, and what they parse to.
type inspectOptions struct {
	model     modelFlags
	precision precisionFlags
	kernel    kernelFlags
	threads   threadsFlags
	imageSize imageSizeFlags
	input     inputFlags
	stdin     stdinFlags
	topK      topKFlags
	output    *outputFlags
	memory    memoryFlags
	verify    verifyFlags
	out       string
	layers    string
	heads     string
	fuse      enumValue
	discard   float64
	upsample  enumValue
	colormap  enumValue
	alpha     float64
	size      int
	photoSize int
	raw       bool
	maskOut   bool
	method    string
	class     string
	scaleName enumValue

	methodSet bool   // --method given, not its default
	classNote string // says that --class, without --method, draws relevance

	methods  []string
	scale    attention.Scale
	fusion   attention.Fusion
	resample attention.Resample
	cm       attention.Colormap
}

func (o *inspectOptions) groups() flagGroups {
	return flagGroups{&o.model, &o.precision, &o.kernel, &o.threads, &o.imageSize, &o.input, &o.stdin, &o.topK, o.output, &o.memory, &o.verify}
}

func newInspectCmd(s streams) *cobra.Command {
	o := &inspectOptions{output: newOutputFlags("text", "json", "jsonl", "csv")}
	o.output.format.hint = "-o is the format of the predictions; the pictures go to --out DIR"
	o.memory.smaller = "--image-size" // one image at a time: no --batch
	cmd := &cobra.Command{
		Use:     "inspect-attention [flags] IMAGE... --out DIR",
		Short:   "Draw where the model looks: attention maps per layer and head, and rollout",
		Long:    inspectLong,
		Example: inspectExamples,
		Args:    o.stdin.args("an image, a .npy file, a folder, or - to read paths from stdin"),
		RunE:    func(cmd *cobra.Command, args []string) error { return runInspect(cmd, s, o, args) },
	}
	f := cmd.Flags()
	o.groups().register(f)
	o.register(f)
	return cmd
}

const inspectLong = `inspect-attention runs each image through the model, captures the attention
probabilities of every layer and head, and writes pictures of the CLS token's
attention to the patches, blended over the image as the model saw it (and
the maps through all layers over the whole photo too), into one sub-folder
of DIR per image (named after the image file; -2, -3, … when another image
of the run, or of an earlier run into DIR, has that name: a run replaces
the pictures of the same image only; an input listed twice is drawn once),
put in place only when all its pictures are written. IMAGE may be an image
file, an http(s):// URL of one, a .npy file of preprocessed pixels, a folder
(its image files; -r for sub-folders too) or - to read paths from stdin (a
list taken as classify takes it). Each sub-folder holds:

  input.png               the image as the model saw it
  layerLL_headHH.png      one head of one layer
  layerLL_fused_MODE.png  the layer's selected heads fused (--fuse)
  layerLL_grid.png        every selected head of the layer, and the fusion, labelled
  rollout.png             attention rollout through all layers (Abnar & Zuidema 2020)
  rollout_grid.png        the rollout through each selected layer
  rollout_photo.png       the rollout over the whole photo, at the photo's own
                          size and aspect (--photo-size shrinks it): the map
                          fills the part the model saw (the center crop, for
                          models that resize and crop), the rest is dimmed
  relevance.png           with --method relevance: class-specific relevance (Chefer,
                          Gur & Wolf 2021): R = I, then per layer R += mean over
                          heads of (dA ⊙ A)⁺ · R, dA the gradient of the class's
                          logit with respect to the attention A
  relevance_grid.png      the relevance through each selected layer
  relevance_photo.png     the relevance over the whole photo
  grad_rollout.png        with --method grad-rollout: rollout of each layer's
                          max(mean over heads of (A ⊙ dA), 0) (as jacobgil/vit-explain)
  grad_rollout_grid.png   the grad-rollout through each selected layer
  grad_rollout_photo.png  the grad-rollout over the whole photo
  attentions.npy          with --raw: the selected layers' and heads' probabilities,
                          float32 (layers, heads, T, T)
  NAME.npy                with --raw: each map NAME.png shows (heads, fused layers,
                          rollout, relevance, grad_rollout) unscaled, float32
                          (grid rows, grid columns)
  summary.png             one page: the photo, a bar chart of the top 5 classes
                          and each --method's map over the photo, titled
  summary.json            the top-k prediction, the settings, the file list and the
                          artifact tokens: patches whose last-block output norm is
                          over 5 times the median patch's (the high-norm tokens of
                          Darcet et al. 2023; --mask-outliers draws them as zero),
                          and the photo's size and the box of it the model saw
                          (each field: docs/attention/README.md)

The NAME_photo.png pictures need an image file: a .npy input has no photo
behind it.

Every map is scaled to its own range, low to high, before colouring; by
default (--scale robust) its values above its 99th percentile are clipped
first, so that the few high-norm "artifact" patches supervised ViTs grow
(often in the corners) do not leave the rest dark; --scale minmax does not
clip. Rollout fuses the selected heads of each layer, drops the lowest
--discard-ratio of each fused map (never CLS-to-CLS), adds the identity,
renormalises the rows and multiplies through the layers. relevance and
grad-rollout explain the predicted class, or the one --class names (--class
without --method draws relevance), with the gradient of its logit (a float32
backward pass at the model's own image size). Models that classify from the
mean of the patch tokens (timm avg pooling, no CLS token) show the patch
tokens' mean attention instead of CLS's. Layers and heads count from 0. The
top-k prediction is printed as classify prints it; the -o json and jsonl
records also name the image's sub-folder ("pictures": "DIR/NAME"), and -o
csv in a last column, pictures.`

const inspectExamples = `  vitctl inspect-attention testdata/images/chelsea.png --out attn
  vitctl inspect-attention testdata/images/chelsea.png testdata/images/coffee.png --out attn --layers 11 --method rollout,relevance --mask-outliers
  vitctl inspect-attention testdata/images/chelsea.png --out attn --method relevance,grad-rollout --class "tiger cat"
  vitctl inspect-attention -m fashion-vit testdata/images/chelsea.png --out attn --fuse max --discard-ratio 0.9 --colormap magma
  vitctl inspect-attention -m vit-base.gguf cat.jpg dog.jpg --out attn --layers 0,5-11 --heads all`

// register adds inspect-attention's own flags to f (groups has the shared
// ones).
func (o *inspectOptions) register(f *pflag.FlagSet) {
	f.StringVar(&o.out, "out", "", "folder to write the pictures into (required; created if missing)")
	f.StringVar(&o.layers, "layers", "all", `layers to draw: "all" or a list like 0,3,8-11`)
	f.StringVar(&o.heads, "heads", "all", `heads to draw and fuse: "all" or a list like 0,2-4`)
	o.fuse = enumValue{val: "mean", names: attention.FusionNames}
	f.Var(&o.fuse, "fuse", "head fusion for the fused maps and rollout")
	f.Float64Var(&o.discard, "discard-ratio", 0, "rollout: fraction of each fused map's lowest entries to drop, from 0 up to (not including) 1")
	o.upsample = enumValue{val: "bilinear", names: attention.ResampleNames}
	f.Var(&o.upsample, "upsample", "how patch maps are enlarged")
	o.colormap = enumValue{val: "viridis", names: attention.ColormapNames}
	f.Var(&o.colormap, "colormap", "colours of the maps")
	f.Float64Var(&o.alpha, "alpha", 0.5, "opacity of the map over the image, 0 (image only) to 1 (map only)")
	f.IntVar(&o.size, "size", 0, "side of each picture in pixels; default: the model's image size, at least 224")
	f.IntVar(&o.photoSize, "photo-size", 0, "longer side of the NAME_photo.png pictures in pixels, if the photo is larger; default: the photo's own size")
	f.BoolVar(&o.raw, "raw", false, "also write the probabilities as attentions.npy, and each map drawn as NAME.npy beside NAME.png")
	f.BoolVar(&o.maskOut, "mask-outliers", false, fmt.Sprintf("draw the artifact tokens (patches whose output norm is over %d times the median) as zero; summary.json lists them either way", attention.ArtifactFactor))
	o.scaleName = enumValue{val: "robust", names: attention.ScaleNames}
	f.Var(&o.scaleName, "scale", fmt.Sprintf("colour scale of each map: robust (values above its %dth percentile clipped, then minimum to maximum) or minmax", attention.ClipPercentile))
	f.StringVar(&o.method, "method", "rollout", "maps through all layers, a list of: rollout, relevance (class-specific, gradient-weighted), grad-rollout")
	f.StringVar(&o.class, "class", "", "relevance and grad-rollout: the class to explain, a label or an index (default: the predicted class); without --method it draws relevance")
}

func (o *inspectOptions) validate() error {
	if err := o.groups().validate(); err != nil {
		return err
	}
	if err := checkFolderName("--out", o.out, "the pictures are written into", "attn"); err != nil {
		return err
	}
	switch above := fileAbove(o.out); {
	case o.out == "":
		return usagef("--out DIR is required: the folder to write the pictures into")
	case isFile(o.out):
		return usagef("--out %s: is a file; give a folder to write the pictures into (created if missing)", o.out)
	case above != "":
		return usagef("--out %s: %s is not a folder", o.out, above)
	case !(o.discard >= 0 && o.discard < 1):
		return usagef("--discard-ratio %g: must be at least 0 and below 1 (1 would drop every entry and draw blank maps)", o.discard)
	case !(o.alpha >= 0 && o.alpha <= 1):
		return usagef("--alpha %g: must be between 0 and 1", o.alpha)
	case o.size != 0 && (o.size < 16 || o.size > 4096):
		return usagef("--size %d: must be between 16 and 4096", o.size)
	case o.photoSize != 0 && (o.photoSize < 16 || o.photoSize > 16384):
		return usagef("--photo-size %d: must be between 16 and 16384 (or 0, the photo's own size)", o.photoSize)
	}
	if err := o.parseChoices(); err != nil {
		return err
	}
	return checkOutputFolder("--out", o.out)
}

// parseChoices reads the flags that name choices: --method (with --class),
// and --scale, --fuse, --upsample and --colormap, which their enumValue
// flags have checked, in any letter case, as they were parsed.
func (o *inspectOptions) parseChoices() error {
	var err error
	if o.methods, err = parseMethods(o.method); err != nil {
		return err
	}
	if err := o.classMethod(); err != nil {
		return err
	}
	o.scale, _ = attention.ParseScale(o.scaleName.val)
	o.fusion, _ = attention.ParseFusion(o.fuse.val)
	o.resample, _ = attention.ParseResample(o.upsample.val)
	o.cm, _ = attention.ParseColormap(o.colormap.val)
	return nil
}

// classMethod makes --class without --method draw relevance, the map
// that explains a class (rollout, the default, explains none, and --class
// was refused though it said which map was meant), with a note saying so.
// --class with a --method given that explains no class is refused.
func (o *inspectOptions) classMethod() error {
	if o.class == "" || needsGrads(o.methods) {
		return nil
	}
	if o.methodSet {
		return usagef("--class %q: --method %s explains no class; relevance and grad-rollout do (--method %s,relevance draws both)", o.class, o.method, o.method)
	}
	o.methods, o.method = []string{"relevance"}, "relevance"
	o.classNote = fmt.Sprintf("note: --class %q draws --method relevance, the map that explains a class (rollout, the default, explains none; --method rollout,relevance draws both)\n", o.class)
	return nil
}

// parseIndexList reads "all" or a comma-separated list of indices and
// ranges ("0,3-5") below n, sorted and without repeats. A range from high
// to low is refused saying so (it was told only "want a list like
// 0,3,5-7", which 3-1 looks like), and so is a negative index, Python's
// way to count from the end, with the index of the last.
func parseIndexList(flag, s string, n int, what string) ([]int, error) {
	if strings.EqualFold(s, "all") {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	seen := make([]bool, n)
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, errA := strconv.Atoi(lo)
		b, errB := a, error(nil)
		if isRange {
			b, errB = strconv.Atoi(hi)
		}
		if _, err := strconv.Atoi(hi); isRange && lo == "" && err == nil { // -1, Python's last
			return nil, usagef("--%s %q: the model's %d %s are numbered 0 to %d, counting from the first: for the last, give %d", flag, s, n, what, n-1, n-1)
		}
		if errA != nil || errB != nil {
			return nil, usagef("--%s %q: want \"all\" or a list like 0,3,5-7", flag, s)
		}
		if a > b {
			return nil, usagef("--%s %q: the range %d-%d runs from high to low: write %d-%d (a range runs from low to high)", flag, s, a, b, b, a)
		}
		if a < 0 || b >= n {
			return nil, usagef("--%s %q: the model has %d %s, numbered 0 to %d", flag, s, n, what, n-1)
		}
		for i := a; i <= b; i++ {
			seen[i] = true
		}
	}
	var out []int
	for i, ok := range seen {
		if ok {
			out = append(out, i)
		}
	}
	return out, nil
}

// attentionCapture copies each layer's probabilities out of the runner's
// hook, which reuses its buffer.
// It also keeps the last block's output, whose token norms show the
// artifact tokens.
type attentionCapture struct {
	layers [][]float32 // per layer, (B, H, T, T)
	last   []float32   // (B, T, D) the last block's output
}

func captureAttention(r *model.Runner, nLayers int) *attentionCapture {
	c := &attentionCapture{layers: make([][]float32, nLayers)}
	r.Hooks.Attention = func(l int, p []float32) { c.layers[l] = append(c.layers[l][:0], p...) }
	lastBlock := fmt.Sprintf("block_%02d", nLayers-1)
	r.Hooks.Stage = func(name string, x []float32) {
		if name == lastBlock {
			c.last = append(c.last[:0], x...)
		}
	}
	return c
}

// inspectSummary is summary.json; field names are stable.
type inspectSummary struct {
	Path         bytestr.String `json:"path"`         // the bytes of the name, not UTF-8 ones as \udcXX
	Model        string         `json:"model"`        // built-in name or model file path
	ModelSHA256  string         `json:"model_sha256"` // short SHA-256 of its tensor data
	Height       int            `json:"height"`       // the model's input, pixels
	Width        int            `json:"width"`
	PatchSize    int            `json:"patch_size"`
	GridRows     int            `json:"grid_rows"`
	GridCols     int            `json:"grid_cols"`
	Tokens       int            `json:"tokens"`        // T
	PrefixTokens int            `json:"prefix_tokens"` // tokens before the patches
	Query        string         `json:"query"`         // whose attention the maps show
	Layers       []int          `json:"layers"`
	Heads        []int          `json:"heads"`
	Fuse         string         `json:"fuse"`
	DiscardRatio float64        `json:"discard_ratio"`
	Upsample     string         `json:"upsample"`
	Colormap     string         `json:"colormap"`
	Scale        string         `json:"scale"`
	Alpha        float64        `json:"alpha"`
	Methods      []string       `json:"methods"`
	Class        *prediction    `json:"class,omitempty"` // the class relevance and grad-rollout explain
	TopK         []prediction   `json:"top_k"`
	// ArtifactTokens are the patches whose last-block output norm exceeds
	// ArtifactFactor times the median patch's (PatchNormMedian).
	ArtifactTokens  []attention.Artifact `json:"artifact_tokens"`
	PatchNormMedian float64              `json:"patch_norm_median"`
	MaskOutliers    bool                 `json:"mask_outliers"`
	// The decoded photo (upright) and the part of it the model's input
	// shows, in its pixels; absent for .npy inputs.
	PhotoWidth  int       `json:"photo_width,omitempty"`
	PhotoHeight int       `json:"photo_height,omitempty"`
	InputBox    *inputBox `json:"input_box,omitempty"`
	Files       []string  `json:"files"`
}

func runInspect(cmd *cobra.Command, s streams, o *inspectOptions, args []string) error {
	o.methodSet = cmd.Flags().Changed("method")
	if err := o.validate(); err != nil {
		return err
	}
	if err := o.kernel.apply(); err != nil {
		return err
	}
	rep, err := newPicturesReporter(o.output.format.val, s.out)
	if err != nil {
		return err
	}
	r, err := openInspect(cmd.Context(), s, o)
	if err != nil {
		return err
	}
	lst := o.input.listing()
	inputs, err := expand(args, lst, s.in, o.stdin.sep())
	if err != nil {
		return err
	}
	inputs, twice := once(lst.dropListed(inputs, nil))
	if len(inputs) == 0 { // before --out is made: no empty folder is left
		rep.close() // stdout's document of no records: [] for -o json
		return noImages(args, "", lst.skippedNote())
	}
	made, err := makeOutFolder(o.out)
	if err != nil {
		return err
	}
	dirs := subfolderNames(o.out, inputs)
	fmt.Fprint(s.err, o.classNote, twiceNote(twice)) // after every check: an error stays one line
	if o.output.format.val == "text" {
		fmt.Fprintln(s.err, r.m.banner(r.h, r.w))
	}
	bar := newProgress(s.err, len(inputs), "inspecting", "img")
	var failed int
	var folders unreadable // inputs that are folders that could not be read
	start := time.Now()
	for i, in := range inputs {
		if err := cmd.Context().Err(); err != nil {
			bar.finish()
			rep.close() // -o json's array ends after the records done; the interruption is the run's error
			return interruptedAfter(err, i, len(inputs), i)
		}
		rec, err := r.inspectInput(cmd.Context(), in, dirs[i], bar)
		if err != nil && !folders.add(in.path, err) {
			failed++
		}
		if err := rep.add(rec); err != nil { // a full disk: the inputs after it would be drawn for nothing
			bar.finish()
			return stoppedWriting("writing output", err, i, len(inputs))
		}
		bar.add()
	}
	bar.finish()
	if err := rep.close(); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	n := len(inputs) - len(folders)
	if failed == n && made {
		os.Remove(o.out) // empty: every input failed before its sub-folder was made
	}
	return summarizeInspect(s, n, failed, folders, o.out, time.Since(start), lst.skippedNote())
}

// makeOutFolder makes --out's folder out, if missing, and removes the
// temporary folders a killed run left in it; made says it was missing
// (runInspect removes it again when no picture is drawn).
func makeOutFolder(out string) (made bool, err error) {
	_, statErr := os.Stat(out)
	made = errors.Is(statErr, fs.ErrNotExist)
	if err := os.MkdirAll(out, 0o777); err != nil {
		return false, fmt.Errorf("--out: %w", err)
	}
	removeStaleTempFolders(out)
	return made, nil
}

// inspectInput draws the pictures of in into its sub-folder d of --out,
// saying so when d is not the folder of in's name, and gives its record;
// err is why in was not drawn, also in the record and on the bar.
func (r *inspectRun) inspectInput(ctx context.Context, in input, d subfolder, bar *progress) (record, error) {
	sum := r.summary(in.path)
	pics := filepath.Join(r.o.out, d.name) // this input's pictures
	err := in.err
	if err == nil {
		err = r.one(ctx, pics, sum)
	}
	rec := record{Path: bytestr.String(in.path), Model: r.m.Name, ModelSHA256: r.m.ShortSHA()}
	if err != nil {
		rec.Error = strings.TrimPrefix(err.Error(), in.path+": ")
		bar.message(bytestr.Text(in.path) + ": " + rec.Error)
		return rec, err
	}
	if d.taken != "" {
		bar.message(fmt.Sprintf("note: %s: pictures in %s, as %s holds those of %s",
			bytestr.Text(in.path), bytestr.Text(pics), bytestr.Text(filepath.Join(r.o.out, d.base)), bytestr.Text(d.taken)))
	}
	rec.TopK, rec.Pictures = sum.TopK, bytestr.String(pics)
	return rec, nil
}

// inspectRun is what each image of an inspect-attention run is drawn
// with: the model and its runner, hooked to capture the attention, and
// the choices that depend on the model.
type inspectRun struct {
	o             *inspectOptions
	m             *loadedModel
	cfg           *model.Config
	runner        *model.Runner
	capture       *attentionCapture
	lo            attention.Layout
	h, w          int     // the model's input
	need          memNeed // the run's memory estimate, each photo aside
	layers, heads []int
	grads         *gradPass // the gradient methods' pass; nil without them
	class         int       // the class they explain; −1: the predicted one
}

// openInspect opens the model and checks what depends on it (--method,
// --class, --layers, --heads, the gradient pass's image size) before
// --out is made: a --class that named no class left the empty folder
// behind.
func openInspect(ctx context.Context, s streams, o *inspectOptions) (*inspectRun, error) {
	m, err := openModelRef(ctx, s.err, o.model.path, o.verify.on, &o.precision)
	if err != nil {
		return nil, err
	}
	shape := runShape{batch: 1, threads: o.threads.n, window: 1, keptLayers: m.Config.NumHiddenLayers + 1}
	runner, _, err := m.runnerFor(&o.imageSize.size, shape, &o.memory)
	if err != nil {
		return nil, err
	}
	r := &inspectRun{o: o, m: m, cfg: &m.Config, runner: runner, class: -1}
	if err := checkExplainable(o.methods, o.class, o.methodSet, m.Name, r.cfg); err != nil {
		return nil, err
	}
	r.h, r.w = runner.Size()
	shape.h, shape.w = r.h, r.w
	r.need = estimateMemory(r.cfg, m.Precision(), shape)
	if r.layers, err = parseIndexList("layers", o.layers, r.cfg.NumHiddenLayers, "layers"); err != nil {
		return nil, err
	}
	if r.heads, err = parseIndexList("heads", o.heads, r.cfg.NumAttentionHeads, "heads"); err != nil {
		return nil, err
	}
	if needsGrads(o.methods) {
		if r.class, err = parseClass(o.class, r.cfg.Labels); err != nil {
			return nil, err
		}
		if r.grads, err = newGradPass(m.File, o, r.h, r.w); err != nil {
			return nil, err
		}
	}
	r.capture = captureAttention(runner, r.cfg.NumHiddenLayers)
	r.lo = layoutOf(runner, r.cfg)
	return r, nil
}

// summary starts the summary.json of the image at path: the model and
// the settings; one fills in what the image gives.
func (r *inspectRun) summary(path string) *inspectSummary {
	o, lo := r.o, r.lo
	return &inspectSummary{
		Path: bytestr.String(path), Model: r.m.Name, ModelSHA256: r.m.ShortSHA(), Height: r.h, Width: r.w, PatchSize: r.cfg.PatchSize,
		GridRows: lo.GH, GridCols: lo.GW, Tokens: lo.T, PrefixTokens: lo.Prefix, Query: lo.Query(),
		Layers: r.layers, Heads: r.heads, Fuse: o.fuse.val, DiscardRatio: o.discard,
		Upsample: o.upsample.val, Colormap: o.colormap.val, Scale: o.scaleName.val, Alpha: o.alpha, Methods: o.methods, MaskOutliers: o.maskOut,
	}
}

// summarizeInspect prints the one-line summary of n images, as classify's
// summarize does, with where the pictures went, and decides the exit status.
func summarizeInspect(s streams, n, failed int, folders unreadable, out string, took time.Duration, note string) error {
	if none := folders.noneFound(n); none != "" {
		fmt.Fprintln(s.err, none+note)
		return errPartial
	}
	where := "pictures in " + out
	if n == failed {
		where = "no pictures drawn"
	}
	fmt.Fprintf(s.err, "inspected %d of %s in %.2fs%s, %d failed%s; %s%s\n",
		n-failed, nouns(n, "image"), took.Seconds(), rate(n-failed, took), failed, folders.note(), where, note)
	if failed > 0 || len(folders) > 0 {
		return errPartial
	}
	return nil
}

// subfolder is where an input's pictures go: name, a folder of --out; and,
// when that is not base, the input's file name, why: the folder base holds
// another image's pictures (taken, its path).
type subfolder struct{ name, base, taken string }

// subfolderNames gives each input a sub-folder of out named after its
// file, without the extension. A name another input of this run has, or
// whose folder holds an earlier run's pictures of another image (its
// summary.json names another path), gets -2, -3, …: a run replaces the
// pictures of the same image only.
func subfolderNames(out string, inputs []input) []subfolder {
	owner := map[string]string{} // folder name → the path of the image it holds
	dirs := make([]subfolder, len(inputs))
	for i, in := range inputs {
		base := baseName(in.path)
		base = strings.TrimSuffix(base, filepath.Ext(base))
		if base == "" || base == "." || base == ".." || base == string(filepath.Separator) {
			base = "image"
		}
		taken := func(name string) (string, bool) {
			if p, ok := owner[name]; ok {
				return p, true
			}
			p := folderImage(filepath.Join(out, name))
			return p, p != "" && filepath.Clean(p) != filepath.Clean(in.path)
		}
		name := base
		for k := 2; ; k++ {
			p, ok := taken(name)
			if !ok {
				break
			}
			if name == base {
				dirs[i].taken = p
			}
			name = fmt.Sprintf("%s-%d", base, k)
		}
		owner[name] = in.path
		dirs[i].name, dirs[i].base = name, base
	}
	return dirs
}

// folderImage is the path of the image whose pictures dir holds, from its
// summary.json; "" when it has none.
func folderImage(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		return ""
	}
	var sum struct {
		Path bytestr.String `json:"path"`
	}
	if json.Unmarshal(b, &sum) != nil {
		return ""
	}
	return string(sum.Path)
}

// layoutOf says where the runner's patches are and whose attention to show.
func layoutOf(r *model.Runner, cfg *model.Config) attention.Layout {
	gh, gw := r.Grid()
	return attention.Layout{
		T: r.Tokens(), Prefix: r.PrefixTokens(), GH: gh, GW: gw,
		HasCLS: !cfg.NoClassToken,
		Pooled: cfg.NoClassToken || cfg.Pooling == model.PoolAvg,
	}
}

// one runs one image and writes its pictures into dir (all or none of
// them: see pictureFolder), filling sum.
func (r *inspectRun) one(ctx context.Context, dir string, sum *inspectSummary) error {
	pre := r.cfg.Preprocess.At(sum.Height, sum.Width)
	px, photo, err := r.load(ctx, sum, pre)
	if err != nil {
		return err
	}
	logits, err := r.forward(px, sum)
	if err != nil {
		return err
	}
	gm, err := r.explain(px, logits, sum)
	if err != nil {
		return err
	}
	folder, err := newPictureFolder(dir)
	if err != nil {
		return err
	}
	defer folder.abort()
	w := folder.writer()
	if err := r.draw(w, px, photo, pre, logits, gm, sum); err != nil {
		return err
	}
	return folder.commit(sum.Files)
}

// load reads the image sum names: the model's input px and, of an image
// file, the photo, within --max-memory with it; one image per .npy file.
func (r *inspectRun) load(ctx context.Context, sum *inspectSummary, pre prep.Params) (px []float32, photo *imageio.RGB8, err error) {
	o, need := r.o, r.need
	px, photo, err = loadInputPhoto(ctx, string(sum.Path), pre, o.input.decodeFlags)
	if err != nil {
		return nil, nil, err
	}
	if photo != nil {
		need.inputs += photoMemory(photo.W, photo.H, o.photoSize)
		if err := o.memory.checkHint(fmt.Sprintf("drawing over the %dx%d photo", photo.W, photo.H), "--photo-size", need); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", sum.Path, err)
		}
	}
	if n := len(px) / (prep.Channels * sum.Height * sum.Width); n > 1 {
		return nil, nil, fmt.Errorf("%s: holds %d images; inspect-attention draws one image per file (classify takes batched .npy files)", sum.Path, n)
	}
	return px, photo, nil
}

// forward runs px through the model, capturing its attention, and fills
// sum's top-k prediction and artifact tokens; logits is nil for a
// backbone, which has attention and no labels.
func (r *inspectRun) forward(px []float32, sum *inspectSummary) (logits []float32, err error) {
	cfg := r.cfg
	if cfg.HasHead() {
		if logits, err = r.runner.Forward(px, 1); err != nil {
			return nil, fmt.Errorf("inference: %w", err)
		}
		if err := finiteOutput(string(sum.Path), logits); err != nil {
			return nil, err // its summary.json could not hold the NaN
		}
		sum.TopK = topK(logits, cfg.Labels, r.o.topK.k)
	} else if feat, err := r.runner.Features(px, 1, model.FeatMean); err != nil {
		return nil, fmt.Errorf("inference: %w", err)
	} else if err := finiteOutput(string(sum.Path), feat); err != nil {
		return nil, err
	}
	sum.ArtifactTokens, sum.PatchNormMedian = r.lo.Artifacts(r.capture.last, cfg.HiddenSize)
	if sum.ArtifactTokens == nil {
		sum.ArtifactTokens = []attention.Artifact{}
	}
	return logits, nil
}

// explain runs the gradient methods' pass for the class they explain (the
// predicted one, unless --class names one), recorded in sum; nil without
// them.
func (r *inspectRun) explain(px, logits []float32, sum *inspectSummary) (*gradMaps, error) {
	if r.grads == nil {
		return nil, nil
	}
	class := r.class
	if class < 0 {
		class = topK(logits, r.cfg.Labels, 1)[0].Index
	}
	gm, err := r.grads.run(px, class)
	if err != nil {
		return nil, err
	}
	all := topK(logits, r.cfg.Labels, len(logits))
	sum.Class = &all[slices.IndexFunc(all, func(p prediction) bool { return p.Index == class })]
	return gm, nil
}

// draw writes every picture of the image into w: the input, the layers,
// each --method's map, the summary page, with --raw the probabilities,
// and summary.json last, listing them in sum.Files.
func (r *inspectRun) draw(w *pictureWriter, px []float32, photo *imageio.RGB8, pre prep.Params, logits []float32, gm *gradMaps, sum *inspectSummary) error {
	o, cfg, c := r.o, r.cfg, r.capture
	pics := newPictures(cfg, r.lo, o, px, sum.Height, sum.Width)
	if photo != nil {
		box := imageio.InputBox(photo.W, photo.H, pre)
		sum.PhotoWidth, sum.PhotoHeight, sum.InputBox = photo.W, photo.H, (*inputBox)(&box)
		if err := pics.setPhoto(photo, box); err != nil {
			return fmt.Errorf("%s: %w", sum.Path, err)
		}
	}
	if o.maskOut {
		pics.mask = sum.ArtifactTokens
	}
	w.png("input.png", pics.base)
	pics.drawLayers(w, c.layers, sum.Layers, sum.Heads)
	shown := r.drawMethods(w, pics, gm, sum)
	title, top := r.summaryTitle(logits, sum)
	if err := pics.drawSummary(w, title, top, len(cfg.Labels), shown); err != nil {
		return fmt.Errorf("%s: %w", sum.Path, err)
	}
	if o.raw {
		w.file("attentions.npy", func(f io.Writer) error {
			return npy.Write(f, rawAttention(c.layers, sum.Layers, sum.Heads, r.lo.T))
		})
	}
	sum.Files = append(slices.Sorted(slices.Values(w.files)), "summary.json")
	w.file("summary.json", func(f io.Writer) error { return writeJSON(f, sum) })
	return w.err
}

// drawMethods draws each --method's maps through all layers into w, and
// gives the final maps, titled, for the summary page.
func (r *inspectRun) drawMethods(w *pictureWriter, pics *pictures, gm *gradMaps, sum *inspectSummary) []shownMap {
	var shown []shownMap
	for _, m := range r.o.methods {
		if m == "rollout" {
			shown = append(shown, shownMap{"rollout", pics.drawRollout(w, r.capture.layers, sum.Layers, sum.Heads)})
		} else {
			final := pics.drawGradMethod(w, m, gm, sum.Layers, sum.Heads, sum.Class.Label)
			shown = append(shown, shownMap{fmt.Sprintf("%s for %q", m, sum.Class.Label), final})
		}
	}
	return shown
}

// summaryTitle is the summary page's title, naming the image, its top
// class (when the model has a classifier) and the model, and the classes
// its bar chart shows (nil for a backbone).
func (r *inspectRun) summaryTitle(logits []float32, sum *inspectSummary) (string, []prediction) {
	name := baseName(string(sum.Path))
	if logits == nil {
		return fmt.Sprintf("%s, model %s", name, sum.Model), nil
	}
	top := topK(logits, r.cfg.Labels, summaryBars)
	return fmt.Sprintf("%s: %s %.1f%% (model %s)", name, top[0].Label, 100*top[0].Prob, sum.Model), top
}

// pictureName matches the files inspect-attention writes into an image's
// folder, and the temporary names a killed run may have left of them.
var pictureName = regexp.MustCompile(`^\.?(input\.png|summary\.png|layer\d{2,}_(head\d{2,}|fused_[a-z]+|grid)\.png|(rollout|relevance|grad_rollout)(_grid|_photo)?\.png|(layer\d{2,}_(head\d{2,}|fused_[a-z]+)|rollout|relevance|grad_rollout)\.npy|attentions\.npy|summary\.json)(\.\d+\.tmp)?$`)

// removeStale removes the files of an earlier run into dir (other layers,
// heads or fusion) that this run did not write, so the folder holds what
// summary.json lists; files of other names are left alone.
func removeStale(dir string, written []string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if e.Type().IsRegular() && pictureName.MatchString(name) && !slices.Contains(written, name) {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("removing the earlier run's %s: %w", name, statError(err))
			}
		}
	}
	return nil
}

// inputBox is the rectangle [x0, x1) × [y0, y1) of the photo, in its pixels
// (edges not necessarily whole), that the model's input shows.
type inputBox struct {
	X0 float64 `json:"x0"`
	Y0 float64 `json:"y0"`
	X1 float64 `json:"x1"`
	Y1 float64 `json:"y1"`
}

// loadInputPhoto is loadInput for one image that also returns the photo,
// decoded whole and upright, to draw the maps over; nil for .npy inputs.
// With exact decoding the model's input is preprocessed from that photo,
// decoded once.
func loadInputPhoto(ctx context.Context, path string, p prep.Params, in decodeFlags) ([]float32, *imageio.RGB8, error) {
	if isNpy(path) {
		px, err := loadInput(ctx, path, p, in)
		return px, nil, err
	}
	var data []byte
	var photo *imageio.RGB8
	var err error
	if fetch.IsURL(path) {
		if data, err = urls.Get(ctx, path); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		photo, err = imageio.DecodeData(path, data, in.maxPixels)
	} else {
		photo, err = imageio.DecodeFile(path, in.maxPixels)
	}
	if err != nil { // a link that leads nowhere worded as loadInput words it
		return nil, nil, convertHint(causeWorded(path, err, notThere))
	}
	var px []float32
	switch {
	case in.decoding() == imageio.Exact:
		px, err = imageio.PreprocessImage(path, photo, p)
	case data != nil:
		px, err = imageio.LoadImageData(path, data, p, in.maxPixels, in.decoding())
	default:
		px, err = imageio.LoadImage(path, p, in.maxPixels, in.decoding())
	}
	return px, photo, err
}

// isFile reports whether path exists and is not a folder.
func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
