package cli

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/shard"
)

// jsonlPaths parses JSONL output into its lines and the path of each.
func jsonlPaths(t *testing.T, out string) (lines, paths []string) {
	t.Helper()
	for line := range strings.SplitSeq(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not a JSON record: %q", line)
		}
		lines, paths = append(lines, line), append(paths, string(r.Path))
	}
	return lines, paths
}

// TestShardsTogetherAreTheWhole: for N = 1, 3, 7 the N shards of a folder
// run print, between them, exactly the records of the unsharded run, each
// input once (failures included).
func TestShardsTogetherAreTheWhole(t *testing.T) {
	args := []string{"classify", "-m", "fashion-vit", "-o", "jsonl", "-k", "2", "-r", imagesDir}
	_, out, _ := run(t, "", args...)
	whole, _ := jsonlPaths(t, out)
	if len(whole) < 50 {
		t.Fatalf("only %d records in the whole run", len(whole))
	}
	slices.Sort(whole)
	for _, n := range []int{1, 3, 7} {
		var got []string
		seen := map[string]int{}
		for i := range n {
			code, out, errs := run(t, "", append(args, "--shard", fmt.Sprintf("%d/%d", i, n))...)
			if code == ExitUsage || !strings.Contains(errs, fmt.Sprintf("shard %d/%d: ", i, n)) {
				t.Fatalf("shard %d/%d: exit %d\n%s", i, n, code, errs)
			}
			lines, paths := jsonlPaths(t, out)
			got = append(got, lines...)
			for _, p := range paths {
				seen[p]++
			}
		}
		for p, c := range seen {
			if c != 1 {
				t.Errorf("N=%d: %s in %d shards", n, p, c)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, whole) {
			t.Errorf("N=%d: the shards' %d records differ from the whole run's %d", n, len(got), len(whole))
		}
	}
}

// shardFolder makes a folder tree of small images with awkward names.
func shardFolder(t *testing.T) (root string, rel []string) {
	src, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	root = t.TempDir()
	for i := range 40 {
		name := fmt.Sprintf("img %02d.png", i)
		switch i % 4 {
		case 1:
			name = filepath.Join("sub", name)
		case 2:
			name = filepath.Join("sub", "deeper", fmt.Sprintf("line\nbreak %02d.png", i))
		}
		os.MkdirAll(filepath.Join(root, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(root, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
		rel = append(rel, filepath.ToSlash(name))
	}
	return root, rel
}

// TestShardIgnoresListing: an input's shard depends only on its path below
// the input root: a folder named by an absolute path, the same folder as
// ".", and NUL-separated lists of its files in two orders give each shard
// the same inputs.
func TestShardIgnoresListing(t *testing.T) {
	root, rel := shardFolder(t)
	t.Chdir(root)
	rng := rand.New(rand.NewSource(1))
	var lists []string
	for k := range 2 {
		rng.Shuffle(len(rel), func(i, j int) { rel[i], rel[j] = rel[j], rel[i] })
		name := filepath.Join(t.TempDir(), fmt.Sprintf("list%d", k))
		os.WriteFile(name, []byte(strings.Join(rel, "\x00")+"\x00"), 0o644)
		lists = append(lists, name)
	}
	const n = 3
	total := 0
	for i := range n {
		shard := fmt.Sprintf("%d/%d", i, n)
		var sets [][]string
		for _, src := range [][]string{{"-r", root}, {"-r", "."}, {"--from-file", lists[0], "-0"}, {"--from-file", lists[1], "-0"}} {
			args := append([]string{"classify", "-m", "fashion-vit", "-o", "jsonl", "--shard", shard}, src...)
			code, out, errs := run(t, "", args...)
			if code != ExitOK {
				t.Fatalf("%v: exit %d\n%s", args, code, errs)
			}
			_, paths := jsonlPaths(t, out)
			for j, p := range paths {
				paths[j] = filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator)))
			}
			slices.Sort(paths)
			sets = append(sets, paths)
		}
		for _, s := range sets[1:] {
			if !slices.Equal(s, sets[0]) {
				t.Errorf("shard %s: %q, but %q from another listing", shard, s, sets[0])
			}
		}
		total += len(sets[0])
	}
	if total != len(rel) {
		t.Errorf("the shards hold %d inputs, want %d", total, len(rel))
	}
}

// TestResumeDropsTornLine: a rerun with --resume keeps the complete
// records, drops a torn last line, and adds exactly the missing ones.
func TestResumeDropsTornLine(t *testing.T) {
	root, rel := shardFolder(t)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	args := []string{"classify", "-m", "fashion-vit", "-o", "jsonl", "-r", "--resume", "--out", out, root}
	if code, stdout, errs := run(t, "", args...); code != ExitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q\n%s", code, stdout, errs)
	}
	full, _ := os.ReadFile(out)
	lines := strings.SplitAfter(string(full), "\n")
	if len(lines) != len(rel)+1 { // the last is ""
		t.Fatalf("%d lines for %d inputs", len(lines)-1, len(rel))
	}
	torn := strings.Join(lines[:25], "") + lines[25][:len(lines[25])/2]
	os.WriteFile(out, []byte(torn), 0o644)
	code, _, errs := run(t, "", args...)
	if code != ExitOK || !strings.Contains(errs, "dropped a torn last line") || !strings.Contains(errs, "25 records kept, 15 inputs to do") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	again, _ := os.ReadFile(out)
	if string(again) != string(full) {
		t.Errorf("resumed file differs from the uninterrupted one")
	}
	code, _, errs = run(t, "", args...)
	if again2, _ := os.ReadFile(out); code != ExitOK || string(again2) != string(full) || errs != "all 40 images are already in "+out+"; nothing to do\n" {
		t.Errorf("a run with nothing left: exit %d, file changed: %v\n%s", code, string(again2) != string(full), errs)
	}
}

// TestResumeNothingToDo: --resume of a finished run (every image has a
// record) says so in one line, claims no work and changes nothing; a .npy
// input of several images all in the file is done before its images run.
func TestResumeNothingToDo(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(imagesDir, "chelsea.png"), filepath.Join(imagesDir, "coffee.png")
	batch := filepath.Join(dir, "batch.npy")
	writeNpy(t, batch, []int{3, 3, 28, 28})
	for _, tc := range []struct {
		name   string
		inputs []string
		want   string // stderr of the second run; OUT is the file
	}{
		{"one image", []string{a}, "the 1 image is already in OUT; nothing to do\n"},
		{"two, one listed twice", []string{a, b, a}, "vitctl: note: 1 input listed more than once is done once\nall 2 images are already in OUT; nothing to do\n"},
		{"a .npy of 3", []string{batch}, "all 3 images are already in OUT; nothing to do\n"},
		{"a .npy of 3 and an image", []string{a, batch}, "all 4 images are already in OUT; nothing to do\n"},
	} {
		out := filepath.Join(t.TempDir(), "out.jsonl")
		args := append([]string{"classify", "-m", "fashion-vit", "--resume", "--out", out}, tc.inputs...)
		if code, _, errs := run(t, "", args...); code != ExitOK {
			t.Fatalf("%s: first run: exit %d\n%s", tc.name, code, errs)
		}
		before, _ := os.ReadFile(out)
		code, stdout, errs := run(t, "", args...)
		after, _ := os.ReadFile(out)
		if want := strings.ReplaceAll(tc.want, "OUT", out); code != ExitOK || stdout != "" || errs != want || string(after) != string(before) {
			t.Errorf("%s: exit %d, file changed: %v, stderr\n%s\nwant exit 0 and\n%s", tc.name, code, string(after) != string(before), errs, want)
		}
	}
}

// TestResumeRefusesAnotherRun: --resume refuses, with exit status 2 and
// the file left as it was, a file whose records are from another model,
// of another -k (top-k lists of two lengths in one file), or for none of
// the run's inputs (the same folder named another way);
// the images of a .npy file of several are resumed without a second record.
func TestResumeRefusesAnotherRun(t *testing.T) {
	root, _ := shardFolder(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	first := []string{"classify", "-m", "fashion-vit", "-o", "jsonl", "--resume", "--out", out, "-r", root}
	if code, _, errs := run(t, "", first...); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	whole, _ := os.ReadFile(out)
	// lastRecord gives whole with its last record edited as JSON.
	lastRecord := func(edit func(map[string]any)) string {
		lines := strings.SplitAfter(strings.TrimSuffix(string(whole), "\n"), "\n")
		var rec map[string]any
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rec); err != nil {
			t.Fatal(err)
		}
		edit(rec)
		b, _ := json.Marshal(rec)
		return strings.Join(lines[:len(lines)-1], "") + string(b) + "\n"
	}
	_, paths := jsonlPaths(t, string(whole))
	lastPath := paths[len(paths)-1]
	t.Chdir(root)
	for _, tc := range []struct {
		name    string
		content string // the file resumed; whole when empty
		args    []string
		want    string
	}{
		{"another model", "", []string{"-m", "vit-tiny-in1k", "-r", root}, "holds records from model fashion-vit (sha256 d4b0f5fc13d8), and this run's model is vit-tiny-in1k (sha256 89d044742132): give -m fashion-vit"},
		{"another -k", "", []string{"-m", "fashion-vit", "-k", "3", "-r", root}, "--resume: " + out + " holds the top 5 labels of each image, and this run asks for -k 3: give -k 5 to finish it, or another --out"},
		{"another -k in a later record", lastRecord(func(r map[string]any) { r["top_k"] = r["top_k"].([]any)[:2] }),
			[]string{"-m", "fashion-vit", "-r", root}, "--resume: " + out + ": line 40: the record for " + lastPath + " holds the top 2 labels, but the file holds the top 5 labels of each image: were the runs given different -k? (cannot resume: move the file away or fix it)"},
		{"another model in a later record", lastRecord(func(r map[string]any) { r["model_sha256"] = "0123456789ab" }),
			[]string{"-m", "fashion-vit", "-r", root}, "--resume: " + out + ": line 40: the record for " + lastPath + " is from model fashion-vit (sha256 0123456789ab), but the file holds records from fashion-vit (sha256 d4b0f5fc13d8)"},
		{"folder named another way", "", []string{"-m", "fashion-vit", "-r", "."}, "none of the 40 records in " + out + " is for an input of this run"},
	} {
		before := cmp.Or(tc.content, string(whole))
		os.WriteFile(out, []byte(before), 0o644)
		code, _, errs := run(t, "", append([]string{"classify", "-o", "jsonl", "--resume", "--out", out}, tc.args...)...)
		after, _ := os.ReadFile(out)
		if code != ExitUsage || !strings.Contains(errs, tc.want) || string(after) != before {
			t.Errorf("%s: exit %d, file changed: %v, want 2 and %q\n%s", tc.name, code, string(after) != before, tc.want, errs)
		}
	}

	batch := filepath.Join(dir, "batch.npy")
	writeNpy(t, batch, []int{3, 3, 28, 28})
	out = filepath.Join(dir, "npy.jsonl")
	args := []string{"classify", "-m", "fashion-vit", "-o", "jsonl", "--resume", "--out", out, batch}
	run(t, "", args...)
	full, _ := os.ReadFile(out)
	os.WriteFile(out, full[:strings.Index(string(full), "\n")+1], 0o644) // killed after FILE[0]
	for i := range 2 {
		code, _, errs := run(t, "", args...)
		if got, _ := os.ReadFile(out); code != ExitOK || string(got) != string(full) {
			t.Errorf("resumed .npy of 3 images, run %d: exit %d\n%s\nfile:\n%s", i+1, code, errs, got)
		}
	}
}

// TestResumeNpyAlreadyDone: a .npy input of several images whose records
// are all in the --resume file counts as done once however often it is
// listed; one of whose records is missing is done again, that record
// alone (TestResumeNothingToDo has the plain cases).
func TestResumeNpyAlreadyDone(t *testing.T) {
	dir := t.TempDir()
	batch := filepath.Join(dir, "batch.npy")
	writeNpy(t, batch, []int{3, 3, 28, 28})
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	for _, tc := range []struct {
		name   string
		inputs []string
		cut    int    // records left in the file before the second run; all when 0
		want   string // the second run's stderr
	}{
		{"npy listed twice", []string{batch, batch}, 0, "vitctl: note: 1 input listed more than once is done once\nall 3 images are already in OUT; nothing to do\n"},
		{"npy missing a record", []string{img, batch}, 3, "OUT: 3 records kept, 1 input to do\nclassified 1 of 1 image"},
	} {
		out := filepath.Join(t.TempDir(), "out.jsonl")
		args := append([]string{"classify", "-m", "fashion-vit", "--resume", "--out", out}, tc.inputs...)
		if code, _, errs := run(t, "", args...); code != ExitOK {
			t.Fatalf("%s: first run: exit %d\n%s", tc.name, code, errs)
		}
		full, _ := os.ReadFile(out)
		if tc.cut > 0 {
			lines := strings.SplitAfter(string(full), "\n")
			os.WriteFile(out, []byte(strings.Join(lines[:tc.cut], "")), 0o644)
		}
		code, stdout, errs := run(t, "", args...)
		want := strings.ReplaceAll(tc.want, "OUT", out)
		if got, _ := os.ReadFile(out); code != ExitOK || stdout != "" || !strings.HasPrefix(errs, want) || string(got) != string(full) {
			t.Errorf("%s: second run: exit %d, file the same: %v, stderr\n%s\nwant exit 0, the same file and\n%s", tc.name, code, string(got) == string(full), errs, want)
		}
	}
}

// TestResumeRefusesNotRecords: --resume into a file that is not JSONL
// records (a text file, with or without its last newline, a JSON file) is
// refused with exit status 2 and the file left byte for byte as it was,
// not taken for one torn line and emptied.
func TestResumeRefusesNotRecords(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, tc := range []struct{ name, content, first string }{
		{"text without its newline", "my notes", `"my notes"`},
		{"text", "my notes\nmore notes\n", `"my notes"`},
		{"JSON", "[\n  {\"path\": \"a.png\"}\n]\n", `"["; it is one JSON array, as classify -o json writes, not -o jsonl's records, one a line (jq -c '.[]' FILE turns the array into them)`},
		{"JSON object without its newline", `{"path": "a.png"}`, `"{\"path\": \"a.png\"}"`},
	} {
		out := filepath.Join(t.TempDir(), "notes.txt")
		os.WriteFile(out, []byte(tc.content), 0o644)
		code, stdout, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "--resume", "--out", out, img)
		want := "vitctl: --resume: " + out + " is not a vitctl JSONL results file (its first line is not a JSON record with a \"path\": " + tc.first +
			"); it is left as it is: give --out the results file of the run to finish, or a new file\n"
		if after, _ := os.ReadFile(out); code != ExitUsage || errs != want || stdout != "" || string(after) != tc.content {
			t.Errorf("%s: exit %d, file now %q, stderr\n%s\nwant exit 2, the file as it was and\n%s", tc.name, code, after, errs, want)
		}
	}
}

// TestResumeRefusesNotResults: --resume into JSONL records that classify
// did not write (a path,label list such as finetune reads; records without
// a model_sha256, or with neither top_k nor error) is refused with exit
// status 2 and the file left as it was, not appended to.
func TestResumeRefusesNotResults(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, tc := range []struct{ name, content, want string }{
		{"path,label list", "{\"path\":\"a.jpg\",\"label\":\"daisy\"}\n{\"path\":\"" + img + "\",\"label\":\"cat\"}\n",
			`line 1: the record for a.jpg has no "model_sha256" and no "top_k" nor "error": "{\"path\":\"a.jpg\",\"label\":\"daisy\"}"`},
		{"embeddings", "{\"path\":\"" + img + "\",\"model\":\"m\",\"model_sha256\":\"89d044742132\",\"shape\":[1],\"embedding\":[0.5]}\n",
			`line 1: the record for ` + img + ` has no "top_k" nor "error": `},
	} {
		out := filepath.Join(t.TempDir(), "labels.jsonl")
		os.WriteFile(out, []byte(tc.content), 0o644)
		code, stdout, errs := run(t, "", "classify", "-m", "fashion-vit", "--resume", "--out", out, img)
		want := "vitctl: --resume: " + out + " does not hold classify results (" + tc.want
		end := "; it is left as it is: give --out the results file of the run to finish, or a new file\n"
		if after, _ := os.ReadFile(out); code != ExitUsage || !strings.HasPrefix(errs, want) || !strings.HasSuffix(errs, end) || stdout != "" || string(after) != tc.content {
			t.Errorf("%s: exit %d, file now %q, stderr\n%s\nwant exit 2, the file as it was and\n%s…%s", tc.name, code, after, errs, want, end)
		}
	}
}

// TestOutIsAPhoto: an --out file named like an image (vitctl classify
// --out *.png: the shell hands --out the first photo), or that is one of
// the inputs, is refused with exit status 2 and every file left as it was;
// so is a model file (convert, finetune) or merge's records named so, and
// a model file named as a checkpoint.
func TestOutIsAPhoto(t *testing.T) {
	dir := t.TempDir()
	photo, err := os.ReadFile(filepath.Join(imagesDir, "chelsea.png"))
	if err != nil {
		t.Fatal(err)
	}
	a, b, dat := filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png"), filepath.Join(dir, "photo.dat")
	for _, p := range []string{a, b, dat} {
		os.WriteFile(p, photo, 0o644)
	}
	batch := filepath.Join(dir, "batch.npy")
	writeNpy(t, batch, []int{2, 3, 28, 28})
	const named = ": a %s name, for results that are not one; give a name such as results.%s (after --out, a shell pattern such as *%s hands it the first file it matches)"
	const model = ": a %s name, for a model file, which is not one; give a name such as model.gguf (after --out, a shell pattern such as *%s hands it the first file it matches)"
	const input = ": is also one of the inputs, which the results would replace; give another file"
	const ckpt = ": a checkpoint's name, and -m would take the model file written under it for one; give a name such as model.gguf"
	for _, tc := range []struct {
		args []string
		want string // after "--out FILE"
	}{
		{[]string{"classify", "--out", a, b}, fmt.Sprintf(named, ".png", "txt", ".png")},
		{[]string{"classify", "-o", "json", "--out", a, a}, fmt.Sprintf(named, ".png", "json", ".png")},
		{[]string{"classify", "-o", "csv", "--out", filepath.Join(dir, "c.JPG"), dir}, fmt.Sprintf(named, ".jpg", "csv", ".jpg")},
		{[]string{"classify", "-o", "jsonl", "--resume", "--out", a, b}, fmt.Sprintf(named, ".png", "jsonl", ".png")},
		{[]string{"classify", "--all-files", "--out", dat, dat}, input},
		{[]string{"classify", "--all-files", "-o", "jsonl", "--resume", "--out", dat, b, filepath.Join(dir, ".", "photo.dat")}, input},
		{[]string{"embed", "--out", batch, batch}, ": is the input " + batch + "; writing it would overwrite that file: give another name"},
		{[]string{"embed", "--out", a, b}, fmt.Sprintf(named, ".png", "npy", ".png")},
		// A model file or merged records under a photo's name: convert and
		// finetune wrote a GGUF file over a.png, merge its JSONL records.
		{[]string{"convert", "../../testdata/models/fashion-vit", "--out", a}, fmt.Sprintf(model, ".png", ".png")},
		{[]string{"finetune", dir, "--epochs", "1", "--out", filepath.Join(dir, "m.JPG")}, fmt.Sprintf(model, ".jpg", ".jpg")},
		{[]string{"finetune", dir, "--epochs", "1", "--out", batch}, fmt.Sprintf(model, ".npy", ".npy")},
		{[]string{"merge", "--out", a, b}, fmt.Sprintf(named, ".png", "jsonl", ".png")},
		// A model file under a checkpoint's name, which -m then refused as
		// "a checkpoint's weights, not a vitctl model file".
		{[]string{"convert", "../../testdata/models/fashion-vit", "--out", filepath.Join(dir, "model.safetensors")}, ckpt},
		{[]string{"convert", "../../testdata/models/fashion-vit", "--out", filepath.Join(dir, "m.BIN")}, ckpt},
		{[]string{"finetune", dir, "--epochs", "1", "--out", filepath.Join(dir, "m.pth.tar")}, ckpt},
		{[]string{"finetune", dir, "--epochs", "1", "--out", filepath.Join(dir, "m.ckpt")}, ckpt},
	} {
		before := map[string]string{}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			before[e.Name()] = string(b)
		}
		args := tc.args
		if args[0] != "convert" && args[0] != "merge" {
			args = afterCommand(args, "-m", "fashion-vit")
		}
		code, _, errs := run(t, "", args...)
		want := "--out " + tc.args[slices.Index(tc.args, "--out")+1] + tc.want
		if code != ExitUsage || !strings.Contains(errs, want) {
			t.Errorf("%q: exit %d, want 2 and %q\n%s", tc.args, code, want, errs)
		}
		ents, _ = os.ReadDir(dir)
		for _, e := range ents {
			if b, _ := os.ReadFile(filepath.Join(dir, e.Name())); before[e.Name()] != string(b) {
				t.Errorf("%q: %s changed", tc.args, e.Name())
			}
		}
	}
}

// TestOutDash: --out - is refused with exit status 2 in every command that
// writes a file or a folder there, and none named - is written. It wrote one
// ("merged 2 records from 1 file into -", "results in -", export's and
// inspect-attention's folder), where - means stdin or stdout elsewhere, and
// without --out the results were on stdout. ./- names one.
func TestOutDash(t *testing.T) {
	img, _ := filepath.Abs(filepath.Join(imagesDir, "chelsea.png"))
	shard := filepath.Join(t.TempDir(), "shard.jsonl")
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--out", shard, img); code != ExitOK {
		t.Fatalf("classify: exit %d\n%s", code, errs)
	}
	fashion, _ := filepath.Abs("../../testdata/models/fashion-vit")
	const results = "vitctl: --out -: would write a file named -, not stdout: leave --out out to print the results on stdout, or give ./- for a file of that name\n"
	const model = "vitctl: --out -: a model file is written to a file, not to stdout: give a name such as model.gguf (./- names a file called -)\n"
	t.Chdir(t.TempDir())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "-m", "fashion-vit", "--out", "-", img}, results},
		{[]string{"classify", "-m", "fashion-vit", "-o", "jsonl", "--resume", "--out", "-", img}, results},
		{[]string{"embed", "-m", "fashion-vit", "--out", "-", img}, results},
		{[]string{"merge", "--out", "-", shard}, results},
		{[]string{"benchmark", "-m", "fashion-vit", "--out", "-"}, results},
		{[]string{"convert", fashion, "--out", "-"}, model},
		{[]string{"finetune", filepath.Dir(img), "--epochs", "1", "--out", "-"}, model},
		{[]string{"export", fashion, "--out", "-"}, "vitctl: --out -: export writes a folder, not to stdout: give a folder name such as model-hf (./- names a folder called -)\n"},
		{[]string{"inspect-attention", "-m", "fashion-vit", "--out", "-", img}, "vitctl: --out -: the pictures are written into a folder, not to stdout: give a folder name such as attn (./- names a folder called -)\n"},
	} {
		code, stdout, errs := run(t, "", tc.args...)
		if code != ExitUsage || errs != tc.want || stdout != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr\n%s\nwant exit 2 and\n%s", tc.args, code, stdout, errs, tc.want)
		}
		if _, err := os.Lstat("-"); err == nil {
			t.Errorf("%q wrote a file named -", tc.args)
			os.RemoveAll("-")
		}
	}
	// export cleans --out (flowers-hf/ is flowers-hf), which made ./- a -.
	if code, _, errs := run(t, "", "export", fashion, "--out", "./-"); code != ExitOK {
		t.Errorf("export --out ./-: exit %d\n%s", code, errs)
	} else if st, err := os.Stat(filepath.Join("-", "config.json")); err != nil || !st.Mode().IsRegular() {
		t.Errorf("export --out ./- wrote no folder named -: %v", err)
	}
}

// TestOutIsReadFile: an --out file that is the model file -m reads, or the
// list --from-file reads, is refused with exit status 2 and left as it
// was; classify and embed wrote their results over the model, classify
// and merge theirs over the list.
func TestOutIsReadFile(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	model := filepath.Join(dir, "m.gguf")
	b, err := os.ReadFile("../zoo/fashion-vit.gguf")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(model, b, 0o644)
	list := filepath.Join(dir, "list.txt")
	os.WriteFile(list, []byte(img+"\n"), 0o644)
	shardFile := filepath.Join(dir, "s.jsonl")
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--out", shardFile, img); code != ExitOK {
		t.Fatalf("classify: exit %d\n%s", code, errs)
	}
	const over = "; writing it would overwrite that file: give another name\n"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "-m", model, "--out", model, img}, "vitctl: --out " + model + ": is the model -m " + model + over},
		{[]string{"classify", "-m", model, "-o", "jsonl", "--resume", "--out", model, img}, "vitctl: --out " + model + ": is the model -m " + model + over},
		{[]string{"classify", "-m", "fashion-vit", "--from-file", list, "--out", list}, "vitctl: --out " + list + ": is the list --from-file " + list + over},
		{[]string{"embed", "-m", model, "--out", model, img}, "vitctl: --out " + model + ": is the model -m " + model + over},
		{[]string{"merge", "--from-file", list, "--out", list, shardFile}, "vitctl: --out " + list + ": is the list --from-file " + list + over},
	} {
		code, stdout, errs := run(t, "", tc.args...)
		if code != ExitUsage || errs != tc.want || stdout != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr\n%s\nwant exit 2 and\n%s", tc.args, code, stdout, errs, tc.want)
		}
		if after, _ := os.ReadFile(model); !bytes.Equal(after, b) {
			t.Fatalf("%q: the model file changed", tc.args)
		}
		if after, _ := os.ReadFile(list); string(after) != img+"\n" {
			t.Fatalf("%q: the list changed: %q", tc.args, after)
		}
	}
}

// TestOutFile: --out writes the results to a file, not stdout, and an empty
// shard writes an empty file and succeeds.
func TestOutFile(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(imagesDir, "chelsea.png")
	out := filepath.Join(dir, "r.csv")
	if code, stdout, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "csv", "--out", out, img); code != ExitOK || stdout != "" {
		t.Fatalf("exit %d stdout %q\n%s", code, stdout, errs)
	}
	if b, _ := os.ReadFile(out); !strings.HasPrefix(string(b), "path,model,model_sha256,rank,") || !strings.Contains(string(b), "chelsea.png") {
		t.Errorf("--out file: %q", b)
	}
	owner := 0
	for i := range 2 {
		if code, stdout, _ := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "--shard", fmt.Sprintf("%d/2", i), img); code == ExitOK && stdout != "" {
			owner = i
		}
	}
	out = filepath.Join(dir, "empty.jsonl")
	code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "--out", out, "--shard", fmt.Sprintf("%d/2", 1-owner), img)
	if b, err := os.ReadFile(out); code != ExitOK || err != nil || len(b) != 0 {
		t.Errorf("empty shard: exit %d, file %q %v\n%s", code, b, err, errs)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".*tmp")); len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

// TestOutFormatFromName: without -o, classify writes --out in the format
// its name says (.json, .jsonl, .ndjson, .csv, in any case; text for any
// other name, which begins with the model line: TestTextOutHeader); an
// -o given wins over the name.
func TestOutFormatFromName(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	text := "model fashion-vit (sha256 "
	for _, tc := range []struct {
		args []string // before --out NAME
		name string
		want string // how the file starts
		note string // on stderr: an -o that wins over the name says so
	}{
		{nil, "r.json", "[\n  {\n    \"path\": ", ""},
		{nil, "R.JSON", "[\n  {\n    \"path\": ", ""},
		{nil, "r.jsonl", `{"path":`, ""},
		{nil, "r.ndjson", `{"path":`, ""},
		{nil, "r.csv", "path,model,model_sha256,rank,", ""},
		{nil, "r.txt", text, ""},
		{nil, "r.dat", text, ""},
		{[]string{"-o", "csv"}, "r.json", "path,model,model_sha256,rank,", "vitctl: note: --out OUT gets csv, not json (-o csv wins over the name)\n"},
		{[]string{"--output", "text"}, "r.jsonl", text, "vitctl: note: --out OUT gets text, not jsonl (-o text wins over the name)\n"},
		{[]string{"-o", "jsonl"}, "r.ndjson", `{"path":`, ""},
		{[]string{"-o", "csv"}, "r.dat", "path,model,", ""},
		{[]string{"--resume"}, "r.jsonl", `{"path":`, ""},
	} {
		out := filepath.Join(t.TempDir(), tc.name)
		args := append(append([]string{"classify", "-m", "fashion-vit"}, tc.args...), "--out", out, img)
		code, stdout, errs := run(t, "", args...)
		if b, _ := os.ReadFile(out); code != ExitOK || stdout != "" || !strings.HasPrefix(string(b), tc.want) {
			t.Errorf("%q: exit %d, stdout %q, file starts %.40q, want %q\n%s", args, code, stdout, b, tc.want, errs)
		}
		note := regexp.MustCompile(`(?m)^vitctl: note: .*\n`).FindString(errs)
		if want := strings.ReplaceAll(tc.note, "OUT", out); note != want {
			t.Errorf("%q: note %q, want %q", args, note, want)
		}
	}
}

// TestOutputHelpFollowsOut: classify's -o help says that without -o the
// --out name picks the format, and claims no "(default text)"; --resume's
// help says a .jsonl name is enough.
func TestOutputHelpFollowsOut(t *testing.T) {
	_, help, _ := run(t, "", "classify", "--help")
	for _, tc := range []struct{ flag, want, not string }{
		{"-o, --output", "(default: the one the --out name ends in, .json, .jsonl, .ndjson, .csv; else text)", "(default text)"},
		{"--out string", "a name ending in .json, .jsonl, .ndjson or .csv picks that format", ""},
		{"    --resume", "with --out FILE.jsonl (or -o jsonl --out FILE):", ""},
	} {
		i := strings.Index(help, tc.flag)
		if i < 0 {
			t.Fatalf("no %s in classify --help:\n%s", tc.flag, help)
		}
		line, _, _ := strings.Cut(help[i:], "\n")
		if !strings.Contains(line, tc.want) || tc.not != "" && strings.Contains(line, tc.not) {
			t.Errorf("classify --help: %q\nwant %q, not %q", line, tc.want, tc.not)
		}
	}
}

func TestScaleFlagErrors(t *testing.T) {
	t.Setenv("JOB_COMPLETION_INDEX", "")
	t.Setenv("SLURM_ARRAY_TASK_ID", "")
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--resume", img}, "--resume needs JSONL records in a file: --out FILE.jsonl (or -o jsonl --out FILE)"},
		{[]string{"--resume", "-o", "json", "--out", "x.json", img}, "--resume needs JSONL records in a file: --out FILE.jsonl (or -o jsonl --out FILE)"},
		{[]string{"--resume", "--out", "x.json", img}, "--resume needs JSONL records in a file: --out FILE.jsonl (or -o jsonl --out FILE)"},
		{[]string{"--shard", "3/3", img}, "--shard \"3/3\""},
		{[]string{"--shard", "auto", img}, "neither JOB_COMPLETION_INDEX"},
		{nil, "missing argument: give images"},
		{[]string{"--from-file", imagesDir}, "--from-file " + imagesDir + ": is a folder, and --from-file reads a file listing paths; to classify the folder's images, name it as an argument (-r for its sub-folders)"},
	} {
		code, _, errs := run(t, "", append([]string{"classify"}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, want 2 and %q\n%s", tc.args, code, tc.want, errs)
		}
	}
	t.Setenv("JOB_COMPLETION_INDEX", "1")
	t.Setenv("JOB_COMPLETION_COUNT", "2")
	if code, _, errs := run(t, "", "classify", "--shard", "auto", img); code != ExitOK || !strings.Contains(errs, "shard 1/2: ") {
		t.Errorf("--shard auto from JOB_COMPLETION_*: exit %d\n%s", code, errs)
	}
}

func TestFromFileMissing(t *testing.T) {
	code, _, errs := run(t, "", "classify", "--from-file", filepath.Join(t.TempDir(), "nope"))
	if code != ExitFailed || !strings.Contains(errs, "--from-file: ") || !strings.Contains(errs, "nope") {
		t.Errorf("exit %d\n%s", code, errs)
	}
}

// TestFromFileListFolder: a --from-file list whose paths are from its own
// folder (ls > photos/list.txt), as eval's and finetune's lists are read,
// gets a note saying that a list's paths are from the current folder;
// every path failed "no such file or directory", and nothing said why.
// A list of paths from the current folder gets none.
func TestFromFileListFolder(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "boot.png"), b, 0o644)
	list := filepath.Join(dir, "list.txt")
	os.WriteFile(list, []byte("boot.png\n"), 0o644)
	code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--from-file", list)
	note := "vitctl: note: --from-file " + list + ": its first path, boot.png, is not there, and " + filepath.Join(dir, "boot.png") +
		" is: a list's paths are taken from the current folder, not the list's (run vitctl in " + dir + ", or write the list from here: find " + dir + " …)\n"
	if code != ExitFailed || !strings.HasPrefix(errs, note) || !strings.Contains(errs, "vitctl: boot.png: no such file or directory\n") {
		t.Errorf("exit %d, stderr\n%s\nwant exit 1 and first\n%s", code, errs, note)
	}
	here := filepath.Join(dir, "here.txt")
	os.WriteFile(here, []byte(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")+"\n"), 0o644)
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--from-file", here); code != ExitOK || strings.Contains(errs, "note") {
		t.Errorf("a list of paths from here: exit %d, stderr\n%s\nwant exit 0 and no note", code, errs)
	}
}

// TestFromFileStdinLines: --from-file - reads newline-separated paths from
// stdin, as a "-" argument does: CRLF line ends and blank lines are fine,
// and a name ending in a space is taken as it is (with --all-files: named
// ".png ", it is no image name, and a folder walk would pass it over).
// A byte order mark before the first path (a list saved by Notepad) is
// dropped: the first path failed, "no such file".
func TestFromFileStdinLines(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	dir := t.TempDir()
	spaced := filepath.Join(dir, "trailing space.png ")
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(spaced, b, 0o644)
	code, out, errs := run(t, "\ufeff"+img+"\r\n  \n\n"+spaced+"\n", "classify", "-m", "fashion-vit", "-o", "jsonl", "--all-files", "--from-file", "-")
	if _, paths := jsonlPaths(t, out); code != ExitOK || len(paths) != 2 || paths[0] != img || paths[1] != spaced {
		t.Errorf("exit %d, paths %q\n%s", code, paths, errs)
	}
}

// TestResumeFolderChanged: files removed or renamed between a run and its
// --resume: the records of the paths gone are named on stderr and stay in
// the file (they were kept without a word), the renamed file is done
// under its new name, and merge --inputs says why it refuses them, where
// it asked "were the shards given other inputs?".
func TestResumeFolderChanged(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(imagesDir, "chelsea.png"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.png", "b.png", "c.png"} {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	out := filepath.Join(t.TempDir(), "labels.jsonl")
	args := []string{"classify", "-m", "fashion-vit", "-o", "jsonl", "--resume", "--out", out, dir}
	if code, _, errs := run(t, "", args...); code != ExitOK {
		t.Fatalf("first run: exit %d\n%s", code, errs)
	}
	os.Rename(filepath.Join(dir, "b.png"), filepath.Join(dir, "d.png"))
	os.Remove(filepath.Join(dir, "c.png"))
	code, _, errs := run(t, "", args...)
	want := out + ": 2 records are for no input of this run (" + filepath.Join(dir, "b.png") + ", " + filepath.Join(dir, "c.png") +
		"): removed or renamed since? They stay in the file, and vitctl merge --inputs will refuse them\n"
	after, _ := os.ReadFile(out)
	if _, paths := jsonlPaths(t, string(after)); code != ExitOK || !strings.Contains(errs, want) || len(paths) != 4 || paths[3] != filepath.Join(dir, "d.png") {
		t.Errorf("resumed: exit %d, records of %q, stderr\n%s\nwant exit 0, d.png's record added and\n%s", code, paths, errs, want)
	}
	code, _, errs = run(t, "", "merge", "--inputs", dir, out)
	want = "vitctl: 2 records are for paths that are not inputs (" + filepath.Join(dir, "b.png") + ", " + filepath.Join(dir, "c.png") +
		"): they are no longer there, removed or renamed since the run: delete their lines from the shards' files\n"
	if code != ExitFailed || errs != want {
		t.Errorf("merge: exit %d, stderr\n%s\nwant exit 1 and\n%s", code, errs, want)
	}
}

// TestInterruptNote: an interrupted run says what is in its --out file: a
// --resume run that wrote no record says so, and how many records the
// file holds (it said "their records are in FILE" of records it never
// wrote); an --out file without --resume is not written, and one there
// before is left as it was.
func TestInterruptNote(t *testing.T) {
	dir := t.TempDir()
	had := filepath.Join(dir, "had.jsonl")
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--out", had, filepath.Join(imagesDir, "chelsea.png"), filepath.Join(imagesDir, "coffee.png")); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	var id shard.Record
	text, _ := os.ReadFile(had)
	if err := json.Unmarshal([]byte(strings.SplitN(string(text), "\n", 2)[0]), &id); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file    string
		resume  bool
		written int
		want    string
	}{
		{had, true, 0, "; no record was written: OUT holds the 2 records it had, and the same command finishes the run"},
		{filepath.Join(dir, "new.jsonl"), true, 0, "; no record was written: OUT holds none yet, and the same command runs it again"},
		{had, true, 3, "; their records are in OUT: the same command finishes the run"},
		{filepath.Join(dir, "out.txt"), false, 0, "; OUT is not written (with -o jsonl --out " + filepath.Join(dir, "out.jsonl") + " --resume, the records done are kept and the same command finishes the run)"},
		// A file there before is kept: "OUT is not written" read as if
		// the results it held were gone.
		{had, false, 0, "; OUT is left as it was, not replaced (with -o jsonl --out OUT --resume, the records done are kept and the same command finishes the run)"},
	} {
		f := &scaleFlags{out: tc.file, resume: tc.resume}
		r, err := f.start(t.Context(), []string{filepath.Join(imagesDir, "chelsea.png")}, &listing{}, streams{err: io.Discard}, id, 5)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		got := r.interruptNote(tc.written)
		r.finish(false)
		if want := strings.ReplaceAll(tc.want, "OUT", tc.file); got != want {
			t.Errorf("%s, %d written: %q\nwant %q", tc.file, tc.written, got, want)
		}
	}
}

// TestListedTwice: an input listed twice (a file named beside its folder,
// a list of two finds' paths) gets one record in every run, with a note,
// as --resume gave it one: a plain --out run wrote two, and the file it
// wrote was refused by merge and by the same command with --resume ("a
// second record for …"); sharded, it was in the share of each of its
// keys; embed gave it two rows.
func TestListedTwice(t *testing.T) {
	dir := filepath.Join(imagesDir, "fashion")
	a, b := filepath.Join(dir, "0000_ankle_boot.png"), filepath.Join(dir, "0001_pullover.png")
	out := filepath.Join(t.TempDir(), "out.jsonl")
	const note = "vitctl: note: 1 input listed more than once is done once\n"
	code, stdout, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", a, b, a)
	if n := strings.Count(stdout, "\n"); code != ExitOK || n != 2 || !strings.Contains(errs, note) {
		t.Errorf("stdout: exit %d, %d records, want 2 and %q:\n%s", code, n, note, errs)
	}
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--out", out, a, b, a); code != ExitOK || !strings.Contains(errs, note) {
		t.Fatalf("--out: exit %d, want the note %q:\n%s", code, note, errs)
	}
	if code, _, errs := run(t, "", "merge", "--inputs", a, "--inputs", b, "--inputs", a, out); code != ExitOK {
		t.Errorf("merge: exit %d\n%s", code, errs)
	}
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--resume", "--out", out, a, b, a); code != ExitOK || !strings.Contains(errs, "all 2 images are already in") {
		t.Errorf("--resume: exit %d\n%s", code, errs)
	}
	// merge takes an input listed twice as classify does, once: one
	// without its record was "2 of 2 inputs have no record (a, a)".
	onlyB := filepath.Join(t.TempDir(), "b.jsonl")
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--out", onlyB, b); code != ExitOK {
		t.Fatalf("b: exit %d\n%s", code, errs)
	}
	want := "vitctl: 1 of 2 inputs has no record (" + a + "): run its shard again with --resume\n"
	if code, _, errs := run(t, "", "merge", "--inputs", a, "--inputs", b, "--inputs", a, onlyB); code != ExitFailed || errs != want {
		t.Errorf("merge of b's record: exit %d, stderr\n%s\nwant exit %d and\n%s", code, errs, ExitFailed, want)
	}
	// A file named beside its folder is in one shard's share, the one of
	// its first listing's key (b.png here), not of both keys.
	dup := t.TempDir()
	for _, n := range []string{"a.png", "b.png", "c.png", "d.png"} {
		img, _ := os.ReadFile(a)
		os.WriteFile(filepath.Join(dup, n), img, 0o644)
	}
	records := 0
	for i := range 3 {
		_, stdout, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "--shard", fmt.Sprintf("%d/3", i), dup, filepath.Join(dup, "b.png"))
		records += strings.Count(stdout, "\n")
		if !strings.Contains(errs, note) {
			t.Errorf("shard %d/3: no note %q:\n%s", i, note, errs)
		}
	}
	if records != 4 {
		t.Errorf("the shards wrote %d records of 4 inputs", records)
	}
	// embed: one row.
	npy := filepath.Join(t.TempDir(), "v.npy")
	code, stdout, errs = run(t, "", "embed", "-m", "fashion-vit", "-o", "csv", "--out", npy, a, b, a)
	if n := strings.Count(stdout, "\n") - 1; code != ExitOK || n != 2 || !strings.Contains(errs, note) || !strings.Contains(errs, "holds (2, ") {
		t.Errorf("embed: exit %d, %d rows, want 2 and %q:\n%s", code, n, note, errs)
	}
}

// TestOutUnwrittenFormat: an --out name of a format vitctl does not write
// (tab-separated values, Parquet, Excel) or of a compressed file is a
// usage error saying what the file would hold, and nothing is written:
// --out labels.tsv got text blocks, which no TSV reader takes, and
// --out labels.jsonl.gz uncompressed JSONL that gzip -d refused.
func TestOutUnwrittenFormat(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	shard := filepath.Join(dir, "shard.jsonl")
	os.WriteFile(shard, []byte(`{"path":"a.png","model":"fashion-vit","model_sha256":"d4b0f5fc13d8","error":"x"}`+"\n"), 0o644)
	out := func(name string) string { return filepath.Join(dir, name) }
	for _, tc := range []struct {
		args []string
		want string // in the message of "--out FILE: "
	}{
		{[]string{"classify", "--out", out("labels.tsv"), img}, "a .tsv name, for tab-separated values, which vitctl does not write: these results would be text; give a name such as results.txt"},
		{[]string{"classify", "-o", "csv", "--out", out("labels.TSV"), img}, "would be CSV; give a name such as results.csv"},
		{[]string{"classify", "-o", "jsonl", "--out", out("labels.jsonl.gz"), img}, "a .gz name, for a gzip file, which vitctl does not write: these results would be JSONL, uncompressed; give " + out("labels.jsonl") + ", and compress it once it is written"},
		{[]string{"classify", "--out", out("labels.csv.gz"), img}, "these results would be CSV, uncompressed; give " + out("labels.csv") + ", and compress it once it is written"},
		{[]string{"merge", "--out", out("all.csv.bz2"), shard}, "these results would be CSV, uncompressed; give " + out("all.csv") + ", and compress it once it is written"},
		// Without -o the name under the .gz picks the format: the message
		// said "these results would be text, …; give a name such as
		// results.txt" to a user who wanted JSONL.
		{[]string{"classify", "--out", out("labels.jsonl.gz"), img}, "these results would be JSONL, uncompressed; give " + out("labels.jsonl") + ", and compress it once it is written"},
		{[]string{"benchmark", "--arch", "vit-ti", "--out", out("rows.CSV.bz2")}, "these results would be CSV, uncompressed; give " + out("rows.CSV") + ", and compress it once it is written"},
		{[]string{"classify", "--out", out("labels.parquet"), img}, "a .parquet name, for Parquet"},
		{[]string{"embed", "--out", out("v.npy.zst"), img}, "these results would be a NumPy array, uncompressed; give " + out("v.npy") + ","},
		{[]string{"merge", "--out", out("all.xz"), shard}, "these results would be JSONL, uncompressed; give a name such as results.jsonl"},
		{[]string{"benchmark", "--arch", "vit-ti", "--out", out("rows.xlsx")}, "a .xlsx name, for an Excel workbook"},
	} {
		args := tc.args
		if args[0] == "classify" || args[0] == "embed" {
			args = afterCommand(args, "-m", "fashion-vit")
		}
		code, stdout, errs := run(t, "", args...)
		name := tc.args[slices.Index(tc.args, "--out")+1]
		_, err := os.Stat(name)
		if code != ExitUsage || !strings.Contains(errs, "--out "+name+": ") || !strings.Contains(errs, tc.want) || stdout != "" || err == nil {
			t.Errorf("%q: exit %d, %s written: %v, want exit 2 and %q:\n%s", tc.args, code, name, err == nil, tc.want, errs)
		}
	}
}
