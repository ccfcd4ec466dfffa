package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vitctl/vitctl/internal/bytestr"
	"github.com/vitctl/vitctl/internal/shard"
)

func init() { subcommands = append(subcommands, newClassifyCmd) }

// classifyOptions are classify's flags.
type classifyOptions struct {
	model     modelFlags
	precision precisionFlags
	kernel    kernelFlags
	threads   threadsFlags
	imageSize imageSizeFlags
	input     inputFlags
	topK      topKFlags
	output    *outputFlags
	memory    memoryFlags
	pipeline  pipelineFlags
	verify    verifyFlags
	scale     scaleFlags
}

func (o *classifyOptions) groups() flagGroups {
	return flagGroups{&o.model, &o.precision, &o.kernel, &o.threads, &o.imageSize, &o.input, &o.scale, &o.topK, o.output, &o.memory, &o.pipeline, &o.verify}
}

func newClassifyCmd(s streams) *cobra.Command {
	o := &classifyOptions{output: newOutputFlags("text", "json", "jsonl", "csv").withOut("the results"), input: inputFlags{fromFile: true}}
	cmd := &cobra.Command{
		Use:   "classify [flags] PATH...",
		Short: "Classify images and folders of images",
		Long: `Classify prints the top-k labels of each image. PATH may be an image file, an
http(s):// URL of one (fetched within 60 s, at most 128 MB), a .npy file of
preprocessed float32 (or float64, float16) pixels (3,H,W), or (N,3,H,W) for N
images named FILE[0] … FILE[N-1] (FILE for N = 1), a folder (its image files;
-r for sub-folders too, --all-files for every file), or - to read paths or
URLs from stdin; --from-file reads them from a list. A list is taken as a
folder is: a file in it not named as an image (notes.txt, .DS_Store,
Thumbs.db: what find prints beside photos) is passed over with a note unless
--all-files, and so are macOS's ._IMG_0001.jpg metadata files and folders
(find DIR prints DIR); a file named as an argument is tried whatever its name.
A file that cannot be read is reported and skipped; the exit status is 1 if
any file failed. Without -m the built-in vit-tiny-in1k (ImageNet-1k) answers;
vitctl models lists the built-in models.

--shard I/N splits the inputs between N processes that share nothing but
the storage (docs/scale.md: Kubernetes Indexed Jobs, Slurm arrays);
--resume with --out FILE.jsonl finishes a killed run; an input that failed
keeps its record, and --retry-failed (with --resume) removes the failures'
records from FILE and runs those inputs again.

Without -o, the --out name picks the format: FILE.json is written as json,
FILE.jsonl (or .ndjson) as jsonl, FILE.csv as csv, any other name as text;
an -o given wins over the name.`,
		Example: `  vitctl classify testdata/images/chelsea.png testdata/images/coffee.png
  vitctl classify -m fashion-vit testdata/images/fashion
  vitctl classify -m vit-base.gguf -k 3 -o jsonl photos/ > labels.jsonl
  find photos -iname '*.jpg' | vitctl classify -m vit-base.gguf -o csv -
  find photos -iname '*.jpg' -print0 > list; vitctl classify -m vit-base.gguf --from-file list -0
  vitctl classify -m vit-base.gguf -r --out labels.csv photos/
  vitctl classify -m vit-base.gguf -r --shard 2/8 -o jsonl --out shard-2.jsonl --resume photos/`,
		Args: o.scale.minArgs(1, "images, .npy files, folders, - (paths on stdin) or --from-file LIST"),
		RunE: func(cmd *cobra.Command, args []string) error { return runClassify(cmd, s, o, args) },
	}
	f := cmd.Flags()
	o.groups().register(f)
	o.output.followsName(f, "--out")
	return cmd
}

func (o *classifyOptions) validate() (note string, err error) {
	note = o.output.follow(o.scale.out)
	return note, o.groups().validate()
}

func runClassify(cmd *cobra.Command, s streams, o *classifyOptions, args []string) error {
	formatNote, err := o.validate()
	if err != nil {
		return err
	}
	if err := o.scale.check(o.output.format.val); err != nil {
		return err
	}
	m, err := o.openClassifier(cmd.Context(), s)
	if err != nil {
		return err
	}
	lst := o.input.listing()
	id := shard.Record{Model: m.Name, ModelSHA256: m.ShortSHA(), TopK: min(o.topK.k, len(m.Config.Labels))}
	sc, err := o.scale.start(cmd.Context(), args, lst, s, id, o.topK.k)
	if err != nil {
		return err
	}
	if sc.listed == 0 { // no --out file is written; stdout gets a document of no records
		sc.finish(false)
		if o.scale.out == "" {
			emptyReport(o.output.format.val, s.out)
		}
		return noImages(args, o.scale.fromFile, lst.skippedNote())
	}
	c := &classifying{o: o, m: m, sc: sc}
	pf := o.pipeline.upTo(sc.inputs)
	runner, pre, err := m.runnerFor(&o.imageSize.size, pf.runShape(o.threads.n), &o.memory)
	if err != nil {
		sc.finish(false)
		return err
	}
	header := "" // stdout's model line is on stderr; a text file carries its own
	if o.scale.out != "" {
		header = m.banner(runner.Size())
	}
	if c.rep, err = newReporter(o.output.format.val, sc.w, header); err != nil {
		sc.finish(false)
		return err
	}
	fmt.Fprint(s.err, formatNote) // after every check: an error stays one line
	fmt.Fprint(s.err, o.topK.note(m.Name, len(m.Config.Labels)))
	if o.output.format.val == "text" && len(sc.inputs) > 0 {
		fmt.Fprintln(s.err, m.banner(runner.Size()))
	}
	per := runner.PixelsPerImage()
	pl := pf.imagesPipeline(cmd.Context(), pre, o.input.decodeFlags, per, batchInfer(runner.Forward, per, len(m.Config.Labels)))
	c.bar = newProgress(s.err, len(sc.inputs), "classifying", "img")
	start := time.Now()
	if err := c.end(pl.run(cmd.Context(), sc.inputs, c.take)); err != nil {
		return err
	}
	return c.summarize(s, args, lst, time.Since(start))
}

// classifying is a classify run over its inputs (sc.inputs): where its
// records go, and its counts.
type classifying struct {
	o   *classifyOptions
	m   *loadedModel
	sc  *scaleRun
	rep reporter
	bar *progress
	// done (records written), kept (in the --resume file) and failed
	// count images, inputsDone inputs.
	done, kept, inputsDone, failed int
	folders                        unreadable // records of folders that could not be read, among done
	writeErr                       error
}

// take writes the record of the pipeline's result r.
func (c *classifying) take(r result) error {
	if c.sc.has(r.path) { // resumed: the file holds this image's record
		c.kept++
		return c.inputDone(r)
	}
	rec := record{Path: bytestr.String(r.path), Model: c.m.Name, ModelSHA256: c.m.ShortSHA()}
	if r.err != nil {
		if !c.folders.add(r.path, r.err) {
			c.failed++
		}
		rec.Error = strings.TrimPrefix(r.err.Error(), r.path+": ")
		c.bar.message(fmt.Sprintf("%s: %s", bytestr.Text(r.path), rec.Error))
	} else {
		rec.TopK = topK(r.logits, c.m.Config.Labels, c.o.topK.k)
	}
	if err := c.rep.add(rec); err != nil {
		// A record that cannot be written (a full disk) stops the
		// run: the images after it would be classified for nothing,
		// and a --resume file appended to past a part-written record
		// would be corrupt. inputsDone counts the inputs written.
		c.writeErr = c.sc.writeError(err, c.inputsDone, len(c.sc.inputs))
		return c.writeErr
	}
	c.done++
	return c.inputDone(r)
}

// inputDone counts an input done after its last image.
func (c *classifying) inputDone(r result) error {
	if r.last {
		c.inputsDone++
		c.bar.add()
	}
	return nil
}

// end closes the run's output, after the pipeline ended with runErr, and
// returns what stopped the run: a write first, then an interruption.
func (c *classifying) end(runErr error) error {
	c.bar.finish()
	if err := c.rep.close(); err != nil && c.writeErr == nil {
		c.writeErr = c.sc.writeError(err, c.inputsDone, len(c.sc.inputs))
	}
	if err := c.sc.finish(runErr == nil && c.writeErr == nil); err != nil && c.writeErr == nil {
		c.writeErr = err
	}
	if c.writeErr != nil { // before runErr: the run stopped for it
		return c.writeErr
	}
	if runErr != nil {
		return noteInterrupted(interruptedAfter(runErr, c.inputsDone, len(c.sc.inputs), c.done), c.sc.interruptNote(c.done))
	}
	return nil
}

// summarize ends a run that went through its inputs (args, listed by lst)
// in took: the summary line, or what there was to do.
func (c *classifying) summarize(s streams, args []string, lst *listing, took time.Duration) error {
	if c.done == 0 && (len(c.sc.inputs) == 0 || c.kept > 0) && c.sc.listed > 0 {
		c.sc.upToDate(s.err, c.kept)
		if c.sc.passed > 0 { // the share was folders or other files named in a list
			fmt.Fprintln(s.err, strings.TrimPrefix(lst.skippedNote(), "; "))
		}
		return nil // this shard's share is empty, or all of it was done before
	}
	if c.done == 0 {
		return noImages(args, c.o.scale.fromFile, lst.skippedNote())
	}
	note := lst.skippedNote()
	if c.o.scale.out != "" {
		note = "; results in " + c.o.scale.out + note
	}
	return summarize(s, c.done-len(c.folders), c.failed, c.folders, took, note)
}

// openClassifier opens the model -m names, after checking that --out
// replaces neither it nor the --from-file list, and checks that it has a
// classifier and runs one image at --image-size within --max-memory.
func (o *classifyOptions) openClassifier(ctx context.Context, s streams) (*loadedModel, error) {
	// The results replaced the model file (-m m.gguf --out m.gguf) or the
	// list of inputs (--from-file l.txt --out l.txt).
	if err := checkNotRead("--out", o.scale.out, modelRead(o.model.path), [2]string{"the list --from-file " + o.scale.fromFile, o.scale.fromFile}); err != nil {
		return nil, err
	}
	if err := o.kernel.apply(); err != nil {
		return nil, err
	}
	m, err := openModelRef(ctx, s.err, o.model.path, o.verify.on, &o.precision)
	if err != nil {
		return nil, err
	}
	if !m.Config.HasHead() {
		return nil, fmt.Errorf("model %s has no classifier (a backbone without labels): vitctl embed -m %s gives its feature vectors", m.Name, m.Name)
	}
	if err := m.checkOneImage(&o.imageSize.size, &o.pipeline, o.threads.n, &o.memory); err != nil {
		return nil, err
	}
	return m, nil
}

// summarize prints the one-line summary of n images, and of the folders
// that could not be read, with note (what the listing left out), and
// decides the exit status.
func summarize(s streams, n, failed int, folders unreadable, took time.Duration, note string) error {
	if none := folders.noneFound(n); none != "" {
		fmt.Fprintln(s.err, none+note)
		return errPartial
	}
	fmt.Fprintf(s.err, "classified %d of %s in %.2fs%s, %d failed%s%s\n",
		n-failed, nouns(n, "image"), took.Seconds(), rate(n-failed, took), failed, folders.note(), note)
	if failed > 0 || len(folders) > 0 {
		return errPartial
	}
	return nil
}

// rate is " (20.5 img/s)" for done images in took, or nothing when none
// was done (a rate of 0.0 img/s said nothing but that).
func rate(done int, took time.Duration) string {
	if done == 0 {
		return ""
	}
	return fmt.Sprintf(" (%.1f img/s)", float64(done)/took.Seconds())
}

// splitImages cuts the pixels of n images into n slices of per values.
func splitImages(px []float32, per int) [][]float32 {
	var out [][]float32
	for len(px) >= per && per > 0 {
		out, px = append(out, px[:per:per]), px[per:]
	}
	return out
}

// batchInfer adapts a batched forward pass (a runner's Forward or
// Features) to the pipeline: images of per values in, rows of L values out.
func batchInfer(forward func([]float32, int) ([]float32, error), per, L int) func([][]float32) ([][]float32, error) {
	buf := make([]float32, 0)
	return func(px [][]float32) ([][]float32, error) {
		buf = buf[:0]
		for _, p := range px {
			if len(p) != per {
				return nil, fmt.Errorf("image has %d values, want %d", len(p), per)
			}
			buf = append(buf, p...)
		}
		logits, err := forward(buf, len(px))
		if err != nil {
			return nil, err
		}
		out := make([][]float32, len(px))
		for i := range out {
			out[i] = append([]float32(nil), logits[i*L:(i+1)*L]...)
		}
		return out, nil
	}
}
