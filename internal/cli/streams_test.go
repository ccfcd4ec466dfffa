package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestWroteLinesStreams pins where each command says what it wrote: the
// model file that convert (and finetune) exist to make is their result, one
// "wrote FILE: …" line on stdout; a file written on the side (--plot) or the
// file a run of records went to is a note on stderr, and stdout keeps only
// the results, whole JSON when asked for.
func TestWroteLinesStreams(t *testing.T) {
	src := filepath.Join(testdataDir, "models", "vit-p16-gelu")
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	for _, tc := range []struct {
		args   []string
		json   bool   // stdout is JSON (or JSON lines)
		stdout string // regexp, when not JSON
		stderr string // regexp
	}{
		{[]string{"convert", src, "--out", at("m.gguf")}, false, `^wrote .*m\.gguf: 118\.1k parameters, f32, .*\n$`, `^$`},
		{tinyBench("-o", "json", "--plot", at("b.png")), true, "", `(?m)^vitctl: wrote .*b\.png \(the p50 latency .*\)\n\z`},
		{[]string{"embed", "-m", "fashion-vit", img, "--out", at("e.npy"), "-o", "jsonl"}, true, "", `e\.npy holds \(1, 64\)\n$`},
		// The summary of a run whose records went to --out names the file
		// (embed's "e.npy holds", inspect-attention's "pictures in DIR");
		// classify and merge did not.
		{[]string{"classify", "-m", "fashion-vit", img, "--out", at("c.jsonl")}, false, `^$`, `^classified 1 of 1 image in .*, 0 failed; results in .*c\.jsonl\n$`},
		{[]string{"merge", at("c.jsonl"), "--out", at("all.jsonl")}, false, `^$`, `^merged 1 record from 1 file into .*all\.jsonl\n$`},
	} {
		code, stdout, stderr := run(t, "", tc.args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d\n%s", tc.args, code, stderr)
		}
		if tc.json {
			for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
				if !json.Valid([]byte(line)) && !json.Valid([]byte(stdout)) {
					t.Errorf("%v: stdout is not JSON: %q", tc.args, stdout)
					break
				}
			}
		} else if !regexp.MustCompile(tc.stdout).MatchString(stdout) {
			t.Errorf("%v: stdout %q does not match %q", tc.args, stdout, tc.stdout)
		}
		if !regexp.MustCompile(tc.stderr).MatchString(stderr) {
			t.Errorf("%v: stderr %q does not match %q", tc.args, stderr, tc.stderr)
		}
	}
}

// TestStdinOnce: stdin named twice (- - , - and --from-file -, merge's
// --inputs - and --from-file -) is a usage error, where the first read it
// to its end and the second silently gave no path; once is fine.
func TestStdinOnce(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	shardFile := filepath.Join(t.TempDir(), "s.jsonl")
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--out", shardFile, img); code != ExitOK {
		t.Fatalf("classify: exit %d\n%s", code, errs)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"classify", "-m", "fashion-vit", "-", "-"}, ExitUsage},
		{[]string{"classify", "-m", "fashion-vit", "--from-file", "-", "-"}, ExitUsage},
		{[]string{"classify", "-m", "fashion-vit", "--from-file", "-", img}, ExitOK},
		{[]string{"embed", "-m", "fashion-vit", "-", img, "-"}, ExitUsage},
		{[]string{"embed", "-m", "fashion-vit", "-", img}, ExitOK},
		{[]string{"inspect-attention", "-m", "fashion-vit", "--out", t.TempDir(), "-", "-"}, ExitUsage},
		{[]string{"merge", "--inputs", "-", "--from-file", "-", shardFile}, ExitUsage},
		{[]string{"merge", "--inputs", "-", shardFile}, ExitOK},
	} {
		code, _, errs := run(t, img+"\n", tc.args...)
		if code != tc.code || tc.code == ExitUsage && !strings.Contains(errs, "- (stdin) is named more than once") {
			t.Errorf("%q: exit %d, want %d\n%s", tc.args, code, tc.code, errs)
		}
	}
}

// TestStdinFolder: a folder on stdin (vitctl classify - < photos/) is a
// usage error saying to give the folder itself, in every command that
// reads paths from -, and no record is written; it was one failed input
// named "stdin" ("reading its paths: is a directory"), exit status 1.
func TestStdinFolder(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	shardFile := filepath.Join(t.TempDir(), "s.jsonl")
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--out", shardFile, img); code != ExitOK {
		t.Fatalf("classify: exit %d\n%s", code, errs)
	}
	const want = "vitctl: reading paths from stdin: it is a folder (< DIR), not a list of paths: give the folder itself in place of - (-r for its sub-folders)\n"
	for _, args := range [][]string{
		{"classify", "-m", "fashion-vit", "-o", "jsonl", "-"},
		{"classify", "-m", "fashion-vit", "--from-file", "-", img},
		{"embed", "-m", "fashion-vit", "-"},
		{"inspect-attention", "-m", "fashion-vit", "--out", t.TempDir(), "-"},
		{"merge", "--inputs", "-", shardFile},
	} {
		dir, err := os.Open(imagesDir)
		if err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		code := Main(args, dir, &out, &errb)
		dir.Close()
		if code != ExitUsage || errb.String() != want || out.Len() != 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr\n%s\nwant exit 2 and\n%s", args, code, out.String(), errb.String(), want)
		}
	}
}

// TestTerminalStdinNote: stdin that is a terminal says, when a list of
// paths is first read from it, that the run waits for paths typed there:
// vitctl classify - at a prompt waited without a word. A run that reads
// no list from it says nothing.
func TestTerminalStdinNote(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	note := "vitctl: reading paths from the terminal, one a line; Ctrl-D ends them (or pipe a list in: find DIR -iname '*.jpg' | vitctl …)\n"
	for _, tc := range []struct {
		args []string
		note bool
	}{
		{[]string{"classify", "-m", "fashion-vit", "-"}, true},
		{[]string{"classify", "-m", "fashion-vit", "--from-file", "-"}, true},
		{[]string{"embed", "-m", "fashion-vit", "-"}, true},
		{[]string{"classify", "-m", "fashion-vit", img}, false},
	} {
		var out, errb bytes.Buffer
		in := &terminalStdin{ctx: context.Background(), r: strings.NewReader(img + "\n"), w: &errb}
		err := newRootCmd(streams{in: in, out: &out, err: &errb}, tc.args).Execute()
		if err != nil || strings.HasPrefix(errb.String(), note) != tc.note || strings.Count(errb.String(), note) > 1 || !strings.Contains(out.String(), img) {
			t.Errorf("%q: error %v, stdout %q, stderr\n%s\nwant the note first: %v", tc.args, err, out.String(), errb.String(), tc.note)
		}
	}
}

// TestRefusedBeforeReadingList: a run refused for its --image-size (not a
// multiple of the patch size, or one image too large for memory) says so
// before it reads a list of paths: classify and embed asked for paths
// typed at the terminal, read them, and only then said the size was
// wrong, since their runners are sized for the images listed (9c82a34).
func TestRefusedBeforeReadingList(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "-m", "fashion-vit", "--image-size", "30", "-"}, "--image-size 30: 30 is not a multiple of the model's patch size 7; try 28 or 35"},
		{[]string{"classify", "-m", "fashion-vit", "--image-size", "30", "--from-file", "-"}, "--image-size 30: 30 is not a multiple"},
		{[]string{"embed", "-m", "fashion-vit", "--image-size", "30", "-"}, "--image-size 30: 30 is not a multiple"},
		{[]string{"classify", "-m", "fashion-vit", "--image-size", "70000", "--max-memory", "1G", "-"}, "needs about"},
		{[]string{"embed", "-m", "fashion-vit", "--image-size", "70000", "--max-memory", "1G", "-"}, "needs about"},
	} {
		var out, errb bytes.Buffer
		in := &terminalStdin{ctx: context.Background(), r: strings.NewReader(img + "\n"), w: &errb}
		err := newRootCmd(streams{in: in, out: &out, err: &errb}, tc.args).Execute()
		if err == nil || !strings.Contains(err.Error(), tc.want) || in.said || out.Len() != 0 {
			t.Errorf("%q: error %v, stdout %q, stderr %q; want %q before stdin is read", tc.args, err, out.String(), errb.String(), tc.want)
		}
	}
}

// onWrite is a stderr that calls f at its first write.
type onWrite struct {
	bytes.Buffer
	f func()
}

func (w *onWrite) Write(p []byte) (int, error) {
	if w.f != nil {
		w.f()
		w.f = nil
	}
	return w.Buffer.Write(p)
}

// TestTerminalStdinInterrupted: Ctrl-C while a run waits for paths typed
// at the terminal stops it, exit 130: the read waited for typing, deaf to
// the signal, and vitctl classify - typed by mistake ended only at Ctrl-D
// (a second Ctrl-C did nothing either).
func TestTerminalStdinInterrupted(t *testing.T) {
	for _, args := range [][]string{
		{"classify", "-m", "fashion-vit", "-"},
		{"classify", "-m", "fashion-vit", "--from-file", "-"},
		{"embed", "-m", "fashion-vit", "-"},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		typing, keys := io.Pipe()   // nothing is typed
		errb := &onWrite{f: cancel} // Ctrl-C once the note says the run waits
		var out bytes.Buffer
		in := &terminalStdin{ctx: ctx, r: typing, w: errb}
		done := make(chan error, 1)
		go func() { done <- newRootCmd(streams{in: in, out: &out, err: errb}, args).ExecuteContext(ctx) }()
		select {
		case err := <-done:
			if code := exitCode(ctx, err, errb); code != ExitInterrupted || out.Len() != 0 || !strings.HasSuffix(errb.String(), "vitctl: interrupted\n") {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 130 and \"vitctl: interrupted\"", args, code, out.String(), errb.String())
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%q: still reading the terminal 20 s after Ctrl-C", args)
		}
		cancel()
		keys.Close() // ends the read left waiting for typing
	}
}
