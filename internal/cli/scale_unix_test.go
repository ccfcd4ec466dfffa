//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vitctl/vitctl/internal/shard"
)

// TestResumeBusy: a --resume file another run is appending to (it holds
// the file's lock) is refused, left as it was, where the two runs each
// wrote every input's record and neither --resume nor merge would then
// read the file ("a second record for …"); once that run ends, the same
// command finishes the file.
func TestResumeBusy(t *testing.T) {
	img := filepath.Join(imagesDir, "chelsea.png")
	out := filepath.Join(t.TempDir(), "labels.jsonl")
	other, err := shard.Resume(out) // the other run, holding the lock
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, errs := run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "--resume", "--out", out, img)
	want := "vitctl: --resume: " + out + " is being written by another run, which holds its lock (one run per file): wait for that run to end (the same command then finishes what it left), or give this one another --out\n"
	if after, _ := os.ReadFile(out); code != ExitFailed || errs != want || stdout != "" || len(after) != 0 {
		t.Errorf("while another run holds it: exit %d, file now %q, stderr\n%s\nwant exit 1, the file empty and\n%s", code, after, errs, want)
	}
	other.Close()
	code, _, errs = run(t, "", "classify", "-m", "fashion-vit", "-o", "jsonl", "--resume", "--out", out, img)
	after, _ := os.ReadFile(out)
	if _, paths := jsonlPaths(t, string(after)); code != ExitOK || len(paths) != 1 || paths[0] != img {
		t.Errorf("after the other run ended: exit %d, records of %q\n%s", code, paths, errs)
	}
}
