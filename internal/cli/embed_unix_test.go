//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmbedFailedListsNoRows: embed --out FILE.npy lists the rows on
// stdout only once FILE.npy is written, so a run that fails (or is
// interrupted) lists none, where it listed them as the run went, the rows
// of a file that was never written. /dev/full, a device, takes the whole
// array when the run ends, and refuses it.
func TestEmbedFailedListsNoRows(t *testing.T) {
	if st, err := os.Stat("/dev/full"); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Skip("no /dev/full here")
	}
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, format := range []string{"jsonl", "csv"} {
		code, stdout, errs := run(t, "", "embed", "-m", "fashion-vit", "-o", format, "--out", "/dev/full", img, img)
		if code != ExitFailed || stdout != "" || !strings.Contains(errs, "writing /dev/full: no space left on device") {
			t.Errorf("-o %s: exit %d, stdout %q, stderr %q; want exit 1, nothing on stdout and the error", format, code, stdout, errs)
		}
	}
}
