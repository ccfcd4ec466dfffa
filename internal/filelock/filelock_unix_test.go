//go:build unix

package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
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

// TestClaim: a second claim of a path is refused with ErrBusy while the
// first holds it; release removes the lock file, and a file left behind
// (a killed holder's) is claimed.
func TestClaim(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".out.lock")
	release, err := Claim(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Claim(path); !errors.Is(err, ErrBusy) {
		t.Errorf("second Claim: %v, want ErrBusy", err)
	}
	release()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file after release: %v, want it removed", err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil { // left by a killed holder
		t.Fatal(err)
	}
	again, err := Claim(path)
	if err != nil {
		t.Fatalf("Claim of a file no one holds: %v", err)
	}
	again()
}

// TestRemoveDead: only entries ours accepts that are unlocked and, with
// all they hold, unmodified for StaleAfter go.
func TestRemoveDead(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string, folder bool) string {
		p := filepath.Join(dir, name)
		var err error
		if folder {
			err = os.Mkdir(p, 0o755)
		} else {
			err = os.WriteFile(p, []byte("x"), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	deadFile, deadFolder := mk("dead.tmp", false), mk("deadfolder.tmp", true)
	mk(filepath.Join("deadfolder.tmp", "a.png"), false)
	locked, notOurs := mk("locked.tmp", false), mk("notes.txt", false)
	youngInside := mk("younginside.tmp", true)
	inside := mk(filepath.Join("younginside.tmp", "b.png"), false)
	old := time.Now().Add(-2 * StaleAfter)
	filepath.WalkDir(dir, func(p string, _ os.DirEntry, _ error) error { return os.Chtimes(p, old, old) })
	os.Chtimes(inside, time.Now(), time.Now())
	os.Chtimes(youngInside, old, old)
	young := mk("young.tmp", false)
	defer Hold(locked)()

	RemoveDead(dir, func(e os.DirEntry) bool { return filepath.Ext(e.Name()) == ".tmp" })
	for _, p := range []string{deadFile, deadFolder} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s: a dead writer's temporary is still there", filepath.Base(p))
		}
	}
	for _, p := range []string{locked, notOurs, youngInside, inside, young} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
}

// TestRemoveDeadFolders: of the dead folders ours names, only those whose
// every entry holds accepts go; files and other names stay.
func TestRemoveDeadFolders(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "empty.tmp"), 0o755)
	for _, p := range []string{"dead.tmp/a.png", "mixed.tmp/a.png", "mixed.tmp/notes.txt", "other/a.png", "file.tmp"} {
		p = filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("x"), 0o644)
	}
	old := time.Now().Add(-2 * StaleAfter)
	filepath.WalkDir(dir, func(p string, _ os.DirEntry, _ error) error { return os.Chtimes(p, old, old) })

	RemoveDeadFolders(dir, func(name string) bool { return strings.HasSuffix(name, ".tmp") },
		func(e os.DirEntry) bool { return filepath.Ext(e.Name()) == ".png" })
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if want := []string{"file.tmp", "mixed.tmp", "other"}; !slices.Equal(left, want) {
		t.Errorf("left %q, want %q", left, want)
	}
}
