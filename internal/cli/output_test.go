package cli

import (
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strconv"
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

// TestRecordNumbers: what README.md says of the numbers of classify's
// records: a logit is a float32 value exactly, a prob within [0, 1], both
// the same in CSV as in JSON, and the CSV's rows are the top_k in rank
// order.
func TestRecordNumbers(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	_, jsonl, _ := run(t, "", "classify", "-m", "fashion-vit", "-k", "10", "-o", "jsonl", img)
	_, csvOut, _ := run(t, "", "classify", "-m", "fashion-vit", "-k", "10", "-o", "csv", img)
	var r record
	if err := json.Unmarshal([]byte(jsonl), &r); err != nil || len(r.TopK) != 10 {
		t.Fatalf("%v: %d labels\n%s", err, len(r.TopK), jsonl)
	}
	rows, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil || len(rows) != 11 {
		t.Fatalf("%v: %d rows\n%s", err, len(rows), csvOut)
	}
	for i, p := range r.TopK {
		row := rows[i+1] // path,model,model_sha256,rank,index,label,prob,logit,error
		prob, _ := strconv.ParseFloat(row[6], 64)
		logit, _ := strconv.ParseFloat(row[7], 64)
		if float64(float32(p.Logit)) != p.Logit || p.Prob < 0 || p.Prob > 1 || (i > 0 && p.Prob > r.TopK[i-1].Prob) {
			t.Errorf("rank %d: logit %v (a float32: %v), prob %v", i+1, p.Logit, float64(float32(p.Logit)) == p.Logit, p.Prob)
		}
		if row[3] != strconv.Itoa(i+1) || row[4] != strconv.Itoa(p.Index) || row[5] != p.Label || prob != p.Prob || logit != p.Logit {
			t.Errorf("CSV row %q, JSON %+v", row, p)
		}
	}
}
