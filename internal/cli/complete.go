package cli

import (
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vitctl/vitctl/internal/bench"
	"github.com/vitctl/vitctl/internal/convert"
	"github.com/vitctl/vitctl/internal/kernels"
	"github.com/vitctl/vitctl/internal/zoo"
)

// namedChoices are the values of the flags that name choices but are
// plain strings or lists of them (enumValue flags list their own): what
// vitctl completion's scripts offer for them. listFlags take a
// comma-separated list. A value ending in ':' is a prefix, completed
// without a space after it (--train last:N).
var (
	namedChoices = map[string][]string{
		"method": inspectMethods,
		"kernel": append([]string{"auto"}, kernels.Known()...),
		"layers": {"all"},
		"heads":  {"all"},
		"arch":   bench.ArchNames(),
		"train":  {"all", "head", "last:"},
	}
	listFlags = []string{"method", "arch"}
)

// notFiles are the flags whose values never name a file, by the type of
// their value (numbers, durations, sizes) or by name: completion offers
// nothing for them, where it listed the folder's files (--threads <TAB>
// offered photos).
var (
	notFileTypes = []string{"int", "intSlice", "uint64", "float64", "duration", "SIZE", "N|WxH", "N|WxH,..."}
	notFileFlags = []string{"plot-size", "shard", "class", "shape"}
)

// registerCompletions makes the shell completion scripts (vitctl
// completion SHELL) offer each choice flag's values (-o, --precision,
// --pool, --method, --colormap, --arch, …) and -m the built-in models'
// names beside model files and folders, where every flag's value
// completed to the names of files, and nothing for the flags that take
// no file (numbers, sizes).
func registerCompletions(c *cobra.Command) {
	if c.HasParent() && c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 && !namesArgs(c.Use) {
		c.ValidArgsFunction = cobra.NoFileCompletions // models <TAB> offered the folder's files
	}
	c.Flags().VisitAll(func(f *pflag.Flag) {
		var values []string
		switch typ := f.Value.Type(); {
		case f.Name == "model":
			c.RegisterFlagCompletionFunc(f.Name, completeModel)
			return
		case slices.Contains(notFileTypes, typ) || slices.Contains(notFileFlags, f.Name):
			c.RegisterFlagCompletionFunc(f.Name, cobra.NoFileCompletions)
			return
		case typ == "string" || typ == "stringSlice":
			values = namedChoices[f.Name]
		default:
			if e, ok := f.Value.(*enumValue); ok {
				values = e.names
			}
		}
		if values == nil {
			return
		}
		list := slices.Contains(listFlags, f.Name)
		c.RegisterFlagCompletionFunc(f.Name, func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			return completeChoice(values, list, toComplete)
		})
	})
	for _, sub := range c.Commands() {
		registerCompletions(sub)
	}
}

// namesArgs reports whether a command's use line ("merge [flags]
// SHARD.jsonl...", "models") names an argument.
func namesArgs(use string) bool {
	for _, w := range strings.Fields(use)[1:] {
		if w != "[flags]" {
			return true
		}
	}
	return false
}

// completeChoice offers the values that start with toComplete; for a
// list, the values not given yet that start with what follows its last
// comma, each after the values given.
func completeChoice(values []string, list bool, toComplete string) ([]string, cobra.ShellCompDirective) {
	prefix, last := "", toComplete
	if i := strings.LastIndexByte(toComplete, ','); list && i >= 0 {
		prefix, last = toComplete[:i+1], toComplete[i+1:]
	}
	given := strings.Split(strings.ToLower(prefix), ",")
	var out []string
	for _, v := range values {
		if strings.HasPrefix(v, strings.ToLower(last)) && !slices.Contains(given, v) {
			out = append(out, prefix+v)
		}
	}
	directive := cobra.ShellCompDirectiveNoFileComp
	if len(out) == 1 && strings.HasSuffix(out[0], ":") {
		directive |= cobra.ShellCompDirectiveNoSpace // last: wants its N
	}
	return out, directive
}

// completeModel offers for -m the built-in models' names, then the model
// files (.gguf) and folders (a checkpoint folder, or one holding model
// files) that start with toComplete.
func completeModel(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return completeModelFiles(toComplete, modelFileName)
}

// modelFileName reports whether name is a model file's: NAME.gguf.
func modelFileName(name string) bool { return strings.EqualFold(filepath.Ext(name), ".gguf") }

// sourceFileName reports whether name is one of convert's SRC files: a
// model file's, or a checkpoint's as convert reads them
// (convert.CheckpointName: model.safetensors, pytorch_model.bin, a shard
// index, a torch.save file .pth, .pt, .pth.tar or .ckpt).
func sourceFileName(name string) bool { return modelFileName(name) || convert.CheckpointName(name) }

// completeSource completes the one argument of export (MODEL, as -m) and
// convert (SRC, also a checkpoint file), offering the files whose names
// file takes, where it offered every file but no built-in model's name;
// nothing after it.
func completeSource(file func(name string) bool) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return completeModelFiles(toComplete, file)
	}
}

// completeModelFiles offers the built-in models' names, then the files
// whose names file takes, and the folders, that start with toComplete.
func completeModelFiles(toComplete string, file func(name string) bool) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, m := range zoo.All() {
		if strings.HasPrefix(m.Name, toComplete) {
			out = append(out, m.Name)
		}
	}
	dir, base := filepath.Split(toComplete)
	entries, _ := os.ReadDir(cmp.Or(dir, "."))
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, base) || (strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".")) {
			continue
		}
		if isDir(filepath.Join(cmp.Or(dir, "."), name)) {
			out = append(out, dir+name+string(filepath.Separator))
		} else if file(name) {
			out = append(out, dir+name)
		}
	}
	directive := cobra.ShellCompDirectiveNoFileComp
	if len(out) == 1 && strings.HasSuffix(out[0], string(filepath.Separator)) {
		directive |= cobra.ShellCompDirectiveNoSpace // a folder: go on into it
	}
	return out, directive
}
