package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/prep"
	"github.com/vitctl/vitctl/internal/zoo"
)

// loadedModel is a model with where it came from and how long loading took.
// It holds copies of every tensor it uses; the file is closed by then.
type loadedModel struct {
	*model.Model
	File     modelSource // the file it was read from, to read again (e.g. as fp32 parameters)
	Source   string      // for messages: the built-in name and what it is, or the path
	Name     string      // for records: the built-in name or the path
	SHA256   string      // hex SHA-256 of the file's tensor data: names the weights
	LoadTime time.Duration
}

// ShortSHA is the first 12 hex digits of the tensor data's SHA-256, enough
// to tell two models' weights apart in output records.
func (m *loadedModel) ShortSHA() string { return shortSHA(m.SHA256) }

// shortSHA is the first 12 hex digits of a SHA-256, as records name models.
func shortSHA(sum string) string { return sum[:min(12, len(sum))] }

// modelHelp is the help line of every -m flag.
const modelHelp = "model: a built-in name (vitctl models), a .gguf file, a checkpoint folder, or ORG/NAME[@REVISION] on the Hugging Face Hub (converted once, cached); default: " + zoo.Default

// modelSource is a model file to open: built-in bytes or a path.
type modelSource struct {
	name, desc string
	builtin    []byte
	path       string
}

// resolveModel says what -m REF means once openModelRef has turned
// checkpoint folders and Hub references into model files: empty is the
// default built-in model, a built-in name (vitctl models) that model,
// anything else the path of a model file.
func resolveModel(ref string) modelSource {
	if ref == "" {
		ref = zoo.Default
	}
	if z, ok := zoo.Lookup(ref); ok {
		return modelSource{name: z.Name, desc: "built-in model " + z.Name, builtin: z.GGUF}
	}
	return modelSource{name: ref, desc: ref, path: ref}
}

func (s modelSource) open() (*gguf.File, error) {
	if s.builtin != nil {
		return gguf.FromBytes(s.builtin)
	}
	f, err := gguf.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) && !strings.ContainsAny(s.path, `/\.`) {
		// A bare word was more likely meant as a built-in model's name,
		// or as the model file finetune or convert wrote (-m flowers for
		// flowers.gguf).
		alts := similarModels(s.path)
		if st, err := os.Stat(s.path + ".gguf"); err == nil && st.Mode().IsRegular() {
			alts = append([]string{s.path + ".gguf"}, alts...)
		}
		return nil, fmt.Errorf("no such file, and no built-in model of that name%s (vitctl models lists them)", didYouMean(alts))
	}
	if z, ok := zoo.Lookup(strings.TrimSuffix(s.path, ".gguf")); ok && errors.Is(err, fs.ErrNotExist) {
		// The name vitctl models lists, as a file: built-in models have none.
		return nil, fmt.Errorf("no such file; %s is a built-in model, which needs no file: give -m %s", z.Name, z.Name)
	}
	if errors.Is(err, fs.ErrNotExist) {
		// As convert's SRC and -m ORG/NAME say it, where it was the
		// system's "no such file or directory".
		return nil, errNoModelFile
	}
	return f, err
}

// errNoModelFile is the error of a model path that is not there.
var errNoModelFile = errors.New("no such file or folder")

// similarModels are the built-in models name may have meant (similar).
func similarModels(name string) []string {
	var out []string
	for _, m := range zoo.All() {
		if similar(name, m.Name) {
			out = append(out, m.Name)
		}
	}
	return out
}

// loadModel loads the model file src with the encoder's Linear weights
// packed straight into the precision prec names (none: the file's). With
// verify it first checks the file's tensor data against the checksum
// recorded when it was written.
func loadModel(src modelSource, verify bool, prec *precisionFlags) (*loadedModel, error) {
	var check func(*gguf.File) error
	if verify {
		check = (*gguf.File).Verify
	}
	return loadModelClock(src, check, prec, time.Now)
}

// loadModelClock is loadModel with the check of the file (nil: none) and
// the clock given. LoadTime is of the load alone, by now: a check reads
// the whole file once more, and benchmark --verify-model's load_seconds
// counted it, where a model's load is what a run without it pays.
func loadModelClock(src modelSource, check func(*gguf.File) error, prec *precisionFlags, now func() time.Time) (*loadedModel, error) {
	start := now()
	f, err := src.open()
	if err != nil {
		return nil, modelError(src.desc, err)
	}
	defer f.Close()
	if check != nil {
		checking := now()
		if err := check(f); err != nil {
			return nil, modelError(src.desc, err)
		}
		start = start.Add(now().Sub(checking))
	}
	lm := &loadedModel{File: src, Source: src.desc, Name: src.name}
	if lm.SHA256, err = f.TensorDataSHA256(); err != nil {
		return nil, modelError(src.desc, err)
	}
	if lm.Model, err = model.Load(f, prec.or(fileprecision(f))); err != nil {
		return nil, modelError(src.desc, err)
	}
	// Decoding and packing left garbage the size of the weights; give it
	// back now rather than carry it through a long run.
	debug.FreeOSMemory()
	lm.LoadTime = now().Sub(start)
	return lm, nil
}

// fileprecision is bf16 when f stores bf16 tensors, int8 for q8_0, else
// fp32: the default of --precision.
func fileprecision(f *gguf.File) kernels.Precision {
	for _, t := range f.Tensors() {
		switch t.Type {
		case gguf.BF16:
			return kernels.BF16
		case gguf.Q8_0:
			return kernels.INT8
		}
	}
	return kernels.FP32
}

// runnerFor returns a runner at size (unset: the model's size) and the
// preprocessing that goes with that size, after checking that the run
// (shaped by s; its size is filled in here) fits in memory.
func (m *loadedModel) runnerFor(size *imageSize, s runShape, mem *memoryFlags) (*model.Runner, prep.Params, error) {
	cfg := &m.Config
	if err := m.checkRun(size, &s, mem); err != nil {
		return nil, prep.Params{}, err
	}
	r, err := m.NewRunnerAt(kernels.NewPool(s.threads), s.batch, s.h, s.w)
	if err != nil {
		return nil, prep.Params{}, usagef("--image-size: %v", err)
	}
	return r, cfg.Preprocess.At(s.h, s.w), nil
}

// checkRun checks that the model runs at size (unset: the model's size),
// a multiple of its patch, and that the run shaped by s (its size filled
// in here) fits in memory: runnerFor's checks, which make no runner.
func (m *loadedModel) checkRun(size *imageSize, s *runShape, mem *memoryFlags) error {
	s.h, s.w = size.or(m.Config.ImageSize)
	if err := checkPatchMultiple(imageSize{h: s.h, w: s.w, text: size.text}, m.Config.PatchSize); err != nil {
		return err
	}
	return mem.check(s.String(), estimateMemory(&m.Config, m.Precision(), *s))
}

// checkOneImage is checkRun of a run of one image, the least any run
// needs, for the commands whose runner is sized for the images they list
// (pipelineFlags.upTo): their size is refused before a list is read, as
// it was before they sized the runner (classify - at a terminal asked for
// the paths first, then said the --image-size was wrong).
func (m *loadedModel) checkOneImage(size *imageSize, p *pipelineFlags, threads int, mem *memoryFlags) error {
	one := *p
	one.batch = 1
	s := one.runShape(threads)
	return m.checkRun(size, &s, mem)
}

// modelError names the model once: "model m.gguf: not a GGUF file", not
// "model m.gguf: m.gguf: …" nor "model m.gguf: open m.gguf: …".
func modelError(src string, err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		err = pe.Err
	}
	if strings.HasPrefix(err.Error(), src+": ") {
		return fmt.Errorf("model %w", err)
	}
	return fmt.Errorf("model %s: %w", src, err)
}

// banner is the line a command prints on stderr before any result when its
// output does not name the model in every record (text output, eval,
// finetune's base): which model runs, at what input size (width×height)
// and precision.
func (m *loadedModel) banner(h, w int) string {
	return modelBanner(m.Name, m.ShortSHA(), len(m.Config.Labels), h, w, m.Precision())
}

// modelBanner is banner's line for a model named name whose tensor data's
// short SHA-256 is sha.
func modelBanner(name, sha string, labels, h, w int, prec kernels.Precision) string {
	return fmt.Sprintf("model %s (sha256 %s): %s, input %dx%d, precision %s",
		name, sha, nouns(labels, "label"), w, h, prec)
}
