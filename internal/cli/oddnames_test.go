package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/bytestr"
)

// oddNames are file names that break naive writers and readers of
// results: CSV's and JSON's special characters, a shell's, white space at
// either end, bytes that are not UTF-8, one name in two Unicode forms.
var oddNames = []string{
	"a,b.png", `q"uote.png`, "new\nline.png", "tab\there.png", "-dash.png", " lead.png", "trail.png ",
	"bad\xff.png", "caf\u00e9.png", "cafe\u0301.png", strings.Repeat("x", 200) + ".png", "per%cent;semi|pipe.png",
}

// oddFolder is a folder of oddNames, each a copy of one fashion image.
func oddFolder(t *testing.T) string {
	t.Helper()
	img, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, n := range oddNames {
		if err := os.WriteFile(filepath.Join(dir, n), img, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// oddPaths is the paths of oddNames in dir, given as arguments: a folder
// listing passes over "trail.png " for its name.
func oddPaths(dir string) []string {
	var want []string
	for _, n := range oddNames {
		want = append(want, filepath.Join(dir, n))
	}
	return want
}

// TestOddNamesJSON: every name, not UTF-8 ones included, is a path in
// valid JSON that reads back as the name's bytes (\udcXX for a byte that
// is not UTF-8, as Python's surrogateescape), in classify's json and
// jsonl, embed's records and merge's; --resume finds every record again,
// where a name not UTF-8 was written as U+FFFD and done again each run.
func TestOddNamesJSON(t *testing.T) {
	dir := oddFolder(t)
	want := oddPaths(dir)
	readJSONL := func(what, out string) {
		t.Helper()
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var r struct {
				Path bytestr.String `json:"path"`
			}
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatalf("%s: %v: %s", what, err, l)
			}
			got = append(got, string(r.Path))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: paths\n%q\nwant\n%q", what, got, want)
		}
		pythonReads(t, what, "import json,sys\nfor l in sys.stdin: json.loads(l)", out)
	}
	for _, args := range [][]string{
		{"classify", "-o", "jsonl"},
		{"embed"},
		{"embed", "-o", "jsonl", "--out", filepath.Join(t.TempDir(), "v.npy")},
	} {
		code, out, errs := run(t, "", append(append(args, "-m", "fashion-vit"), want...)...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d:\n%s", args, code, errs)
		}
		readJSONL(strings.Join(args, " "), out)
	}
	code, out, errs := run(t, "", append([]string{"classify", "-m", "fashion-vit", "-o", "json"}, want...)...)
	var recs []record
	if err := json.Unmarshal([]byte(out), &recs); code != ExitOK || err != nil {
		t.Fatalf("classify -o json: exit %d, %v:\n%s", code, err, errs)
	}
	var lines []string
	for _, r := range recs {
		b, _ := json.Marshal(r)
		lines = append(lines, string(b))
	}
	readJSONL("classify -o json", strings.Join(lines, "\n"))

	res := filepath.Join(t.TempDir(), "r.jsonl")
	for i := range 2 {
		code, _, errs := run(t, "", append([]string{"classify", "-m", "fashion-vit", "--out", res, "--resume"}, want...)...)
		if code != ExitOK || i == 1 && !strings.Contains(errs, "nothing to do") {
			t.Fatalf("--resume, run %d: exit %d:\n%s", i+1, code, errs)
		}
	}
	margs := []string{"merge", res}
	for _, p := range want {
		margs = append(margs, "--inputs", p)
	}
	code, out, errs = run(t, "", margs...)
	if code != ExitOK {
		t.Fatalf("merge: exit %d:\n%s", code, errs)
	}
	readJSONL("merge", out)
}

// TestOddNamesCSV: classify's and embed's CSV is RFC 4180 as Go and
// Python read it, a name that is not UTF-8 written as its bytes.
func TestOddNamesCSV(t *testing.T) {
	dir := oddFolder(t)
	want := oddPaths(dir)
	for _, args := range [][]string{
		{"classify", "-o", "csv", "-k", "1"},
		{"embed", "-o", "csv", "--out", filepath.Join(t.TempDir(), "v.npy")},
	} {
		code, out, errs := run(t, "", append(append(args, "-m", "fashion-vit"), want...)...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d:\n%s", args, code, errs)
		}
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		var got []string
		for _, r := range rows[1:] {
			got = append(got, r[0])
		}
		if !slices.Equal(got, want) {
			t.Errorf("%v: paths\n%q\nwant\n%q", args, got, want)
		}
		pythonReads(t, strings.Join(args, " "), `import csv,io,sys
rows = list(csv.reader(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="surrogateescape", newline="")))
assert len(rows) == `+strconv.Itoa(len(want)+1)+`, len(rows)
assert all(len(r) == len(rows[0]) for r in rows), rows`, out)
	}
}

// TestOddNamesText: text output prints each path on one line of its own,
// quoted when it would not read back as one name (a newline or tab in it,
// a space at an end, bytes not UTF-8), where a newline split it over two
// lines, a tab became spaces and a 0xff byte (tabwriter's escape) left
// the table's tabs unexpanded.
func TestOddNamesText(t *testing.T) {
	dir := oddFolder(t)
	code, out, errs := run(t, "", append([]string{"classify", "-m", "fashion-vit", "-k", "1"}, oddPaths(dir)...)...)
	if code != ExitOK {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	var want []string
	for _, p := range oddPaths(dir) {
		want = append(want, bytestr.Text(p), "")
	}
	var got []string
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "  1  Ankle boot  "):
		case strings.HasPrefix(l, " "):
			t.Errorf("a line of a table: %q", l)
		default:
			got = append(got, l)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("path lines\n%q\nwant\n%q", got, want)
	}
	for _, c := range []struct{ in, want string }{
		{"a b.png", "a b.png"}, {"new\nline.png", `"new\nline.png"`}, {"bad\xff.png", `"bad\xff.png"`},
		{" a.png", `" a.png"`}, {`"a".png`, `"\"a\".png"`}, {`a"b.png`, `a"b.png`}, {"café.png", "café.png"},
	} {
		if got := bytestr.Text(c.in); got != c.want {
			t.Errorf("bytestr.Text(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// pythonReads runs script on out with python3 when there is one: what
// pandas' and the csv and json modules' users do.
func pythonReads(t *testing.T, what, script, out string) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		return
	}
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s: python3 cannot read it: %v\n%s", what, err, b)
	}
}

// TestTopKBeyondClasses: -k past the model's classes gives every class,
// the CSV header the same whatever -k, with a note saying so, where the
// records were shorter than -k asked without a word; -k 0 is a usage error.
func TestTopKBeyondClasses(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	const note = "vitctl: note: -k 11: model fashion-vit has 10 classes, and each image gets them all\n"
	for _, c := range []struct {
		k, format string
		rows      int
		note      bool
	}{
		{"1", "csv", 1, false}, {"10", "csv", 10, false}, {"11", "csv", 10, true}, {"11", "jsonl", 10, true}, {"11", "text", 10, true},
	} {
		code, out, errs := run(t, "", "classify", "-m", "fashion-vit", "-k", c.k, "-o", c.format, img)
		n := strings.Count(out, "\n")
		switch c.format {
		case "csv":
			if !strings.HasPrefix(out, "path,model,model_sha256,rank,index,label,prob,logit,error\n") {
				t.Errorf("-k %s: header %q", c.k, strings.SplitN(out, "\n", 2)[0])
			}
			n--
		case "jsonl":
			var r record
			json.Unmarshal([]byte(out), &r)
			n = len(r.TopK)
		case "text":
			n--
		}
		if code != ExitOK || n != c.rows || strings.Contains(errs, note) != c.note {
			t.Errorf("-k %s -o %s: exit %d, %d labels, want %d, note %v:\n%s\n%s", c.k, c.format, code, n, c.rows, c.note, out, errs)
		}
	}
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "-k", "0", img); code != ExitUsage || !strings.Contains(errs, "-k 0") {
		t.Errorf("-k 0: exit %d, %s", code, errs)
	}
}

// TestOddNamesStderr: an image that fails, named with a line break or a
// tab, is one line of stderr, its path quoted as classify's and embed's
// failures write it ("bad\nname.png": …), in inspect-attention, eval and
// finetune too, where they wrote the name as it is and a script reading
// stderr a line at a time took "name.png: not a supported image …" for a
// line of its own.
func TestOddNamesStderr(t *testing.T) {
	img, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	var bad []string
	for _, class := range []string{"Bag", "Coat"} {
		if err := os.Mkdir(filepath.Join(data, class), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			os.WriteFile(filepath.Join(data, class, strconv.Itoa(i)+".png"), img, 0o644)
		}
	}
	for _, n := range []string{"bad\nname.png", "bad\ttab.png"} {
		p := filepath.Join(data, "Bag", n)
		if err := os.WriteFile(p, []byte("junk"), 0o644); err != nil {
			t.Fatal(err)
		}
		bad = append(bad, p)
	}
	for _, args := range [][]string{
		{"classify", "-r", data},
		{"embed", "-r", data},
		{"inspect-attention", "--layers", "0", "--out", filepath.Join(t.TempDir(), "attn"), "-r", data},
		{"eval", data},
		{"finetune", "--train", "head", "--epochs", "1", "--val-split", "0", "--out", filepath.Join(t.TempDir(), "m.gguf"), data},
	} {
		code, _, errs := run(t, "", afterCommand(args, "-m", "fashion-vit")...)
		if code != ExitFailed {
			t.Errorf("%s: exit %d, want %d:\n%s", args[0], code, ExitFailed, errs)
		}
		for _, p := range bad {
			if want := bytestr.Text(p) + ": not a supported image"; !strings.Contains(errs, want) || strings.Contains(errs, p) {
				t.Errorf("%s: stderr names %q as it is, or not as %q:\n%s", args[0], p, want, errs)
			}
		}
	}
}

// TestOddNamesMerge: merge's errors quote a path with a line break, a
// carriage return or bytes that are not UTF-8, as classify's failures
// are, so each error is one line of stderr: they named the inputs
// without a record, the records for no input and a path with two records
// as they are, and a \r in a name sent a terminal's cursor back over the
// message.
func TestOddNamesMerge(t *testing.T) {
	dir, files := t.TempDir(), t.TempDir()
	names := []string{"new\nline.png", "cr\rx.png", "bad\xff.png"}
	var paths []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte("junk"), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	records := func(file string, paths ...string) string {
		t.Helper()
		var b strings.Builder
		for _, p := range paths {
			j, _ := json.Marshal(bytestr.String(p))
			fmt.Fprintf(&b, `{"path":%s,"model":"vit-tiny-in1k","model_sha256":"89d044742132","error":"not a supported image"}`+"\n", j)
		}
		f := filepath.Join(files, file)
		if err := os.WriteFile(f, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	none := records("none.jsonl", filepath.Join(dir, "other\n.png"))
	some := records("some.jsonl", paths[0])
	all := records("all.jsonl", paths...)
	for _, tc := range []struct {
		args  []string
		named []string // quoted in the message
	}{
		{[]string{"--inputs", dir, some}, paths[1:]},
		{[]string{"--inputs", dir, all, none}, []string{filepath.Join(dir, "other\n.png")}},
		{[]string{all, some}, paths[:1]},
	} {
		code, _, errs := run(t, "", append([]string{"merge"}, tc.args...)...)
		if code != ExitFailed || strings.Count(errs, "\n") != 1 || strings.Contains(errs, "\r") {
			t.Errorf("%q: exit %d, want %d and one line:\n%s", tc.args, code, ExitFailed, errs)
		}
		for _, p := range tc.named {
			if !strings.Contains(errs, bytestr.Text(p)) {
				t.Errorf("%q: stderr does not name %s:\n%s", tc.args, bytestr.Text(p), errs)
			}
		}
	}
}

// TestOddNamesSkippedNote: the note of files in folders skipped for their
// names quotes an odd name once, as every other note of paths does
// (firstFew): the names it kept were quoted already, and firstFew quoted
// them again ("\"d/new\\nline.txt\"").
func TestOddNamesSkippedNote(t *testing.T) {
	dir := t.TempDir()
	img, _ := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	os.WriteFile(filepath.Join(dir, "a.png"), img, 0o644)
	odd := filepath.Join(dir, "new\nline.txt")
	if err := os.WriteFile(odd, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "1 file in folders skipped for its name (" + bytestr.Text(odd) + "; --all-files tries every file)"
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", dir); code != ExitOK || !strings.Contains(errs, want) {
		t.Errorf("exit %d, stderr\n%s\nwant exit 0 and %s", code, errs, want)
	}
}
