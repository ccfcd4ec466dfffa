package modelsrc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/vitctl/vitctl/internal/convert"
	"github.com/vitctl/vitctl/internal/gguf"
)

// FromDir returns the model file of a checkpoint folder, converting it on
// first use. The cache key is the folder's path and each file's name,
// size and modification time, so editing or replacing a file converts it
// again, and nothing is read in full to decide.
func (c *Cache) FromDir(ctx context.Context, dir string, dtype gguf.Type) (*Model, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	// A folder with no checkpoint is refused before anything is announced
	// or created in the cache.
	if _, err := convert.FindCheckpoint(dir); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if err := c.noDir(); err != nil {
		return nil, err
	}
	key, err := folderKey(abs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	path, err := c.ensure(ctx, abs, filepath.Join(c.dir(), "dirs", key), dtype, Entry{Source: abs})
	if err != nil {
		return nil, err
	}
	return &Model{Path: path, Name: dir}, nil
}

// folderKey hashes abs and the names, sizes and times of the files in it
// (links followed, as the Hugging Face cache's snapshots are links).
func folderKey(abs string) (string, error) {
	ents, err := os.ReadDir(abs)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", abs)
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	for _, n := range names {
		st, err := os.Stat(filepath.Join(abs, n))
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00", n, st.Size(), st.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}
