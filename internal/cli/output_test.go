package cli

import (
	"strings"
	"testing"
)

// TestTextWideLabels: text output lines up the columns after labels as a
// terminal shows them: labels of wide characters (猫, 🌹) and of combining
// accents (macOS names a folder "rosé" in NFD, e + U+0301) were padded by
// their runes (text/tabwriter), and the percentages after them were out of
// line by a cell or more. A label that would not read as one label on
// one line is quoted, as eval's table and convert --info quote it.
func TestTextWideLabels(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels []string
		want   string
	}{
		{"ascii", []string{"tiger cat", "tabby"},
			"a.jpg\n  1  tiger cat   50.00%  (class 0, logit 1.0000)\n  2  tabby       25.00%  (class 1, logit 0.5000)\n"},
		{"wide", []string{"猫", "rose 🌹", "dog"},
			"a.jpg\n  1  猫        50.00%  (class 0, logit 1.0000)\n  2  rose 🌹   25.00%  (class 1, logit 0.5000)\n  3  dog       12.50%  (class 2, logit 0.2500)\n"},
		{"nfd", []string{"rose\u0301", "tulip"},
			"a.jpg\n  1  rose\u0301    50.00%  (class 0, logit 1.0000)\n  2  tulip   25.00%  (class 1, logit 0.5000)\n"},
		// quoted as eval's table quotes them: a line break split the
		// table, a space at an end did not show
		{"odd", []string{"a\nb", " lead", "tab\t"},
			"a.jpg\n  1  \"a\\nb\"    50.00%  (class 0, logit 1.0000)\n  2  \" lead\"   25.00%  (class 1, logit 0.5000)\n  3  \"tab\\t\"   12.50%  (class 2, logit 0.2500)\n"},
	} {
		var b strings.Builder
		rep, err := newReporter("text", &b, "")
		if err != nil {
			t.Fatal(err)
		}
		r := record{Path: "a.jpg"}
		for i, l := range tc.labels {
			p := 1 / float64(int(2)<<i)
			r.TopK = append(r.TopK, prediction{Index: i, Label: l, Prob: p, Logit: 2 * p})
		}
		if err := rep.add(r); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.name, b.String(), tc.want)
		}
	}
}

// TestJSONStreams: -o json writes each record as it is done, and the
// whole is the array writeJSON writes of the records (none: []), where
// they were held in memory until the run ended.
func TestJSONStreams(t *testing.T) {
	recs := []record{
		{Path: "a.jpg", Model: "m", ModelSHA256: "12", TopK: []prediction{{Index: 1, Label: "R&D <cat>", Prob: 0.5, Logit: 1.25}}},
		{Path: "bad\xff\n.jpg", Model: "m", ModelSHA256: "12", Error: "not an image"},
		{Path: "c.jpg", Model: "m", ModelSHA256: "12", TopK: []prediction{{Index: 0, Label: "x", Prob: 1, Logit: 3}, {Index: 2, Label: "y", Prob: 1e-9, Logit: -20}}},
	}
	for n := range len(recs) + 1 {
		var b strings.Builder
		rep, err := newReporter("json", &b, "")
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range recs[:n] {
			before := b.Len()
			if err := rep.add(r); err != nil {
				t.Fatal(err)
			}
			if b.Len() == before {
				t.Errorf("%d records: record %d not written when added", n, i)
			}
		}
		if err := rep.close(); err != nil {
			t.Fatal(err)
		}
		var want strings.Builder
		writeJSON(&want, append([]record{}, recs[:n]...))
		if b.String() != want.String() {
			t.Errorf("%d records:\n%s\nwant\n%s", n, b.String(), want.String())
		}
	}
}
