//go:build unix

package convert

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vitctl/vitctl/internal/gguf"
)

// TestJSONNotRegular: a checkpoint folder's config.json or
// preprocessor_config.json that is a named pipe or a device is refused,
// saying what it is, without opening it: a named pipe waited for a writer
// for ever, deaf to Ctrl-C, a link to /dev/zero was read until memory ran
// out, and /dev/null said "unexpected end of JSON input".
func TestJSONNotRegular(t *testing.T) {
	for _, tc := range []struct {
		file string
		fifo bool   // else a link to /dev/null
		want string // after the file's path
	}{
		{"config.json", true, " is a named pipe, not a JSON file"},
		{"preprocessor_config.json", true, " is a named pipe, not a JSON file"},
		{"config.json", false, " is a device, not a JSON file"},
		{"preprocessor_config.json", false, " is a device, not a JSON file"},
	} {
		dir := newTiny().write(t)
		path := filepath.Join(dir, tc.file)
		os.Remove(path)
		if tc.fifo {
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Skip(err)
			}
		} else if err := os.Symlink("/dev/null", path); err != nil {
			t.Skip(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := Convert(context.Background(), dir, filepath.Join(t.TempDir(), "m.gguf"), Options{DType: gguf.F32})
			done <- err
		}()
		for tc.fifo && len(done) == 0 {
			// A reader that opened the pipe is let go on to its end.
			if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
				t.Errorf("%s: the named pipe was opened", tc.file)
			}
			time.Sleep(time.Millisecond)
		}
		err := <-done
		if want := path + tc.want; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", tc.file, err, want)
		}
	}
}

// TestShardNotRegular: a shard a sharded checkpoint's index names that is
// a named pipe, a device or a folder is refused as the folder's own
// weights file is, saying what it is, the pipe unopened: they were "empty
// file (0 bytes): the download or copy wrote nothing" and, for the
// folder, "too short for a safetensors file (truncated download?)".
func TestShardNotRegular(t *testing.T) {
	const shard = "model-00001-of-00002.safetensors"
	for _, tc := range []struct {
		kind string
		make func(path string) error
	}{
		{"a named pipe", func(p string) error { return syscall.Mkfifo(p, 0o644) }},
		{"a device", func(p string) error { return os.Symlink("/dev/zero", p) }},
		{"a folder", func(p string) error { return os.Mkdir(p, 0o755) }},
	} {
		dir := copyModel(t, "vit-p8-quickgelu-sharded")
		path := filepath.Join(dir, shard)
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if err := tc.make(path); err != nil {
			t.Skip(err)
		}
		_, err := Convert(context.Background(), dir, filepath.Join(t.TempDir(), "m.gguf"), Options{DType: gguf.F32})
		if want := path + " is " + tc.kind + ", not a weights file"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", tc.kind, err, want)
		}
	}
}

// TestSourceNotRegular: SRC itself that is a named pipe or a device is
// refused unopened in the words a shard or a folder's weights file is
// (notRegular), where it said "SRC: a named pipe, not a regular file:
// convert reads …".
func TestSourceNotRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "model.safetensors")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	for src, kind := range map[string]string{fifo: "a named pipe", "/dev/zero": "a device"} {
		_, err := Convert(context.Background(), src, filepath.Join(t.TempDir(), "m.gguf"), Options{DType: gguf.F32})
		if want := src + " is " + kind + ", not a checkpoint folder or file"; err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", src, err, want)
		}
	}
}
