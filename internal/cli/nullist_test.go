package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestListWithoutNull: a list of NUL-separated paths (find -print0) read
// without -0 is a usage error that says to give -0, from --from-file or
// stdin, in classify, embed and merge. It was taken for one long path,
// passed over for its name with the whole list printed in the note, and
// the note's advice (--all-files) did not help; a list of more than 1 MiB
// failed as "bufio.Scanner: token too long".
func TestListWithoutNull(t *testing.T) {
	dir := t.TempDir()
	img, _ := filepath.Abs(filepath.Join(imagesDir, "chelsea.png"))
	small := strings.Repeat(img+"\x00", 3)
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
		args := append(tc.args[:1:1], append([]string{"-m", "fashion-vit"}, tc.args[1:]...)...)
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

// TestListLongLine: a list with a line over the longest a path may be
// fails as one record of the list, named once ("LIST: a list of paths with
// a line longer than …", where it said "LIST: reading paths from LIST: …").
func TestListLongLine(t *testing.T) {
	list := filepath.Join(t.TempDir(), "long")
	if err := os.WriteFile(list, []byte(strings.Repeat("a", 2<<20)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--from-file", list)
	want := "vitctl: " + list + ": a list of paths with a line longer than 1.0 MiB, which no path is: the paths after it are not read\n"
	if code != ExitFailed || !strings.Contains(errs, want) || strings.Count(errs, list) != 1 {
		t.Errorf("exit %d, stderr\n%s\nwant exit 1 and\n%s", code, errs, want)
	}
}
