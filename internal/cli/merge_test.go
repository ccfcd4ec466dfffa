package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestMerge: the shards' files merge into the whole run's records, checked
// against the inputs; a missing record, a duplicate, a torn line, a
// record for another path, records of two models and of two -k are
// errors, and --out is then not written nor anything printed to stdout.
func TestMerge(t *testing.T) {
	root, rel := shardFolder(t)
	dir := t.TempDir()
	var files []string
	for i := range 3 {
		f := filepath.Join(dir, fmt.Sprintf("shard-%d.jsonl", i))
		if code, _, errs := run(t, "", "classify", "-o", "jsonl", "-r", "--shard", fmt.Sprintf("%d/3", i), "--out", f, root); code != ExitOK {
			t.Fatalf("shard %d: exit %d\n%s", i, code, errs)
		}
		files = append(files, f)
	}
	_, whole, _ := run(t, "", "classify", "-o", "jsonl", "-r", root)
	out := filepath.Join(dir, "all.jsonl")
	code, _, errs := run(t, "", append([]string{"merge", "--inputs", root, "-r", "--out", out}, files...)...)
	got, _ := os.ReadFile(out)
	g, w := strings.SplitAfter(string(got), "\n"), strings.SplitAfter(whole, "\n")
	slices.Sort(g)
	slices.Sort(w)
	if code != ExitOK || !slices.Equal(g, w) || !strings.Contains(errs, fmt.Sprintf("every one of the %d inputs has one record", len(rel))) {
		t.Fatalf("merge: exit %d, %d lines for %d\n%s", code, len(g)-1, len(w)-1, errs)
	}

	b, _ := os.ReadFile(files[1])
	lines := strings.SplitAfter(string(b), "\n")
	short := filepath.Join(dir, "short.jsonl")
	os.WriteFile(short, []byte(strings.Join(lines[1:], "")), 0o644)
	torn := filepath.Join(dir, "torn.jsonl")
	os.WriteFile(torn, append(b, `{"path":"x`...), 0o644)
	fashion := filepath.Join(dir, "fashion-1.jsonl")
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "-r", "--shard", "1/3", "--out", fashion, root); code != ExitOK {
		t.Fatalf("shard 1 with fashion-vit: exit %d\n%s", code, errs)
	}
	top2 := filepath.Join(dir, "top2-1.jsonl")
	if code, _, errs := run(t, "", "classify", "-k", "2", "-o", "jsonl", "-r", "--shard", "1/3", "--out", top2, root); code != ExitOK {
		t.Fatalf("shard 1 with -k 2: exit %d\n%s", code, errs)
	}
	other := filepath.Join(dir, "other.jsonl")
	os.WriteFile(other, []byte(`{"path":"elsewhere.png","model":"vit-tiny-in1k","model_sha256":"89d044742132","error":"no such file or directory"}`+"\n"), 0o644)
	for _, tc := range []struct {
		files []string
		want  string
	}{
		{[]string{files[0], short, files[2]}, fmt.Sprintf("1 of %d inputs has no record", len(rel))},
		{[]string{files[0], files[1], short, files[2]}, "short.jsonl: line 1: a second record for"},
		{[]string{files[0], torn, files[2]}, "torn.jsonl: ends with a torn line"},
		{append(slices.Clone(files), other), "1 record is for a path that is not an input (elsewhere.png)"},
		{[]string{files[0], fashion, files[2]}, "is from model fashion-vit (sha256 d4b0f5fc13d8), but " + files[0] + " holds records from vit-tiny-in1k (sha256 89d044742132): were the runs given different -m?"},
		{[]string{files[0], top2, files[2]}, "holds the top 2 labels, but " + files[0] + " holds the top 5 labels of each image: were the runs given different -k?"},
	} {
		os.Remove(out)
		code, _, errs := run(t, "", append([]string{"merge", "--inputs", root, "-r", "--out", out}, tc.files...)...)
		if _, err := os.Stat(out); code != ExitFailed || !strings.Contains(errs, tc.want) || err == nil {
			t.Errorf("%v: exit %d, --out written: %v\n%s", tc.files, code, err == nil, errs)
		}
		// Without --out, the good file read first must not reach stdout.
		code, stdout, errs := run(t, "", append([]string{"merge", "--inputs", root, "-r"}, tc.files...)...)
		if code != ExitFailed || !strings.Contains(errs, tc.want) || stdout != "" {
			t.Errorf("%v without --out: exit %d, %d bytes on stdout\n%s", tc.files, code, len(stdout), errs)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{files[0], files[1], files[1]}, files[1] + " is named twice: give each shard's file once"},
		{[]string{files[0], files[1], dir + "/./shard-1.jsonl"}, dir + "/./shard-1.jsonl is named twice (as " + files[1] + " and " + dir + "/./shard-1.jsonl)"},
		{[]string{"--out", files[2], files[0], files[1], files[2]}, files[2] + " is --out " + files[2] + ", the merged file"},
	} {
		before, _ := os.ReadFile(files[2])
		code, _, errs := run(t, "", append([]string{"merge"}, tc.args...)...)
		after, _ := os.ReadFile(files[2])
		if code != ExitUsage || !strings.Contains(errs, tc.want) || string(before) != string(after) {
			t.Errorf("%v: exit %d, want 2 and %q\n%s", tc.args, code, tc.want, errs)
		}
	}
	if code, _, errs := run(t, "", "merge"); code != ExitUsage || !strings.Contains(errs, "missing argument") {
		t.Errorf("merge without files: exit %d\n%s", code, errs)
	}
}

// TestMergeNoRecords: files that hold no record (empty files) are an
// error naming them, as classify's listing without images is (with the
// run's inputs, the inputs without a record are named), and --out is not
// written.
func TestMergeNoRecords(t *testing.T) {
	dir, img := t.TempDir(), filepath.Join(imagesDir, "chelsea.png")
	var files []string
	for i := range 5 {
		f := filepath.Join(dir, fmt.Sprintf("shard-%d.jsonl", i))
		os.WriteFile(f, nil, 0o644)
		files = append(files, f)
	}
	for _, tc := range []struct {
		files []string
		want  string
	}{
		{files[:1], "vitctl: no records found in " + files[0] + ": nothing to merge\n"},
		{files[:2], "vitctl: no records found in " + files[0] + " and " + files[1] + ": nothing to merge\n"},
		{files, "vitctl: no records found in " + files[0] + ", " + files[1] + ", " + files[2] + " and 2 more: nothing to merge\n"},
		{[]string{"--inputs", img, files[0]}, "vitctl: 1 of 1 input has no record (" + img + "): run its shard again with --resume\n"},
	} {
		for _, out := range []string{"", filepath.Join(dir, "all.jsonl")} {
			args := append([]string{"merge"}, tc.files...)
			if out != "" {
				args = append(args, "--out", out)
			}
			code, stdout, errs := run(t, "", args...)
			_, err := os.Stat(filepath.Join(dir, "all.jsonl"))
			if code != ExitFailed || stdout != "" || errs != tc.want || err == nil {
				t.Errorf("%q: exit %d, stdout %q, --out written: %v, stderr\n%s\nwant exit 1 and\n%s", args, code, stdout, err == nil, errs, tc.want)
			}
		}
	}
}

// TestMergeRefusesNotResults: records classify did not write (a path,label
// list, embed's vectors) and files that are not records at all are
// refused as classify --resume refuses them, naming the file and the line,
// with exit status 2, no --out written and nothing on stdout (the good
// file before the refused one included); merge took the first two. A
// folder (results/ for results/*.jsonl) is refused so too (it was "merge:
// reading DIR: is a folder, not a file", exit 1), and so is "-": merge
// reads files, not stdin.
func TestMergeRefusesNotResults(t *testing.T) {
	dir, img := t.TempDir(), filepath.Join(imagesDir, "chelsea.png")
	good := filepath.Join(dir, "good.jsonl")
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "--out", good, img); code != ExitOK {
		t.Fatalf("classify: exit %d\n%s", code, errs)
	}
	code, vectors, errs := run(t, "", "embed", "-m", "fashion-vit", img)
	if code != ExitOK {
		t.Fatalf("embed: exit %d\n%s", code, errs)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	embed := write("embed.jsonl", vectors)
	labels := write("labels.jsonl", `{"path":"a.png","label":"cat"}`+"\n")
	notes := write("notes.jsonl", "some notes\n")
	out := filepath.Join(dir, "all.jsonl")
	for _, tc := range []struct {
		file, want string
	}{
		{labels, "vitctl: " + labels + ` does not hold classify results (line 1: the record for a.png has no "model_sha256" and no "top_k" nor "error": "{\"path\":\"a.png\",\"label\":\"cat\"}"); merge joins the files classify -o jsonl --out wrote` + "\n"},
		{embed, "vitctl: " + embed + ` does not hold classify results (line 1: the record for ` + img + ` has no "top_k" nor "error": `},
		{notes, "vitctl: " + notes + ` is not a vitctl JSONL results file (its first line is not a JSON record with a "path": "some notes"); merge joins the files classify -o jsonl --out wrote` + "\n"},
		{dir, "vitctl: " + dir + " is a folder: give the shards' files in it (" + filepath.Join(dir, "*.jsonl") + ")\n"},
		// It was "merge: reading -: no such file or directory", exit 1.
		{"-", "vitctl: -: merge reads the shards' files, not stdin: give the files, or a command's output as a file with process substitution (vitctl merge <(ssh host cat shard-0.jsonl) shard-1.jsonl); a file named - is ./-\n"},
	} {
		os.Remove(out)
		code, _, errs := run(t, "", "merge", "--out", out, good, tc.file)
		_, err := os.Stat(out)
		if code != ExitUsage || !strings.HasPrefix(errs, tc.want) || err == nil {
			t.Errorf("%s: exit %d, --out written: %v, stderr\n%s\nwant exit 2 and\n%s", filepath.Base(tc.file), code, err == nil, errs, tc.want)
		}
		// Without --out, good's record, read first, must not reach stdout.
		code, stdout, errs := run(t, "", "merge", good, tc.file)
		if code != ExitUsage || !strings.HasPrefix(errs, tc.want) || stdout != "" {
			t.Errorf("%s without --out: exit %d, stdout %q, stderr\n%s", filepath.Base(tc.file), code, stdout, errs)
		}
	}
}

// TestMergeInputsNpyAndAllFiles: merge --inputs takes a .npy input of N
// images as the run recorded it, FILE[0] … FILE[N-1] (it said the input
// had no record), and takes --all-files as classify does, its folders'
// files not named as images then being inputs (it had no such flag, and
// said their records were for paths that are not inputs).
func TestMergeInputsNpyAndAllFiles(t *testing.T) {
	png, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	os.WriteFile(filepath.Join(in, "a.png"), png, 0o644)
	os.WriteFile(filepath.Join(in, "scan"), png, 0o644) // a PNG without an extension
	writeNpy(t, filepath.Join(in, "batch.npy"), []int{3, 3, 28, 28})
	out := filepath.Join(dir, "run.jsonl")
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--all-files", "-o", "jsonl", "--out", out, in); code != ExitOK {
		t.Fatalf("classify: exit %d\n%s", code, errs)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--all-files"}, ExitOK, "every one of the 3 inputs has its records (5 images)\n"},
		{nil, ExitFailed, "1 record is for a path that is not an input (" + filepath.Join(in, "scan") + "): were the shards given other inputs, or run with --all-files (the --inputs folders hold 1 file not named as images)?\n"},
	} {
		code, _, errs := run(t, "", append(append([]string{"merge", "--inputs", in}, tc.args...), out)...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: exit %d, stderr\n%s\nwant exit %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
	// Without --all-files, the .npy file alone.
	npyOnly := filepath.Join(dir, "npy.jsonl")
	batch := filepath.Join(in, "batch.npy")
	run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "--out", npyOnly, batch)
	if code, _, errs := run(t, "", "merge", "--inputs", batch, npyOnly); code != ExitOK || !strings.Contains(errs, "the one input has its records (3 images)") {
		t.Errorf("a .npy of 3: exit %d\n%s", code, errs)
	}
}

// TestMergeInputsHintsR: records of a -r run merged with --inputs given
// without -r are for paths that are not inputs, and the hint names -r, as
// it names --all-files, with what the folders hold (it asked only "were the
// shards given other inputs?").
func TestMergeInputsHintsR(t *testing.T) {
	png, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.MkdirAll(filepath.Join(in, "sub"), 0o755)
	os.WriteFile(filepath.Join(in, "sub", "a.png"), png, 0o644)
	os.WriteFile(filepath.Join(in, "scan"), png, 0o644)
	out := filepath.Join(dir, "run.jsonl")
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "-r", "--all-files", "-o", "jsonl", "--out", out, in); code != ExitOK {
		t.Fatalf("classify: exit %d\n%s", code, errs)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--all-files"}, "1 record is for a path that is not an input (" + filepath.Join(in, "sub", "a.png") + "): were the shards given other inputs, or run with -r (the --inputs folders hold 1 sub-folder not searched)?\n"},
		{nil, "2 records are for paths that are not inputs (" + filepath.Join(in, "scan") + ", " + filepath.Join(in, "sub", "a.png") + "): were the shards given other inputs, or run with -r and --all-files (the --inputs folders hold 1 sub-folder not searched and 1 file not named as images)?\n"},
	} {
		code, _, errs := run(t, "", append(append([]string{"merge", "--inputs", in}, tc.args...), out)...)
		if code != ExitFailed || !strings.HasSuffix(errs, tc.want) {
			t.Errorf("%q: exit %d, stderr\n%s\nwant exit 1 and %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestMergeInputsNotThere: an input without a record that is not there
// either (a typo in --inputs) is said to be so; it said to run its shard
// again, which would give it none.
func TestMergeInputsNotThere(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	out := filepath.Join(t.TempDir(), "run.jsonl")
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "--out", out, img); code != ExitOK {
		t.Fatalf("classify: exit %d\n%s", code, errs)
	}
	gone := filepath.Join(t.TempDir(), "imgaes")
	for _, tc := range []struct {
		inputs []string
		want   string
	}{
		{[]string{img, gone}, "vitctl: 1 of 2 inputs has no record (" + gone + "), and it is not there: give --inputs (and --from-file) as the run gave them\n"},
		{[]string{img, gone, gone + "2"}, "vitctl: 2 of 3 inputs have no record (" + gone + ", " + gone + "2), and they are not there: give --inputs (and --from-file) as the run gave them\n"},
		{[]string{img, gone, filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")}, "vitctl: 2 of 3 inputs have no record (" + gone + ", " + filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png") + "), and 1 of them is not there: give --inputs (and --from-file) as the run gave them, and run the shards of the others again with --resume\n"},
	} {
		args := []string{"merge"}
		for _, in := range tc.inputs {
			args = append(args, "--inputs", in)
		}
		code, stdout, errs := run(t, "", append(args, out)...)
		if code != ExitFailed || stdout != "" || errs != tc.want {
			t.Errorf("--inputs %q: exit %d, stderr\n%s\nwant exit 1 and\n%s", tc.inputs, code, errs, tc.want)
		}
	}
}

// TestMergeInputsEmpty: --from-file of an empty list, or --inputs - of
// nothing on stdin, gives no input, and merge says so, where it said each
// record was "for a path that is not an input".
func TestMergeInputsEmpty(t *testing.T) {
	dir := t.TempDir()
	out, empty := filepath.Join(dir, "run.jsonl"), filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, nil, 0o644)
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "--out", out, filepath.Join(imagesDir, "chelsea.png")); code != ExitOK {
		t.Fatalf("classify: exit %d\n%s", code, errs)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--from-file", empty}, "vitctl: --from-file " + empty + " gives no input, where the files hold 1 record: give --inputs (and --from-file) as the run gave them\n"},
		{[]string{"--inputs", "-"}, "vitctl: --inputs - gives no input, where the files hold 1 record: give --inputs (and --from-file) as the run gave them\n"},
		{[]string{"--inputs", "-", "--from-file", empty}, "vitctl: --inputs - and --from-file " + empty + " give no input, where the files hold 1 record: give --inputs (and --from-file) as the run gave them\n"},
	} {
		code, stdout, errs := run(t, "", append(append([]string{"merge"}, tc.args...), out)...)
		if code != ExitFailed || stdout != "" || errs != tc.want {
			t.Errorf("%q: exit %d, stderr\n%s\nwant exit 1 and\n%s", tc.args, code, errs, tc.want)
		}
	}
}

// TestMergeInputsNamedOtherwise: --inputs naming the run's inputs another
// way than the shards did (a relative folder, then its absolute path, or
// the other way round) says so, with one input and its record's name,
// where merge said each input had no record and to run every shard again.
func TestMergeInputsNamedOtherwise(t *testing.T) {
	rel := filepath.Join(imagesDir, "fashion")
	abs, err := filepath.Abs(rel)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ ran, given string }{{rel, abs}, {abs, rel}} {
		out := filepath.Join(t.TempDir(), "run.jsonl")
		if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "--out", out, tc.ran); code != ExitOK {
			t.Fatalf("classify: exit %d\n%s", code, errs)
		}
		code, stdout, errs := run(t, "", "merge", "--inputs", tc.given, out)
		want := "vitctl: 30 of 30 inputs are recorded under another name (input " + filepath.Join(tc.given, "0000_ankle_boot.png") +
			" is " + filepath.Join(tc.ran, "0000_ankle_boot.png") + " in the records): the shards named the inputs another way; give --inputs (and --from-file) as the run gave them\n"
		if code != ExitFailed || stdout != "" || errs != want {
			t.Errorf("ran %s, --inputs %s: exit %d, stderr\n%s\nwant exit 1 and\n%s", tc.ran, tc.given, code, errs, want)
		}
	}
}

// TestMergeWriteError: a merge whose stdout cannot be written (a full
// disk) says so as every command does, "writing output: …", where it said
// "write /dev/stdout: …" of no output, and exits 1.
func TestMergeWriteError(t *testing.T) {
	f := filepath.Join(t.TempDir(), "shard.jsonl")
	if code, _, errs := run(t, "", "classify", "-o", "jsonl", "--out", f, "../../testdata/images/chelsea.png"); code != ExitOK {
		t.Fatalf("classify: exit %d\n%s", code, errs)
	}
	var errb bytes.Buffer
	code := Main([]string{"merge", f}, strings.NewReader(""), failWriter{}, &errb)
	if want := "vitctl: writing output: no space left on device\n"; code != ExitFailed || errb.String() != want {
		t.Errorf("merge: exit %d, stderr %q; want 1 and %q", code, errb.String(), want)
	}
}

// TestMergeOutFormat: an --out name ending in .csv or .json gets the
// merged records as classify -o csv or -o json writes the whole run's (the
// same rows and records, in the shards' order), and one ending in .txt is
// refused with exit 2, writing nothing: merge --out labels.csv wrote JSONL
// under that name.
func TestMergeOutFormat(t *testing.T) {
	root, _ := shardFolder(t)
	dir := t.TempDir()
	var files []string
	for i := range 2 {
		f := filepath.Join(dir, fmt.Sprintf("shard-%d.jsonl", i))
		if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "-r", "--shard", fmt.Sprintf("%d/2", i), "--out", f, root); code != ExitOK {
			t.Fatalf("shard %d: exit %d\n%s", i, code, errs)
		}
		files = append(files, f)
	}
	for _, format := range []string{"csv", "json"} {
		_, whole, _ := run(t, "", "classify", "-m", "fashion-vit", "-o", format, "-r", root)
		out := filepath.Join(dir, "all."+strings.ToUpper(format))
		code, stdout, errs := run(t, "", append([]string{"merge", "--inputs", root, "-r", "--out", out}, files...)...)
		b, _ := os.ReadFile(out)
		if code != ExitOK || stdout != "" {
			t.Fatalf("--out %s: exit %d, %d bytes on stdout\n%s", out, code, len(stdout), errs)
		}
		if format == "csv" {
			g, w := strings.SplitAfter(string(b), "\n"), strings.SplitAfter(whole, "\n")
			if g[0] != w[0] {
				t.Errorf("--out %s: header %q, want classify's %q", out, g[0], w[0])
			}
			slices.Sort(g)
			slices.Sort(w)
			if !slices.Equal(g, w) {
				t.Errorf("--out %s: %d lines, not classify -o csv's %d:\n%s", out, len(g), len(w), b)
			}
			continue
		}
		var g, w []record
		if err := json.Unmarshal(b, &g); err != nil {
			t.Fatalf("--out %s: %v:\n%s", out, err, b)
		}
		json.Unmarshal([]byte(whole), &w)
		byPath := func(a, b record) int { return strings.Compare(string(a.Path), string(b.Path)) }
		slices.SortFunc(g, byPath)
		slices.SortFunc(w, byPath)
		if len(w) == 0 || !reflect.DeepEqual(g, w) {
			t.Errorf("--out %s: %d records, not classify -o json's %d:\n%s", out, len(g), len(w), b)
		}
	}
	out := filepath.Join(dir, "labels.txt")
	code, _, errs := run(t, "", append([]string{"merge", "--out", out}, files...)...)
	if _, err := os.Stat(out); code != ExitUsage || !strings.Contains(errs, "--out "+out+": a text name, and merge writes records") || err == nil {
		t.Errorf("--out labels.txt: exit %d, written %v, want 2\n%s", code, err == nil, errs)
	}
}
