//go:build unix

package cli

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSpecialFilesNotRead: named pipes, sockets and devices found in a
// folder or named in a list each get a record saying what they are, and
// are not read; the folder's images are classified. A named pipe named
// like a photo (or ._NAME, or with --all-files any name) was opened and
// waited for a writer for ever: the run hung after its last image, and a
// Kubernetes pod until its deadline.
func TestSpecialFilesNotRead(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "a.png")
	chelsea, _ := filepath.Abs(filepath.Join(imagesDir, "chelsea.png"))
	if err := os.Symlink(chelsea, img); err != nil {
		t.Fatal(err)
	}
	fifos := []string{filepath.Join(dir, "p.png"), filepath.Join(dir, "._q.png"), filepath.Join(dir, "r")}
	for _, f := range fifos {
		if err := syscall.Mkfifo(f, 0o644); err != nil {
			t.Skip(err)
		}
	}
	sock := filepath.Join(dir, "s.png")
	if l, err := net.Listen("unix", sock); err == nil {
		defer l.Close()
	}
	list := filepath.Join(t.TempDir(), "list")
	os.WriteFile(list, []byte(strings.Join(append([]string{img, sock, "/dev/null"}, fifos...), "\n")+"\n"), 0o644)
	pipe := "a named pipe, not a regular file: not read, as reading it waits for a program to write to it (name it as an argument to read it)"
	want := map[string]string{img: "", fifos[0]: pipe, fifos[1]: pipe, sock: "a socket, not a regular file: not read"}
	for _, tc := range []struct {
		args  []string
		extra map[string]string // records besides want's
	}{
		{[]string{dir}, nil},
		{[]string{"-r", dir}, nil},
		{[]string{"--all-files", dir}, map[string]string{fifos[2]: pipe}},
		{[]string{"--from-file", list}, nil},
		{[]string{"--all-files", "--from-file", list}, map[string]string{fifos[2]: pipe, "/dev/null": "a device, not a regular file: not read"}},
	} {
		if errs := specialRecords(t, tc.args, fifos, merged(want, tc.extra)); errs != "" {
			t.Errorf("%q: %s", tc.args, errs)
		}
	}
}

// merged is a copy of a with b's entries added.
func merged(a, b map[string]string) map[string]string {
	m := maps.Clone(a)
	maps.Copy(m, b)
	return m
}

// specialRecords runs classify -o jsonl with args and says what is wrong
// ("" for nothing): a reader that opened one of fifos, an exit status
// other than 1, or records other than want's (path: error, "" for a
// classified image).
func specialRecords(t *testing.T, args, fifos []string, want map[string]string) string {
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	args = append([]string{"classify", "-m", "fashion-vit", "-o", "jsonl", "-k", "1"}, args...)
	go func() { done <- Main(args, strings.NewReader(""), &out, &errb) }()
	if f := openedFIFO(fifos, done); f != "" {
		<-done
		return "opened the named pipe " + f + " to read it"
	}
	if code := <-done; code != ExitFailed {
		return fmt.Sprintf("exit %d, want 1\n%s", code, errb.String())
	}
	got := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return "not a record: " + line
		}
		got[string(r.Path)] = r.Error
	}
	if len(got) != len(want) {
		return "records " + out.String()
	}
	for k, v := range want {
		if e, ok := got[k]; !ok || e != v {
			return "record of " + k + ": error " + e + "\nwant " + v
		}
	}
	return ""
}

// openedFIFO names the first of fifos a reader opened before done was
// sent a value, "" for none; it lets every such reader go on (to the end
// of the pipe's data) by opening the pipe to write and closing it, until
// done.
func openedFIFO(fifos []string, done chan int) string {
	opened := ""
	for len(done) == 0 {
		for _, f := range fifos {
			if w, err := os.OpenFile(f, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
				opened = cmp.Or(opened, f)
			}
		}
		time.Sleep(time.Millisecond)
	}
	return opened
}

// TestModelFIFONotRead: a named pipe given where a model or checkpoint
// goes is not opened to read, and the error says what it is. convert and
// convert --info of one named .ckpt opened it to see whether it was
// finetune's training state (a GGUF file), -m, convert and export of one
// named .gguf (or -m <(…)) opened it to map it, and convert of one named
// .safetensors beside a config.json opened it to read it: each waited for
// a writer for ever, deaf to Ctrl-C and SIGTERM.
func TestModelFIFONotRead(t *testing.T) {
	dir := t.TempDir()
	ckpt, gg, st := filepath.Join(dir, "model.ckpt"), filepath.Join(dir, "model.gguf"), filepath.Join(dir, "model.safetensors")
	for _, f := range []string{ckpt, gg, st} {
		if err := syscall.Mkfifo(f, 0o644); err != nil {
			t.Skip(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type": "vit", "architectures": ["ViTForImageClassification"]}`), 0o644)
	// dir holds a model.safetensors that is one: it was "empty file (0 bytes)".
	out := filepath.Join(t.TempDir(), "out.gguf")
	img := filepath.Join(imagesDir, "chelsea.png")
	for _, args := range [][]string{
		{"convert", ckpt, "--out", out},
		{"convert", "--info", ckpt},
		{"convert", gg, "--out", out},
		{"convert", "--info", gg},
		{"convert", st, "--out", out},
		{"convert", dir, "--out", out},
		{"convert", "--info", dir},
		{"classify", "-m", gg, img},
		{"classify", "-m", ckpt, img},
		{"export", gg, "--out", filepath.Join(t.TempDir(), "hf")},
	} {
		var outb, errb bytes.Buffer
		done := make(chan int, 1)
		go func() { done <- Main(args, strings.NewReader(""), &outb, &errb) }()
		if f := openedFIFO([]string{ckpt, gg, st}, done); f != "" {
			t.Errorf("%q opened the named pipe %s to read it", args, filepath.Base(f))
		}
		if code := <-done; code != ExitFailed || !strings.Contains(errb.String(), "a named pipe, not a ") {
			t.Errorf("%q: exit %d, want 1 and what the file is\n%s", args, code, errb.String())
		}
	}
}
