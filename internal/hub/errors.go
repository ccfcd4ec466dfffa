package hub

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/vitctl/vitctl/internal/bytestr"
)

var (
	// ErrEntryNotFound: the repository exists but has no such file at the
	// revision.
	ErrEntryNotFound = errors.New("no such file in the repository")
	// ErrOffline: offline mode is on and the cache lacks the file.
	ErrOffline = errors.New("not in the Hugging Face cache and HF_HUB_OFFLINE=1 forbids downloading")
	// ErrChecksum: a download does not match its etag.
	ErrChecksum = errors.New("checksum mismatch")
)

// OfflineError is an error that errors.Is takes for ErrOffline, saying
// msg: ErrOffline worded with the setting that turned offline mode on
// (Client.OfflineSetting: TRANSFORMERS_OFFLINE=1 was called
// HF_HUB_OFFLINE=1), or with what else of a model the cache lacks.
func OfflineError(msg string) error { return offlineError(msg) }

type offlineError string

func (e offlineError) Error() string        { return string(e) }
func (e offlineError) Is(target error) bool { return target == ErrOffline }

// fileError names the repository, revision and file an error is about.
type fileError struct {
	ref  Ref
	file string
	err  error
}

func (e *fileError) Error() string { return fmt.Sprintf("%s: %s: %v", e.ref, e.file, e.err) }
func (e *fileError) Unwrap() error { return e.err }

func (c *Client) wrap(ref Ref, file string, err error) error {
	return &fileError{ref: ref, file: file, err: err}
}

// statusError explains a failed response the way huggingface_hub's
// hf_raise_for_status does, from the status and the Hub's X-Error-Code.
func (c *Client) statusError(ref Ref, resp *http.Response) error {
	code := resp.Header.Get("X-Error-Code")
	status := bytestr.Text(resp.Status) // the server's text: quoted when it holds escapes
	login := "set HF_TOKEN or run huggingface-cli login"
	switch {
	case code == "GatedRepo" && c.Token == "":
		return fmt.Errorf("%s: the repository is gated: accept its conditions at %s/%s, then %s", status, c.Endpoint, ref.Repo, login)
	case code == "GatedRepo":
		return fmt.Errorf("%s: the repository is gated and HF_TOKEN's account has not been granted access: accept its conditions at %s/%s", status, c.Endpoint, ref.Repo)
	case resp.StatusCode == http.StatusUnauthorized && c.Token == "":
		return fmt.Errorf("%s: the repository does not exist, or it is private or gated: %s", status, login)
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%s: the repository does not exist, or HF_TOKEN has no access to it", status)
	case code == "RevisionNotFound":
		return fmt.Errorf("%s: revision %q not found in %s", status, ref.Revision, ref.Repo)
	case code == "EntryNotFound" || resp.StatusCode == http.StatusNotFound && resp.Header.Get("X-Repo-Commit") != "":
		return fmt.Errorf("%s: %w", status, ErrEntryNotFound)
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%s: repository %s not found on %s", status, ref.Repo, c.Endpoint)
	case resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%s: access refused (check HF_TOKEN's permissions)", status)
	case resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("%s: rate limited by %s; retry later or set HF_TOKEN", status, c.Endpoint)
	}
	if msg := resp.Header.Get("X-Error-Message"); msg != "" {
		return fmt.Errorf("%s: %s", status, bytestr.Text(msg))
	}
	return fmt.Errorf("%s from %s", status, resp.Request.URL.Host)
}
