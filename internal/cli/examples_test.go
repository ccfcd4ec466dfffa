package cli

import (
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// shellWords splits one shell command line into words as sh would: quotes
// ('…', "…") and backslashes are taken away, and $VAR, ~ and globs stay
// as they are (a word, whatever they expand to). It reports false for
// what it does not read (an unfinished quote).
func shellWords(line string) ([]string, bool) {
	var words []string
	var w strings.Builder
	in, quote, escaped := false, rune(0), false
	for _, r := range line {
		switch {
		case escaped:
			w.WriteRune(r)
			escaped, in = false, true
		case quote != 0 && r == quote:
			quote = 0
		case quote == '"' && r == '\\':
			escaped = true
		case quote != 0:
			w.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == '\\':
			escaped = true
		case r == ' ' || r == '\t':
			if in {
				words, in = append(words, w.String()), false
				w.Reset()
			}
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words, quote == 0 && !escaped
}

// shellOperatorRe is a pipe, && or || between commands, written as the
// docs and examples write them, with spaces around: fp32|bf16|int8 is one
// word, a list of choices a copy-paste would run as a pipe into a program
// named bf16, and so a value the flag refuses.
var shellOperatorRe = regexp.MustCompile(`\s(&&|\|\||\|)\s`)

// vitctlCommands is the vitctl command lines of an Example block: lines
// joined at a trailing backslash, comments dropped, each line cut into
// commands at ;, && and | (with spaces around), and each command cut at its first redirection
// (> FILE, 2> FILE, < FILE), which the shell takes away. A process
// substitution <(…) is one word, as the shell hands over /dev/fd/N.
func vitctlCommands(example string) []string {
	example = strings.ReplaceAll(example, "\\\n", " ")
	var cmds []string
	for line := range strings.SplitSeq(example, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		line = shellOperatorRe.ReplaceAllString(line, " ; ")
		for part := range strings.SplitSeq(line, ";") {
			part = strings.TrimSpace(part)
			if !strings.HasPrefix(part, "vitctl ") && part != "vitctl" {
				continue
			}
			if i := redirection(part); i >= 0 {
				part = strings.TrimSpace(part[:i])
			}
			cmds = append(cmds, part)
		}
	}
	return cmds
}

// redirection is the index in part of its first redirection outside
// quotes (>, >>, 2>, <, but not <( ), or -1.
func redirection(part string) int {
	quote := byte(0)
	for i := 0; i < len(part); i++ {
		c := part[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '>' || c == '<' && !strings.HasPrefix(part[i:], "<("):
			if i > 0 && part[i-1] == '2' {
				return i - 1
			}
			return i
		}
	}
	return -1
}

// checkParses parses the words of a vitctl command line as Main would,
// running nothing: the command exists, each flag exists and takes its
// value (numbers, lists, names of a fixed set), the required flags are
// there and the arguments are as many as the command takes.
func checkParses(words []string) error {
	root := newRootCmd(streams{in: strings.NewReader(""), out: io.Discard, err: io.Discard}, words[1:])
	cmd, rest, err := root.Find(words[1:])
	if err != nil {
		return err
	}
	if cmd == root && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		return usagef("unknown command %q", rest[0])
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return err
	}
	if err := cmd.ValidateRequiredFlags(); err != nil {
		return err
	}
	if err := cmd.ValidateFlagGroups(); err != nil {
		return err
	}
	return cmd.ValidateArgs(cmd.Flags().Args())
}

// TestExamplesParse: every command's Example block is copy-pasteable:
// each vitctl command line in it (cut at pipes and redirections) names a
// command, flags it has with values they take, and as many arguments as
// it takes, parsed as a run would parse them, without running it.
func TestExamplesParse(t *testing.T) {
	root := newRootCmd(streams{in: strings.NewReader(""), out: io.Discard, err: io.Discard}, nil)
	checked := 0
	eachCommand(root, func(c *cobra.Command) {
		for _, line := range vitctlCommands(c.Example) {
			words, ok := shellWords(line)
			if !ok {
				t.Errorf("%s: example %q: an unfinished quote", c.CommandPath(), line)
				continue
			}
			if err := checkParses(words); err != nil {
				t.Errorf("%s: example %q: %v", c.CommandPath(), line, err)
			}
			checked++
		}
	})
	if checked < 20 {
		t.Errorf("%d example lines checked: the Example blocks were not found", checked)
	}
}

// TestExamplesParseCatches: the example check refuses what a copy-paste
// would: an unknown command or flag, a value a flag does not take, too
// few or too many arguments; and it cuts lines as the shell does.
func TestExamplesParseCatches(t *testing.T) {
	for _, tc := range []struct {
		example string
		bad     bool
	}{
		{"  vitctl classify -m fashion-vit photos/ > labels.txt", false},
		{"  find photos -name '*.jpg' | vitctl classify -o csv -", false},
		{"  vitctl merge <(cat a.jsonl) b.jsonl", false},
		{"  vitctl classify --class \"tiger cat\" x.png", true},
		{"  vitctl clasify photo.jpg", true},
		{"  vitctl classify --nope photo.jpg", true},
		{"  vitctl classify -k three photo.jpg", true},
		{"  vitctl classify -o xml photo.jpg", true},
		{"  vitctl benchmark --precision fp32|bf16|int8 --time 2s", true},
		{"  vitctl classify -o jsonl photo.jpg | jq .top_k && echo done", false},
		{"  vitctl classify", true},
		{"  vitctl convert a b --out m.gguf", true},
		{"  vitctl models extra", true},
	} {
		var errs []error
		for _, line := range vitctlCommands(tc.example) {
			words, _ := shellWords(line)
			if err := checkParses(words); err != nil {
				errs = append(errs, err)
			}
		}
		if len(vitctlCommands(tc.example)) != 1 || (len(errs) > 0) != tc.bad {
			t.Errorf("%q: %d commands, errors %v; want one command, refused: %v", tc.example, len(vitctlCommands(tc.example)), errs, tc.bad)
		}
	}
	if w, _ := shellWords(`vitctl a 'b c' "d \"e\"" f\ g`); strings.Join(w, "|") != `vitctl|a|b c|d "e"|f g` {
		t.Errorf("shellWords: %q", w)
	}
}
