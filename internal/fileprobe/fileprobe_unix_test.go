//go:build unix

package fileprobe

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestHeadFIFO: a named pipe is not opened (its open waits for a writer
// for ever, deaf to signals), nor a device read.
func TestHeadFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "model.ckpt")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	done := make(chan bool, 1)
	go func() { done <- Starts(fifo, "GGUF") }()
	for len(done) == 0 {
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close() // lets the reader go on to the end of the pipe's data
			t.Error("Starts opened the named pipe to read it")
		}
		time.Sleep(time.Millisecond)
	}
	if <-done {
		t.Error("Starts(FIFO, GGUF) = true")
	}
	if got := Head("/dev/zero", 4); got != nil {
		t.Errorf("Head(/dev/zero) = %q, want nothing", got)
	}
}
