// Package hubtest is a fake Hugging Face Hub for tests: an httptest server
// that answers resolve requests the way huggingface.co does (X-Repo-Commit,
// ETag, X-Linked-Etag and X-Linked-Size, X-Error-Code, redirects of LFS
// files to a second host standing for the CDN, Range requests), with
// switches for the failures a client must survive.
package hubtest

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Repo is one model repository.
type Repo struct {
	Commit    string            // 40 hex digits
	Branches  map[string]string // revision → commit; "main" → Commit when nil
	Files     map[string][]byte
	LFS       map[string]bool // files served through the CDN with a SHA-256 etag
	Gated     bool            // needs the hub's token
	RenamedTo string          // answer with a relative redirect to this repo
}

// Request is one request a server saw.
type Request struct {
	Host, Method, Path, Auth, Range string
}

// Hub is the fake Hub and its CDN.
type Hub struct {
	Token string // the token gated repositories accept
	Repos map[string]*Repo

	mu sync.Mutex
	// DropAfter makes the next Drops CDN responses close the connection
	// after that many body bytes.
	DropAfter, Drops int
	// Corrupt makes the CDN flip a byte of what it serves.
	Corrupt  bool
	requests []Request

	Server, CDN *httptest.Server
}

// New starts a Hub with repos; Close stops it.
func New(repos map[string]*Repo) *Hub {
	h := &Hub{Repos: repos}
	h.CDN = httptest.NewServer(http.HandlerFunc(h.serveCDN))
	h.Server = httptest.NewServer(http.HandlerFunc(h.serveHub))
	return h
}

// Close stops both servers.
func (h *Hub) Close() {
	h.Server.Close()
	h.CDN.Close()
}

// URL is the endpoint to give a client.
func (h *Hub) URL() string { return h.Server.URL }

// Requests returns the requests seen so far, and forgets them.
func (h *Hub) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.requests
	h.requests = nil
	return r
}

func (h *Hub) record(r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests = append(h.requests, Request{Host: r.Host, Method: r.Method, Path: r.URL.Path,
		Auth: r.Header.Get("Authorization"), Range: r.Header.Get("Range")})
}

// GitSHA1 is git's blob id of data: the Hub's ETag of a small file.
func GitSHA1(data []byte) string {
	s := sha1.New()
	fmt.Fprintf(s, "blob %d\x00", len(data))
	s.Write(data)
	return hex.EncodeToString(s.Sum(nil))
}

// SHA256 is the Hub's ETag of an LFS file.
func SHA256(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// serveHub answers {repo}/resolve/{revision}/{file}.
func (h *Hub) serveHub(w http.ResponseWriter, r *http.Request) {
	h.record(r)
	org, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	name, rest, _ := strings.Cut(rest, "/")
	rev, file, ok := strings.Cut(strings.TrimPrefix(rest, "resolve/"), "/")
	repoID := org + "/" + name
	if !ok || !strings.HasPrefix(rest, "resolve/") {
		http.NotFound(w, r)
		return
	}
	authed := h.Token != "" && r.Header.Get("Authorization") == "Bearer "+h.Token
	repo := h.Repos[repoID]
	switch {
	case repo == nil && r.Header.Get("Authorization") == "":
		fail(w, http.StatusUnauthorized, "RepoNotFound", "")
		return
	case repo == nil:
		fail(w, http.StatusNotFound, "RepoNotFound", "")
		return
	case repo.RenamedTo != "":
		w.Header().Set("Location", "/"+repo.RenamedTo+"/resolve/"+rev+"/"+file)
		w.WriteHeader(http.StatusTemporaryRedirect)
		return
	case repo.Gated && !authed:
		fail(w, http.StatusUnauthorized, "GatedRepo", "")
		return
	}
	commit := repo.Commit
	if rev != commit {
		branches := repo.Branches
		if branches == nil {
			branches = map[string]string{"main": repo.Commit}
		}
		if commit = branches[rev]; commit == "" {
			fail(w, http.StatusNotFound, "RevisionNotFound", "")
			return
		}
	}
	data, ok := repo.Files[file]
	if !ok || commit != repo.Commit {
		fail(w, http.StatusNotFound, "EntryNotFound", commit)
		return
	}
	w.Header().Set("X-Repo-Commit", commit)
	if repo.LFS[file] {
		sum := SHA256(data)
		w.Header().Set("ETag", `"`+GitSHA1([]byte("pointer "+sum))+`"`)
		w.Header().Set("X-Linked-Etag", `"`+sum+`"`)
		w.Header().Set("X-Linked-Size", strconv.Itoa(len(data)))
		w.Header().Set("Location", h.CDN.URL+"/blobs/"+repoID+"/"+sum+"?expires=soon")
		w.WriteHeader(http.StatusFound)
		return
	}
	w.Header().Set("ETag", `"`+GitSHA1(data)+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	if r.Method == http.MethodGet {
		w.Write(data)
	}
}

func fail(w http.ResponseWriter, status int, code, commit string) {
	w.Header().Set("X-Error-Code", code)
	if commit != "" {
		w.Header().Set("X-Repo-Commit", commit)
	}
	w.WriteHeader(status)
}

// serveCDN answers /blobs/{org}/{name}/{sha256} with Range support.
func (h *Hub) serveCDN(w http.ResponseWriter, r *http.Request) {
	h.record(r)
	p := strings.TrimPrefix(r.URL.Path, "/blobs/")
	i := strings.LastIndex(p, "/")
	repo := h.Repos[p[:max(i, 0)]]
	var data []byte
	if repo != nil {
		for name, d := range repo.Files {
			if repo.LFS[name] && SHA256(d) == p[i+1:] {
				data = d
			}
		}
	}
	if data == nil {
		http.NotFound(w, r)
		return
	}
	h.mu.Lock()
	drop := h.Drops > 0
	if drop {
		h.Drops--
	}
	dropAfter, corrupt := h.DropAfter, h.Corrupt
	h.mu.Unlock()
	if corrupt {
		data = append([]byte(nil), data...)
		data[len(data)/2] ^= 0xff
	}
	if drop {
		w = &dropWriter{ResponseWriter: w, left: dropAfter}
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

// dropWriter writes left bytes, then aborts the connection mid-body.
type dropWriter struct {
	http.ResponseWriter
	left int
}

func (d *dropWriter) Write(b []byte) (int, error) {
	if len(b) >= d.left {
		d.ResponseWriter.Write(b[:d.left])
		d.ResponseWriter.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
	d.left -= len(b)
	return d.ResponseWriter.Write(b)
}
