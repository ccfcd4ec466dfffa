package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Argument checks. Each returns a usageError saying what the command wants,
// so the exit code never depends on the text of an error (a path may well
// contain "accepts" or "invalid argument").

// minArgs wants at least n arguments; what says what they are, e.g.
// "an image, a folder, or - to read paths from stdin". An argument true or
// false that is no file, after a yes/no flag given bare, is the flag's
// value given after a space (boolValueInput).
func minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := boolValueInput(cmd, args); err != nil {
			return err
		}
		if len(args) < n {
			return usagef("%s: missing argument: give %s (see %s --help)", cmdName(cmd), what, cmd.CommandPath())
		}
		return nil
	}
}

// boolValueInput refuses, in a command that takes many inputs, the value
// of a yes/no flag given after a space (classify --verify-model false
// IMG): pflag reads the flag bare, so true, and the value as one more
// input. The run went on with the flag's other value, and the value
// failed as an input: "false: no such file or directory". An argument
// true or false that names a file is an input; the others are not looked
// up (a glob's thousands of images are each stat'ed once, by the run).
func boolValueInput(cmd *cobra.Command, args []string) error {
	for _, a := range args {
		if !isBoolWord(a) {
			continue
		}
		if _, err := os.Lstat(a); err != nil {
			return boolValueError(cmd, a)
		}
	}
	return nil
}

// cmdName names cmd at the start of a message: its path below vitctl
// (classify; a nested command with its parent's name).
func cmdName(cmd *cobra.Command) string {
	if !cmd.HasParent() {
		return cmd.Name()
	}
	return strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
}

// exactArgs wants exactly n arguments, described by what.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < n:
			return usagef("%s: missing argument: give %s (see %s --help)", cmdName(cmd), what, cmd.CommandPath())
		case len(args) > n:
			return unexpectedArg(cmd, args, n, "give only "+what)
		}
		return nil
	}
}

// unexpectedArg is the error of args[i], an argument more than cmd takes;
// hint says what it takes. A yes/no flag's value given after a space
// (convert --use-ema false, benchmark --verify-model false) is said to go
// after = instead (boolValueError).
func unexpectedArg(cmd *cobra.Command, args []string, i int, hint string) error {
	if j := slices.IndexFunc(args, isBoolWord); j >= 0 {
		if err := boolValueError(cmd, args[j]); err != nil {
			return err
		}
	}
	return usagef("%s: unexpected argument %q: %s (see %s --help)", cmdName(cmd), args[i], hint, cmd.CommandPath())
}

// boolValueError is the usage error of v, an argument true or false, when
// it is the value of a yes/no flag given after a space (convert --use-ema
// false, which pflag reads as --use-ema and the argument "false"): it goes
// after =. It was "unexpected argument", of the "false", or of the
// argument after it ("convert --use-ema false SRC": "unexpected argument
// SRC"). The flag was given bare, so it is true: one given its value after
// = (--use-ema=false) is not the one v was meant for; nil when no flag is.
func boolValueError(cmd *cobra.Command, v string) error {
	flag := ""
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if flag == "" && f.Value.Type() == "bool" && f.Value.String() == "true" {
			flag = f.Name
		}
	})
	if flag == "" {
		return nil
	}
	v = strings.ToLower(v)
	return usagef("%s: unexpected argument %q: a yes/no flag takes its value after =, --%s=%s (see %s --help)", cmdName(cmd), v, flag, v, cmd.CommandPath())
}

// isBoolWord says whether a is a yes/no flag's value, true or false.
func isBoolWord(a string) bool { return strings.EqualFold(a, "true") || strings.EqualFold(a, "false") }

// dataArg wants the one DATA argument of finetune and eval. A model file
// in its place (vitctl eval flowers.gguf photos/, the order classify's -m
// habit suggests) is shown where it goes: after -m.
func dataArg() cobra.PositionalArgs {
	one := exactArgs(1, "a folder of class sub-folders, or a CSV/JSONL of path,label")
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 && modelFileName(args[0]) {
			data := "DATA"
			if len(args) > 1 {
				data = args[1]
			}
			return usagef("%s: %s is a model file, not labelled images: give it after -m (%s -m %s %s)", cmdName(cmd), args[0], cmd.CommandPath(), args[0], data)
		}
		return one(cmd, args)
	}
}

// noArgs refuses arguments; hint says how to give what the user may have
// meant, e.g. "the model goes after -m".
func noArgs(hint string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return unexpectedArg(cmd, args, 0, hint)
		}
		return nil
	}
}

// refuseEmpty refuses an empty argument or string flag value, what an
// unset shell variable gives (vitctl export "$MODEL" --out hf, -m "$M"):
// export exported the built-in model, -m "" ran it, --out "" printed to
// stdout and --shard "" ran every shard's inputs, each without a word,
// and classify "" said ": no such file or directory". Completion's
// requests, whose last word is the one being completed, are not checked.
func refuseEmpty(cmd *cobra.Command, args []string) error {
	if cmd.Name() == cobra.ShellCompRequestCmd || cmd.Name() == cobra.ShellCompNoDescRequestCmd {
		return nil
	}
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if err == nil && emptyValue(f.Value) {
			err = usagef("--%s \"\": an empty value, as an unset shell variable gives: give a value, or leave the flag out (see %s --help)", f.Name, cmd.CommandPath())
		}
	})
	if i := slices.Index(args, ""); err == nil && i >= 0 {
		name := cmdName(cmd) + ": "
		if !cmd.HasParent() { // vitctl "": not "vitctl: vitctl: argument 1 …"
			name = ""
		}
		err = usagef("%sargument %d is \"\", as an unset shell variable gives: give a value (see %s --help)", name, i+1, cmd.CommandPath())
	}
	return err
}

// emptyValue reports whether v, a string flag's value, is "" or, of a
// flag given once per value (merge --inputs), holds one that is. Other
// flags check their own values: a choice, a number, a list.
func emptyValue(v pflag.Value) bool {
	switch v.Type() {
	case "string":
		return v.String() == ""
	case "stringArray":
		return slices.Contains(v.(pflag.SliceValue).GetSlice(), "")
	}
	return false
}

// runRoot runs for "vitctl WORD" when WORD names no command.
func runRoot(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	if args[0] == "version" {
		return usagef("unknown command \"version\": vitctl --version prints the version")
	}
	return usagef("unknown command %q%s (see vitctl --help)", args[0], didYouMean(cmd.SuggestionsFor(args[0])))
}

// runHelp is the help command (cobra's run): vitctl help TOPIC of a
// command that is none is the usage error vitctl TOPIC is, with the
// commands it may have meant, where it printed vitctl's own help and
// exited 0 (the root takes any arguments, so cobra found it for TOPIC).
func runHelp(run func(*cobra.Command, []string)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if root := cmd.Root(); len(args) > 0 {
			if c, _, err := root.Find(args); err != nil || c == root {
				return usagef("help %s: no such command%s (see vitctl --help)", args[0], didYouMean(root.SuggestionsFor(args[0])))
			}
		}
		run(cmd, args)
		return nil
	}
}

// runCompletion is the completion command without a shell: its help, or,
// for a shell it does not know, a usage error (cobra printed the help and
// exited 0).
func runCompletion(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	return usagef("completion: unknown shell %q: want bash, zsh, fish or powershell", args[0])
}

// scriptOutput is a shell's completion command (cobra's run), whose only
// errors are stdout's, worded as every command's: completion bash >
// /dev/full said "write /dev/stdout: …" alone.
func scriptOutput(run func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := run(cmd, args); err != nil {
			return fmt.Errorf("writing output: %w", err)
		}
		return nil
	}
}

// typeArgErrors makes every argument check in the tree, cobra's own ones
// included (completion, help), return a usageError.
func typeArgErrors(c *cobra.Command) {
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			err := check(cmd, args)
			var u usageError
			if err != nil && !errors.As(err, &u) {
				return usageError{err}
			}
			return err
		}
	}
	for _, sub := range c.Commands() {
		typeArgErrors(sub)
	}
}

// flagError types a flag parsing error of cmd as a usage error, naming
// the flag and the value first: --threads "x": want a whole number; an
// unknown flag, long or short, gets the flags of cmd it may have meant,
// and it and every other flag error but a bad value (a flag without its
// value, bad syntax) where to see them all. An argument of args that is a
// file named with a leading dash (-k.jpg, read as -k with the value .jpg)
// gets a hint to put file names after "--".
func flagError(cmd *cobra.Command, err error, args []string) error {
	var unknown *pflag.NotExistError
	if errors.As(err, &unknown) && cmd.Name() == "help" && cmd.Parent() == cmd.Root() {
		return helpFlagError(cmd, err, args)
	}
	if errors.As(err, &unknown) {
		if unknown.GetSpecifiedName() == "out" && cmd.Flags().Lookup("output") != nil {
			// eval --out e.json: --output, the name nearest, is the format
			return usagef("%v: %s writes its results to stdout, in the format -o picks: redirect them (> FILE) to keep them (see %s --help)", err, cmd.Name(), cmd.CommandPath())
		}
		name := unknown.GetSpecifiedName()
		if (name == "m" || name == "model") && strings.Contains(cmd.Use, " MODEL") {
			return usagef("%v: %s takes the model as its argument, not -m (%s)", err, cmd.Name(), modelAsArg(cmd, args))
		}
		if name == "version" {
			// classify --version: the root's flag, which no other command has
			return usagef("%v: vitctl --version prints the version (see %s --help)", err, cmd.CommandPath())
		}
		if name == "from-file" && cmd.Flags().Lookup("null") != nil {
			return usagef("%v: %s reads a list of paths from stdin instead: give - as an argument (%s - < LIST, with -0 for find -print0's lists) (see %s --help)", err, cmd.Name(), cmd.CommandPath(), cmd.CommandPath())
		}
		alts := similarFlags(cmd, name)
		arg := findArg(args, func(a string) bool { return strings.HasPrefix(a, "--"+name) })
		short := unknown.GetSpecifiedShortnames()
		if short != "" { // -o in a command without one
			alts = flagsStartingWith(cmd, name)
			arg = findArg(args, func(a string) bool { return isShortFlags(a) && strings.HasSuffix(a, short) })
		}
		if other := flagElsewhere(cmd, name, short != ""); other != "" {
			err = fmt.Errorf("%v: %s", err, other)
		}
		return usagef("%v%s%s (see %s --help)", err, dashedFileHint(cmd, arg, true), didYouMean(alts), cmd.CommandPath())
	}
	var iv *pflag.InvalidValueError
	if !errors.As(err, &iv) {
		return usagef("%v (see %s --help)", err, cmd.CommandPath())
	}
	arg, guess := valueArg(args, iv.GetFlag(), iv.GetValue())
	return usagef("%v%s", badValue(iv), dashedFileHint(cmd, arg, guess))
}

// helpFlagError words a flag given to help (vitctl help classify
// --threads), which has none but -h: it was told "see vitctl help
// --help", where the flags asked about are the command's, listed by
// vitctl classify --help.
func helpFlagError(help *cobra.Command, err error, args []string) error {
	flags := help.CommandPath() // no command named: help's own
	for _, a := range args[slices.Index(args, "help")+1:] {
		if c, _, ferr := help.Root().Find([]string{a}); ferr == nil && c != help.Root() && !strings.HasPrefix(a, "-") {
			flags = c.CommandPath()
			break
		}
	}
	return usagef("%v: help takes a command's name, not its flags (see %s --help)", err, flags)
}

// flagElsewhere says what the flag name (a short one: -k), which cmd
// lacks, is in the other commands that have it: "-k is --top-k in
// classify and inspect-attention; embed has no -k", "--shard is in
// classify; embed has no --shard". embed -k was asked only "did you mean
// --kernel?", and embed --verify-model "did you mean --model?". It is ""
// when no other command has the flag.
func flagElsewhere(cmd *cobra.Command, name string, short bool) string {
	var longs []string
	in := map[string][]string{}
	for _, c := range cmd.Root().Commands() {
		f := c.Flags().Lookup(name)
		if short {
			f = c.Flags().ShorthandLookup(name)
		}
		if c == cmd || f == nil || f.Hidden {
			continue
		}
		if in[f.Name] == nil {
			longs = append(longs, f.Name)
		}
		in[f.Name] = append(in[f.Name], c.Name())
	}
	if len(longs) == 0 {
		return ""
	}
	var is []string
	for _, l := range longs {
		if short {
			is = append(is, fmt.Sprintf("--%s in %s", l, andList(in[l])))
		} else {
			is = append(is, "in "+andList(in[l]))
		}
	}
	flag := "--" + name
	if short {
		flag = "-" + name
	}
	return fmt.Sprintf("%s is %s; %s has no %s", flag, strings.Join(is, ", "), cmd.Name(), flag)
}

// modelAsArg is the command line args with -m X (-mX, --model X,
// --model=X) given as the argument X, for a command that takes its model
// so (vitctl export flowers.gguf --out hf).
func modelAsArg(cmd *cobra.Command, args []string) string {
	out := []string{cmd.Root().Name()}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case (a == "-m" || a == "--model") && i+1 < len(args):
			out = append(out, args[i+1])
			i++
		case strings.HasPrefix(a, "--model="):
			out = append(out, strings.TrimPrefix(a, "--model="))
		case strings.HasPrefix(a, "-m") && len(a) > 2 && !strings.HasPrefix(a, "--"):
			out = append(out, a[2:])
		default:
			out = append(out, a)
		}
	}
	return strings.Join(out, " ")
}

// badValue words a flag's value that does not parse: the flag and the
// value first, then what it wants (--threads "x": want a whole number).
func badValue(iv *pflag.InvalidValueError) error {
	name := "--" + iv.GetFlag().Name
	cause := iv.Unwrap()
	var ne *strconv.NumError
	switch typ := iv.GetFlag().Value.Type(); {
	case typ == "bool": // strconv.ParseBool's error is a NumError too
		cause = errors.New("want true or false")
	case typ == "duration": // time.ParseDuration's: `time: missing unit in duration "1"`
		cause = errors.New("want a duration with its unit, such as 3s, 500ms or 1m")
	case errors.As(cause, &ne):
		cause = errors.New("want a number")
		switch {
		case strings.HasPrefix(typ, "uint"): // --seed -1 said "want a whole number"
			cause = errors.New("want a whole number, 0 or more")
		case typ != "float64":
			cause = errors.New("want a whole number")
		}
		if errors.Is(ne.Err, strconv.ErrRange) {
			cause = errors.New("out of range")
		}
	}
	return fmt.Errorf("%s %q: %v", name, iv.GetValue(), cause)
}

// findArg is the first of args before "--" that match takes, or "".
func findArg(args []string, match func(string) bool) string {
	for _, a := range args {
		if a == "--" {
			break
		}
		if match(a) {
			return a
		}
	}
	return ""
}

// isShortFlags reports whether a is one or more short flags (-k3, -rk3).
func isShortFlags(a string) bool {
	return len(a) > 1 && a[0] == '-' && a[1] != '-'
}

// valueArg is the argument of args that held f's bad value v: short
// flags ending in it (-k.jpg, -rk.jpg), --name=v, or v itself, given
// after the flag (-k -x.jpg); "" when none did. guess is false for
// --name=v, which names the flag in full and is no file's name.
func valueArg(args []string, f *pflag.Flag, v string) (arg string, guess bool) {
	long := "--" + f.Name + "=" + v
	arg = findArg(args, func(a string) bool {
		return f.Shorthand != "" && isShortFlags(a) && strings.HasSuffix(a, f.Shorthand+v) || a == long || a == v
	})
	return arg, arg != long
}

// dashedFileHint is a hint for arg, an argument that starts with a dash
// and so was read as flags, when it is a file or a folder here, or when
// guess is set and arg is named as an image (or a .npy): a file named
// -k.jpg is given after "--". It is "" for any other arg.
func dashedFileHint(cmd *cobra.Command, arg string, guess bool) string {
	if !strings.HasPrefix(arg, "-") {
		return ""
	}
	how := fmt.Sprintf("put file names after -- (%s -- %s)", cmd.CommandPath(), arg)
	if st, err := os.Stat(arg); err == nil {
		what := "a file"
		if st.IsDir() {
			what = "a folder"
		}
		return fmt.Sprintf("; %s is %s: %s", arg, what, how)
	}
	if guess && namedAsInput(strings.ToLower(filepath.Ext(arg))) {
		return fmt.Sprintf("; for a file named %s, %s", arg, how)
	}
	return ""
}

// similarFlags are cmd's flags (its own and inherited, hidden ones
// aside) that name may have meant (similar), with their dashes.
func similarFlags(cmd *cobra.Command, name string) []string {
	var out []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && similar(name, f.Name) {
			out = append(out, "--"+f.Name)
		}
	})
	return out
}

// flagsStartingWith are cmd's flags (hidden ones aside) whose long name
// starts with letter, the short flag the user gave: merge -o, meant as
// merge --out.
func flagsStartingWith(cmd *cobra.Command, letter string) []string {
	var out []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && strings.HasPrefix(f.Name, letter) {
			out = append(out, "--"+f.Name)
		}
	})
	return out
}

func asPathError(err error, pe **fs.PathError) bool { return errors.As(err, pe) }
