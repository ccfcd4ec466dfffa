//go:build unix

package hub

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vitctl/vitctl/internal/filelock"
	"github.com/vitctl/vitctl/internal/hub/hubtest"
)

// TestDeadTempsRemoved: what a run killed by SIGKILL leaves in the cache
// is removed by the next run that writes beside it: a ref's temporary file
// once unlocked and a minute old, a snapshot's temporary link or file
// (made under the blob's lock), a partial download whose blob is already
// whole. A live writer's temporary (locked), a young one, other names and
// other files' links are kept. They stayed forever.
func TestDeadTempsRemoved(t *testing.T) {
	h := newFake(t)
	c := newClient(t, h)
	ref := mustRef(t, "org/public")
	if _, _, err := c.File(context.Background(), ref, "model.safetensors"); err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(c.CacheDir, "models--org--public")
	old := time.Now().Add(-2 * filelock.StaleAfter)
	file := func(rel string, age time.Time) string {
		p := filepath.Join(repo, rel)
		if err := os.WriteFile(p, []byte(commitA), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, age, age)
		return p
	}
	link := func(rel string) string {
		p := filepath.Join(repo, rel)
		if err := os.Symlink(filepath.Join("..", "..", "blobs", hubtest.SHA256(weights)), p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	snap := filepath.Join("snapshots", commitA)
	// Killed between making the link and renaming it into place.
	if err := os.Remove(filepath.Join(repo, snap, "model.safetensors")); err != nil {
		t.Fatal(err)
	}
	dead := []string{
		file("refs/main.999-1.tmp", old),
		link(filepath.Join(snap, "model.safetensors.999-2.tmp")),
		file(filepath.Join(snap, "model.safetensors.999-6.tmp"), time.Now()), // a hard link's or a copy's (hardlinkOrCopy)
		file(filepath.Join("blobs", hubtest.SHA256(weights)+".incomplete"), old),
	}
	live := file("refs/main.999-3.tmp", old)
	defer filelock.Hold(live)()
	kept := []string{
		live,
		file("refs/main.999-4.tmp", time.Now()), // as a writer that just started, before its lock
		file("refs/main.bak", old),
		file("refs/main.999-x.tmp", old),
		link(filepath.Join(snap, "config.json.999-5.tmp")), // another file's: its writer holds another lock
	}
	if _, _, err := c.File(context.Background(), ref, "model.safetensors"); err != nil {
		t.Fatal(err)
	}
	for _, p := range dead {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s: still there (%v)", p, err)
		}
	}
	for _, p := range kept {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s: removed (%v)", p, err)
		}
	}
}
