//go:build unix

package hub

import (
	"context"
	"os"
	"path/filepath"

	"github.com/vitctl/vitctl/internal/filelock"
)

// blobLocks says that lockBlob locks.
const blobLocks = true

// lockBlob takes the lock huggingface_hub takes before writing a blob,
// .locks/models--ORG--NAME/ETAG.lock under the cache (flock, as Python's
// filelock does on Unix), so vitctl and Python processes never write the
// same blob at once. It waits for ctx; the returned function unlocks.
func (c *Client) lockBlob(ctx context.Context, repo, etag string) (func(), error) {
	path := filepath.Join(c.CacheDir, ".locks", folderName(repo), etag+".lock")
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	return filelock.WaitFile(ctx, f, nil)
}
