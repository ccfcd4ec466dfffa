//go:build unix

package filelock

import (
	"os"
	"path/filepath"
	"testing"
)

func TestTryLock(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{file, dir} {
		release, ok := TryLock(path)
		if !ok {
			t.Fatalf("%s: first TryLock failed", path)
		}
		if _, ok := TryLock(path); ok {
			t.Errorf("%s: a second TryLock succeeded while the first holds the lock", path)
		}
		release()
		again, ok := TryLock(path)
		if !ok {
			t.Errorf("%s: TryLock failed after release", path)
		} else {
			again()
		}
	}
	if _, ok := TryLock(filepath.Join(dir, "missing")); ok {
		t.Error("TryLock of a missing file succeeded")
	}
	unlock := Hold(file)
	if _, ok := TryLock(file); ok {
		t.Error("TryLock succeeded while Hold holds the lock")
	}
	unlock()
}
