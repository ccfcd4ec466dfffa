//go:build unix

package imageio

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestInFolderFIFO: a named pipe in a folder whose name asks for its first
// bytes (._NAME, IMG_0001.heic) is judged by its name and not opened,
// where the folder walk's open of it waited for a writer for ever, and
// neither Ctrl-C nor SIGTERM ended the run.
func TestInFolderFIFO(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		want Found
	}{
		{"._IMG_0001.jpg", Found{Image: true}},
		{"IMG_0002.heic", Found{NoDecoder: "HEIC"}},
	} {
		fifo := filepath.Join(dir, tc.name)
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Skip(err)
		}
		done := make(chan Found, 1)
		go func() { done <- InFolder(fifo) }()
		if opened := readerWaits(fifo, done); opened {
			t.Errorf("InFolder(%s) opened the named pipe to read it", tc.name)
		}
		if got := <-done; got != tc.want {
			t.Errorf("InFolder(%s) = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// readerWaits reports whether a reader opened fifo before done was sent
// a value; it lets that reader go on (to the end of the pipe's data) by
// opening the pipe to write and closing it.
func readerWaits[T any](fifo string, done chan T) bool {
	for {
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
			return true
		}
		if len(done) > 0 {
			return false
		}
		time.Sleep(time.Millisecond)
	}
}
