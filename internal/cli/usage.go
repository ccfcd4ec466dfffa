package cli

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Argument checks. Each returns a usageError saying what the command wants,
// so the exit code never depends on the text of an error (a path may well
// contain "accepts" or "invalid argument").

// minArgs wants at least n arguments; what says what they are, e.g.
// "an image, a folder, or - to read paths from stdin".
func minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s: missing argument: give %s (see %s --help)", cmdName(cmd), what, cmd.CommandPath())
		}
		return nil
	}
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
			return usagef("%s: unexpected argument %q: give only %s (see %s --help)", cmdName(cmd), args[n], what, cmd.CommandPath())
		}
		return nil
	}
}

// dataArg wants the one DATA argument of finetune and eval. A model file
// in its place (vitctl eval flowers.gguf photos/, the order classify's -m
// habit suggests) is shown where it goes: after -m.
func dataArg() cobra.PositionalArgs {
	one := exactArgs(1, "a folder of class sub-folders, or a CSV/JSONL of path,label")
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 && strings.EqualFold(filepath.Ext(args[0]), ".gguf") {
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
			return usagef("%s: unexpected argument %q: %s (see %s --help)", cmdName(cmd), args[0], hint, cmd.CommandPath())
		}
		return nil
	}
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

// runCompletion is the completion command without a shell: its help, or,
// for a shell it does not know, a usage error (cobra printed the help and
// exited 0).
func runCompletion(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	return usagef("completion: unknown shell %q: want bash, zsh, fish or powershell", args[0])
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
// value, bad syntax) where to see them all.
func flagError(cmd *cobra.Command, err error) error {
	var unknown *pflag.NotExistError
	if errors.As(err, &unknown) {
		alts := similarFlags(cmd, unknown.GetSpecifiedName())
		if unknown.GetSpecifiedShortnames() != "" { // -o in a command without one
			alts = flagsStartingWith(cmd, unknown.GetSpecifiedName())
		}
		return usagef("%v%s (see %s --help)", err, didYouMean(alts), cmd.CommandPath())
	}
	var iv *pflag.InvalidValueError
	if !errors.As(err, &iv) {
		return usagef("%v (see %s --help)", err, cmd.CommandPath())
	}
	name := "--" + iv.GetFlag().Name
	cause := iv.Unwrap()
	var ne *strconv.NumError
	if errors.As(cause, &ne) {
		cause = errors.New("want a number")
		if iv.GetFlag().Value.Type() != "float64" {
			cause = errors.New("want a whole number")
		}
		if errors.Is(ne.Err, strconv.ErrRange) {
			cause = errors.New("out of range")
		}
	}
	return usagef("%s %q: %v", name, iv.GetValue(), cause)
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
