//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestInspectOutNotWritable: an --out folder that cannot be written into,
// or made, is one line naming it and the folder, before the model is
// loaded (checkOutputFolder), as a results file's --out is. It was
// "--out: mkdir attn: permission denied" of a folder it could not make,
// and of a read-only folder there, "making attn/IMG: permission denied"
// for every image of the run.
func TestInspectOutNotWritable(t *testing.T) {
	type tc struct{ out, in string }
	var cases []tc
	if os.Geteuid() != 0 {
		ro := filepath.Join(t.TempDir(), "ro")
		os.Mkdir(ro, 0o555)
		defer os.Chmod(ro, 0o755)
		cases = append(cases, tc{ro, ro}, tc{filepath.Join(ro, "attn", "sub"), ro})
	} else if runtime.GOOS == "linux" { // root writes into any folder a mode guards
		cases = append(cases, tc{"/proc/vitctl-attn", "/proc"}, tc{"/proc/self/attn", "/proc/self"})
	} else {
		t.Skip("run as root: no folder refuses a file")
	}
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, c := range cases {
		code, _, errs := run(t, "", "inspect-attention", "-m", "fashion-vit", "--out", c.out, img, img)
		want := "vitctl: --out " + c.out + ": cannot write into " + c.in + ": "
		if code != ExitFailed || !strings.HasPrefix(errs, want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("--out %s: exit %d, stderr\n%s\nwant exit 1 and one line starting %q", c.out, code, errs, want)
		}
	}
}
