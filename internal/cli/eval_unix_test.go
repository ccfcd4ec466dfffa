//go:build unix

package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEvalInterrupted: Ctrl-C says how many images were scored of how
// many, and that no report is written, exit 130; it said "vitctl:
// interrupted" alone, where classify and embed say how far they got.
func TestEvalInterrupted(t *testing.T) {
	dir := t.TempDir()
	labels, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.SplitN(string(labels), "\n", 2)
	fashion, _ := filepath.Abs(filepath.Join(imagesDir, "fashion"))
	list := rows[0] + "\nbroken.png,0,9,Ankle boot\n" + strings.ReplaceAll("\n"+rows[1], "\n0", "\n"+fashion+"/0")[1:]
	os.WriteFile(filepath.Join(dir, "broken.png"), []byte("\x89PNG not really"), 0o644)
	csv := filepath.Join(dir, "labels.csv")
	os.WriteFile(csv, []byte(list), 0o644)
	errw := &interruptAfter{mark: "broken.png"} // the first image's failure
	var out bytes.Buffer
	code := Main([]string{"eval", "-m", "fashion-vit", "--batch", "1", "--decoders", "1", csv}, strings.NewReader(""), &out, errw)
	// The images of the batch being written when the signal came are
	// scored too: a few, not all.
	want := regexp.MustCompile(`\nvitctl: interrupted after [1-9] of 31 images: no report, which would score only those\n$`)
	if errs := errw.buf.String(); code != ExitInterrupted || !want.MatchString(errs) || out.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 130, no stdout and %s", code, out.String(), errs, want)
	}
}
