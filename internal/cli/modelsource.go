package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/schollz/progressbar/v3"

	"github.com/vitctl/vitctl/internal/convert"
	"github.com/vitctl/vitctl/internal/fileprobe"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/hub"
	"github.com/vitctl/vitctl/internal/modelsrc"
	"github.com/vitctl/vitctl/internal/zoo"
)

// sourceModel resolves the -m forms that are not a model file: a
// checkpoint folder, converted on first use, and ORG/NAME[@REVISION], a
// Hugging Face repository fetched (Hugging Face cache first) and converted
// on first use. Both land in vitctl's cache as f32 model files. It returns
// the model file and the name to show; ok is false when name is neither
// form (a model file, or a path that does not exist). A name that is no
// file or folder and looks meant as ORG/NAME[@REVISION] but is not one
// (org/name@, a/b/c) is an error saying what is wrong with it. Messages
// name the model as given by arg (-m, or "" for export's MODEL argument).
func sourceModel(ctx context.Context, errw io.Writer, arg, name string) (path, shown string, ok bool, err error) {
	given := func(p string) string { return strings.TrimPrefix(arg+" "+p, " ") }
	st, statErr := os.Stat(name)
	isFile, isDir := statErr == nil && st.Mode().IsRegular(), statErr == nil && st.IsDir()
	if isFile && trainingState(name) {
		return "", "", true, fmt.Errorf("%s: %s, not a model file: give %s, the model the run kept", given(name), trainingStateText, given(keptModel(name)))
	}
	// A checkpoint's weights (model.safetensors, pytorch_model.bin, a
	// timm training checkpoint) were taken for a GGUF file ("bad magic").
	// Both paths suggested have the system's separator, as filepath.Dir
	// gives the folder's: on Windows -m ../../x/model.safetensors was
	// "give -m ..\..\x … or … vitctl convert ../../x/model.safetensors".
	if isFile && convert.CheckpointName(name) {
		return "", "", true, fmt.Errorf("%s: a checkpoint's weights, not a vitctl model file: give %s, its folder (converted once, then cached), or make a model file with vitctl convert %s --out model.gguf",
			given(name), given(filepath.Dir(name)), filepath.FromSlash(name))
	}
	if isFile {
		// By name first: a model file is not opened an extra time.
		if err := notModel(name, arg, given); err != nil && !fileprobe.Starts(name, "GGUF") {
			return "", "", true, err
		}
	}
	if e := brokenLink(name, statErr); e != statErr {
		// Not looked for on the Hub as ORG/NAME: dir/model.gguf is there.
		return "", "", true, fmt.Errorf("%s: %w", given(name), e)
	}
	isRef := false
	if os.IsNotExist(statErr) && !modelFileName(name) {
		_, err := hub.ParseRef(name)
		if r, ok := hub.RefFromAddress(name); err != nil && ok {
			return "", "", true, fmt.Errorf("%s: no such file or folder, and not a Hugging Face name as it is written: give %s", given(name), given(refName(r)))
		}
		if err != nil && meantAsRef(name) {
			return "", "", true, fmt.Errorf("%s: no such file or folder, and not a Hugging Face name: %w", given(name), err)
		}
		isRef = err == nil
	}
	if !isDir && !isRef {
		return "", "", false, nil
	}
	c, endBars := newModelCache(errw)
	defer endBars()
	var m *modelsrc.Model
	if isDir {
		if _, err := convert.FindCheckpoint(name); err != nil {
			return "", "", true, fmt.Errorf("%s: a folder, but %w; %s takes a checkpoint folder, a .gguf file, a built-in name (vitctl models) or ORG/NAME", given(name), err, cmp.Or(arg, "MODEL"))
		}
		m, err = c.FromDir(ctx, name, gguf.F32)
	} else {
		ref, _ := hub.ParseRef(name)
		m, err = c.FromHub(ctx, ref, gguf.F32)
		if err != nil {
			err = fmt.Errorf("%s: no such file or folder, so looked for on the Hugging Face Hub: %w", given(name), err)
		}
		// The Hub unreachable: no answer, or a timeout. A bare errno is
		// also a net.Error, but one of files (a cache that is no folder).
		if ne, ok := errors.AsType[net.Error](err); ok && !isErrno(ne) {
			err = fmt.Errorf("%w (no network here? Bring the model: a model file from vitctl convert, or the checkpoint folder, as -m FILE or -m DIR; or point HF_ENDPOINT at a mirror)", err)
		}
	}
	if err != nil {
		return "", "", true, err
	}
	return m.Path, m.Name, true, nil
}

// notModel refuses a file (the caller checks that it has no GGUF magic)
// named as an input (an image, a .npy tensor: -m given a photo, the photo
// taken for the model) or as a checkpoint folder's config: they were "not a
// GGUF file (bad magic); convert the checkpoint with vitctl convert", of a
// photo. given names the file as the command's arg.
func notModel(name, arg string, given func(string) string) error {
	base := strings.ToLower(filepath.Base(name))
	if base == "config.json" || base == "preprocessor_config.json" {
		return fmt.Errorf("%s: a checkpoint's %s, not a vitctl model file: give %s, its folder (converted once, then cached)",
			given(name), filepath.Base(name), given(filepath.Dir(name)))
	}
	what := ""
	switch ext := strings.ToLower(filepath.Ext(name)); {
	case ext == ".npy":
		what = "a NumPy array (.npy)"
	case namedAsInput(ext):
		what = "an image"
	default:
		return nil
	}
	return fmt.Errorf("%s: %s, not a model: %s names the model, a built-in name (vitctl models lists them), a .gguf file, a checkpoint folder or ORG/NAME",
		given(name), what, cmp.Or(arg, "MODEL"))
}

// refName is r as -m takes it: ORG/NAME, with @REVISION but for main.
func refName(r hub.Ref) string {
	if r.Revision == hub.DefaultRevision {
		return r.Repo
	}
	return r.String()
}

// isErrno says whether err is a bare system error number.
func isErrno(err error) bool {
	_, ok := err.(syscall.Errno)
	return ok
}

// trainingStateText says what finetune's OUT.ckpt holds.
const trainingStateText = "finetune's training state for --resume (the last epoch's weights and AdamW moments)"

// trainingState says whether path is finetune's OUT.ckpt: a GGUF file
// under a checkpoint's name. -m took it for a timm checkpoint ("give -m
// ., its folder"), and convert looked for the config.json of one.
func trainingState(path string) bool {
	if strings.ToLower(filepath.Ext(path)) != ".ckpt" {
		return false
	}
	return fileprobe.Starts(path, "GGUF")
}

// keptModel is the model file beside finetune's training state path:
// OUT of OUT.ckpt.
func keptModel(path string) string { return strings.TrimSuffix(path, filepath.Ext(path)) }

// meantAsRef says whether name, no file or folder, may have been meant as
// ORG/NAME[@REVISION]: it has an @ or a slash and does not start like a
// path (/, ./, ../, ~). A bare word is a built-in model's name misspelt
// (modelSource.open says so), a path a missing file.
func meantAsRef(name string) bool {
	if filepath.IsAbs(name) || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") || strings.Contains(name, `\`) {
		return false
	}
	return strings.ContainsAny(name, "/@")
}

// newModelCache is vitctl's model cache configured from the environment,
// with its download and conversion bars on errw when it is a terminal;
// end clears the last bar of a run stopped before that file's end.
func newModelCache(errw io.Writer) (c *modelsrc.Cache, end func()) {
	c = &modelsrc.Cache{
		Dir:     modelsrc.DefaultDir(),
		Hub:     hub.FromEnv(),
		Version: Version,
		Notify:  func(msg string) { fmt.Fprintf(errw, "vitctl: %s\n", msg) },
	}
	if !isTerminal(errw) {
		return c, func() {}
	}
	down, conv := &byteBars{w: errw, verb: "downloading"}, &byteBars{w: errw, verb: "converting"}
	c.Hub.Progress, c.Progress = down.set, conv.set
	return c, func() { down.end(); conv.end() }
}

// byteBars draws one byte-count bar per file on w while verb runs
// (downloading, converting), ending each when its file completes.
type byteBars struct {
	w       io.Writer
	verb    string
	bar     *progressbar.ProgressBar
	current string
}

// set moves file's bar to done of total bytes (total -1: not known).
func (b *byteBars) set(file string, done, total int64) {
	if b.bar == nil || file != b.current {
		b.end()
		b.current = file
		b.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(&lineWiper{w: b.w}),
			progressbar.OptionSetDescription(b.verb+" "+file),
			progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(drawEvery),
			progressbar.OptionClearOnFinish(),
		)
	}
	b.bar.Set64(done)
	if done == total {
		b.end()
	}
}

// end clears the bar drawn, if any: a file completed, or a run stopped
// midway, whose message would have followed the bar on its line.
func (b *byteBars) end() {
	if b.bar != nil {
		b.bar.Finish()
		b.bar = nil
	}
}

// findModel resolves -m REF to the model file to open: a built-in name
// (or "" for the default), a checkpoint folder or ORG/NAME[@REVISION]
// (converted once into vitctl's cache), else the path of a model file.
// Every command that takes -m resolves it here, once.
func findModel(ctx context.Context, errw io.Writer, ref string) (modelSource, error) {
	return findModelArg(ctx, errw, "-m", ref)
}

// findModelArg is findModel of a model given by arg ("-m", or "" for an
// argument: export MODEL), as its messages name it: they said "give -m
// OUT.gguf" to export, which takes no -m.
func findModelArg(ctx context.Context, errw io.Writer, arg, ref string) (modelSource, error) {
	if ref == "-" {
		return modelSource{}, modelFromStdin(cmp.Or(arg, "MODEL"), "a model file, a built-in name (vitctl models), a checkpoint folder or ORG/NAME")
	}
	if _, builtin := zoo.Lookup(ref); builtin || ref == "" {
		return resolveModel(ref), nil
	}
	path, shown, ok, err := sourceModel(ctx, errw, arg, ref)
	if err != nil || !ok {
		return resolveModel(ref), err
	}
	return modelSource{name: shown, desc: shown, path: path}, nil
}

// modelFromStdin refuses - for the model flag (or argument) names, where
// - means stdin elsewhere: it said "model -: no such file, and no
// built-in model of that name". A model file is mapped into memory and a
// checkpoint read in place, so neither is read from a pipe. want says
// what to give instead.
func modelFromStdin(flag, want string) error {
	return usagef("%s -: a model is read from a file, not from stdin: give %s (./- names a file called -)", flag, want)
}

// openModelRef loads the model -m REF names (see findModel).
func openModelRef(ctx context.Context, errw io.Writer, ref string, verify bool, prec *precisionFlags) (*loadedModel, error) {
	src, err := findModel(ctx, errw, ref)
	if err != nil {
		return nil, err
	}
	return loadModel(src, verify, prec)
}
