// Package fetch reads inputs named by http:// and https:// URLs, with a
// time limit and a size cap, so a slow or endless server cannot hold a run
// or fill its memory. What the bytes are is for the caller to find out.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vitctl/vitctl/internal/bytestr"
)

// Defaults of Getter.
const (
	DefaultTimeout  = 60 * time.Second
	DefaultMaxBytes = 128 << 20
)

// IsURL reports whether s names an http or https URL, or is meant to:
// "https://" alone is one (without a host, which Get says), not a path.
func IsURL(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	return ok && (strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https"))
}

// Getter downloads whole resources.
type Getter struct {
	HTTP     *http.Client  // http.DefaultClient's transport when nil
	Timeout  time.Duration // for the whole request; DefaultTimeout when 0
	MaxBytes int64         // largest body accepted; DefaultMaxBytes when 0
}

// ErrTooLarge: the resource is bigger than MaxBytes.
var ErrTooLarge = errors.New("too large")

// Get returns the body of a 2xx response to a GET of rawURL. Errors do not
// repeat the URL; callers put it first, as they do for file paths.
func (g *Getter) Get(ctx context.Context, rawURL string) ([]byte, error) {
	limit := g.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout())
	defer cancel()
	resp, err := g.get(ctx, rawURL, "")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: %d bytes, over the limit of %d", ErrTooLarge, resp.ContentLength, limit)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, g.describe(ctx, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return data, nil
}

// Prefix returns the first n bytes of rawURL's body (all of a shorter
// one): enough to read a file's header without its data. It asks for no
// more (Range), and reads no more from a server that sends the whole body.
func (g *Getter) Prefix(ctx context.Context, rawURL string, n int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, g.timeout())
	defer cancel()
	resp, err := g.get(ctx, rawURL, fmt.Sprintf("bytes=0-%d", n-1))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, n))
	if err != nil {
		return nil, g.describe(ctx, err)
	}
	return data, nil
}

func (g *Getter) timeout() time.Duration {
	if g.Timeout <= 0 {
		return DefaultTimeout
	}
	return g.Timeout
}

// get sends a GET of rawURL, with a Range header unless rangeSpec is "",
// and returns a 2xx response, whose body the caller closes.
func (g *Getter) get(ctx context.Context, rawURL, rangeSpec string) (*http.Response, error) {
	if !IsURL(rawURL) {
		return nil, errors.New("not an http:// or https:// URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("bad URL: %w", unwrap(err))
	}
	if req.URL.Host == "" {
		return nil, errors.New("bad URL: no host after //")
	}
	if rangeSpec != "" {
		req.Header.Set("Range", rangeSpec)
	}
	hc := g.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, g.describe(ctx, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		resp.Body.Close()
		return nil, fmt.Errorf("server answered %s", bytestr.Text(resp.Status)) // the server's text: quoted when it holds escapes
	}
	return resp, nil
}

// describe turns transport errors into a reason without the URL.
func (g *Getter) describe(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no complete answer within %v", g.timeout())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("connection closed before the whole body arrived")
	}
	return fmt.Errorf("cannot download: %w", unwrap(err))
}

func unwrap(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
