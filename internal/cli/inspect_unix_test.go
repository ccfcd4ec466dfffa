//go:build unix

package cli

import (
	"bytes"
	"encoding/json"
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

// TestInspectInterruptedJSON: inspect-attention -o json interrupted
// (Ctrl-C) closes its array after the records done, as classify's does:
// since the records stream, the array was left open ("[\n  {…}" and no
// "]"), which no JSON reader takes.
func TestInspectInterruptedJSON(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.png")
	os.WriteFile(broken, []byte("\x89PNG not really"), 0o644)
	img := filepath.Join(imagesDir, "chelsea.png")
	errw := &interruptAfter{mark: "broken.png"} // the first input's failure
	var out bytes.Buffer
	code := Main([]string{"inspect-attention", "-m", "fashion-vit", "-o", "json", "--out", filepath.Join(dir, "attn"), broken, img, img}, strings.NewReader(""), &out, errw)
	var recs []record
	if err := json.Unmarshal(out.Bytes(), &recs); code != ExitInterrupted || err != nil || len(recs) != 1 {
		t.Errorf("exit %d, %d records, %v; want exit 130 and an array of 1 record:\n%s\n%s", code, len(recs), err, out.String(), errw.buf.String())
	}
}
