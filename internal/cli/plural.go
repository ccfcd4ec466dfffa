package cli

import (
	"strconv"
	"strings"
)

// nouns writes a count and its noun, singular for 1 and plural otherwise:
// nouns(1, "file") is "1 file", nouns(2, "class") "2 classes". The plural
// adds -es after s, x, ch and sh, -s after anything else; every noun that
// vitctl counts follows that rule but epoch (a hard ch: epochs).
func nouns(n int, noun string) string {
	return strconv.Itoa(n) + " " + plural(n, noun)
}

// plural is noun, in the plural unless n is 1.
func plural(n int, noun string) string {
	switch {
	case n == 1:
		return noun
	case noun == "epoch":
		return "epochs"
	case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"), strings.HasSuffix(noun, "ch"), strings.HasSuffix(noun, "sh"):
		return noun + "es"
	}
	return noun + "s"
}

// verb is one for a count of 1, many otherwise: verb(n, "was", "were").
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
