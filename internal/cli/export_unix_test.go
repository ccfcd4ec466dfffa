//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestExportOutNotWritable: export into a folder that takes no new files
// says so before the model is read, in the words other commands use
// (checkOutputFolder). It was "writing exp: .exp.NNN.tmp: permission
// denied", naming its temporary and not --out.
func TestExportOutNotWritable(t *testing.T) {
	var out, in string
	if os.Geteuid() != 0 {
		in = filepath.Join(t.TempDir(), "ro")
		os.Mkdir(in, 0o555)
		defer os.Chmod(in, 0o755)
		out = filepath.Join(in, "exp")
	} else if runtime.GOOS == "linux" { // root writes into any folder a mode guards
		in, out = "/proc", "/proc/vitctl-exp"
	} else {
		t.Skip("run as root: no folder refuses a file")
	}
	code, stdout, errs := run(t, "", "export", "fashion-vit", "--out", out)
	want := "vitctl: --out " + out + ": cannot write into " + in + ": "
	if code != ExitFailed || stdout != "" || !strings.HasPrefix(errs, want) || strings.Count(errs, "\n") != 1 {
		t.Errorf("exit %d, stdout %q, stderr\n%s\nwant exit 1 and one line starting %q", code, stdout, errs, want)
	}
}
