package hub

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vitctl/vitctl/internal/filelock"
)

// repoDir is the cache folder of repo.
func (c *Client) repoDir(repo string) string { return filepath.Join(c.CacheDir, folderName(repo)) }

// CachedCommit is the commit a revision stands for in the cache: the
// revision itself when it is a commit hash, else the content of
// refs/REVISION, else, for a short hash such as the 7 digits vitctl shows,
// the one snapshot whose commit starts with it.
func (c *Client) CachedCommit(repo, revision string) (string, bool) {
	if c.CacheDir == "" { // no cache (NoHome): nothing is in it
		return "", false
	}
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

// cachedRevisions lists the revisions of repo the cache knows, for an
// offline run asking for another: each ref ("main (1a2b3c4)", sorted),
// then each snapshot no ref points at, by its first 7 digits (which
// CachedCommit takes).
func (c *Client) cachedRevisions(repo string) []string {
	var revs []string
	named := map[string]bool{}
	refs := filepath.Join(c.repoDir(repo), "refs")
	filepath.WalkDir(refs, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(path)
		commit := strings.TrimSpace(string(b))
		rel, _ := filepath.Rel(refs, path)
		if IsCommit(commit) {
			revs = append(revs, fmt.Sprintf("%s (%s)", filepath.ToSlash(rel), commit[:7]))
			named[commit] = true
		}
		return nil
	})
	ents, _ := os.ReadDir(filepath.Join(c.repoDir(repo), "snapshots"))
	for _, e := range ents {
		if IsCommit(e.Name()) && !named[e.Name()] {
			revs = append(revs, e.Name()[:7])
		}
	}
	return revs
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
	if c.CacheDir == "" || !IsCommit(commit) || !validFile(file) {
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
	filelock.RemoveDeadTemps(path) // here, as the ref is mostly not written again
	if b, err := os.ReadFile(path); err == nil && string(b) == commit {
		return nil
	}
	return filelock.WriteFile(path, []byte(commit))
}

// markMissing writes the .no_exist marker of file at commit, as
// huggingface_hub does, so an offline run knows the file is not there.
func (c *Client) markMissing(repo, commit, file string) {
	path := filepath.Join(c.repoDir(repo), ".no_exist", commit, filepath.FromSlash(file))
	if os.MkdirAll(filepath.Dir(path), 0o777) == nil {
		if f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o666); err == nil {
			f.Close()
		}
	}
}

// link points snapshots/COMMIT/FILE at blobs/ETAG with a relative link, so
// the cache can be moved; the link is made under a temporary name and
// renamed into place, so readers never see a half-made one. The caller
// holds the blob's lock (lockBlob), which every writer of that link takes:
// a commit and a file name fix the etag. Where no symbolic link can be
// made it is a hard link to the blob, else a copy of it (hardlinkOrCopy).
func (c *Client) link(repo, commit, file, etag string) (string, error) {
	dst := c.snapshotPath(repo, commit, file)
	if err := os.MkdirAll(filepath.Dir(dst), 0o777); err != nil {
		return "", err
	}
	blob := c.blobPath(repo, etag)
	rel, err := filepath.Rel(filepath.Dir(dst), blob)
	if err != nil {
		return "", err
	}
	removeDeadLinks(dst)
	tmp := filelock.TempName(dst)
	if err := symlink(rel, tmp); err != nil {
		if err := hardlinkOrCopy(blob, tmp); err != nil {
			return "", fmt.Errorf("linking %s: %w", dst, err)
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("linking %s: %w", dst, err)
	}
	return dst, nil
}

// symlink and hardlink are os.Symlink and os.Link; a test's own stand
// for a system that makes no links.
var symlink, hardlink = os.Symlink, os.Link

// hardlinkOrCopy makes dst a hard link to blob, else a copy of it (FAT
// has neither), as huggingface_hub copies where it cannot link: the
// snapshot's file where no symbolic link can be made. Windows makes those
// only in Developer Mode or as an administrator ("A required privilege is
// not held by the client"), and FAT or exFAT disks, and some network
// shares, not at all; every download of -m ORG/NAME failed there.
func hardlinkOrCopy(blob, dst string) error {
	if hardlink(blob, dst) == nil {
		return nil
	}
	in, err := os.Open(blob)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
	}
	return err
}

// A run killed by SIGKILL runs no cleanup and can leave temporaries
// behind (filelock.TempName's names): a ref's file (refs/main.123-4.tmp,
// removed by filelock.RemoveDeadTemps) or a snapshot's link
// (removeDeadLinks). No later run reuses their names, so nothing would
// ever remove them. The partial downloads of blobs (blobs/ETAG.incomplete)
// are another thing: their name is the blob's, and the next download of
// that blob resumes from them (see download), so they are kept.

// removeDeadLinks removes the temporary links (or hardlinkOrCopy's files)
// a killed link left beside dst, best effort. A link cannot carry a lock
// of its own; link's caller holds the blob's, which every writer of dst
// takes, so where locks exist (blobLocks) any such link is a dead
// writer's; elsewhere only one unmodified for filelock.StaleAfter is taken
// for one.
func removeDeadLinks(dst string) {
	temp := filelock.TempNames(filepath.Base(dst))
	dir := filepath.Dir(dst)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if (e.Type()&os.ModeSymlink == 0 && !e.Type().IsRegular()) || !temp.MatchString(e.Name()) { // regular: hardlinkOrCopy's
			continue
		}
		if info, err := e.Info(); err == nil && (blobLocks || time.Since(info.ModTime()) >= filelock.StaleAfter) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
