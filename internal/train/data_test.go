package train

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/imagenet"
	"github.com/vitctl/vitctl/internal/prep"
)

// classFolders makes, in a new folder it returns, a class folder of each
// name holding one image, 1.png (empty: Open reads no image).
func classFolders(t *testing.T, classes ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, c := range classes {
		if err := os.Mkdir(filepath.Join(dir, c), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, c, "1.png"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// in1kLabels are ImageNet-1k's labels, each class's first lemma.
func in1kLabels() []string {
	var labels []string
	for _, c := range imagenet.Classes() {
		labels = append(labels, c.Lemmas[0])
	}
	return labels
}

func TestOpenLists(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	for _, c := range []struct {
		name, body string
		labels     []string
		paths      []string
		err        string
	}{
		{"a.csv", "path,label\nx/1.png,cat\n/abs/2.png,dog\n", []string{"cat", "dog"}, []string{filepath.Join(dir, "x/1.png"), "/abs/2.png"}, ""},
		{"b.jsonl", "{\"path\": \"1.png\", \"label\": \"b\"}\n\n{\"path\": \"2.png\", \"label\": \"a\"}\n", []string{"a", "b"}, []string{filepath.Join(dir, "1.png"), filepath.Join(dir, "2.png")}, ""},
		{"c.csv", "onlyone\n", nil, nil, "c.csv:1: \"onlyone\" has no label: want path,label"},
		// Rows split by another separator were "want path,label" only.
		{"semicolon.csv", "path;label\nx.jpg;daisy\n", nil, nil, "semicolon.csv:1: \"path;label\" is one field: want path,label separated by a comma, not by semicolons"},
		{"tab.csv", "x.jpg\tdaisy\n", nil, nil, "tab.csv:1: \"x.jpg\\tdaisy\" is one field: want path,label separated by a comma, not by tabs"},
		// A list of no rows said "no images found (want one sub-folder of
		// images per class, or a CSV/JSONL of path,label)" of a CSV.
		{"header.csv", "path,label\n", nil, nil, "header.csv: lists no images (want a line of path,label for each)"},
		// A header names the columns: Fashion-MNIST's samples were read
		// as a row of path "file", label "label_id", and 30 more of
		// labels "0" to "9".
		{"h.csv", "file,test_index,label_id,label\n1.png,0,9,Ankle boot\n2.png,1,2,Pullover\n", []string{"Ankle boot", "Pullover"}, []string{filepath.Join(dir, "1.png"), filepath.Join(dir, "2.png")}, ""},
		{"i.csv", "Label, Image\ncat,1.png\n", []string{"cat"}, []string{filepath.Join(dir, "1.png")}, ""},
		{"j.csv", "file,test_index,label_id,label\n1.png,0,9\n", nil, nil, "j.csv:2: 3 fields; the header names 4 (the path in column 1, the label in column 4)"},
		// A header that names one column and not the other was read as
		// a row of data, and its other columns as labels: embed -o csv's
		// listing trained the classes "model" and "vit-tiny-in1k".
		{"embed.csv", "path,model,model_sha256,pool,row,error\n1.png,vit-tiny-in1k,89d044742132,cls,0,\n", nil, nil, `embed.csv:1: a header naming the path (column 1, "path") but no label column: name the labels' column "label" or "class"`},
		{"species.csv", "File_Name,species\n1.png,cat\n", nil, nil, `species.csv:1: a header naming the path (column 1, "File_Name") but no label column`},
		{"image_path.csv", "image_path,Label\n1.png,cat\n", nil, nil, `image_path.csv:1: a header naming the label (column 2, "Label") but no path column: name the paths' column "path", "file", "filename", "file_name" or "image"`},
		{"d.jsonl", "{\"path\": 3}\n", nil, nil, "d.jsonl:1: \"path\" is a number, not a string; want {\"path\": ..., \"label\": ...}"},
		// Rows that named the list's folder ("is a directory") or a class
		// named "", or said only "want {...}" whatever was wrong.
		{"empty-path.csv", "path,label\n,cat\n", nil, nil, "empty-path.csv:2: the path is empty"},
		{"empty-label.csv", "1.png, \n", nil, nil, "empty-label.csv:1: the label of 1.png is empty"},
		{"no-label.jsonl", "{\"path\": \"1.png\"}\n", nil, nil, "no-label.jsonl:1: no \"label\" (nor \"class\"); want"},
		{"no-path.jsonl", "{\"name\": \"1.png\", \"label\": \"cat\"}\n", nil, nil, "no-path.jsonl:1: no \"path\" (nor \"file\", \"filename\", \"file_name\" or \"image\")"},
		// A JSONL list names its fields as a CSV header names its
		// columns: pandas' to_json(orient="records", lines=True) of the
		// DataFrame whose to_csv was taken, and Hugging Face datasets'
		// metadata.jsonl (file_name), were refused ("no \"path\"").
		{"alias.jsonl", "{\"filename\": \"1.png\", \"class\": \"cat\", \"id\": 0}\n{\"File_Name\": \"2.png\", \"Label\": \"dog\"}\n", []string{"cat", "dog"}, []string{filepath.Join(dir, "1.png"), filepath.Join(dir, "2.png")}, ""},
		{"both.jsonl", "{\"image\": \"x.png\", \"path\": \"1.png\", \"label\": \"cat\"}\n", []string{"cat"}, []string{filepath.Join(dir, "1.png")}, ""},
		{"hf.csv", "file_name,label\n1.png,cat\n", []string{"cat"}, []string{filepath.Join(dir, "1.png")}, ""},
		{"number.jsonl", "{\"path\": \"1.png\", \"label\": 3}\n", nil, nil, "number.jsonl:1: \"label\" is a number, not a string"},
		{"empty.jsonl", "{\"path\": \"\", \"label\": \"cat\"}\n", nil, nil, "empty.jsonl:1: the path is empty"},
		{"array.jsonl", "[\"1.png\", \"cat\"]\n", nil, nil, "array.jsonl:1: not a JSON object"},
		// Lists saved by Windows programs: a byte order mark hid the
		// header (a class "label" of one image "path") or the first path
		// ("\ufeff1.png" does not exist), or made the first JSON line
		// "not a JSON object"; CRLF line ends were already taken.
		{"bom-header.csv", "\ufeffpath,label\r\n1.png,cat\r\n2.png,dog\r\n", []string{"cat", "dog"}, []string{filepath.Join(dir, "1.png"), filepath.Join(dir, "2.png")}, ""},
		{"bom-rows.csv", "\ufeff1.png,cat\r\n", []string{"cat"}, []string{filepath.Join(dir, "1.png")}, ""},
		{"bom.jsonl", "\ufeff{\"path\": \"1.png\", \"label\": \"cat\"}\r\n\r\n{\"path\": \"2.png\", \"label\": \"cat\"}\r\n", []string{"cat"}, []string{filepath.Join(dir, "1.png"), filepath.Join(dir, "2.png")}, ""},
		{"e.csv", "", nil, nil, "e.csv: lists no images"},
		{"f.txt", "x", nil, nil, "not a folder, .csv or .jsonl"},
	} {
		d, err := Open(write(c.name, c.body), nil)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if strings.Join(d.Labels, ",") != strings.Join(c.labels, ",") || len(d.Examples) != len(c.paths) {
			t.Fatalf("%s: labels %v, %d examples", c.name, d.Labels, len(d.Examples))
		}
		for i, e := range d.Examples {
			if e.Path != c.paths[i] {
				t.Errorf("%s: example %d path %s, want %s", c.name, i, e.Path, c.paths[i])
			}
		}
	}
	if _, err := Open(write("g.csv", "1.png,zebra\n"), []string{"cat"}); err == nil || !strings.Contains(err.Error(), `label "zebra"`) {
		t.Errorf("unknown label: %v", err)
	}
}

// TestOpenListPathsNotThere: a list none of whose paths is a file is
// refused, naming the first, when its paths are Windows paths or relative
// to the current folder instead of the list's; each image was skipped with
// a line of its own, then "no readable training images". Lists of which
// one path is there, or of missing paths without such a reason, open.
func TestOpenListPathsNotThere(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "images"), 0o755)
	os.WriteFile(filepath.Join(dir, "images", "1.png"), nil, 0o644)
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	for _, c := range []struct{ name, body, err string }{
		{"win.csv", "path,label\nimages\\2.png,cat\nimages\\3.png,dog\n", "win.csv: none of its 2 paths is a file (DIR/win.csv:2: DIR/images\\2.png: no such file or directory); its paths are separated by backslashes, as Windows writes them: write them with / (images/2.png)"},
		{"win.jsonl", "{\"path\": \"C:\\\\data\\\\2.png\", \"label\": \"cat\"}\n", "its paths are separated by backslashes, as Windows writes them: write them with / (C:/data/2.png)"},
		// data_test.go is there from the current folder (the package's).
		{"cwd.csv", "data_test.go,cat\ndata.go,dog\n", "cwd.csv: none of its 2 paths is a file (DIR/cwd.csv:1: DIR/data_test.go: no such file or directory); a relative path is read from the list's folder, DIR, and data_test.go is one from the current folder: write the paths from DIR, or absolute"},
		{"one-there.csv", "images\\2.png,cat\nimages/1.png,dog\n", ""},
		{"missing.csv", "images/2.png,cat\n", ""},
	} {
		_, err := Open(write(c.name, c.body), nil)
		want := strings.ReplaceAll(c.err, "DIR", dir)
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: error %v, want %q", c.name, err, want)
		}
	}
}

// TestExampleWhere: an example of a list knows the file and line that
// name it (a header and blank lines counted), and an image that cannot be
// read is reported after them, where it was by path alone; an example
// of a folder is reported by path.
func TestExampleWhere(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	csvList := write("a.csv", "path,label\nx/1.png,cat\n2.png,dog\n")
	jsonList := write("b.jsonl", "{\"path\": \"1.png\", \"label\": \"b\"}\n\n{\"path\": \"2.png\", \"label\": \"a\"}\n")
	os.MkdirAll(filepath.Join(dir, "tree", "cat"), 0o755)
	write("tree/cat/1.png", "not a PNG")
	for _, tc := range []struct {
		path  string
		where []string
		err   string // of the first example's image
	}{
		{csvList, []string{csvList + ":2", csvList + ":3"}, csvList + ":2: " + filepath.Join(dir, "x", "1.png") + ": "},
		{jsonList, []string{jsonList + ":1", jsonList + ":3"}, jsonList + ":1: " + filepath.Join(dir, "1.png") + ": "},
		{filepath.Join(dir, "tree"), []string{""}, filepath.Join(dir, "tree", "cat", "1.png") + ": "},
	} {
		d, err := Open(tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		var where []string
		for _, e := range d.Examples {
			where = append(where, e.Where)
		}
		if !slices.Equal(where, tc.where) {
			t.Errorf("%s: where %q, want %q", tc.path, where, tc.where)
		}
		l := &loader{pre: prep.Default(16), workers: 1}
		b := <-l.batches(context.Background(), d.Examples[:1], 1, 0, false)
		if len(b.failed) != 1 || !strings.HasPrefix(b.failed[0].Error(), tc.err) {
			t.Errorf("%s: errors %v, want one starting %q", tc.path, b.failed, tc.err)
		}
	}
}

// TestOpenLabelCase: a list's labels name a model's despite letter case
// and underscores for spaces, when only one label matches that way.
func TestOpenLabelCase(t *testing.T) {
	p := filepath.Join(t.TempDir(), "l.csv")
	os.WriteFile(p, []byte("1.png,Daisy\n2.png,golden_retriever\n3.png,tulip\n"), 0o644)
	d, err := Open(p, []string{"daisy", "Golden retriever", "tulip"})
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{d.Examples[0].Label, d.Examples[1].Label, d.Examples[2].Label}; !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("labels %v, want [0 1 2]", got)
	}
	if _, err := Open(p, []string{"daisy", "DAISY", "golden retriever", "tulip"}); err == nil || !strings.Contains(err.Error(), `label "Daisy"`) {
		t.Errorf("two labels fold to Daisy: error %v, want one naming it", err)
	}
}

// TestOpenSlashLabel: a model's label with a slash, which no folder name
// can hold (fashion-vit's "T-shirt/top"), is named by a class folder with
// an underscore for it (T-shirt_top, t-shirt_top), where eval refused
// every such folder as "not one of the 10 labels".
func TestOpenSlashLabel(t *testing.T) {
	labels := []string{"T-shirt/top", "Trouser", "AC/DC fan"}
	for _, names := range [][]string{{"T-shirt_top", "Trouser"}, {"t-shirt_top", "ac_dc_fan"}} {
		dir := classFolders(t, names...)
		d, err := Open(dir, labels)
		if err != nil {
			t.Errorf("%v: %v", names, err)
			continue
		}
		var got []string
		for _, e := range d.Examples {
			got = append(got, labels[e.Label])
		}
		slices.Sort(got)
		want := []string{labels[0], labels[1]}
		if names[1] == "ac_dc_fan" {
			want = []string{labels[2], labels[0]}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%v: classes %q, want %q", names, got, want)
		}
	}
}

// TestOpenSameClass: DATA whose labels name one class but for letter case,
// _ for a space or a space at either end is refused, naming both; it
// trained them as two classes.
func TestOpenSameClass(t *testing.T) {
	dir := classFolders(t, "Rose", "daisy", "rose")
	list := filepath.Join(t.TempDir(), "l.csv")
	os.WriteFile(list, []byte("1.png,golden retriever\n2.png,Golden_Retriever\n3.png,cat\n"), 0o644)
	for _, tc := range []struct{ path, want string }{
		{dir, fmt.Sprintf("%s: class folders %s and %s name one class but for letter case or _ for a space: merge them into one folder (or rename one)",
			dir, filepath.Join(dir, "Rose"), filepath.Join(dir, "rose"))},
		{list, list + `: labels "Golden_Retriever" and "golden retriever" name one class but for letter case or _ for a space: write it one way (or rename one)`},
	} {
		if _, err := Open(tc.path, nil); err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.path, err, tc.want)
		}
	}
	// A space at the end, which no terminal shows: the folders are quoted.
	// It said "class folders photos/rose and photos/rose  name one class
	// but for letter case or _ for a space".
	spaced := classFolders(t, "rose", "rose ")
	want := fmt.Sprintf("%s: class folders %q and %q name one class but for a space at the start or end: merge them into one folder (or rename one)",
		spaced, filepath.Join(spaced, "rose"), filepath.Join(spaced, "rose "))
	if _, err := Open(spaced, nil); err == nil || err.Error() != want {
		t.Errorf("%s: error %v, want %q", spaced, err, want)
	}
	if _, err := Open(dir, []string{"daisy", "rose"}); err != nil { // a model's labels: each folder names one
		t.Errorf("with labels: %v", err)
	}
}

// TestOpenUnicodeForms: a class folder names a model's label written in
// the other Unicode form ("rosé" as one letter é, NFC, as Linux keeps
// what is typed, or as e and a combining accent, NFD, as macOS names
// folders): a model fine-tuned on a Mac refused the same folders copied
// to Linux, "class folder rosé is not one of the labels: "rosé"". Two
// folders of one name in two forms are refused, saying so.
func TestOpenUnicodeForms(t *testing.T) {
	nfc, nfd := "ros\u00e9", "rose\u0301"
	for _, tc := range [][2]string{{nfc, nfd}, {nfd, nfc}} {
		dir := classFolders(t, tc[0], "daisy")
		d, err := Open(dir, []string{"daisy", tc[1]})
		if err != nil {
			t.Errorf("folder %+q, label %+q: %v", tc[0], tc[1], err)
			continue
		}
		if len(d.Examples) != 2 {
			t.Errorf("folder %+q, label %+q: %d examples, want 2", tc[0], tc[1], len(d.Examples))
		}
	}
	dir := classFolders(t, nfc, nfd)
	want := fmt.Sprintf("%s: class folders %s and %s name one class written two ways in Unicode (é as one letter, and as e and a combining accent, as macOS writes it): merge them into one folder (or rename one)",
		dir, filepath.Join(dir, nfd), filepath.Join(dir, nfc))
	if _, err := Open(dir, nil); err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

// TestOpenUnknownLabels: every label the given labels lack is named, with
// the first example that has one, after the list file and line naming it,
// but only a few of the labels: a model's 1000 buried the message.
func TestOpenUnknownLabels(t *testing.T) {
	many := make([]string, 1000)
	for i := range many {
		many[i] = fmt.Sprintf("class %d", i)
	}
	for _, tc := range []struct {
		name, list string
		labels     []string
		line       int    // of the first example with a label lacking
		image      string // that example
		want       string
	}{
		{"one", "1.png,cat\n2.png,zebra\n", []string{"cat"}, 2, "2.png", `label "zebra" is not one of the 1 label: "cat"`},
		{"several", "1.png,rose\n2.png,daisy\n3.png,tulip\n4.png,rose\n", []string{"daisy", "bee"}, 1, "1.png",
			`2 labels ("rose", "tulip") are not among the 2 labels: "daisy", "bee"`},
		// Class numbers (a list's label_id column) are named as such.
		{"class numbers", "1.png,9\n2.png,0\n", []string{"cat", "dog", "fish", "bird", "ant", "bee", "cow", "elk", "fox", "gnu"}, 1, "1.png",
			`2 labels ("9", "0") are not among the 10 labels: "cat", "dog", "fish", "bird", "ant", "bee", "cow", "elk", … 2 more (class numbers? write each class's label instead: 0 is "cat", 1 is "dog", 2 is "fish", …)`},
		{"numbers past the classes", "1.png,10\n", []string{"cat"}, 1, "1.png", `label "10" is not one of the 1 label: "cat"`},
		{"a model's 1000", "1.png,cat\n", many, 1, "1.png",
			`label "cat" is not one of the 1000 labels: "class 0", "class 1", "class 2", "class 3", "class 4", "class 5", "class 6", "class 7", … 992 more`},
	} {
		p := filepath.Join(t.TempDir(), "l.csv")
		os.WriteFile(p, []byte(tc.list), 0o644)
		_, err := Open(p, tc.labels)
		var le *LabelError
		want := fmt.Sprintf("%s:%d: %s: %s", p, tc.line, filepath.Join(filepath.Dir(p), tc.image), tc.want)
		if !errors.As(err, &le) || err.Error() != want {
			t.Errorf("%s: error\n%v\nwant a LabelError\n%s", tc.name, err, want)
		}
	}
}

// TestOpenUnknownClassFolders: in a folder the labels lacking are class
// folders, and the error names them, not one file in the first of them
// ("val: val/dandelion/1.jpg: 2 labels (…)"); the error also says which
// of the labels no example has.
func TestOpenUnknownClassFolders(t *testing.T) {
	for _, tc := range []struct {
		name    string
		classes []string
		want    string
		absent  []string
	}{
		{"one", []string{"daisy", "roses"}, `%[1]s: class folder %[1]s/roses is not one of the 2 labels: "daisy", "rose"`, []string{"rose"}},
		{"two", []string{"daisy", "dandelion", "rose", "sunflower"},
			`%[1]s: 2 class folders (%[1]s/dandelion, %[1]s/sunflower) are not among the 2 labels: "daisy", "rose"`, nil},
	} {
		dir := classFolders(t, tc.classes...)
		_, err := Open(dir, []string{"daisy", "rose"})
		var le *LabelError
		if want := strings.ReplaceAll(tc.want, "%[1]s", dir); !errors.As(err, &le) || err.Error() != want || !slices.Equal(le.Absent, tc.absent) {
			t.Errorf("%s: error %v (absent %v), want a LabelError %q (absent %v)", tc.name, err, le, want, tc.absent)
		}
	}
}

// TestOpenSynsets: against ImageNet-1k's labels, a class folder or a
// list's label may be the class's WordNet synset id, as ImageNet's
// validation set names its folders (n02012849 is the bird among the two
// "crane" labels); against other labels such a name is refused with what
// to do, and an id outside ImageNet-1k is named as one.
func TestOpenSynsets(t *testing.T) {
	in1k := in1kLabels()
	dir := classFolders(t, "n01440764", "n02012849", "n03126707", "tench")
	d, err := Open(dir, in1k)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, e := range d.Examples {
		got = append(got, e.Label)
	}
	if want := []int{0, 134, 517, 0}; !slices.Equal(got, want) {
		t.Errorf("classes %v, want %v", got, want)
	}
	list := filepath.Join(t.TempDir(), "l.csv")
	os.WriteFile(list, []byte("1.png,n02012849\n2.png,n00004475\n"), 0o644)
	other := slices.Clone(in1k)
	other[0], other[1] = other[1], other[0]
	for _, tc := range []struct {
		name, path string
		labels     []string
		want       string
	}{
		{"folders, other labels", dir, other, "(n01440764 is a WordNet synset id, as ImageNet names its folders; synset ids are read only against ImageNet-1k's 1000 labels in its class order, and these are not: name each class folder after one of them, or list path,label in a CSV)"},
		{"list, other labels", list, []string{"crane"}, "(n02012849 is a WordNet synset id, as ImageNet names its folders; synset ids are read only against ImageNet-1k's 1000 labels in its class order, and these are not: write each label as one of them)"},
		{"list, not of ImageNet-1k", list, in1k, `label "n00004475" is not one of the 1000 labels: "tench", "goldfish", "great white shark", "tiger shark", "hammerhead", "electric ray", "stingray", "cock", … 992 more (n00004475 is a WordNet synset id, but not one of ImageNet-1k's 1000 classes)`},
	} {
		_, err := Open(tc.path, tc.labels)
		if le := (*LabelError)(nil); !errors.As(err, &le) || !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("%s: error\n%v\nwant a LabelError ending\n%s", tc.name, err, tc.want)
		}
	}
}

// TestOpenAmbiguousLabel: a label that names two of the labels given
// (ImageNet-1k's "crane": the bird, 134, and the machine, 517) is refused,
// naming both classes and, for ImageNet-1k's labels, the synset ids that
// tell them apart; it was read as the last, so a folder of crane birds
// was scored against the machine. A label that names two only letter
// case aside ("CRANE" of "Crane" and "crane") is as ambiguous (it was
// called unknown).
func TestOpenAmbiguousLabel(t *testing.T) {
	in1k := in1kLabels()
	dir := classFolders(t, "crane", "tench")
	list := filepath.Join(t.TempDir(), "l.csv")
	os.WriteFile(list, []byte("1.png,tench\n2.png,maillot\n"), 0o644)
	upper := filepath.Join(t.TempDir(), "l.csv")
	os.WriteFile(upper, []byte("1.png,tench\n2.png,CRANE\n"), 0o644)
	for _, tc := range []struct {
		name, path string
		labels     []string
		want       string
	}{
		{"folder", dir, in1k, dir + ": class folder " + filepath.Join(dir, "crane") + ` is ambiguous: "crane" is the label of 2 classes, 134 and 517: name the folder by WordNet synset id instead, n02012849 for class 134 or n03126707 for class 517`},
		{"list", list, in1k, list + `:2: label "maillot" is ambiguous: "maillot" is the label of 2 classes, 638 and 639: write its WordNet synset id instead, n03710637 for class 638 or n03710721 for class 639`},
		{"not ImageNet's", list, []string{"maillot", "tench", "maillot"}, list + `:2: label "maillot" is ambiguous: "maillot" is the label of 2 classes, 0 and 2: the model's labels cannot tell them apart`},
		{"letter case", upper, []string{"Crane", "tench", "crane"}, upper + `:2: label "CRANE" is ambiguous: "CRANE" is the label of 2 classes, 0 and 2: the model's labels cannot tell them apart`},
	} {
		if _, err := Open(tc.path, tc.labels); err == nil || err.Error() != tc.want {
			t.Errorf("%s: error\n%v\nwant\n%s", tc.name, err, tc.want)
		}
	}
}

// TestOpenOneImage: an image given as DATA says that labelled images are
// wanted, and that classify takes one image (it said only "not a folder,
// .csv or .jsonl file").
func TestOpenOneImage(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cat.jpg")
	os.WriteFile(p, []byte("\xff\xd8\xff"), 0o644)
	want := p + ": one image, with no label: give labelled images, a folder with one sub-folder of images per class or a .csv or .jsonl file of path,label (vitctl classify " + p + " classifies this one)"
	if _, err := Open(p, nil); err == nil || err.Error() != want {
		t.Errorf("error\n%v\nwant\n%s", err, want)
	}
	txt := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(txt, nil, 0o644)
	if _, err := Open(txt, nil); err == nil || err.Error() != txt+": not a folder, .csv or .jsonl file" {
		t.Errorf("a text file: %v", err)
	}
}

// FuzzOpenList: any bytes as a CSV or JSONL list give a dataset or an
// error, never a panic.
func FuzzOpenList(f *testing.F) {
	f.Add([]byte("path,label\na.png,x\n"))
	f.Add([]byte("{\"path\":\"a.png\",\"label\":\"x\"}\n"))
	f.Add([]byte("\"unterminated,x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		for _, name := range []string{"l.csv", "l.jsonl"} {
			p := filepath.Join(dir, name)
			os.WriteFile(p, b, 0o644)
			if d, err := Open(p, nil); err == nil && len(d.Examples) == 0 {
				t.Fatalf("%s: no error and no examples", name)
			}
		}
	})
}

// TestOpenFolderErrors: a folder of images without class sub-folders says
// so (it said "no images found"); class folders none of which has an
// image are named, with the extensions read; an empty folder has no images.
func TestOpenFolderErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		files []string
		want  string
	}{
		{"images, no classes", []string{"a.jpg", "b.png", "notes.txt"}, ": 2 images but no class sub-folders: put each class's images in a sub-folder named after the class (%s), or list path,label in a CSV"},
		// One image was "1 images".
		{"one image, no classes", []string{"a.jpg", "notes.txt"}, ": 1 image but no class sub-folders: put each class's images in a sub-folder named after the class (%s), or list path,label in a CSV"},
		{"empty class folders", []string{"daisy/notes.txt", "rose/", "tulip/sub/", ".cache/a.jpg"}, ": 3 class folders (daisy, rose, tulip) but none has an image (.bmp, .gif, .jfif, .jpe, .jpeg, .jpg, .png, .tif, .tiff, .webp)"},
		{"one empty class folder", []string{"rose/"}, ": 1 class folder (rose) but it has no image (.bmp, .gif, .jfif, .jpe, .jpeg, .jpg, .png, .tif, .tiff, .webp)"},
		{"empty folder", nil, ": no images found (want one sub-folder of images per class, or a CSV/JSONL of path,label)"},
		// A list beside the images, or alone, is named: it said "or list
		// path,label in a CSV" with labels.csv right there.
		{"images and a list", []string{"a.jpg", "b.png", "labels.csv"}, ": 2 images but no class sub-folders, and the list %[1]s/labels.csv: give the list in place of the folder"},
		{"a list alone", []string{"train.jsonl", "val.CSV", "notes.txt"}, ": no class sub-folders, and the lists %[1]s/train.jsonl and %[1]s/val.CSV: give one of them in place of the folder"},
		{"a list and a photo", []string{"labels.csv", "a.heic"}, ": no class sub-folders, and the list %[1]s/labels.csv: give the list in place of the folder; it holds a HEIC image, which vitctl cannot decode"},
	} {
		root := t.TempDir()
		for _, f := range c.files {
			if strings.HasSuffix(f, "/") { // a folder: Join drops the slash
				if err := os.MkdirAll(filepath.Join(root, f), 0o755); err != nil {
					t.Fatal(err)
				}
				continue
			}
			os.MkdirAll(filepath.Dir(filepath.Join(root, f)), 0o755)
			os.WriteFile(filepath.Join(root, f), nil, 0o644)
		}
		want := root + c.want
		if strings.Contains(want, "%s") {
			want = fmt.Sprintf(want, filepath.Join(root, "CLASS", "…"))
		} else if strings.Contains(want, "%[1]s") {
			want = fmt.Sprintf(want, root)
		}
		if _, err := Open(root, nil); err == nil || err.Error() != want {
			t.Errorf("%s: error %v, want %q", c.name, err, want)
		}
	}
}

// TestOpenFolder: an ImageFolder tree's classes are its sub-folders, a
// symbolic link to a folder among them (a subset made with ln -s) too;
// hidden folders and files that are not images are left out. A class
// folder without images gives no label and is listed in Empty, for the
// caller's warning (it was dropped without a word); so are the images
// beside the class folders, in Loose.
func TestOpenFolder(t *testing.T) {
	elsewhere := t.TempDir()
	os.WriteFile(filepath.Join(elsewhere, "r1.jpg"), nil, 0o644)
	os.WriteFile(filepath.Join(elsewhere, "r2.png"), nil, 0o644)
	for _, c := range []struct {
		name   string
		make   func(root string)
		labels string
		paths  []string
		empty  string // Empty, relative to the root
		loose  string // Loose, relative to the root
	}{
		{"folders", func(root string) {
			for _, p := range []string{"daisy/a.jpg", "daisy/b.JPEG", "daisy/notes.txt", "tulip/sub/c.png", ".git/d.png"} {
				os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755)
				os.WriteFile(filepath.Join(root, p), nil, 0o644)
			}
		}, "daisy,tulip", []string{"daisy/a.jpg", "daisy/b.JPEG", "tulip/sub/c.png"}, "", ""},
		{"images beside the class folders", func(root string) {
			for _, p := range []string{"daisy/a.jpg", "b.png", "notes.txt", ".c.jpg"} {
				os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755)
				os.WriteFile(filepath.Join(root, p), nil, 0o644)
			}
			os.Symlink(filepath.Join(elsewhere, "r1.jpg"), filepath.Join(root, "linked.jpg"))
		}, "daisy", []string{"daisy/a.jpg"}, "", "b.png,linked.jpg"},
		{"a linked class folder", func(root string) {
			os.MkdirAll(filepath.Join(root, "daisy"), 0o755)
			os.WriteFile(filepath.Join(root, "daisy", "a.jpg"), nil, 0o644)
			os.Symlink(elsewhere, filepath.Join(root, "rose"))
		}, "daisy,rose", []string{"daisy/a.jpg", "rose/r1.jpg", "rose/r2.png"}, "", ""},
		{"empty class folders", func(root string) {
			for _, p := range []string{"daisy/a.jpg", "rose/", "tulip/notes.txt", "lily/sub/", ".cache/", "iris/"} {
				if strings.HasSuffix(p, "/") {
					os.MkdirAll(filepath.Join(root, p), 0o755)
					continue
				}
				os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755)
				os.WriteFile(filepath.Join(root, p), nil, 0o644)
			}
			os.WriteFile(filepath.Join(root, "iris", "b.png"), nil, 0o644)
		}, "daisy,iris", []string{"daisy/a.jpg", "iris/b.png"}, "lily,rose,tulip", ""},
		{"macOS metadata beside the photos", func(root string) {
			os.MkdirAll(filepath.Join(root, "daisy"), 0o755)
			os.MkdirAll(filepath.Join(root, "rose"), 0o755)
			os.WriteFile(filepath.Join(root, "daisy", "a.jpg"), nil, 0o644)
			os.WriteFile(filepath.Join(root, "daisy", "._a.jpg"), []byte("\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X"), 0o644)
			os.WriteFile(filepath.Join(root, "rose", "._b.jpg"), []byte("\x00\x05\x16\x07"), 0o644)
			os.WriteFile(filepath.Join(root, "rose", "._c.jpg"), nil, 0o644) // no metadata: an image to try
		}, "daisy,rose", []string{"daisy/a.jpg", "rose/._c.jpg"}, "", ""},
	} {
		root := t.TempDir()
		c.make(root)
		d, err := Open(root, nil)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var paths []string
		for _, e := range d.Examples {
			rel, _ := filepath.Rel(root, e.Path)
			paths = append(paths, filepath.ToSlash(rel))
		}
		var empty []string
		for _, p := range d.Empty {
			rel, _ := filepath.Rel(root, p)
			empty = append(empty, filepath.ToSlash(rel))
		}
		var loose []string
		for _, p := range d.Loose {
			rel, _ := filepath.Rel(root, p)
			loose = append(loose, filepath.ToSlash(rel))
		}
		if strings.Join(d.Labels, ",") != c.labels || !slices.Equal(paths, c.paths) || strings.Join(empty, ",") != c.empty || strings.Join(loose, ",") != c.loose {
			t.Errorf("%s: labels %v, examples %q, empty %q, loose %q; want %s, %q, %s and %s", c.name, d.Labels, paths, empty, loose, c.labels, c.paths, c.empty, c.loose)
		}
	}
}

// TestSplitKeepsClass: the split is Python's shuffle, the first fraction
// held out, but a class it would leave without a training example stays
// whole in training (a class of one image was held out for 1 seed in 5,
// never learnt, and counted as an error in every epoch's accuracy).
func TestSplitKeepsClass(t *testing.T) {
	d := &Dataset{Labels: []string{"many", "one", "two"}}
	for i := range 20 {
		d.Examples = append(d.Examples, Example{Path: fmt.Sprintf("m%02d", i), Label: 0})
	}
	d.Examples = append(d.Examples, Example{Path: "o", Label: 1}, Example{Path: "t1", Label: 2}, Example{Path: "t2", Label: 2})
	keptSeeds := 0
	for seed := range uint64(40) {
		ex := slices.Clone(d.Examples)
		NewPyRandom(seed).Shuffle(len(ex), func(i, j int) { ex[i], ex[j] = ex[j], ex[i] })
		python := ex[:int(0.2*float64(len(ex)))] // the held-out part of PyTorch's split
		tr, val, kept := d.Split(0.2, seed)
		if n := tr.Counts(); n[0] == 0 || n[1] != 1 || n[2] == 0 {
			t.Fatalf("seed %d: training counts %v: a class has no training example", seed, n)
		}
		if len(tr.Examples)+len(val.Examples) != len(d.Examples) {
			t.Fatalf("seed %d: %d + %d examples, want %d", seed, len(tr.Examples), len(val.Examples), len(d.Examples))
		}
		want := slices.DeleteFunc(slices.Clone(python), func(e Example) bool { return slices.Contains(kept, e.Label) })
		if !slices.Equal(val.Examples, want) {
			t.Errorf("seed %d: validation %v, want Python's %v less the classes kept %v", seed, val.Examples, python, kept)
		}
		if len(kept) > 0 {
			keptSeeds++
		}
	}
	if keptSeeds == 0 {
		t.Error("no seed of 40 held out a whole class: the test tests nothing")
	}
}

// TestShared counts the validation images that are training images, by
// path however written (relative, absolute, with ./ or ..).
func TestShared(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	ds := func(paths ...string) *Dataset {
		d := &Dataset{Labels: []string{"a"}}
		for _, p := range paths {
			d.Examples = append(d.Examples, Example{Path: p})
		}
		return d
	}
	tr := ds("data/a/1.jpg", "data/a/2.jpg", "data/a/3.jpg")
	for _, tc := range []struct {
		name string
		val  *Dataset
		want int
	}{
		{"other images", ds("val/a/1.jpg", "val/a/2.jpg"), 0},
		{"the same folder", ds("data/a/1.jpg", "data/a/2.jpg", "data/a/3.jpg"), 3},
		{"written otherwise", ds("./data/a/1.jpg", filepath.Join(wd, "data", "a", "2.jpg"), "val/../data/a/3.jpg", "val/a/4.jpg"), 3},
		{"none", ds(), 0},
	} {
		if got := tr.Shared(tc.val); got != tc.want {
			t.Errorf("%s: %d shared, want %d", tc.name, got, tc.want)
		}
	}
}

// TestSharedFiles counts the validation images that are training images
// under another name: a symbolic link or a hard link to one (a --val
// folder of links was not caught), or a byte-identical copy of one (a
// photo filed twice); a file of the same size and other bytes is not.
func TestSharedFiles(t *testing.T) {
	dir := t.TempDir()
	mk := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := mk("data/a/1.jpg", "one"), mk("data/a/2.jpg", "two")
	other := mk("val/a/3.jpg", "one") // the same bytes, another file
	twin := mk("val/a/4.jpg", "onf")  // the same size, other bytes
	os.MkdirAll(filepath.Join(dir, "links/a"), 0o755)
	sym, hard := filepath.Join(dir, "links/a/x.jpg"), filepath.Join(dir, "links/a/y.jpg")
	if err := os.Symlink(a, sym); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := os.Link(b, hard); err != nil {
		t.Skip("no hard links here:", err)
	}
	ds := func(paths ...string) *Dataset {
		d := &Dataset{Labels: []string{"a"}}
		for _, p := range paths {
			d.Examples = append(d.Examples, Example{Path: p})
		}
		return d
	}
	tr := ds(a, b)
	for _, tc := range []struct {
		name string
		val  *Dataset
		want int
	}{
		{"symbolic link", ds(sym, twin), 1},
		{"hard link", ds(hard), 1},
		{"both", ds(sym, hard), 2},
		{"a copy", ds(other), 1},
		{"the same size only", ds(twin), 0},
		{"missing", ds(filepath.Join(dir, "val/a/gone.jpg")), 0},
	} {
		if got := tr.Shared(tc.val); got != tc.want {
			t.Errorf("%s: %d shared, want %d", tc.name, got, tc.want)
		}
	}
}
