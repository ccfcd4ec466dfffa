//go:build unix

package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestOutToStream: --out naming a pipe (or a device: /dev/stdout,
// /dev/null) gets the whole output once the run ends, and the pipe stays
// a pipe, where the temporary file beside it was renamed onto it: run as
// root, --out /dev/stdout replaced /dev/stdout with a file of results.
// A model file (convert's --out) and --resume, which read the file back
// or write beside it, refuse one.
func TestOutToStream(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	dir := t.TempDir()
	shardFile := filepath.Join(dir, "s.jsonl")
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--out", shardFile, img); code != ExitOK {
		t.Fatalf("classify: exit %d\n%s", code, errs)
	}
	for i, tc := range []struct {
		args []string
		code int
		want string // the start of what the pipe gets
	}{
		{[]string{"classify", "-m", "fashion-vit", "-o", "jsonl", img}, ExitOK, `{"path":`},
		{[]string{"embed", "-m", "fashion-vit", img}, ExitOK, "\x93NUMPY"},
		{[]string{"merge", shardFile}, ExitOK, `{"path":`},
		{[]string{"classify", "-m", "fashion-vit", "-o", "jsonl", "--resume", img}, ExitUsage, ""},
		{[]string{"convert", filepath.Join(testdataDir, "models", "vit-p16-gelu")}, ExitUsage, ""},
	} {
		fifo := filepath.Join(dir, "out"+string(rune('a'+i)))
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skip("no named pipes here:", err)
		}
		got := make(chan []byte, 1)
		go func() { b, _ := os.ReadFile(fifo); got <- b }()
		code, _, errs := run(t, "", append(tc.args, "--out", fifo)...)
		if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
			t.Fatalf("%q: --out %s is no longer a pipe (exit %d)\n%s", tc.args, fifo, code, errs)
		}
		if code != ExitOK {
			// Nothing was written: open and close the pipe's writing end
			// for the reader to end.
			if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
				w.Close()
			}
		}
		out := <-got
		if code != tc.code || !bytes.HasPrefix(out, []byte(tc.want)) || tc.want == "" && len(out) > 0 {
			t.Errorf("%q --out PIPE: exit %d, the pipe got %q…, want exit %d and %q…\n%s", tc.args, code, out[:min(len(out), 20)], tc.code, tc.want, errs)
		}
	}
}

// TestIsStream: names under /dev and /proc, pipes and devices are streams;
// files, folders and names not there yet are not.
func TestIsStream(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.jsonl")
	os.WriteFile(file, nil, 0o644)
	fifo := filepath.Join(dir, "p")
	syscall.Mkfifo(fifo, 0o600)
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"/dev/stdout", true},
		{"/dev/null", true},
		{"/dev/fd/3", true},
		{"/proc/self/fd/1", true},
		{fifo, true},
		{file, false},
		{dir, false},
		{filepath.Join(dir, "new.jsonl"), false},
		{"results.jsonl", false},
	} {
		if got := isStream(tc.path); got != tc.want {
			t.Errorf("isStream(%q) = %v, want %v", strings.TrimPrefix(tc.path, dir), got, tc.want)
		}
	}
}

// TestOutThroughLink: an --out that is a link (results.jsonl ->
// runs/7/results.jsonl) stays one, and the file it names, there or not
// yet, gets the output, where the temporary file was renamed onto the
// link: it became a file of its own and the file it named kept the old
// results (and, in convert and finetune, the old model).
func TestOutThroughLink(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	dir := t.TempDir()
	shardFile := filepath.Join(dir, "s.jsonl")
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--out", shardFile, img); code != ExitOK {
		t.Fatalf("classify: exit %d\n%s", code, errs)
	}
	os.Mkdir(filepath.Join(dir, "runs"), 0o755)
	for i, tc := range []struct {
		args []string
		name string // of the --out file
		want string // the start of what it gets
	}{
		{[]string{"classify", "-m", "fashion-vit", img}, "c.jsonl", `{"path":`},
		{[]string{"embed", "-m", "fashion-vit", img}, "e.npy", "\x93NUMPY"},
		{[]string{"merge", shardFile}, "m.jsonl", `{"path":`},
		{[]string{"convert", filepath.Join(testdataDir, "models", "vit-p16-gelu")}, "v.gguf", "GGUF"},
		{[]string{"finetune", fashionTree(t), "-m", "fashion-vit", "--epochs", "1", "--train", "head", "--val-split", "0", "--threads", "1"}, "f.gguf", "GGUF"},
	} {
		for _, there := range []bool{true, false} {
			target := filepath.Join(dir, "runs", fmt.Sprintf("%d-%v-%s", i, there, tc.name))
			if there {
				os.WriteFile(target, []byte("old"), 0o644)
			}
			link := filepath.Join(dir, fmt.Sprintf("%d-%v-%s", i, there, tc.name))
			if err := os.Symlink(filepath.Join("runs", filepath.Base(target)), link); err != nil {
				t.Skip("no symbolic links here:", err)
			}
			code, _, errs := run(t, "", append(tc.args, "--out", link)...)
			st, err := os.Lstat(link)
			got, _ := os.ReadFile(target)
			if code != ExitOK || err != nil || st.Mode()&os.ModeSymlink == 0 || !bytes.HasPrefix(got, []byte(tc.want)) {
				t.Errorf("%q --out LINK (its file there: %v): exit %d, the link is %v, its file holds %q…\n%s", tc.args, there, code, st.Mode(), got[:min(len(got), 20)], errs)
			}
		}
	}
}

// TestOutputsOneFile: two output files of one command that are one file,
// through a link (there or dangling), a linked folder or a hard link, are
// refused with exit status 2 naming both flags, before any work: the
// second written replaced the first. Files of their own pass.
func TestOutputsOneFile(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	os.WriteFile(p("rows.csv"), []byte("old"), 0o644)
	os.Symlink("rows.csv", p("to-rows.png"))
	os.Symlink("new.csv", p("to-new.png")) // dangling: new.csv is written
	os.Link(p("rows.csv"), p("hard.png"))
	os.Mkdir(p("d"), 0o755)
	os.Symlink("d", p("linked"))
	os.Symlink("../linked/m.gguf", p("d/curve.png")) // through a linked folder
	os.Symlink("m.gguf.ckpt", p("to-ckpt.png"))
	for _, tc := range []struct {
		args  []string
		flags string
	}{
		{tinyBench("--out", p("rows.csv"), "--plot", p("to-rows.png")), "--out " + p("rows.csv") + " and --plot " + p("to-rows.png") + " name one file (" + p("to-rows.png") + " leads to " + p("rows.csv") + ")"},
		{tinyBench("--out", p("new.csv"), "--plot", p("to-new.png")), "--out " + p("new.csv") + " and --plot " + p("to-new.png") + " name one file (" + p("to-new.png") + " leads to " + p("new.csv") + ")"},
		{tinyBench("--out", p("rows.csv"), "--plot", p("hard.png")), "--out " + p("rows.csv") + " and --plot " + p("hard.png") + " name one file"},
		{[]string{"finetune", imagesDir, "--out", p("d/m.gguf"), "--plot", p("d/curve.png")}, "--out " + p("d/m.gguf") + " and --plot " + p("d/curve.png") + " name one file"},
		{[]string{"finetune", imagesDir, "--out", p("m.gguf"), "--plot", p("to-ckpt.png")}, "--out's training state " + p("m.gguf.ckpt") + " and --plot " + p("to-ckpt.png") + " name one file"},
	} {
		code, stdout, errs := run(t, "", tc.args...)
		if code != ExitUsage || stdout != "" || !strings.Contains(errs, tc.flags) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr\n%s\nwant exit 2 and %q", tc.args, code, stdout, errs, tc.flags)
		}
	}
	if b, _ := os.ReadFile(p("rows.csv")); string(b) != "old" {
		t.Errorf("rows.csv was written: %q", b)
	}
	if err := checkDistinctOutputs([2]string{"--out", p("rows.csv")}, [2]string{"--plot", p("chart.png")}, [2]string{"--x", ""}, [2]string{"--y", ""}); err != nil {
		t.Errorf("files of their own: %v", err)
	}
}
