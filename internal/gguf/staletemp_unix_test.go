//go:build unix

package gguf

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
// process of its own, which starts writing a model file, says so and waits
// to be killed.
func TestHelperKilledWriter(t *testing.T) {
	path := os.Getenv("VITCTL_KILLED_GGUF")
	if path == "" {
		t.Skip("run by TestStaleTempsRemoved")
	}
	w, _ := sample(t)
	w.WriteFile(path, func(TensorInfo, io.Writer) error {
		filelocktest.Ready()
		time.Sleep(time.Minute)
		return nil
	})
}

// TestStaleTempsRemoved: the temporary of a writer killed with SIGKILL is
// removed by the next WriteFile to the same path once over a minute old; a
// live writer's (locked, as WriteFile's own is while it writes), a young
// one and names WriteFile does not give (another file's, a folder, not
// digits) are kept.
func TestStaleTempsRemoved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.gguf")
	kill := filelocktest.Start(t, "TestHelperKilledWriter", "VITCTL_KILLED_GGUF="+path)
	killed := tempsIn(t, dir)
	if len(killed) != 1 {
		kill()
		t.Fatalf("the writer made %q, want one file", killed)
	}
	old := time.Now().Add(-2 * filelock.StaleAfter)
	os.Chtimes(killed[0], old, old)
	removeStaleTemps(path) // the writer is alive and holds its lock
	if _, err := os.Stat(killed[0]); err != nil {
		t.Errorf("a live writer's temporary was removed: %v", err)
	}
	kill() // SIGKILL: no cleanup runs

	live := filepath.Join(dir, ".m.gguf.tmp-111") // another writer, still working
	os.WriteFile(live, nil, 0o600)
	defer filelock.Hold(live)()
	var mine []string // not WriteFile's temporaries of m.gguf
	for _, name := range []string{".n.gguf.tmp-333", ".m.gguf.tmp-12x", ".m.gguf.123.tmp", ".m.gguf.tmp-"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("mine"), 0o644)
		mine = append(mine, p)
	}
	folder := filepath.Join(dir, ".m.gguf.tmp-444")
	os.Mkdir(folder, 0o755)
	filepath.WalkDir(dir, func(p string, _ os.DirEntry, _ error) error {
		return os.Chtimes(p, old, old)
	})
	young := filepath.Join(dir, ".m.gguf.tmp-222") // as a writer that just started, before its lock
	os.WriteFile(young, nil, 0o600)

	w, data := sample(t)
	if err := w.WriteFile(path, func(ti TensorInfo, dst io.Writer) error {
		_, err := dst.Write(data[ti.Name])
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	got := tempsIn(t, dir)
	if slices.Contains(got, killed[0]) {
		t.Errorf("the killed writer's %s is still there", killed[0])
	}
	for _, w := range append(mine, live, folder, young) {
		if _, err := os.Lstat(w); err != nil {
			t.Errorf("%s was removed; only a killed writer's old temporaries go", w)
		}
	}
}

// tempsIn lists WriteFile's temporary names (".*.tmp-*") in dir.
func tempsIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var temps []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".tmp-") {
			temps = append(temps, filepath.Join(dir, e.Name()))
		}
	}
	return temps
}
