package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestFolderSkipsCounted: files a folder walk leaves out for their names
// are counted in the summary, the first three named (it said "1 file in
// folders skipped for its name", and left the user to guess which), and
// --all-files decodes them by content.
func TestFolderSkipsCounted(t *testing.T) {
	png, err := os.ReadFile(filepath.Join(imagesDir, "chelsea.png"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.png"), png, 0o644)
	os.WriteFile(filepath.Join(dir, "photo"), png, 0o644) // a PNG without an extension
	os.WriteFile(filepath.Join(dir, "boot.dat"), []byte("not an image"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "notes.txt"), []byte("x"), 0o644)
	p := func(name ...string) string { return filepath.Join(append([]string{dir}, name...)...) }

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{dir}, ExitOK, "classified 1 of 1 image"},
		{[]string{dir}, ExitOK, "2 files in folders skipped for their names (" + p("boot.dat") + ", " + p("photo") + "; --all-files tries every file); 1 sub-folder not searched (-r descends into sub-folders)\n"},
		{[]string{"-r", dir}, ExitOK, "3 files in folders skipped for their names (" + p("boot.dat") + ", " + p("photo") + ", " + p("sub", "notes.txt") + "; --all-files tries every file)\n"},
		{[]string{"--all-files", dir}, ExitFailed, "classified 2 of 3 images"},
		{[]string{"--all-files", "-r", dir}, ExitFailed, "classified 2 of 4 images in"},
	} {
		code, _, errs := run(t, "", append([]string{"classify", "-k", "1"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant exit %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "boot.dat"), nil, 0o644)
	if code, _, errs := run(t, "", "classify", empty); code != ExitFailed || !strings.Contains(errs, "no images found in "+empty+"; 1 file in folders skipped for its name ("+filepath.Join(empty, "boot.dat")+"; --all-files tries every file)\n") {
		t.Errorf("folder without images: exit %d, %q", code, errs)
	}
	// Of more than three, the first three are named, then "…".
	many := t.TempDir()
	for _, name := range []string{"a.txt", "b.txt", "c.txt", "d.txt", "e.txt"} {
		os.WriteFile(filepath.Join(many, name), nil, 0o644)
	}
	want := "vitctl: no images found in " + many + "; 5 files in folders skipped for their names (" +
		filepath.Join(many, "a.txt") + ", " + filepath.Join(many, "b.txt") + ", " + filepath.Join(many, "c.txt") + ", …; --all-files tries every file)\n"
	if code, _, errs := run(t, "", "classify", many); code != ExitFailed || errs != want {
		t.Errorf("folder of 5 text files: exit %d, %q; want %q", code, errs, want)
	}
	// A folder of folders names -r; it said "no images found in DIR" only.
	nested := t.TempDir()
	os.MkdirAll(filepath.Join(nested, "2024", "summer"), 0o755)
	os.WriteFile(filepath.Join(nested, "2024", "summer", "a.png"), png, 0o644)
	os.Mkdir(filepath.Join(nested, "2025"), 0o755)
	want = "vitctl: no images found in " + nested + "; 2 sub-folders not searched (-r descends into sub-folders)\n"
	if code, _, errs := run(t, "", "classify", nested); code != ExitFailed || errs != want {
		t.Errorf("folder of folders: exit %d, %q; want %q", code, errs, want)
	}
}

// TestNoImages: classify, embed and inspect-attention given inputs that
// hold no image say so, naming them (stdin and a --from-file list by what
// they are), exit 1, and write no --out file or folder; a --resume file
// is not created, nor one that is there changed. Stdout holds the
// document of no records, so that a script parsing it reads an empty
// result: [] for -o json, the header for -o csv, nothing for jsonl and
// text (-o json printed nothing, which no JSON reader takes).
func TestNoImages(t *testing.T) {
	empty := t.TempDir()
	list := filepath.Join(t.TempDir(), "list.txt")
	os.WriteFile(list, nil, 0o644)
	dir := t.TempDir()
	out := filepath.Join(dir, "X.npy")
	const classifyCSV = "path,model,model_sha256,rank,index,label,prob,logit,error\n"
	const embedCSV = "path,model,model_sha256,pool,row,error\n"
	const inspectCSV = "path,model,model_sha256,rank,index,label,prob,logit,error,pictures\n"
	for _, tc := range []struct {
		name   string
		stdin  string
		args   []string
		want   string
		stdout string
	}{
		{"embed --out", "", []string{"embed", "--out", out, empty}, "vitctl: no images found in " + empty + "\n", ""},
		{"embed stdin", "", []string{"embed", "-o", "csv", "--out", out, "-"}, "vitctl: no images found in the paths read from stdin\n", embedCSV},
		{"embed inline", "", []string{"embed", empty, empty, empty, empty, empty}, "vitctl: no images found in " + empty + ", " + empty + ", " + empty + " and 2 more\n", ""},
		{"classify", "", []string{"classify", "-o", "jsonl", "--out", filepath.Join(dir, "X.jsonl"), empty, "-"}, "vitctl: no images found in " + empty + " and the paths read from stdin\n", ""},
		{"classify --from-file", "", []string{"classify", "--from-file", list}, "vitctl: no images found in the paths listed in " + list + "\n", ""},
		{"classify --resume", "", []string{"classify", "-o", "jsonl", "--resume", "--out", filepath.Join(dir, "F.jsonl"), empty}, "vitctl: no images found in " + empty + "\n", ""},
		{"classify json --out", "", []string{"classify", "--out", filepath.Join(dir, "X.json"), empty}, "vitctl: no images found in " + empty + "\n", ""},
		{"classify json", "", []string{"classify", "-o", "json", empty}, "vitctl: no images found in " + empty + "\n", "[]\n"},
		{"classify jsonl", "", []string{"classify", "-o", "jsonl", empty}, "vitctl: no images found in " + empty + "\n", ""},
		{"classify csv", "", []string{"classify", "-o", "csv", empty}, "vitctl: no images found in " + empty + "\n", classifyCSV},
		{"inspect-attention", "", []string{"inspect-attention", "--out", filepath.Join(dir, "attn"), empty}, "vitctl: no images found in " + empty + "\n", ""},
		{"inspect-attention json", "", []string{"inspect-attention", "-o", "json", "--out", filepath.Join(dir, "attn"), empty}, "vitctl: no images found in " + empty + "\n", "[]\n"},
		{"inspect-attention csv", "", []string{"inspect-attention", "-o", "csv", "--out", filepath.Join(dir, "attn"), empty}, "vitctl: no images found in " + empty + "\n", inspectCSV},
	} {
		code, stdout, errs := run(t, tc.stdin, tc.args...)
		if code != ExitFailed || stdout != tc.stdout || errs != tc.want {
			t.Errorf("%s: exit %d, stdout %q, stderr %q, want exit 1, stdout %q and stderr %q", tc.name, code, stdout, errs, tc.stdout, tc.want)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%s: left %v in the --out folder", tc.name, ents)
		}
	}
	// A --resume file that is there is left as it was, torn last line included.
	resumed := filepath.Join(t.TempDir(), "F.jsonl")
	torn := []byte("{\"path\":\"a.png\"}\n{\"path\":\"b")
	os.WriteFile(resumed, torn, 0o644)
	code, _, errs := run(t, "", "classify", "-o", "jsonl", "--resume", "--out", resumed, empty)
	if got, _ := os.ReadFile(resumed); code != ExitFailed || errs != "vitctl: no images found in "+empty+"\n" || string(got) != string(torn) {
		t.Errorf("--resume an existing file: exit %d, stderr %q, file %q, want exit 1 and the file as it was", code, errs, got)
	}
}

// TestSingleFileSummary: one image gets its summary line too.
func TestSingleFileSummary(t *testing.T) {
	code, _, errs := run(t, "", "classify", filepath.Join(imagesDir, "chelsea.png"))
	if code != ExitOK || !strings.Contains(errs, "\nclassified 1 of 1 image in ") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

// TestAllFailedSummary: a run whose every input fails gives no rate (it
// said "(0.0 img/s)"), and inspect-attention says no picture was drawn (it
// said "pictures in DIR") and leaves no empty --out folder it made.
func TestAllFailedSummary(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "notes.png")
	os.WriteFile(bad, []byte("not an image"), 0o644)
	attn := filepath.Join(dir, "attn")
	for _, tc := range []struct {
		args []string
		want string // regexp of the summary line
	}{
		{[]string{"classify", "-m", "fashion-vit", bad}, `(?m)^classified 0 of 1 image in \d+\.\d\ds, 1 failed\n\z`},
		{[]string{"embed", "-m", "fashion-vit", bad}, `(?m)^embedded 0 of 1 image in \d+\.\d\ds, 1 failed; cls pooling, 64 values each\n\z`},
		{[]string{"inspect-attention", "-m", "fashion-vit", bad, "--out", attn}, `(?m)^inspected 0 of 1 image in \d+\.\d\ds, 1 failed; no pictures drawn\n\z`},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != ExitFailed || !regexp.MustCompile(tc.want).MatchString(errs) {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant exit 1 and a summary matching %q", tc.args, code, errs, tc.want)
		}
	}
	if _, err := os.Stat(attn); !os.IsNotExist(err) {
		t.Errorf("inspect-attention left %s (%v)", attn, err)
	}
}

// TestSummariesAgree: classify, embed, inspect-attention and eval end a
// run of one good and one bad image with the same summary, the failed
// count included: inspect-attention's had no "N failed", eval's none at
// all but "vitctl: 1 of 2 images could not be read".
func TestSummariesAgree(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "Ankle boot")
	os.Mkdir(data, 0o755)
	os.WriteFile(filepath.Join(data, "a.png"), good, 0o644)
	os.WriteFile(filepath.Join(data, "b.png"), []byte("not an image"), 0o644)
	attn := filepath.Join(t.TempDir(), "attn")
	const counts = ` 1 of 2 images in \d+\.\d\ds \(\d+\.\d img/s\), 1 failed`
	for _, tc := range []struct {
		args []string
		want string // regexp of the summary line
	}{
		{[]string{"classify", data}, `classified` + counts + `\n\z`},
		{[]string{"embed", data}, `embedded` + counts + `; cls pooling, 64 values each\n\z`},
		{[]string{"inspect-attention", "--out", attn, data}, `inspected` + counts + `; pictures in ` + regexp.QuoteMeta(attn) + `\n\z`},
		{[]string{"eval", dir}, `evaluated` + counts + `\n\z`},
	} {
		code, _, errs := run(t, "", append(tc.args, "-m", "fashion-vit")...)
		if code != ExitFailed || !regexp.MustCompile(`(?m)^`+tc.want).MatchString(errs) {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant exit 1 and a summary matching %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestMissingInputWording: a missing file is worded the same whether it
// was an argument, a line on stdin or a line of a --from-file list, an
// image or a .npy file; a listed one said "NAME: cannot read: no such file
// or directory", an argument "NAME: no such file or directory".
func TestMissingInputWording(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"missing.jpg", "missing.npy"} {
		p := filepath.Join(dir, name)
		list := filepath.Join(dir, "list.txt")
		os.WriteFile(list, []byte(p+"\n"), 0o644)
		want := "vitctl: " + p + ": no such file or directory\n"
		for _, tc := range []struct {
			how, stdin string
			args       []string
		}{
			{"argument", "", []string{"classify", p}},
			{"stdin", p + "\n", []string{"classify", "-"}},
			{"--from-file", "", []string{"classify", "--from-file", list}},
			{"embed stdin", p + "\n", []string{"embed", "-"}},
			{"inspect-attention stdin", p + "\n", []string{"inspect-attention", "--out", filepath.Join(dir, "attn"), "-"}},
		} {
			code, _, errs := run(t, tc.stdin, append(tc.args, "-m", "fashion-vit")...)
			if code != ExitFailed || !strings.Contains(errs, want) {
				t.Errorf("%s, %s: exit %d, stderr:\n%s\nwant exit 1 and %q", name, tc.how, code, errs, want)
			}
		}
	}
}

// TestListedFolders: a folder named in a list (stdin, --from-file), as
// find DIR prints DIR and its sub-folders beside their files, is passed
// over with one note, not searched and not a failed image (it was "DIR:
// is a directory, not an image file", exit 1), in classify, embed and
// inspect-attention; shards and merge --inputs agree on it, and a list of
// folders only finds no images.
func TestListedFolders(t *testing.T) {
	png, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	photos := filepath.Join(dir, "photos")
	sub := filepath.Join(photos, "sub")
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(photos, "a.png"), png, 0o644)
	os.WriteFile(filepath.Join(sub, "b.png"), png, 0o644)
	os.WriteFile(filepath.Join(photos, "old.png"), png, 0o644) // left out of the list, as find -newer would
	find := strings.Join([]string{photos, filepath.Join(photos, "a.png"), sub, filepath.Join(sub, "b.png")}, "\n") + "\n"
	list := filepath.Join(dir, "list.txt")
	os.WriteFile(list, []byte(find), 0o644)
	note := "; 2 folders in the list skipped (" + photos + ", " + sub + "): a list names files, a folder is searched for images when it is an argument\n"
	attn := filepath.Join(dir, "attn")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "-"}, "classified 2 of 2 images in "},
		{[]string{"classify", "-r", "--from-file", list}, "classified 2 of 2 images in "},
		{[]string{"embed", "-"}, "embedded 2 of 2 images in "},
		{[]string{"inspect-attention", "--out", attn, "-"}, "inspected 2 of 2 images in "},
	} {
		code, out, errs := run(t, find, append(tc.args, "-m", "fashion-vit")...)
		if code != ExitOK || !strings.Contains(errs, tc.want) || !strings.HasSuffix(errs, note) || strings.Contains(out, "old.png") {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant exit 0, %q and %q, and no old.png", tc.args, code, errs, tc.want, note)
		}
	}
	folders := photos + "\n" + sub + "\n"
	want := "vitctl: no images found in the paths read from stdin; 2 folders in the list skipped"
	if code, _, errs := run(t, folders, "classify", "-m", "fashion-vit", "-"); code != ExitFailed || !strings.HasPrefix(errs, want) {
		t.Errorf("a list of folders: exit %d, stderr %q, want exit 1 and %q", code, errs, want)
	}
	// The shards between them hold the two images; merge takes the same list.
	var files []string
	for i := range 3 {
		out := filepath.Join(dir, fmt.Sprintf("shard-%d.jsonl", i))
		code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--shard", fmt.Sprintf("%d/3", i), "-o", "jsonl", "--out", out, "--from-file", list)
		if code != ExitOK || !strings.Contains(errs, fmt.Sprintf("shard %d/3: ", i)) || !strings.Contains(errs, " of 4 inputs\n") {
			t.Fatalf("shard %d/3: exit %d\n%s", i, code, errs)
		}
		files = append(files, out)
	}
	code, _, errs := run(t, "", append([]string{"merge", "--from-file", list}, files...)...)
	if code != ExitOK || !strings.Contains(errs, "every one of the 2 inputs has one record\n") {
		t.Errorf("merge: exit %d\n%s", code, errs)
	}
}

// TestListedNonImages: a list (stdin, --from-file, -0) is taken as a
// folder is: what find prints beside the photos (notes.txt, .DS_Store,
// Thumbs.db, desktop.ini, macOS's ._NAME, a HEIC) is passed over with one
// note, where each was tried and failed (exit 1), in classify, embed and
// inspect-attention; --all-files tries them (but ._NAME), a file named as
// an argument is tried, and shards and merge --from-file agree.
func TestListedNonImages(t *testing.T) {
	png, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := write("a.png", string(png)), write("b.PNG", string(png))
	others := []string{write("notes.txt", "x"), write(".DS_Store", "x"), write("Thumbs.db", "x"), write("desktop.ini", "x")}
	meta := write("._a.png", "\x00\x05\x16\x07 metadata")
	list := []string{dir, a, others[0], others[1], meta, others[2], b, others[3]}
	lines, nuls := strings.Join(list, "\n")+"\n", strings.Join(list, "\x00")
	listFile := write("list", lines) // "list" is no image name either: never in the note, as it is not in the list
	note := "; 1 folder in the list skipped (" + dir + "): a list names files, a folder is searched for images when it is an argument" +
		"; 4 files in the list skipped for their names, as in folders (" + others[0] + ", " + others[1] + ", " + others[2] + ", …; --all-files tries every file)" +
		"; 1 macOS metadata file skipped (._NAME: what macOS writes beside a file it copies, not an image)\n"
	attn := filepath.Join(t.TempDir(), "attn")
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{lines, []string{"classify", "-"}, "classified 2 of 2 images in "},
		{nuls, []string{"classify", "-0", "-"}, "classified 2 of 2 images in "},
		{"", []string{"classify", "--from-file", listFile}, "classified 2 of 2 images in "},
		{lines, []string{"embed", "-"}, "embedded 2 of 2 images in "},
		{lines, []string{"inspect-attention", "--out", attn, "-"}, "inspected 2 of 2 images in "},
	} {
		code, _, errs := run(t, tc.stdin, append(tc.args, "-m", "fashion-vit")...)
		if code != ExitOK || !strings.Contains(errs, tc.want) || !strings.HasSuffix(errs, note) {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant exit 0, %q and %q", tc.args, code, errs, tc.want, note)
		}
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{lines, []string{"classify", "--all-files", "-"}, "classified 2 of 6 images in "}, // ._a.png passed over still, as in folders
		{"", []string{"classify", others[0]}, others[0] + ": not a supported image"},
		{"", []string{"classify", meta}, meta + ": a macOS metadata file"},
	} {
		code, _, errs := run(t, tc.stdin, append(tc.args, "-m", "fashion-vit")...)
		if code != ExitFailed || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant exit 1 and %q", tc.args, code, errs, tc.want)
		}
	}
	heic := write("IMG_0001.HEIC", heic)
	want := "vitctl: no images found in the paths read from stdin; 2 files in the list skipped for their names, as in folders (" + others[0] + ", " + heic +
		"; --all-files tries every file), 1 of them a HEIC image, which vitctl cannot decode: convert it to JPEG first"
	if code, _, errs := run(t, others[0]+"\n"+heic+"\n", "classify", "-m", "fashion-vit", "-"); code != ExitFailed || !strings.HasPrefix(errs, want) {
		t.Errorf("a list of no images: exit %d, stderr %q, want exit 1 and %q", code, errs, want)
	}
	// The shards between them hold the two images, counting the entries
	// they passed over; merge takes the same list and finds no input missing.
	var files []string
	for i := range 3 {
		out := filepath.Join(t.TempDir(), fmt.Sprintf("shard-%d.jsonl", i))
		code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--shard", fmt.Sprintf("%d/3", i), "-o", "jsonl", "--out", out, "--from-file", listFile)
		if code != ExitOK || !strings.Contains(errs, " of 8 inputs\n") {
			t.Fatalf("shard %d/3: exit %d\n%s", i, code, errs)
		}
		files = append(files, out)
	}
	code, _, errs := run(t, "", append([]string{"merge", "--from-file", listFile}, files...)...)
	if code != ExitOK || !strings.Contains(errs, "every one of the 2 inputs has one record\n") {
		t.Errorf("merge: exit %d\n%s", code, errs)
	}
}

// TestFolderLinks: a folder walk treats a link to a folder as a folder:
// without -r a sub-folder not searched (it was "a file skipped for its
// name", and with --all-files "is a directory, not an image file"), with
// -r followed as finetune's class folders are (a subset made with ln -s
// gave "no images found"), except a link to a folder holding it, a loop;
// a link to a folder named as the argument is followed with -r too (it was
// taken for a loop: "no images found in LINK; 1 link to a folder holding it
// not followed"); merge --inputs -r lists the same images.
func TestFolderLinks(t *testing.T) {
	png, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	root, other := filepath.Join(dir, "root"), filepath.Join(dir, "other")
	os.MkdirAll(filepath.Join(other, "sub"), 0o755)
	os.MkdirAll(root, 0o755)
	os.WriteFile(filepath.Join(root, "a.png"), png, 0o644)
	os.WriteFile(filepath.Join(other, "b.png"), png, 0o644)
	os.WriteFile(filepath.Join(other, "sub", "c.png"), png, 0o644)
	if err := os.Symlink(other, filepath.Join(root, "link")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	os.Symlink("..", filepath.Join(other, "sub", "up")) // other/sub/up -> other: a loop
	os.Symlink(dir, filepath.Join(root, "top"))         // root/top -> dir, which holds root: a loop
	for _, tc := range []struct {
		args  []string
		code  int
		want  string
		paths []string
	}{
		{[]string{root}, ExitOK, "classified 1 of 1 image in ", []string{"root/a.png"}},
		{[]string{root}, ExitOK, "; 2 sub-folders not searched (-r descends into sub-folders)\n", nil},
		{[]string{"--all-files", root}, ExitOK, "classified 1 of 1 image in ", nil},
		{[]string{"-r", root}, ExitOK, "classified 3 of 3 images in ", []string{"root/a.png", "root/link/b.png", "root/link/sub/c.png"}},
		{[]string{"-r", root}, ExitOK, "; 2 links to a folder holding them not followed (a loop)\n", nil},
		{[]string{"-r", filepath.Join(root, "link")}, ExitOK, "classified 2 of 2 images in ", []string{"root/link/b.png", "root/link/sub/c.png"}},
		{[]string{"-r", filepath.Join(root, "link")}, ExitOK, "; 1 link to a folder holding it not followed (a loop)\n", nil},
	} {
		code, out, errs := run(t, "", append([]string{"classify", "-m", "fashion-vit", "-o", "jsonl"}, tc.args...)...)
		_, paths := jsonlPaths(t, out)
		for i, p := range paths {
			paths[i] = filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator)))
		}
		if code != tc.code || !strings.Contains(errs, tc.want) || tc.paths != nil && !slices.Equal(paths, tc.paths) {
			t.Errorf("%q: exit %d, records of %q, stderr:\n%s\nwant exit %d and %q", tc.args, code, paths, errs, tc.code, tc.want)
		}
	}
	out := filepath.Join(dir, "run.jsonl")
	run(t, "", "classify", "-m", "fashion-vit", "-r", "-o", "jsonl", "--out", out, root)
	if code, _, errs := run(t, "", "merge", "-r", "--inputs", root, out); code != ExitOK || !strings.Contains(errs, "every one of the 3 inputs has one record") {
		t.Errorf("merge -r --inputs: exit %d\n%s", code, errs)
	}
}

// TestImageExtensionsListed: a folder walk and a list of paths take
// .jfif and .jpe files as the JPEGs they are (both passed them over), and
// pass over .dib (Pillow's is a bare DIB, which vitctl cannot decode),
// while a .dib named as an argument is tried, and refused saying what it is.
func TestImageExtensionsListed(t *testing.T) {
	jpg, err := os.ReadFile(filepath.Join(imagesDir, "formats", "jpeg_420.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	dib, err := os.ReadFile(filepath.Join(imagesDir, "formats", "bmp_bare.dib"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var list []string
	for name, data := range map[string][]byte{"a.jfif": jpg, "b.JPE": jpg, "c.dib": dib} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		list = append(list, p)
	}
	slices.Sort(list)
	for _, tc := range []struct {
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"", []string{dir}, ExitOK, "classified 2 of 2 images in "},
		{"", []string{dir}, ExitOK, "1 file in folders skipped for its name"},
		{strings.Join(list, "\n") + "\n", []string{"-"}, ExitOK, "classified 2 of 2 images in "},
		{"", []string{list[2]}, ExitFailed, list[2] + ": a bare DIB (a BMP without its 14-byte \"BM\" file header"},
	} {
		code, _, errs := run(t, tc.stdin, append([]string{"classify", "-m", "fashion-vit", "-k", "1"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant exit %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}

// TestFolderLinkToParent: a link to a folder above it, reached by plain
// sub-folders below the folder named (root/a/b/up -> root/a), is a loop,
// not followed: its folder's images were classified twice, once more as
// root/a/b/up/…, before the walk noticed the loop one level further down.
func TestFolderLinkToParent(t *testing.T) {
	png, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "a", "b"), 0o755)
	os.WriteFile(filepath.Join(root, "a", "x.png"), png, 0o644)
	os.WriteFile(filepath.Join(root, "a", "b", "y.png"), png, 0o644)
	if err := os.Symlink("..", filepath.Join(root, "a", "b", "up")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	os.Symlink(".", filepath.Join(root, "a", "self")) // root/a/self -> root/a
	code, out, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "-r", root)
	_, paths := jsonlPaths(t, out)
	for i, p := range paths {
		paths[i] = filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator)))
	}
	if want := []string{"a/b/y.png", "a/x.png"}; code != ExitOK || !slices.Equal(paths, want) ||
		!strings.Contains(errs, "; 2 links to a folder holding them not followed (a loop)\n") {
		t.Errorf("exit %d, records of %q, stderr:\n%s\nwant %q and the 2 links counted as loops", code, paths, errs, want)
	}
}

// TestOtherSchemes: an address vitctl does not fetch, named as an
// argument or read from a list, says so, where it said "no such file or
// directory": file:// (a browser's address of a file) with the path to
// give, s3:// and a typo's htp:// with the schemes vitctl fetches; and
// "help" (vitctl classify help), not there, says to give --help. A path
// of that shape that is there is read as a file.
func TestOtherSchemes(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	there := filepath.Join(dir, "s3:", "", "photo.png") // s3://photo.png below dir
	os.MkdirAll(filepath.Dir(there), 0o755)
	b, _ := os.ReadFile(img)
	madeThere := os.WriteFile(there, b, 0o644) == nil // not on Windows, where ':' is no file name's
	const fetches = ", which vitctl does not fetch (it fetches http:// and https://): download the file and give its path, or give its https:// address"
	for _, tc := range []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"file:///photos/cat%20one.png"}, "", `"error":"a file:// address, not a path: give the file's path, /photos/cat one.png"`},
		{[]string{"file://localhost/photos/cat.png"}, "", `"error":"a file:// address, not a path: give the file's path, /photos/cat.png"`},
		{[]string{"-"}, "file:///photos/cat.png\n", `"error":"a file:// address, not a path: give the file's path, /photos/cat.png"`},
		{[]string{"s3://bucket/photos/cat.png"}, "", `"error":"an address of the scheme s3://` + fetches + `"`},
		{[]string{"htp://example.com/cat.png"}, "", `"error":"an address of the scheme htp://` + fetches + `"`},
		{[]string{filepath.Join(dir, "none.png")}, "", `"error":"no such file or directory"`},
		{[]string{"help"}, "", `"error":"no such file or directory (for the command's help, give --help)"`}, // vitctl classify help
	} {
		wantFailedRecord(t, tc.stdin, tc.args, tc.want)
	}
	if !madeThere {
		return
	}
	t.Chdir(dir)
	if code, out, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "s3://photo.png"); code != ExitOK || !strings.Contains(out, `"top_k"`) {
		t.Errorf("s3://photo.png, a file here: exit %d\n%s%s", code, out, errs)
	}
}

// wantFailedRecord runs classify and inspect-attention (-m fashion-vit,
// -o jsonl) on args, stdin its standard input, each wanting exit 1 and a
// record holding want: inspect-attention words an input's error as
// classify does (it said "no such file or directory" of a link found in a
// folder).
func wantFailedRecord(t *testing.T, stdin string, args []string, want string) {
	t.Helper()
	for _, cmd := range [][]string{
		{"classify"},
		{"inspect-attention", "--layers", "5", "--out", filepath.Join(t.TempDir(), "attn")},
	} {
		code, out, errs := run(t, stdin, append(append(cmd, "-m", "fashion-vit", "-o", "jsonl"), args...)...)
		if code != ExitFailed || !strings.Contains(out, want) {
			t.Errorf("%s %q: exit %d, records\n%s\nstderr\n%s\nwant %s", cmd[0], args, code, out, errs, want)
		}
	}
}

// TestBrokenLink: a link whose file is gone says so, and where it leads,
// named as an argument, found in a folder or read from a list, where each
// said "no such file or directory" of a name ls lists; a missing file
// says what it said. A link in a loop of links says so, the same three
// ways, where named as an argument it said its file was "not there" and
// found in a folder gave the bare "too many levels of symbolic links".
// The words are finetune's and eval's for a class folder's link, without
// the errno after them ("(no such file or directory)"), and so are those
// of a file named for reading: eval's DATA, --from-file, merge's shards.
// inspect-attention words them as classify does.
func TestBrokenLink(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "gone.png")
	if err := os.Symlink("photos/cat.png", link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	const want = `"error":"a link to photos/cat.png, which is not there"`
	loopDir := t.TempDir() // loop1.png -> loop2.png -> loop1.png: both are there
	loop := filepath.Join(loopDir, "loop1.png")
	os.Symlink("loop2.png", loop)
	os.Symlink("loop1.png", filepath.Join(loopDir, "loop2.png"))
	const wantLoop = `"error":"a link to loop2.png, part of a loop of links that leads to no file"`
	for _, tc := range []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{link}, "", want},
		{[]string{dir}, "", want},
		{[]string{"-"}, link + "\n", want},
		{[]string{filepath.Join(dir, "none.png")}, "", `"error":"no such file or directory"`},
		{[]string{loop}, "", wantLoop},
		{[]string{loopDir}, "", wantLoop},
		{[]string{"-"}, loop + "\n", wantLoop},
	} {
		wantFailedRecord(t, tc.stdin, tc.args, tc.want)
	}
	for _, args := range [][]string{
		{"eval", "-m", "fashion-vit", link},
		{"classify", "-m", "fashion-vit", "--from-file", link},
		{"merge", link},
	} {
		want := "reading " + link + ": a link to photos/cat.png, which is not there\n"
		if code, _, errs := run(t, "", args...); code != ExitFailed || !strings.HasSuffix(errs, want) {
			t.Errorf("%q: exit %d, stderr %q, want exit 1 ending %q", args, code, errs, want)
		}
	}
}

// TestUnreadableFolder: a folder that cannot be read (chmod 000; as root,
// where chmod denies nothing, a readDir that fails) is one failed record
// saying so, and the summary counts it as a folder that could not be read,
// not as an image, in classify (-r and the folder named), embed and
// inspect-attention; the exit status is 1. It was "classified 1 of 2
// images, 1 failed". A run of that folder alone says that no images were
// found, and why, where it said "classified 0 of 0 images …, 0 failed".
func TestUnreadableFolder(t *testing.T) {
	png, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	sub := filepath.Join(root, "sub")
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(root, "a.png"), png, 0o644)
	os.WriteFile(filepath.Join(sub, "b.png"), png, 0o644)
	if os.Geteuid() == 0 {
		defer func(f func(string) ([]fs.DirEntry, error)) { readDir = f }(readDir)
		readDir = func(dir string) ([]fs.DirEntry, error) {
			if dir == sub {
				return nil, &fs.PathError{Op: "open", Path: dir, Err: fs.ErrPermission}
			}
			return os.ReadDir(dir)
		}
	} else {
		os.Chmod(sub, 0)
		defer os.Chmod(sub, 0o755)
	}
	const why = `"error":"a folder that cannot be read (permission denied): its files are left out"`
	folder := "; 1 folder could not be read (" + sub + ")"
	pictures := filepath.Join(t.TempDir(), "pictures")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "-r", root}, "classified 1 of 1 image in "},
		{[]string{"classify", sub}, "no images found: 1 folder could not be read (" + sub + ")\n"},
		{[]string{"classify", "--out", filepath.Join(t.TempDir(), "out.jsonl"), sub}, "no images found: 1 folder could not be read (" + sub + "); results in "},
		{[]string{"embed", "-r", root}, "embedded 1 of 1 image in "},
		{[]string{"embed", sub}, "no images found: 1 folder could not be read (" + sub + ")\n"},
		{[]string{"inspect-attention", "--size", "16", "--out", pictures, "-r", root}, "inspected 1 of 1 image in "},
		{[]string{"inspect-attention", "--size", "16", "--out", pictures, sub}, "no images found: 1 folder could not be read (" + sub + ")\n"},
	} {
		args := append([]string{tc.args[0], "-m", "fashion-vit", "-o", "jsonl"}, tc.args[1:]...)
		code, out, errs := run(t, "", args...)
		folder := folder
		if strings.Contains(tc.want, "no images found") { // want names the folder
			folder = ""
			if strings.Contains(errs, "0 of 0") || strings.Contains(errs, "0 failed") {
				t.Errorf("%q: the summary counts no images: %s", tc.args, errs)
			}
		}
		if tc.args[0] == "classify" && strings.Contains(tc.want, "results in") {
			b, _ := os.ReadFile(tc.args[2])
			out = string(b)
		}
		if code != ExitFailed || !strings.Contains(errs, tc.want) || !strings.Contains(errs, folder) ||
			!strings.Contains(out, `{"path":"`+sub+`"`) || !strings.Contains(out, why) {
			t.Errorf("%q: exit %d, records\n%.600s\nstderr\n%s\nwant exit 1, a record with %s, and %q and %q", tc.args, code, out, errs, why, tc.want, folder)
		}
	}
}

// TestListLineAroundPath: a line of a list that is no path but holds one
// with spaces or quotes around it, or several separated by commas or
// tabs, says so, where " a.png" and "a.png " were passed over for their
// names and the others were "no such file or directory". Such a name that
// is there is read.
func TestListLineAroundPath(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png"))
	if err != nil {
		t.Fatal(err)
	}
	a, c := filepath.Join(dir, "a.png"), filepath.Join(dir, "c.png")
	os.WriteFile(a, b, 0o644)
	os.WriteFile(c, b, 0o644)
	spaced := filepath.Join(dir, " spaced.png") // a name that starts with a space, as it is
	os.WriteFile(spaced, b, 0o644)
	around := func(what string) string {
		return `"error":"no such file: the line has ` + what + ` around ` + a + `, which is there; a list holds each path as it is, one a line"`
	}
	const several = `"error":"no such file: the line holds 2 paths, separated by commas or tabs; a list holds one path a line"`
	for _, tc := range []struct{ line, want string }{
		{a + " ", around("spaces")},
		{" " + a, around("spaces")},
		{`"` + a + `"`, around("quotes")},
		{"'" + a + "'", around("quotes")},
		{` "` + a + ` "`, around("quotes and spaces")},
		{a + "," + c, several},
		{a + "\t" + c, several},
		{a + ",none.png", `"error":"no such file or directory"`},
		{spaced, `"top_k"`},
	} {
		code, out, errs := run(t, tc.line+"\n", "classify", "-m", "fashion-vit", "-o", "jsonl", "-")
		if !strings.Contains(out, tc.want) || (code == ExitOK) != (tc.want == `"top_k"`) {
			t.Errorf("line %q: exit %d, records\n%s\nstderr\n%s\nwant %s", tc.line, code, out, errs, tc.want)
		}
	}
}

// TestListingOrder: results come in the order README.md gives: the
// arguments as given, a folder's files by name byte for byte (LC_ALL=C
// ls: B before a), and with -r a sub-folder's files where its name sorts
// among them (a/x.png before a.png, as a walk goes, not as sort orders
// whole paths, which puts a.png first).
func TestListingOrder(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.png", "a0.png", "B.png", "é.png", "a/x.png", "a/y/z.png", "a/w.png", "b/v.png"} {
		p := filepath.Join(dir, n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	first := filepath.Join(t.TempDir(), "z.png")
	os.WriteFile(first, nil, 0o644)
	inputs, err := expand([]string{first, dir}, &listing{recursive: true}, nil, '\n')
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range inputs {
		got = append(got, strings.TrimPrefix(in.path, dir+"/"))
	}
	want := []string{first, "B.png", "a/w.png", "a/x.png", "a/y/z.png", "a.png", "a0.png", "b/v.png", "é.png"}
	if !slices.Equal(got, want) {
		t.Errorf("order\n%q\nwant\n%q", got, want)
	}
}
