//go:build unix

package modelsrc

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vitctl/vitctl/internal/filelock"
	"github.com/vitctl/vitctl/internal/gguf"
)

// TestDeadRecordTempsRemoved: the temporary a run killed while writing a
// model's record left beside it (f32.json.123-4.tmp) is removed by the
// model's next use, whether that use finds the record there or writes it
// again; a live writer's (locked: another process converting at the same
// time), a young one (a writer that has not locked it yet) and other names
// are kept. They stayed for ever.
func TestDeadRecordTempsRemoved(t *testing.T) {
	src := copyCheckpoint(t)
	for _, recordGone := range []bool{false, true} {
		c := newCache(t, "http://127.0.0.1:1")
		m, err := c.FromDir(context.Background(), src, gguf.F32)
		if err != nil {
			t.Fatal(err)
		}
		record := strings.TrimSuffix(m.Path, ".gguf") + ".json"
		dir, base := filepath.Dir(record), filepath.Base(record)
		old := time.Now().Add(-2 * filelock.StaleAfter)
		file := func(name string, age time.Time) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte("{"), 0o644); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(p, age, age)
			return p
		}
		dead := file(base+".123-1.tmp", old)
		live := file(base+".456-2.tmp", old)
		release := filelock.Hold(live)
		kept := []string{
			live,
			file(base+".789-3.tmp", time.Now()),
			file(base+".123-x.tmp", old),
			file(base+".123.tmp", old),
		}
		if recordGone {
			os.Remove(record)
		}
		if _, err := c.FromDir(context.Background(), src, gguf.F32); err != nil {
			t.Fatal(err)
		}
		release()
		if _, err := os.Lstat(dead); !os.IsNotExist(err) {
			t.Errorf("record gone %v: %s still there (%v)", recordGone, dead, err)
		}
		for _, p := range kept {
			if _, err := os.Lstat(p); err != nil {
				t.Errorf("record gone %v: %s removed (%v)", recordGone, p, err)
			}
		}
		if _, err := os.Stat(record); err != nil {
			t.Errorf("record gone %v: %v", recordGone, err)
		}
	}
}
