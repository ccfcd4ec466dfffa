package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fashionBanner is the model line of the built-in fashion-vit.
var fashionBanner = regexp.MustCompile(`(?m)^model fashion-vit \(sha256 [0-9a-f]{12}\): 10 labels, input 28x28, precision fp32$`)

// TestModelBanner: every command that runs a model and whose output does
// not name it in each record says once on stderr which model ran, and
// never on stdout. eval and finetune said nothing of the model (eval's
// report names none); JSONL records carry it and need no line.
func TestModelBanner(t *testing.T) {
	boot := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	abs, err := filepath.Abs(boot) // a list's paths are relative to the list
	if err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(t.TempDir(), "l.csv")
	if err := os.WriteFile(list, []byte(abs+",Ankle boot\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := fashionTree(t)
	for _, tc := range []struct {
		name string
		args []string
		want int // banners on stderr
	}{
		{"classify text", []string{"classify", "-m", "fashion-vit", boot}, 1},
		{"classify jsonl", []string{"classify", "-m", "fashion-vit", "-o", "jsonl", boot}, 0},
		{"eval text", []string{"eval", "-m", "fashion-vit", list}, 1},
		{"eval json", []string{"eval", "-m", "fashion-vit", "-o", "json", list}, 1},
		{"finetune", []string{"finetune", data, "-m", "fashion-vit", "--out", filepath.Join(t.TempDir(), "ft.gguf"),
			"--train", "head", "--epochs", "1", "--batch", "8", "--threads", "2"}, 1},
	} {
		code, out, errs := run(t, "", tc.args...)
		if code != 0 {
			t.Errorf("%s: exit %d\n%s", tc.name, code, errs)
			continue
		}
		if n := len(fashionBanner.FindAllString(errs, -1)); n != tc.want {
			t.Errorf("%s: %d model lines on stderr, want %d:\n%s", tc.name, n, tc.want, errs)
		}
		if fashionBanner.MatchString(out) {
			t.Errorf("%s: the model line is on stdout:\n%s", tc.name, out)
		}
	}
}

// TestTextOutHeader: classify -o text --out FILE begins the file with the
// model line (and a blank line), as JSON, JSONL and CSV name the model in
// every record; it said nothing of the model. Text on stdout, and the
// other formats' files, are as they were.
func TestTextOutHeader(t *testing.T) {
	boot := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	table := boot + "\n  1  Ankle boot"
	for _, tc := range []struct {
		name, out string
		header    bool
	}{
		{"text file", "r.txt", true},
		{"text file, no extension", "results", true},
		{"jsonl file", "r.jsonl", false},
		{"csv file", "r.csv", false},
		{"stdout", "", false},
	} {
		args := []string{"classify", "-m", "fashion-vit", "-k", "1", boot}
		path := ""
		if tc.out != "" {
			path = filepath.Join(t.TempDir(), tc.out)
			args = append(args, "--out", path)
		}
		code, got, errs := run(t, "", args...)
		if path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got = string(b)
		}
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", tc.name, code, errs)
		}
		line := fashionBanner.FindString(errs)
		hasHeader := line != "" && strings.HasPrefix(got, line+"\n\n"+table)
		if hasHeader != tc.header || (tc.header && strings.Count(got, "model ") != 1) {
			t.Errorf("%s: begins with the model line and a table: %v, want %v:\n%s", tc.name, hasHeader, tc.header, got)
		}
		if tc.name == "stdout" && !strings.HasPrefix(got, table) {
			t.Errorf("stdout: want the table alone:\n%s", got)
		}
	}
}

// TestTextOutFailures: a text --out file says what failed, as stderr does
// and the other formats' records do ("PATH" then "  error: …"), where it
// held nothing of those inputs; text on stdout leaves them to stderr.
func TestTextOutFailures(t *testing.T) {
	boot := filepath.Join(imagesDir, "fashion", "0000_ankle_boot.png")
	missing := filepath.Join(t.TempDir(), "gone.png")
	out := filepath.Join(t.TempDir(), "labels.txt")
	code, stdout, errs := run(t, "", "classify", "-m", "fashion-vit", "-k", "1", "--out", out, missing, boot)
	b, _ := os.ReadFile(out)
	want := "\n\n" + missing + "\n  error: no such file or directory\n\n" + boot + "\n  1  Ankle boot"
	if code != ExitFailed || stdout != "" || !strings.Contains(string(b), want) || !strings.Contains(errs, "vitctl: "+missing+": no such file or directory\n") {
		t.Errorf("exit %d, stdout %q, stderr\n%s\nfile\n%s\nwant exit 1, the failure on stderr and in the file:\n%s", code, stdout, errs, b, want)
	}
	_, stdout, _ = run(t, "", "classify", "-m", "fashion-vit", "-k", "1", missing, boot)
	if strings.Contains(stdout, "error") || !strings.HasPrefix(stdout, boot+"\n") {
		t.Errorf("stdout %q: want the table of %s alone", stdout, boot)
	}
}
