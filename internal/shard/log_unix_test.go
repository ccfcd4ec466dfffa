//go:build unix

package shard

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestResumeBusy: a file one Log holds is refused to a second (two runs
// resuming it at once wrote every record twice), and taken again once the
// first is closed, its records there.
func TestResumeBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	rec := "{\"path\":\"a\",\"model_sha256\":\"11\",\"top_k\":[{}]}\n"
	if err := os.WriteFile(path, []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	first, err := Resume(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Resume(path)
	if be, ok := errors.AsType[*BusyError](err); !ok || be.Path != path {
		t.Fatalf("second Resume while the first holds %s: %v, want a *BusyError", path, err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Resume(path)
	if err != nil {
		t.Fatalf("Resume after the first closed: %v", err)
	}
	defer again.Close()
	if !again.Done("a") || again.Len() != 1 {
		t.Errorf("the file's record is lost: %d records", again.Len())
	}
}

// TestDropFailedBusy: after DropFailed renamed the kept records over the
// file, the file is still the Log's: a second Resume of it is refused.
func TestDropFailedBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	os.WriteFile(path, []byte("{\"path\":\"a\",\"model_sha256\":\"11\",\"error\":\"x\"}\n"), 0o644)
	l, err := Resume(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if n, err := l.DropFailed(); n != 1 || err != nil {
		t.Fatalf("dropped %d, %v", n, err)
	}
	if _, err := Resume(path); err == nil {
		t.Fatal("a second Resume after the rename was let in")
	} else if _, ok := errors.AsType[*BusyError](err); !ok {
		t.Fatalf("a second Resume after the rename: %v, want a *BusyError", err)
	}
}
