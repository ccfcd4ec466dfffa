//go:build unix

package cli

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vitctl/vitctl/internal/filelock"
	"github.com/vitctl/vitctl/internal/filelock/filelocktest"
)

// TestHelperKilledWriter is not a test: TestStaleTempsRemoved runs it in a
// process of its own, which starts an image's pictures and a --out file,
// says so and waits to be killed.
func TestHelperKilledWriter(t *testing.T) {
	out := os.Getenv("VITCTL_KILLED_WRITER_OUT")
	if out == "" {
		t.Skip("run by TestStaleTempsRemoved")
	}
	f, err := newPictureFolder(filepath.Join(out, "chelsea"))
	if err != nil {
		t.Fatal(err)
	}
	w := f.writer()
	w.file("input.png", func(fw io.Writer) error { _, err := fw.Write([]byte("png")); return err })
	if _, err := createAtomic(filepath.Join(out, "res.jsonl")); err != nil {
		t.Fatal(err)
	}
	filelocktest.Ready()
	time.Sleep(time.Minute)
}

// TestStaleTempsRemoved: the temporary folder and file of a run killed
// with SIGKILL are removed by the next inspect-attention or classify run
// into the same place, once over a minute old; a live run's (locked), a
// young one and a folder holding files vitctl does not write are kept.
func TestStaleTempsRemoved(t *testing.T) {
	out := t.TempDir()
	filelocktest.Start(t, "TestHelperKilledWriter", "VITCTL_KILLED_WRITER_OUT="+out)() // SIGKILL: no cleanup runs
	killed := tempsIn(t, out)
	if len(killed) != 2 {
		t.Fatalf("the killed run left %q, want a folder and a file", killed)
	}

	live, err := newPictureFolder(filepath.Join(out, "coffee")) // another run, still working
	if err != nil {
		t.Fatal(err)
	}
	defer live.abort()
	liveFile, err := createTemp(filepath.Join(out, "res.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer liveFile.abort()
	mine := filepath.Join(out, ".notes.123.tmp") // not vitctl's: holds another file
	os.Mkdir(mine, 0o755)
	os.WriteFile(filepath.Join(mine, "notes.txt"), []byte("mine"), 0o644)
	old := time.Now().Add(-2 * filelock.StaleAfter)
	filepath.WalkDir(out, func(p string, _ os.DirEntry, _ error) error {
		return os.Chtimes(p, old, old)
	})
	young, err := os.MkdirTemp(out, ".camera.*.tmp") // as a run that just started, before its lock
	if err != nil {
		t.Fatal(err)
	}

	code, _, errs := run(t, "", "inspect-attention", "-m", "fashion-vit", "--layers", "5", "--size", "28", "--out", out, "-o", "jsonl", filepath.Join(imagesDir, "chelsea.png"))
	if code != ExitOK {
		t.Fatalf("inspect-attention: exit %d: %s", code, errs)
	}
	code, _, errs = run(t, "", "classify", "-m", "fashion-vit", "--out", filepath.Join(out, "res.jsonl"), filepath.Join(imagesDir, "chelsea.png"))
	if code != ExitOK {
		t.Fatalf("classify: exit %d: %s", code, errs)
	}
	want := []string{live.tmp, liveFile.Name(), mine, young}
	got := tempsIn(t, out)
	for _, k := range killed {
		if slices.Contains(got, k) {
			t.Errorf("the killed run's %s is still there", k)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s was removed; only a killed run's old temporaries go", w)
		}
	}
}

// tempsIn lists the temporary names (".*.tmp") in dir.
func tempsIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var temps []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && strings.HasSuffix(e.Name(), ".tmp") {
			temps = append(temps, filepath.Join(dir, e.Name()))
		}
	}
	return temps
}
