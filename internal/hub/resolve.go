package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/vitctl/vitctl/internal/bytestr"
)

// fileMeta is what a HEAD on a resolve URL tells about a file.
type fileMeta struct {
	commit   string // X-Repo-Commit
	etag     string // X-Linked-Etag, else ETag: git SHA-1, or SHA-256 for LFS files
	location string // where to GET it: the resolve URL, or the CDN it redirects to
	size     int64  // X-Linked-Size, else Content-Length; -1 when unknown
}

var etagPattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_-]{0,127}$`)

// resolveURL is {endpoint}/{repo}/resolve/{revision}/{file}.
func (c *Client) resolveURL(ref Ref, file string) string {
	parts := strings.Split(file, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return c.Endpoint + "/" + ref.Repo + "/resolve/" + url.PathEscape(ref.Revision) + "/" + strings.Join(parts, "/")
}

// head asks the Hub for file's commit, etag, size and download location.
// Like huggingface_hub it follows relative redirects (a renamed repository)
// but not absolute ones (the CDN holding an LFS file): their target is
// where the file will be fetched from, and the headers describing it are
// on the redirect itself. On a missing file it returns ErrEntryNotFound and
// the commit when the Hub said which.
func (c *Client) head(ctx context.Context, ref Ref, file string) (*fileMeta, error) {
	if err := c.checkEndpoint(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.metaTimeout())
	defer cancel()
	hc := *c.httpClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	u := c.resolveURL(ref, file)
	for hops := 0; hops < 10; hops++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
		if err != nil {
			return nil, err
		}
		c.authorize(req)
		req.Header.Set("Accept-Encoding", "identity")
		resp, err := hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("cannot reach %s: %w", c.Endpoint, unwrapURL(err))
		}
		resp.Body.Close()
		m := &fileMeta{commit: resp.Header.Get("X-Repo-Commit"), location: u, size: -1}
		switch {
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
			if err != nil || resp.Header.Get("Location") == "" {
				return nil, fmt.Errorf("%s: redirect without a usable Location", bytestr.Text(resp.Status))
			}
			if !isAbsolute(resp.Header.Get("Location")) {
				u = loc.String()
				continue
			}
			m.location = loc.String()
		case resp.StatusCode >= 400:
			return m, c.statusError(ref, resp)
		}
		return m, m.fill(resp.Header)
	}
	return nil, errors.New("too many redirects")
}

// checkEndpoint refuses an Endpoint that is no http:// or https://
// address: HF_ENDPOINT=hub.example.org said "cannot reach hub.example.org:
// unsupported protocol scheme \"\"".
func (c *Client) checkEndpoint() error {
	u, err := url.Parse(c.Endpoint)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("the Hub's address %q (HF_ENDPOINT) is no http:// or https:// address: give it whole, as %s is", c.Endpoint, DefaultEndpoint)
	}
	return nil
}

// fill reads the etag and size headers and checks the commit.
func (m *fileMeta) fill(h http.Header) error {
	if !IsCommit(m.commit) {
		return fmt.Errorf("the server sent no commit hash (X-Repo-Commit %q): is HF_ENDPOINT a Hugging Face Hub?", m.commit)
	}
	m.etag = normalizeEtag(h.Get("X-Linked-Etag"))
	if m.etag == "" {
		m.etag = normalizeEtag(h.Get("ETag"))
	}
	if !etagPattern.MatchString(m.etag) {
		return fmt.Errorf("the server sent no usable ETag (%q), so the file cannot be cached", m.etag)
	}
	size := h.Get("X-Linked-Size")
	if size == "" {
		size = h.Get("Content-Length")
	}
	if n, err := strconv.ParseInt(size, 10, 64); err == nil && n >= 0 {
		m.size = n
	}
	return nil
}

// normalizeEtag strips the weak marker and quotes: W/"abc" → abc.
func normalizeEtag(e string) string {
	return strings.Trim(strings.TrimPrefix(strings.TrimSpace(e), "W/"), `"`)
}

// isAbsolute reports whether a Location names a host.
func isAbsolute(loc string) bool {
	u, err := url.Parse(loc)
	return err == nil && u.Host != ""
}

// authorize adds the token to requests for the endpoint's host only, so it
// never leaks to the CDN a large file redirects to.
func (c *Client) authorize(req *http.Request) {
	if c.Token == "" {
		return
	}
	if ep, err := url.Parse(c.Endpoint); err == nil && ep.Host == req.URL.Host && ep.Scheme == req.URL.Scheme {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
}

// downloadClient is httpClient with a redirect policy that keeps the
// token for the endpoint: a redirect elsewhere loses it (Go's default
// kept it for the same host name on another port, for a subdomain and
// from https to http), as huggingface_hub drops it for another host.
func (c *Client) downloadClient() *http.Client {
	hc := *c.httpClient()
	check := hc.CheckRedirect
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		req.Header.Del("Authorization")
		c.authorize(req)
		if check != nil {
			return check(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &hc
}

// unwrapURL drops *url.Error's "Head \"...\":" prefix; callers name the file.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
