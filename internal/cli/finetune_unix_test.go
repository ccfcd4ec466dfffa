//go:build unix

package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/filelock"
)

// TestFinetuneOutClaimed: a finetune into an OUT that another run is
// writing (it holds the claim), named as that run named it or through a
// link, is refused at once, exit 1, writing nothing, where both ran and
// wrote OUT and OUT.ckpt over each other (and a run started after the
// other's first epoch was told to --resume a run "interrupted" while it
// ran); the claim is gone when a run ends, and the next run is taken.
func TestFinetuneOutClaimed(t *testing.T) {
	base, data := fashionGGUF(t), fashionTree(t)
	dir := t.TempDir()
	out, link := filepath.Join(dir, "m.gguf"), filepath.Join(dir, "link.gguf")
	if err := os.Symlink("m.gguf", link); err != nil {
		t.Fatal(err)
	}
	args := func(out string) []string {
		return []string{"finetune", "-m", base, "--train", "head", "--epochs", "1", "--out", out, data}
	}
	release, err := filelock.Claim(outClaimPath(out)) // the other run
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{out, link} {
		code, _, errs := run(t, "", args(o)...)
		want := "vitctl: --out " + o + ": another vitctl finetune is writing it and " + out + ".ckpt now: wait for that run to end, or give this one another --out\n"
		if code != ExitFailed || errs != want {
			t.Errorf("--out %s while claimed: exit %d, stderr:\n%s\nwant exit %d and:\n%s", o, code, errs, ExitFailed, want)
		}
		for _, p := range []string{out, out + ".ckpt"} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("--out %s while claimed wrote %s", o, p)
			}
		}
	}
	release()
	if code, _, errs := run(t, "", args(link)...); code != ExitOK {
		t.Fatalf("after the other run: exit %d:\n%s", code, errs)
	}
	if _, err := os.Stat(outClaimPath(out)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the claim's lock file after the run: %v, want it removed", err)
	}
	if _, err := os.Stat(out); err != nil {
		t.Error(err)
	}
}

// TestFinetuneSummaryUnwritten: a summary that stdout does not take (a
// full disk) fails the run, exit 1, saying so and that OUT is written, in
// text and in -o json; the run ended with exit status 0, saying nothing.
func TestFinetuneSummaryUnwritten(t *testing.T) {
	data := fashionTree(t)
	for _, format := range []string{"text", "json"} {
		out := filepath.Join(t.TempDir(), "m.gguf")
		var errb strings.Builder
		code := Main([]string{"finetune", data, "-m", "fashion-vit", "--train", "head", "--epochs", "1", "--out", out, "-o", format},
			strings.NewReader(""), fullWriter{}, &errb)
		want := "\nvitctl: writing output: no space left on device (" + out + " is written)\n"
		if code != ExitFailed || !strings.HasSuffix(errb.String(), want) {
			t.Errorf("-o %s: exit %d, stderr\n%s\nwant exit 1, ending%s", format, code, errb.String(), want)
		}
		if _, err := os.Stat(out); err != nil {
			t.Errorf("-o %s: %v", format, err)
		}
	}
}

// TestDanglingClassLink: a link in DATA that leads nowhere (a class
// folder's, in a subset made with ln -s, after the folder moved) is named
// in a warning, by finetune and by eval; the class was left out without a
// word. A dangling link named as an image is an image outside the class
// folders, as before.
func TestDanglingClassLink(t *testing.T) {
	data := fashionTree(t)
	gone := filepath.Join(t.TempDir(), "moved")
	os.Symlink(gone, filepath.Join(data, "hats"))
	os.Symlink(gone+".png", filepath.Join(data, "x.png"))
	want := "vitctl: warning: " + filepath.Join(data, "hats") + ": a link to " + gone + ", which is not there; not a class\n"
	out := filepath.Join(t.TempDir(), "m.gguf")
	code, _, errs := run(t, "", "finetune", data, "-m", "fashion-vit", "--out", out, "--train", "head", "--epochs", "1", "--threads", "2")
	if code != 0 || !strings.Contains(errs, want) || !strings.Contains(errs, `outside the class folders ("x.png")`) {
		t.Errorf("finetune: exit %d, stderr:\n%s\nwant exit 0 and %q", code, errs, want)
	}
	code, _, errs = run(t, "", "eval", "-m", out, data)
	if code != 0 || !strings.Contains(errs, want) {
		t.Errorf("eval: exit %d, stderr:\n%s\nwant exit 0 and %q", code, errs, want)
	}
}

// TestFinetuneSkipsBrokenLinks: an image in a class folder that is a link
// leading nowhere, gone or in a loop of links, is skipped saying so, as
// classify and eval say it; finetune said "too many levels of symbolic
// links" or "no such file or directory" of a file ls lists.
func TestFinetuneSkipsBrokenLinks(t *testing.T) {
	data := fashionTree(t)
	loop, gone := filepath.Join(data, "bags", "loop.png"), filepath.Join(data, "shoes", "gone.png")
	os.Symlink("loop.png", loop)
	os.Symlink("moved.png", gone)
	out := filepath.Join(t.TempDir(), "m.gguf")
	code, _, errs := run(t, "", "finetune", data, "-m", "fashion-vit", "--out", out, "--train", "head", "--epochs", "1", "--val-split", "0", "--threads", "2")
	for _, want := range []string{
		"vitctl: skipped: " + loop + ": a link to loop.png, part of a loop of links that leads to no file\n",
		"vitctl: skipped: " + gone + ": a link to moved.png, which is not there\n",
	} {
		if code != ExitFailed || !strings.Contains(errs, want) {
			t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and %q", code, errs, want)
		}
	}
}
