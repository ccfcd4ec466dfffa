package cli

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// afterCommand is args with words put after its first, the command:
// (classify a.png, -m m) gives classify -m m a.png.
func afterCommand(args []string, words ...string) []string {
	return append(append(args[:1:1], words...), args[1:]...)
}

// eofOnce is a terminal's stdin: it gives EOF once, when Ctrl-D is typed,
// and a read after that waits for more typing (here: fails).
type eofOnce struct {
	r   io.Reader
	eof bool
}

func (e *eofOnce) Read(p []byte) (int, error) {
	if e.eof {
		return 0, errors.New("read after EOF: waits for a second Ctrl-D")
	}
	n, err := e.r.Read(p)
	e.eof = err == io.EOF
	return n, err
}

// TestListEOFOnce: a list shorter than the bytes read to tell an image
// from it ends at its one EOF, as a terminal gives it: vitctl classify -
// with one path typed and Ctrl-D waited for a second Ctrl-D, the first
// taken by the look at the list's first bytes.
func TestListEOFOnce(t *testing.T) {
	for _, list := range []string{"a.png\n", "a.png", "b.jpg\nc.jpg\n"} {
		got, err := readList(&eofOnce{r: strings.NewReader(list)}, "stdin", '\n')
		var paths []string
		for _, in := range got {
			if in.err != nil {
				t.Errorf("%q: %s: %v", list, in.path, in.err)
			}
			paths = append(paths, in.path)
		}
		if want := strings.Fields(list); err != nil || !slices.Equal(paths, want) {
			t.Errorf("%q: paths %q, error %v; want %q", list, paths, err, want)
		}
	}
}

// TestListWithoutNull: a list of NUL-separated paths (find -print0) read
// without -0 is a usage error that says to give -0, from --from-file or
// stdin, in classify, embed and merge. It was taken for one long path,
// passed over for its name with the whole list printed in the note, and
// the note's advice (--all-files) did not help; a list of more than 1 MiB
// failed as "bufio.Scanner: token too long".
func TestListWithoutNull(t *testing.T) {
	dir := t.TempDir()
	img, _ := filepath.Abs(filepath.Join(imagesDir, "chelsea.png"))
	var small string // three images: one listed three times gets one record
	for _, n := range []string{"chelsea.png", "coffee.png", "camera.png"} {
		p, _ := filepath.Abs(filepath.Join(imagesDir, n))
		small += p + "\x00"
	}
	big := strings.Repeat(img+"\x00", (2<<20)/len(img))
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	smallList, bigList := file("small", small), file("big", big)
	shardFile := file("shard.jsonl", "")
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"classify", "--from-file", smallList}, smallList},
		{"", []string{"classify", "--from-file", bigList}, bigList},
		{small, []string{"classify", "-"}, "stdin"},
		{big, []string{"embed", "-o", "jsonl", "-"}, "stdin"},
		{"", []string{"merge", "--from-file", smallList, shardFile}, smallList},
	} {
		args := afterCommand(tc.args, "-m", "fashion-vit")
		if tc.args[0] == "merge" {
			args = tc.args
		}
		code, stdout, errs := run(t, tc.stdin, args...)
		want := "vitctl: reading paths from " + tc.want + ": a line holds a NUL byte: its paths are separated by NUL bytes (find -print0), so give -0\n"
		if code != ExitUsage || errs != want || stdout != "" {
			t.Errorf("%q: exit %d, stdout %.100q, stderr\n%.300s\nwant exit 2 and\n%s", tc.args, code, stdout, errs, want)
		}
	}
	code, stdout, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "-0", "--from-file", smallList)
	if _, paths := jsonlPaths(t, stdout); code != ExitOK || len(paths) != 3 {
		t.Errorf("with -0: exit %d, records of %q\n%s", code, paths, errs)
	}
}

// TestListLinesWithNull: a list of paths one per line (find without
// -print0, ls, echo) read with -0 is a usage error that says to leave out
// -0, from --from-file or stdin, in classify, embed, inspect-attention and
// merge. It was taken for one path holding line breaks: passed over for
// its name with the whole list printed, lines and all, in the note ("no
// images found"), or, one line, "no such file".
func TestListLinesWithNull(t *testing.T) {
	dir := t.TempDir()
	img, _ := filepath.Abs(filepath.Join(imagesDir, "chelsea.png"))
	img2, _ := filepath.Abs(filepath.Join(imagesDir, "coffee.png"))
	lines := strings.Repeat(img+"\n", 3)
	list := filepath.Join(dir, "list")
	if err := os.WriteFile(list, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	shardFile := filepath.Join(dir, "shard.jsonl")
	os.WriteFile(shardFile, nil, 0o644)
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"classify", "--from-file", list}, list},
		{lines, []string{"classify", "-"}, "stdin"},
		{img + "\n", []string{"classify", "-"}, "stdin"},
		{img + "\r\n", []string{"embed", "-"}, "stdin"},
		{lines, []string{"inspect-attention", "--out", filepath.Join(dir, "attn"), "-"}, "stdin"},
		{"", []string{"merge", "--from-file", list, shardFile}, list},
	} {
		args := afterCommand(tc.args, "-m", "fashion-vit", "-0")
		if tc.args[0] == "merge" {
			args = append([]string{"merge", "-0"}, tc.args[1:]...)
		}
		code, stdout, errs := run(t, tc.stdin, args...)
		want := "vitctl: reading paths from " + tc.want + ": -0 given, but no NUL byte separates its paths and it holds line breaks: its paths are one per line (find without -print0), so leave out -0\n"
		if code != ExitUsage || errs != want || stdout != "" {
			t.Errorf("%q: exit %d, stdout %.100q, stderr\n%.300s\nwant exit 2 and\n%s", tc.args, code, stdout, errs, want)
		}
	}
	// One path, or several, that -0 separates are taken as they are.
	for _, tc := range []struct {
		stdin string
		n     int
	}{{img, 1}, {img + "\x00", 1}, {img + "\x00" + img2 + "\x00", 2}} {
		code, stdout, errs := run(t, tc.stdin, "classify", "-m", "fashion-vit", "-o", "jsonl", "-0", "-")
		if _, paths := jsonlPaths(t, stdout); code != ExitOK || len(paths) != tc.n {
			t.Errorf("%q with -0: exit %d, records of %q, want %d\n%s", tc.stdin, code, paths, tc.n, errs)
		}
	}
}

// TestImageAsList: an image given where a list of paths is read (cat
// photo.png | vitctl classify -, --from-file photo.jpg), with -0 or
// without, is a usage error that says so. It said "a line holds a NUL
// byte: its paths are separated by NUL bytes (find -print0), so give -0",
// and with -0 each run of its bytes was a path skipped for its name. A
// list whose first path begins as a BMP's signature ("BM") is a list.
func TestImageAsList(t *testing.T) {
	png, _ := filepath.Abs(filepath.Join(imagesDir, "chelsea.png"))
	jpg, _ := filepath.Abs(filepath.Join(imagesDir, "rocket.jpg"))
	pngBytes, err := os.ReadFile(png)
	if err != nil {
		t.Fatal(err)
	}
	jpgBytes, err := os.ReadFile(jpg)
	if err != nil {
		t.Fatal(err)
	}
	stdin := "name the image as an argument instead of - (a pipe too: <(curl -s URL))\n"
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{string(pngBytes), []string{"classify", "-"}, "vitctl: reading paths from stdin: it holds a PNG image, not a list of paths: " + stdin},
		{string(jpgBytes), []string{"embed", "-"}, "vitctl: reading paths from stdin: it holds a JPEG image, not a list of paths: " + stdin},
		{string(pngBytes), []string{"classify", "-0", "-"}, "vitctl: reading paths from stdin: it holds a PNG image, not a list of paths: " + stdin},
		{"", []string{"classify", "--from-file", jpg}, "vitctl: reading paths from " + jpg + ": it holds a JPEG image, not a list of paths: name it as an argument, not with --from-file (" + jpg + ")\n"},
	} {
		args := afterCommand(tc.args, "-m", "fashion-vit")
		code, stdout, errs := run(t, tc.stdin, args...)
		if code != ExitUsage || errs != tc.want || stdout != "" {
			t.Errorf("%q: exit %d, stdout %.100q, stderr\n%.300s\nwant exit 2 and\n%s", tc.args, code, stdout, errs, tc.want)
		}
	}
	dir := t.TempDir()
	bmw := filepath.Join(dir, "BMW.png")
	os.WriteFile(bmw, pngBytes, 0o644)
	t.Chdir(dir)
	for _, list := range []string{"BMW.png\n", "BMW.png\x00"} {
		args := []string{"classify", "-m", "fashion-vit", "-o", "jsonl", "-"}
		if strings.HasSuffix(list, "\x00") {
			args = append(args, "-0")
		}
		code, stdout, errs := run(t, list, args...)
		if _, paths := jsonlPaths(t, stdout); code != ExitOK || len(paths) != 1 {
			t.Errorf("a list of BMW.png (%q): exit %d, records of %q\n%s", list, code, paths, errs)
		}
	}
}

// TestListLongLine: a list entry over the longest a path may be (1 MiB)
// is one failed record named LIST:N, and the paths after it are read and
// run, one per line or with -0; --resume keeps that record and runs no
// path twice. It was one record of the whole list, and the paths after
// the long line were not read.
func TestListLongLine(t *testing.T) {
	dir := t.TempDir()
	img, _ := filepath.Abs(filepath.Join(imagesDir, "chelsea.png"))
	img2, _ := filepath.Abs(filepath.Join(imagesDir, "coffee.png"))
	long := strings.Repeat("a", 2<<20)
	for _, tc := range []struct {
		name, text, word string
		null             bool
	}{
		{"lines", img + "\n" + long + "\n" + img2 + "\r\n", "a line", false},
		{"nul", img + "\x00" + long + "\x00" + img2, "a NUL-separated entry", true},
		{"last", img + "\n" + img2 + "\n" + long, "a line", false},
	} {
		list := filepath.Join(dir, tc.name)
		if err := os.WriteFile(list, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out-"+tc.name+".jsonl")
		args := []string{"classify", "-m", "fashion-vit", "--out", out, "--resume", "--from-file", list}
		if tc.null {
			args = append(args, "-0")
		}
		at := list + ":2"
		if tc.name == "last" {
			at = list + ":3"
		}
		code, _, errs := run(t, "", args...)
		want := "vitctl: " + at + ": " + tc.word + " longer than 1.0 MiB, which no path is: not read (the paths after it are)\n"
		text, _ := os.ReadFile(out)
		_, paths := jsonlPaths(t, string(text))
		if code != ExitFailed || !strings.Contains(errs, want) || strings.Count(errs, list) != 1 || !slices.Equal(paths, []string{img, at, img2}) && !slices.Equal(paths, []string{img, img2, at}) {
			t.Errorf("%s: exit %d, records of %q, stderr\n%s\nwant exit 1, records of %s, %s and %s, and\n%s", tc.name, code, paths, errs, img, img2, at, want)
		}
		code, _, errs = run(t, "", args...)
		text, _ = os.ReadFile(out)
		if _, again := jsonlPaths(t, string(text)); !slices.Equal(again, paths) {
			t.Errorf("%s: --resume again: exit %d, records of %q, stderr\n%s", tc.name, code, again, errs)
		}
	}
}

// TestNullWithoutList: -0 says how the paths of a list (- or --from-file)
// are separated, and a run that reads no list is refused, exit 2, saying
// so, where -0 was taken without a word; so are merge's -r and --all-files
// without inputs to list. Each writes nothing.
func TestNullWithoutList(t *testing.T) {
	img, _ := filepath.Abs(filepath.Join(imagesDir, "chelsea.png"))
	shardFile := filepath.Join(t.TempDir(), "shard.jsonl")
	os.WriteFile(shardFile, []byte(`{"path":"a.png","model":"m","model_sha256":"x","top_k":[]}`+"\n"), 0o644)
	attn := filepath.Join(t.TempDir(), "attn")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "-0", img}, "vitctl: -0 separates the paths read from - (stdin) or --from-file LIST by NUL bytes, and this run reads no list: give - for a list on stdin (find photos -print0 | vitctl classify -0 -), or leave out -0\n"},
		{[]string{"embed", "--null", img}, "vitctl: -0 separates the paths read from - (stdin) by NUL bytes, and this run reads no list: give - for a list on stdin (find photos -print0 | vitctl embed -0 -), or leave out -0\n"},
		{[]string{"inspect-attention", "-0", "--out", attn, img}, "vitctl: -0 separates the paths read from - (stdin) by NUL bytes, and this run reads no list: give - for a list on stdin (find photos -print0 | vitctl inspect-attention -0 -), or leave out -0\n"},
		{[]string{"merge", "-0", shardFile}, "vitctl: -0 separates the paths of --from-file or --inputs - by NUL bytes, and this merge reads no list: give the run's list (--from-file LIST -0), or leave out -0\n"},
		{[]string{"merge", "-0", "--inputs", img, shardFile}, "vitctl: -0 separates the paths of --from-file or --inputs - by NUL bytes"},
		{[]string{"merge", "-r", shardFile}, "vitctl: -r says how the run listed its input folders, and this merge is given none: give them with --inputs DIR (or --from-file LIST) to check that each input has a record, or leave out -r\n"},
		{[]string{"merge", "--all-files", shardFile}, "vitctl: --all-files says how the run listed its input folders"},
	} {
		code, stdout, errs := run(t, "", tc.args...)
		if code != ExitUsage || stdout != "" || !strings.HasPrefix(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, stdout, errs, tc.want)
		}
	}
	if _, err := os.Stat(attn); err == nil {
		t.Errorf("inspect-attention made %s", attn)
	}
	// With a list, -0 reads it.
	for _, args := range [][]string{{"classify", "-0", "-"}, {"embed", "-0", "-"}, {"classify", "-0", "--from-file", "-"}} {
		if code, _, errs := run(t, img+"\x00", args...); code != ExitOK {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
}
