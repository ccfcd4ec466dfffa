// Package textcol lays out rows of text in columns as a terminal shows
// them: each cell is measured in the cells the terminal gives it (uniseg's
// width: 猫 and 🌹 take two, the combining accent of an NFD "rosé", as
// macOS names folders, none). text/tabwriter counts runes, and the columns
// after such a label, model name or path were out of line.
package textcol

import (
	"io"
	"strings"

	"github.com/rivo/uniseg"
)

// gap is the spaces between columns.
const gap = 2

// Right writes rows with each cell right-aligned in its column's widest
// cell plus gap spaces (a table of numbers: eval's, benchmark's).
func Right(w io.Writer, rows [][]string) error {
	width := widths(rows, false)
	var b strings.Builder
	for _, row := range rows {
		for j, c := range row {
			b.WriteString(strings.Repeat(" ", gap+width[j]-uniseg.StringWidth(c)))
			b.WriteString(c)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Left writes rows with each cell left-aligned and padded to its column's
// widest cell plus gap spaces, but for the last of each row, written as it
// is (vitctl models's descriptions): no row ends in spaces.
func Left(w io.Writer, rows [][]string) error {
	width := widths(rows, true)
	var b strings.Builder
	for _, row := range rows {
		for j, c := range row {
			b.WriteString(c)
			if j < len(row)-1 {
				b.WriteString(strings.Repeat(" ", gap+width[j]-uniseg.StringWidth(c)))
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// widths is the widest cell of each column, leaving out the last cell of
// each row when notLast.
func widths(rows [][]string, notLast bool) []int {
	var width []int
	for _, row := range rows {
		for j, c := range row {
			if j == len(width) {
				width = append(width, 0)
			}
			if !notLast || j < len(row)-1 {
				width[j] = max(width[j], uniseg.StringWidth(c))
			}
		}
	}
	return width
}
