package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/model"
	"github.com/vitctl/vitctl/internal/modelsrc"
	"github.com/vitctl/vitctl/internal/textcol"
	"github.com/vitctl/vitctl/internal/zoo"
)

func init() { subcommands = append(subcommands, newModelsCmd) }

// modelsOptions are models' flags.
type modelsOptions struct {
	output  *outputFlags
	notices bool
}

func newModelsCmd(s streams) *cobra.Command {
	o := &modelsOptions{output: newOutputFlags("text", "json")}
	cmd := &cobra.Command{
		Use:   "models",
		Short: "List the built-in models and those converted into vitctl's cache",
		Long: `models lists the models -m takes without a model file: the ones built into
vitctl, by name (the first, marked *, is the default), then those in
vitctl's cache ($XDG_CACHE_HOME/vitctl) in name order, converted on first
use from a Hugging Face repository, listed as ORG/NAME@COMMIT7 (-m takes
that), or from a checkpoint folder, listed by the folder's path (-m DIR
loads its conversion). The conversion of a folder that is gone, or has
changed since (-m DIR converts it again), is marked stale with the cache
folder to delete; an entry whose model file is gone or unreadable is left
out, with a note on stderr. --notices prints the licence notices that come
with the built-in models (-o json: a list of {"name", "notice"}).`,
		Example: `  vitctl models
  vitctl classify -m fashion-vit testdata/images/fashion
  vitctl models --notices
  vitctl models --notices -o json`,
		Args: modelsArgs,
		RunE: func(*cobra.Command, []string) error { return runModels(s, o) },
	}
	f := cmd.Flags()
	o.output.register(f)
	f.BoolVar(&o.notices, "notices", false, "print the licence notices of the built-in models instead (with -o json, a list of {\"name\", \"notice\"})")
	return cmd
}

// modelsArgs refuses arguments, saying, of a built-in model's name or a
// model file, what describes that model and what selects it.
func modelsArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	hint := "it lists the built-in models and those in vitctl's cache; -m NAME selects one in other commands"
	_, builtin := zoo.Lookup(args[0])
	if _, err := os.Stat(args[0]); err == nil || builtin {
		hint = fmt.Sprintf("it lists every model at once: vitctl convert --info %s describes that one, and -m %s selects it in other commands", args[0], args[0])
	}
	return noArgs(hint)(cmd, args)
}

// modelEntry is one model vitctl models lists; field names are stable.
type modelEntry struct {
	Name        string `json:"name"`    // what -m takes
	Where       string `json:"where"`   // "built-in" or "cache"
	Default     bool   `json:"default"` // used without -m
	Labels      int    `json:"labels"`  // number of classes
	Bytes       int    `json:"bytes"`   // size of the model file
	SHA256      string `json:"sha256"`  // short SHA-256 of its tensor data, as in classify's records
	Description string `json:"description"`
	Stale       string `json:"stale,omitempty"` // a cached folder's conversion -m DIR no longer picks: why
}

// modelEntries lists the models -m can name without a model file: the
// built-in ones, then vitctl's cache of converted ones, by name. A cached one whose
// model file is gone or unreadable is left out with a note on errw: it
// was left out without a word, and -m NAME then converted or downloaded
// it again, or failed.
func modelEntries(errw io.Writer) ([]modelEntry, error) {
	var out []modelEntry
	for _, z := range zoo.All() {
		f, err := gguf.FromBytes(z.GGUF)
		if err != nil {
			return nil, fmt.Errorf("built-in model %s: %w", z.Name, err)
		}
		sum, err := f.TensorDataSHA256()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("built-in model %s: %w", z.Name, err)
		}
		out = append(out, modelEntry{Name: z.Name, Where: "built-in", Default: z.Name == zoo.Default,
			Labels: z.Labels, Bytes: len(z.GGUF), SHA256: shortSHA(sum), Description: z.Description})
	}
	cached, err := modelsrc.List("")
	if err != nil {
		return nil, err
	}
	for _, e := range cached {
		if e.Unreadable != nil {
			fmt.Fprintln(errw, unreadableNote(e))
			continue
		}
		m, err := cachedEntry(e)
		if err != nil {
			fmt.Fprintf(errw, "vitctl: note: %s in the cache: %v; left out (delete %s)\n", e.Name(), err, filepath.Dir(e.Path))
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// unreadableNote says that the cache, or a folder or file in it, cannot
// be read, and what to do. The cache's own folder is named with where it
// comes from: under XDG_CACHE_HOME=/dev/null it said "cannot read
// /dev/null/vitctl, the cache (not a directory); …: make it readable,
// or delete it".
func unreadableNote(e modelsrc.Entry) string {
	if e.Path != modelsrc.DefaultDir() {
		return fmt.Sprintf("vitctl: note: cannot read %s in the cache (%v); what it holds is left out: make it readable, or delete it", e.Path, statError(e.Unreadable))
	}
	from, dirFix := modelsrc.DirFrom()
	why, fix := statError(e.Unreadable).Error(), "make it readable"
	if p := modelsrc.NotFolder(e.Path); p != "" && errors.Is(e.Unreadable, syscall.ENOTDIR) {
		why, fix = p+" is not a folder", dirFix
	}
	return fmt.Sprintf("vitctl: note: cannot read %s, the cache of converted models (%s): %s; none is listed: %s", e.Path, from, why, fix)
}

// cachedEntry describes a converted model in the cache, or says why its
// model file cannot be used.
func cachedEntry(e modelsrc.Entry) (modelEntry, error) {
	if e.Missing {
		return modelEntry{}, fmt.Errorf("%s is missing", e.Path)
	}
	f, err := gguf.Open(e.Path)
	if err != nil {
		return modelEntry{}, readError(err)
	}
	defer f.Close()
	sum, err := f.TensorDataSHA256()
	if err != nil {
		return modelEntry{}, fmt.Errorf("%s: %w", e.Path, err)
	}
	labels, err := f.Strings(model.KeyLabels)
	if err != nil {
		return modelEntry{}, fmt.Errorf("%s: %w", e.Path, err)
	}
	desc := fmt.Sprintf("%s, converted from this checkpoint folder", e.DType)
	if e.Repo != "" {
		desc = fmt.Sprintf("%s, from Hugging Face %s at commit %s", e.DType, e.Repo, e.Commit)
	}
	if e.Stale != "" {
		desc += fmt.Sprintf("; stale: %s (delete %s)", e.Stale, filepath.Dir(e.Path))
	}
	return modelEntry{Name: e.Name(), Where: "cache", Labels: len(labels), Bytes: int(e.Size), SHA256: shortSHA(sum), Description: desc, Stale: e.Stale}, nil
}

func runModels(s streams, o *modelsOptions) error {
	asJSON := o.output.format.val == "json"
	var b bytes.Buffer
	if o.notices {
		writeNotices(&b, asJSON)
		return writeOutput(s.out, &b)
	}
	entries, err := modelEntries(s.err)
	if err != nil {
		return err
	}
	if asJSON {
		writeJSON(&b, entries)
	} else {
		writeModels(&b, entries)
	}
	return writeOutput(s.out, &b)
}

// noticeEntry is a built-in model's licence notice, as models --notices
// -o json lists it; field names are stable.
type noticeEntry struct {
	Name   string `json:"name"`
	Notice string `json:"notice"`
}

// writeNotices prints the licence notices of the built-in models that
// have one, each under a "==> NAME <==" line, or as a JSON list (-o json
// was taken, and ignored: the text came all the same).
func writeNotices(b *bytes.Buffer, asJSON bool) {
	notices := []noticeEntry{}
	for _, z := range zoo.All() {
		if z.Notice != "" {
			notices = append(notices, noticeEntry{Name: z.Name, Notice: z.Notice})
		}
	}
	if asJSON {
		writeJSON(b, notices)
		return
	}
	for _, n := range notices {
		fmt.Fprintf(b, "==> %s <==\n%s\n", n.Name, n.Notice)
	}
}

// writeModels prints one row per model, the default marked with a star,
// in columns as a terminal shows them (textcol): a cache entry's name is
// the folder it was converted from, which may be ~/模型/vit.
func writeModels(b *bytes.Buffer, entries []modelEntry) {
	rows := [][]string{{"NAME", "WHERE", "LABELS", "SIZE", "SHA256", "DESCRIPTION"}}
	for _, e := range entries {
		name := e.Name
		if e.Default {
			name += " *"
		}
		rows = append(rows, []string{name, e.Where, strconv.Itoa(e.Labels), humanBytes(int64(e.Bytes)), e.SHA256, e.Description})
	}
	textcol.Left(b, rows) // a bytes.Buffer takes every write
}
