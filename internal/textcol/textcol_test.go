package textcol

import (
	"bytes"
	"testing"
)

// TestColumns: cells are padded by the cells a terminal gives them: 猫 and
// 🌹 two, the combining accent of an NFD "rosé" none (text/tabwriter, which
// counts runes, set the columns after them out of line).
func TestColumns(t *testing.T) {
	rows := [][]string{
		{"name", "n", "note"},
		{"猫", "1", "wide"},
		{"rose\u0301", "22", "NFD"},
		{"🌹", "333", "emoji, and the last cell is not padded"},
	}
	for _, tc := range []struct {
		name  string
		write func(*bytes.Buffer, [][]string) error
		want  string
	}{
		{"Left", func(b *bytes.Buffer, r [][]string) error { return Left(b, r) },
			"name  n    note\n" +
				"猫    1    wide\n" +
				"rose\u0301  22   NFD\n" +
				"🌹    333  emoji, and the last cell is not padded\n"},
		{"Right", func(b *bytes.Buffer, r [][]string) error { return Right(b, r[:3]) },
			"  name   n  note\n" +
				"    猫   1  wide\n" +
				"  rose\u0301  22   NFD\n"},
	} {
		var b bytes.Buffer
		if err := tc.write(&b, rows); err != nil || b.String() != tc.want {
			t.Errorf("%s: %v\n%s\nwant\n%s", tc.name, err, b.String(), tc.want)
		}
	}
}
