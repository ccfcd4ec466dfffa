package hub

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// repoDir is the cache folder of repo.
func (c *Client) repoDir(repo string) string { return filepath.Join(c.CacheDir, folderName(repo)) }

// CachedCommit is the commit a revision stands for in the cache: the
// revision itself when it is a commit hash, else the content of
// refs/REVISION, else, for a short hash such as the 7 digits vitctl shows,
// the one snapshot whose commit starts with it.
func (c *Client) CachedCommit(repo, revision string) (string, bool) {
	if IsCommit(revision) {
		return revision, true
	}
	b, err := os.ReadFile(filepath.Join(c.repoDir(repo), "refs", filepath.FromSlash(revision)))
	if err == nil {
		commit := strings.TrimSpace(string(b))
		return commit, IsCommit(commit)
	}
	return c.commitByPrefix(repo, revision)
}

// commitByPrefix finds the snapshot whose commit starts with prefix (at
// least 7 hex digits), when exactly one does.
func (c *Client) commitByPrefix(repo, prefix string) (string, bool) {
	if len(prefix) < 7 || !isHex(prefix) || strings.ToLower(prefix) != prefix {
		return "", false
	}
	ents, err := os.ReadDir(filepath.Join(c.repoDir(repo), "snapshots"))
	if err != nil {
		return "", false
	}
	found := ""
	for _, e := range ents {
		if IsCommit(e.Name()) && strings.HasPrefix(e.Name(), prefix) {
			if found != "" {
				return "", false
			}
			found = e.Name()
		}
	}
	return found, found != ""
}

// Cached returns the local path of file in repo at revision and the commit
// it belongs to, when the cache holds it; it never touches the network.
func (c *Client) Cached(repo, revision, file string) (path, commit string, ok bool) {
	if !validFile(file) {
		return "", "", false
	}
	commit, ok = c.CachedCommit(repo, revision)
	if !ok {
		return "", "", false
	}
	path = c.snapshotPath(repo, commit, file)
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return "", "", false
	}
	return path, commit, true
}

// KnownMissing reports whether the cache records that repo has no file
// named file at commit (huggingface_hub's .no_exist markers).
func (c *Client) KnownMissing(repo, commit, file string) bool {
	if !IsCommit(commit) || !validFile(file) {
		return false
	}
	_, err := os.Stat(filepath.Join(c.repoDir(repo), ".no_exist", commit, filepath.FromSlash(file)))
	return err == nil
}

func (c *Client) snapshotPath(repo, commit, file string) string {
	return filepath.Join(c.repoDir(repo), "snapshots", commit, filepath.FromSlash(file))
}

func (c *Client) blobPath(repo, etag string) string {
	return filepath.Join(c.repoDir(repo), "blobs", etag)
}

// writeRef records that revision is at commit (refs/REVISION), unless the
// revision is the commit itself.
func (c *Client) writeRef(repo, revision, commit string) error {
	if revision == commit {
		return nil
	}
	path := filepath.Join(c.repoDir(repo), "refs", filepath.FromSlash(revision))
	if b, err := os.ReadFile(path); err == nil && string(b) == commit {
		return nil
	}
	return writeFileAtomic(path, []byte(commit))
}

// markMissing writes the .no_exist marker of file at commit, as
// huggingface_hub does, so an offline run knows the file is not there.
func (c *Client) markMissing(repo, commit, file string) {
	path := filepath.Join(c.repoDir(repo), ".no_exist", commit, filepath.FromSlash(file))
	if os.MkdirAll(filepath.Dir(path), 0o755) == nil {
		if f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			f.Close()
		}
	}
}

// link points snapshots/COMMIT/FILE at blobs/ETAG with a relative link, so
// the cache can be moved; the link is made under a temporary name and
// renamed into place, so readers never see a half-made one.
func (c *Client) link(repo, commit, file, etag string) (string, error) {
	dst := c.snapshotPath(repo, commit, file)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	rel, err := filepath.Rel(filepath.Dir(dst), c.blobPath(repo, etag))
	if err != nil {
		return "", err
	}
	tmp := tempName(dst)
	if err := os.Symlink(rel, tmp); err != nil {
		return "", fmt.Errorf("linking %s: %w", dst, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("linking %s: %w", dst, err)
	}
	return dst, nil
}

func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := tempName(path)
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

var tempSeq atomic.Int64

// tempName is a name beside path that no other writer, in this process or
// another, uses at the same time.
func tempName(path string) string {
	return fmt.Sprintf("%s.%d-%d.tmp", path, os.Getpid(), tempSeq.Add(1))
}
