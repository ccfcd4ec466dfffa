package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vitctl/vitctl/internal/bytestr"
)

// maxUnsized bounds a download whose size the Hub did not announce.
const maxUnsized = 1 << 30

// File returns the local path of file in ref's repository and the commit
// it belongs to, downloading it into the cache when needed. As in
// huggingface_hub, a commit-hash revision found in the cache is used
// without asking the Hub, and a branch or tag is resolved with a HEAD
// request; offline, only the cache is read. Errors name the repository,
// revision and file; errors.Is finds ErrEntryNotFound, ErrOffline and
// ErrChecksum.
func (c *Client) File(ctx context.Context, ref Ref, file string) (path, commit string, err error) {
	if !validFile(file) {
		return "", "", c.failed(ref, file, errors.New("not a valid file name"))
	}
	if c.CacheDir == "" {
		return "", "", c.wrap(ref, file, fmt.Errorf("no Hugging Face cache to download into: %w: point HF_HOME (or XDG_CACHE_HOME) at a folder you can write into", NoHome()))
	}
	if p, commit, ok := c.Cached(ref.Repo, ref.Revision, file); ok && (c.Offline || IsCommit(ref.Revision)) {
		return p, commit, nil
	}
	if c.Offline {
		commit, ok := c.CachedCommit(ref.Repo, ref.Revision)
		if ok && c.KnownMissing(ref.Repo, commit, file) {
			return "", "", c.failed(ref, file, ErrEntryNotFound)
		}
		err := fmt.Errorf("%w (cache: %s)", OfflineError("not in the Hugging Face cache and "+c.OfflineSetting()+" forbids downloading"), c.CacheDir)
		if !ok { // the revision is unknown: say which the cache knows
			if revs := c.cachedRevisions(ref.Repo); len(revs) > 0 {
				err = fmt.Errorf("%w; it knows no revision %s of %s, only %s: give one of those, as %s@%s", err, ref.Revision, ref.Repo, strings.Join(revs, ", "), ref.Repo, strings.Fields(revs[0])[0])
			}
		}
		return "", "", c.failed(ref, file, err)
	}
	m, err := c.head(ctx, ref, file)
	if err != nil {
		if errors.Is(err, ErrEntryNotFound) && m != nil && IsCommit(m.commit) {
			c.markMissing(ref.Repo, m.commit, file)
			c.writeRef(ref.Repo, ref.Revision, m.commit)
		}
		return "", "", c.failed(ref, file, err)
	}
	if err := c.writeRef(ref.Repo, ref.Revision, m.commit); err != nil {
		return "", "", c.failed(ref, file, c.cacheError(err))
	}
	if p := c.snapshotPath(ref.Repo, m.commit, file); isFile(p) {
		return p, m.commit, nil
	}
	unlock, err := c.lockBlob(ctx, ref.Repo, m.etag)
	if err != nil {
		return "", "", c.failed(ref, file, c.cacheError(err))
	}
	defer unlock()
	if blob := c.blobPath(ref.Repo, m.etag); isFile(blob) {
		os.Remove(blob + partialSuffix) // an orphan: the whole blob is there
	} else if err := c.download(ctx, ref, file, m); err != nil {
		return "", "", c.failed(ref, file, err)
	}
	p, err := c.link(ref.Repo, m.commit, file, m.etag)
	if err != nil {
		return "", "", c.failed(ref, file, err)
	}
	return p, m.commit, nil
}

// failed is File's failure err, naming ref and file; to a failure that
// the cache's partial downloads of ref's repository may bear on it adds
// where they lie (PartialNote): offline, the Hub unreachable, or a
// download cut short (what arrived is kept).
func (c *Client) failed(ref Ref, file string, err error) error {
	_, unreachable := errors.AsType[net.Error](err)
	_, cut := errors.AsType[*transferError](err)
	if unreachable || cut || errors.Is(err, ErrOffline) {
		err = fmt.Errorf("%w%s", err, c.PartialNote(ref.Repo))
	}
	return c.wrap(ref, file, err)
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// transferError is a download cut short (dropped connection, stall, early
// end): what arrived is kept and the next attempt resumes after it.
type transferError struct{ err error }

func (e *transferError) Error() string { return e.err.Error() }
func (e *transferError) Unwrap() error { return e.err }

// download fetches the blob m describes into blobs/ETAG: the bytes go to
// blobs/ETAG.incomplete, resumed with a Range request after a dropped
// connection (here or in an earlier run), and the file is renamed into
// place only once its size and, for LFS files, its SHA-256 match.
func (c *Client) download(ctx context.Context, ref Ref, file string, m *fileMeta) error {
	blob := c.blobPath(ref.Repo, m.etag)
	part := blob + partialSuffix
	if err := os.MkdirAll(filepath.Dir(blob), 0o777); err != nil {
		return err
	}
	var err error
	for range c.attempts() {
		if err = c.fetchOnce(ctx, file, m, part); err == nil || ctx.Err() != nil {
			break
		}
		if _, ok := errors.AsType[*transferError](err); !ok {
			break
		}
	}
	if err != nil {
		return err
	}
	if err := verify(part, m); err != nil {
		os.Remove(part)
		return err
	}
	return os.Rename(part, blob)
}

// fetchOnce appends to part what it lacks of the file, in one GET.
func (c *Client) fetchOnce(ctx context.Context, file string, m *fileMeta, part string) error {
	var have int64
	if st, err := os.Stat(part); err == nil {
		have = st.Size()
	}
	if m.size >= 0 && have >= m.size {
		if have == m.size {
			return nil
		}
		have = 0
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.location, nil)
	if err != nil {
		return err
	}
	c.authorize(req)
	req.Header.Set("Accept-Encoding", "identity")
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := c.downloadClient().Do(req)
	if err != nil {
		return &transferError{fmt.Errorf("cannot reach %s: %w", req.URL.Host, unwrapURL(err))}
	}
	defer resp.Body.Close()
	flag := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	switch {
	case resp.StatusCode == http.StatusPartialContent && strings.HasPrefix(resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-", have)):
	case resp.StatusCode == http.StatusOK:
		flag, have = os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0 // the server ignored Range: start over
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		os.Remove(part)
		return &transferError{errors.New("the server refused to resume the partial download; starting over")}
	default:
		return fmt.Errorf("downloading from %s: %s", req.URL.Host, bytestr.Text(resp.Status))
	}
	f, err := os.OpenFile(part, flag, 0o666)
	if err != nil {
		return err
	}
	limit := int64(maxUnsized)
	if m.size >= 0 {
		limit = m.size - have
	}
	idle := time.AfterFunc(c.idleTimeout(), func() { cancel(fmt.Errorf("no data for %v", c.idleTimeout())) })
	defer idle.Stop()
	r := &progressReader{r: resp.Body, done: have, total: m.size, file: file, c: c, idle: idle}
	n, err := io.Copy(f, io.LimitReader(r, limit+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case n > limit:
		os.Remove(part)
		return fmt.Errorf("the server sent more than the %d bytes it announced", m.size)
	case err != nil && context.Cause(ctx) != nil && !errors.Is(context.Cause(ctx), context.Canceled):
		return &transferError{fmt.Errorf("download stalled: %w", context.Cause(ctx))}
	case err != nil && ctx.Err() == nil:
		return &transferError{fmt.Errorf("download cut short after %d bytes: %w", have+n, err)}
	case err != nil:
		return err
	case m.size >= 0 && n < limit:
		return &transferError{fmt.Errorf("download cut short after %d of %d bytes", have+n, m.size)}
	}
	return nil
}

// progressReader reports progress and keeps the idle timer from firing
// while bytes arrive.
type progressReader struct {
	r           io.Reader
	done, total int64
	file        string
	c           *Client
	idle        *time.Timer
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.idle.Reset(p.c.idleTimeout())
		p.done += int64(n)
		if p.c.Progress != nil {
			p.c.Progress(p.file, p.done, p.total)
		}
	}
	return n, err
}

// verify checks a finished download's size and, when the etag is a SHA-256
// (LFS files), its content.
func verify(path string, m *fileMeta) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	if m.size >= 0 && n != m.size {
		return fmt.Errorf("downloaded %d bytes, the Hub announced %d", n, m.size)
	}
	if len(m.etag) == 64 && isHex(m.etag) {
		if got := hex.EncodeToString(h.Sum(nil)); got != strings.ToLower(m.etag) {
			return fmt.Errorf("%w: SHA-256 of the download is %s, the Hub's etag is %s (the download was discarded; try again)", ErrChecksum, got, m.etag)
		}
	}
	return nil
}

func isHex(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}
