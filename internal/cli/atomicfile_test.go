package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// mkdirAtEOF reads r, and makes the folder dir when r is read to its end:
// a folder that appears at the output file's name after the command
// checked it, while the inputs are read.
type mkdirAtEOF struct {
	r   io.Reader
	dir string
}

func (m *mkdirAtEOF) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err == io.EOF {
		os.MkdirAll(m.dir, 0o755)
	}
	return n, err
}

// TestFolderInWayOfOutput: a folder at the name of a file written through
// a temporary file (made after the checks before the run, so only the
// rename finds it) is named as in the way, not "file exists"; nothing is
// left beside it.
func TestFolderInWayOfOutput(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, tc := range []struct {
		name string
		args func(out string) []string
	}{
		{"classify --out", func(out string) []string {
			return []string{"classify", "-m", "fashion-vit", "-o", "jsonl", "--out", out, "-"}
		}},
		{"embed --out", func(out string) []string { return []string{"embed", "-m", "fashion-vit", "--out", out, "-"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "res.out")
			var stdout, stderr bytes.Buffer
			code := Main(tc.args(out), &mkdirAtEOF{strings.NewReader(img + "\n"), out}, &stdout, &stderr)
			want := out + ": is a folder, where the output file goes; move it away or give another name"
			if code == ExitOK || !strings.Contains(stderr.String(), want) {
				t.Errorf("exit %d, stderr %q; want an error saying %q", code, stderr.String(), want)
			}
			if strings.Contains(stderr.String(), "file exists") {
				t.Errorf("stderr %q shows the rename's error", stderr.String())
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("%s holds %d entries, want the folder only (no temporary file)", dir, len(entries))
			}
		})
	}
}

// TestOutBelowFile: an --out below a file names the file that is no
// folder, however deep: --out photo.jpg/sub/x.json said "folder
// photo.jpg/sub does not exist".
func TestOutBelowFile(t *testing.T) {
	img := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ cmd, out string }{
		{"classify", filepath.Join(file, "x.json")},
		{"classify", filepath.Join(file, "sub", "x.json")},
		{"embed", filepath.Join(file, "sub", "x.npy")},
	} {
		code, stdout, errs := run(t, "", tc.cmd, "-m", "fashion-vit", "--out", tc.out, img)
		if want := "vitctl: --out " + tc.out + ": " + file + " is not a folder\n"; code != ExitUsage || stdout != "" || errs != want {
			t.Errorf("%s --out %s: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.cmd, tc.out, code, stdout, errs, want)
		}
	}
}

// TestReadOnlyOutWords: a read-only --out is refused with the command that
// makes it writable on the system: on Windows, which has no chmod, it said
// "is read-only (-r--r--r--) … (chmod u+w FILE)" of its read-only
// attribute.
func TestReadOnlyOutWords(t *testing.T) {
	for _, tc := range []struct{ goos, want string }{
		{"linux", "--out k.csv: is read-only (-r--r--r--), and vitctl leaves it as it is: make it writable (chmod u+w k.csv) or give another name"},
		{"darwin", "--out k.csv: is read-only (-r--r--r--), and vitctl leaves it as it is: make it writable (chmod u+w k.csv) or give another name"},
		{"windows", "--out k.csv: is read-only (its read-only attribute is set), and vitctl leaves it as it is: make it writable (attrib -r k.csv) or give another name"},
	} {
		if err := readOnlyOut("--out", "k.csv", 0o444, tc.goos); err.Error() != tc.want {
			t.Errorf("%s: %q, want %q", tc.goos, err, tc.want)
		}
	}
}

// TestReadOnlyOut: an --out file made read-only (chmod 444, to keep it) is
// refused with exit status 2 and left as it was, in every command that
// writes one, where the rename of the temporary replaced it all the same,
// and made it writable; and a file that is replaced keeps its permissions
// (results made private, 0600, were made 0644).
func TestReadOnlyOut(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"classify --out", []string{"classify", "-m", "fashion-vit", "-o", "jsonl", img, "--out"}},
		{"classify --resume", []string{"classify", "-m", "fashion-vit", "-o", "jsonl", "--resume", img, "--out"}},
		{"embed --out", []string{"embed", "-m", "fashion-vit", img, "--out"}},
		{"convert --out", []string{"convert", filepath.Join("..", "..", "testdata", "models", "fashion-vit"), "--out"}},
		{"finetune --out", []string{"finetune", "-m", "fashion-vit", filepath.Join(imagesDir, "fashion"), "--out"}},
		{"merge --out", []string{"merge", filepath.Join("..", "shard", "testdata", "nope.jsonl"), "--out"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ext := map[string]string{"embed": ".npy", "convert": ".gguf", "finetune": ".gguf"}[tc.args[0]]
			if ext == "" {
				ext = ".jsonl"
			}
			out := filepath.Join(t.TempDir(), "kept"+ext)
			if err := os.WriteFile(out, []byte("kept\n"), 0o444); err != nil {
				t.Fatal(err)
			}
			code, _, errs := run(t, "", append(tc.args, out)...)
			want := "vitctl: --out " + out + ": is read-only (-r--r--r--), and vitctl leaves it as it is: make it writable (chmod u+w " + out + ") or give another name\n"
			if runtime.GOOS == "windows" {
				want = "vitctl: --out " + out + ": is read-only (its read-only attribute is set), and vitctl leaves it as it is: make it writable (attrib -r " + out + ") or give another name\n"
			}
			st, _ := os.Stat(out)
			if b, _ := os.ReadFile(out); code != ExitUsage || errs != want || string(b) != "kept\n" || st.Mode().Perm() != 0o444 {
				t.Errorf("exit %d, file now %q (%v), stderr\n%s\nwant exit 2, the file as it was and\n%s", code, b, st.Mode().Perm(), errs, want)
			}
		})
	}
	out := filepath.Join(t.TempDir(), "private.jsonl")
	if err := os.WriteFile(out, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := run(t, "", "classify", "-m", "fashion-vit", "--out", out, img); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 || st.Mode().Perm() != 0o600 {
		t.Errorf("the replaced file: %v, %v; want its results, and 0600 as it was", st.Mode(), err)
	}
}
