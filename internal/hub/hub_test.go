package hub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vitctl/vitctl/internal/filelock"
	"github.com/vitctl/vitctl/internal/hub/hubtest"
)

const (
	commitA = "0123456789abcdef0123456789abcdef01234567"
	commitB = "89abcdef0123456789abcdef0123456789abcdef"
)

// weights is an LFS file large enough to arrive in several reads.
var weights = bytes.Repeat([]byte("0123456789abcdef"), 64<<10)

func newFake(t *testing.T) *hubtest.Hub {
	h := hubtest.New(map[string]*hubtest.Repo{
		"org/public": {
			Commit: commitA,
			Files:  map[string][]byte{"config.json": []byte(`{"a":1}`), "model.safetensors": weights},
			LFS:    map[string]bool{"model.safetensors": true},
		},
		"org/gated": {
			Commit: commitB, Gated: true,
			Files: map[string][]byte{"config.json": []byte(`{"b":2}`)},
		},
		"org/old-name": {RenamedTo: "org/public"},
	})
	h.Token = "hf_secret"
	t.Cleanup(h.Close)
	return h
}

func newClient(t *testing.T, h *hubtest.Hub) *Client {
	return &Client{Endpoint: h.URL(), CacheDir: t.TempDir(), Attempts: 1}
}

func mustRef(t *testing.T, s string) Ref {
	t.Helper()
	r, err := ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPublicRepoLayout(t *testing.T) {
	h := newFake(t)
	c := newClient(t, h)
	c.Token = "hf_secret" // must reach the hub and never the CDN
	var progressed int64
	c.Progress = func(file string, done, total int64) { progressed = done }
	ref := mustRef(t, "org/public")
	for _, f := range []string{"config.json", "model.safetensors"} {
		p, commit, err := c.File(context.Background(), ref, f)
		if err != nil {
			t.Fatal(err)
		}
		if commit != commitA {
			t.Errorf("%s: commit %s, want %s", f, commit, commitA)
		}
		want := filepath.Join(c.CacheDir, "models--org--public", "snapshots", commitA, f)
		if p != want {
			t.Errorf("path %s, want %s", p, want)
		}
		target, err := os.Readlink(p)
		if err != nil || !strings.HasPrefix(target, filepath.Join("..", "..", "blobs")+string(filepath.Separator)) {
			t.Errorf("%s: link %q (%v), want a relative link into blobs/", f, target, err)
		}
	}
	if progressed != int64(len(weights)) {
		t.Errorf("progress ended at %d bytes, want %d", progressed, len(weights))
	}
	if b, _ := os.ReadFile(filepath.Join(c.CacheDir, "models--org--public", "refs", "main")); string(b) != commitA {
		t.Errorf("refs/main = %q, want %s", b, commitA)
	}
	blob := filepath.Join(c.CacheDir, "models--org--public", "blobs", hubtest.SHA256(weights))
	if b, err := os.ReadFile(blob); err != nil || !bytes.Equal(b, weights) {
		t.Errorf("blob named by the LFS etag: %v", err)
	}
	for _, r := range h.Requests() {
		onHub := r.Host == strings.TrimPrefix(h.URL(), "http://")
		if onHub != (r.Auth == "Bearer hf_secret") {
			t.Errorf("%s %s%s: Authorization %q", r.Method, r.Host, r.Path, r.Auth)
		}
	}
	// A second fetch of a commit-hash revision asks nothing.
	if _, _, err := c.File(context.Background(), mustRef(t, "org/public@"+commitA), "model.safetensors"); err != nil {
		t.Fatal(err)
	}
	if r := h.Requests(); len(r) != 0 {
		t.Errorf("cached commit revision still sent %v", r)
	}
}

func TestRelativeRedirect(t *testing.T) {
	h := newFake(t)
	c := newClient(t, h)
	p, _, err := c.File(context.Background(), mustRef(t, "org/old-name"), "config.json")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != `{"a":1}` {
		t.Errorf("got %q", b)
	}
}

func TestErrors(t *testing.T) {
	h := newFake(t)
	tests := []struct {
		ref, file, token string
		want             []string
		is               error
	}{
		{"org/gated", "config.json", "", []string{"org/gated@main: config.json", "401", "set HF_TOKEN or run huggingface-cli login"}, nil},
		{"org/gated", "config.json", "hf_wrong", []string{"org/gated@main: config.json", "401", "gated", "accept its conditions"}, nil},
		{"org/missing", "config.json", "", []string{"org/missing@main: config.json", "401", "does not exist"}, nil},
		{"org/missing", "config.json", "hf_secret", []string{"org/missing@main: config.json", "404", "repository org/missing not found"}, nil},
		{"org/public@v9", "config.json", "", []string{"org/public@v9: config.json", "404", `revision "v9" not found`}, nil},
		{"org/public", "pytorch_model.bin", "", []string{"org/public@main: pytorch_model.bin", "404"}, ErrEntryNotFound},
	}
	for _, tt := range tests {
		c := newClient(t, h)
		c.Token = tt.token
		_, _, err := c.File(context.Background(), mustRef(t, tt.ref), tt.file)
		if err == nil {
			t.Errorf("%s %s: no error", tt.ref, tt.file)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s %s token %q: error %q lacks %q", tt.ref, tt.file, tt.token, err, w)
			}
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s %s: error %v is not %v", tt.ref, tt.file, err, tt.is)
		}
	}
	c := newClient(t, h)
	c.Token = "hf_secret"
	if _, _, err := c.File(context.Background(), mustRef(t, "org/gated"), "config.json"); err != nil {
		t.Errorf("gated repository with its token: %v", err)
	}
}

func TestMissingFileRecordedForOffline(t *testing.T) {
	h := newFake(t)
	c := newClient(t, h)
	ref := mustRef(t, "org/public")
	if _, _, err := c.File(context.Background(), ref, "pytorch_model.bin"); !errors.Is(err, ErrEntryNotFound) {
		t.Fatalf("got %v, want ErrEntryNotFound", err)
	}
	if !c.KnownMissing("org/public", commitA, "pytorch_model.bin") {
		t.Error("no .no_exist marker")
	}
	c.Offline = true
	if _, _, err := c.File(context.Background(), ref, "pytorch_model.bin"); !errors.Is(err, ErrEntryNotFound) {
		t.Errorf("offline: got %v, want ErrEntryNotFound from the marker", err)
	}
}

func TestResumeAfterDroppedConnection(t *testing.T) {
	h := newFake(t)
	c := newClient(t, h)
	c.Attempts = 3
	h.DropAfter, h.Drops = len(weights)/3, 1
	p, _, err := c.File(context.Background(), mustRef(t, "org/public"), "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, weights) {
		t.Fatal("resumed file differs")
	}
	checkRanges(t, h.Requests(), 1)
}

func TestResumeInNextRun(t *testing.T) {
	h := newFake(t)
	c := newClient(t, h)
	h.DropAfter, h.Drops = len(weights)/2, 1
	ref := mustRef(t, "org/public")
	_, _, err := c.File(context.Background(), ref, "model.safetensors")
	if err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Fatalf("got %v, want a cut-short download", err)
	}
	part := filepath.Join(c.CacheDir, "models--org--public", "blobs", hubtest.SHA256(weights)+".incomplete")
	if st, err := os.Stat(part); err != nil || st.Size() == 0 || st.Size() >= int64(len(weights)) {
		t.Fatalf("partial download: %v %v", st, err)
	}
	// However old, and unlocked, a partial download is resumed, not taken
	// for a dead writer's litter.
	old := time.Now().Add(-2 * filelock.StaleAfter)
	os.Chtimes(part, old, old)
	h.Requests()
	p, _, err := c.File(context.Background(), ref, "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, weights) {
		t.Fatal("resumed file differs")
	}
	checkRanges(t, h.Requests(), 1)
	if _, err := os.Stat(part); !os.IsNotExist(err) {
		t.Errorf(".incomplete left behind: %v", err)
	}
}

// checkRanges wants n GETs with a Range header among reqs.
func checkRanges(t *testing.T, reqs []Request, n int) {
	t.Helper()
	got := 0
	for _, r := range reqs {
		if r.Method == "GET" && strings.HasPrefix(r.Range, "bytes=") {
			got++
		}
	}
	if got != n {
		t.Errorf("%d ranged GETs, want %d: %+v", got, n, reqs)
	}
}

type Request = hubtest.Request

func TestChecksumRefused(t *testing.T) {
	h := newFake(t)
	h.Corrupt = true
	c := newClient(t, h)
	_, _, err := c.File(context.Background(), mustRef(t, "org/public"), "model.safetensors")
	if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "org/public@main: model.safetensors") {
		t.Fatalf("got %v, want a checksum error naming the file", err)
	}
	blobs, _ := os.ReadDir(filepath.Join(c.CacheDir, "models--org--public", "blobs"))
	if len(blobs) != 0 {
		t.Errorf("blobs/ holds %v after a bad download", blobs)
	}
	if _, err := os.Lstat(filepath.Join(c.CacheDir, "models--org--public", "snapshots", commitA, "model.safetensors")); err == nil {
		t.Error("snapshot link made for a bad download")
	}
}

func TestOffline(t *testing.T) {
	h := newFake(t)
	c := newClient(t, h)
	ref := mustRef(t, "org/public")
	if _, _, err := c.File(context.Background(), ref, "config.json"); err != nil {
		t.Fatal(err)
	}
	h.Requests()
	c.Offline = true
	if _, commit, err := c.File(context.Background(), ref, "config.json"); err != nil || commit != commitA {
		t.Errorf("offline cache hit: %v %s", err, commit)
	}
	_, _, err := c.File(context.Background(), ref, "model.safetensors")
	if !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), "org/public@main: model.safetensors") {
		t.Errorf("offline miss: %v", err)
	}
	// A revision the cache does not know: those it knows are named (it
	// said no more than "not in the Hugging Face cache").
	_, _, err = c.File(context.Background(), mustRef(t, "org/public@v2"), "config.json")
	if want := "; it knows no revision v2 of org/public, only main (0123456): give one of those, as org/public@main"; !errors.Is(err, ErrOffline) || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("offline, unknown revision: %v\nwant it to end %q", err, want)
	}
	if r := h.Requests(); len(r) != 0 {
		t.Errorf("offline client sent %v", r)
	}
}

// TestPythonCache reads a cache laid out by huggingface_hub, with nothing
// listening at the endpoint.
func TestPythonCache(t *testing.T) {
	dir := t.TempDir()
	repo := filepath.Join(dir, "models--google--vit-base-patch16-224")
	etag := hubtest.GitSHA1([]byte(`{"c":3}`))
	for path, data := range map[string]string{
		"refs/main":          commitB,
		"blobs/" + etag:      `{"c":3}`,
		"refs/refs/pr/1":     commitA,
		"blobs/not-a-linked": "x",
	} {
		if err := filelock.WriteFile(filepath.Join(repo, path), []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	snap := filepath.Join(repo, "snapshots", commitB)
	os.MkdirAll(snap, 0o755)
	if err := os.Symlink(filepath.Join("..", "..", "blobs", etag), filepath.Join(snap, "config.json")); err != nil {
		t.Fatal(err)
	}
	c := &Client{Endpoint: "http://127.0.0.1:1", CacheDir: dir}
	p, commit, ok := c.Cached("google/vit-base-patch16-224", "main", "config.json")
	if !ok || commit != commitB {
		t.Fatalf("Cached: %q %q %v", p, commit, ok)
	}
	if b, _ := os.ReadFile(p); string(b) != `{"c":3}` {
		t.Errorf("read %q", b)
	}
	if _, commit, ok := c.Cached("google/vit-base-patch16-224", commitB[:7], "config.json"); !ok || commit != commitB {
		t.Errorf("short commit %s: %q %v", commitB[:7], commit, ok)
	}
	for _, short := range []string{commitB[:6], strings.ToUpper(commitB[:7]), commitA[:7]} {
		if _, _, ok := c.Cached("google/vit-base-patch16-224", short, "config.json"); ok {
			t.Errorf("revision %s found a snapshot", short)
		}
	}
	if _, _, ok := c.Cached("google/vit-base-patch16-224", "refs/pr/1", "config.json"); ok {
		t.Error("refs/pr/1's commit has no snapshot, yet Cached found one")
	}
	if _, _, err := c.File(context.Background(), mustRef(t, "google/vit-base-patch16-224@"+commitB), "config.json"); err != nil {
		t.Errorf("commit revision in the cache needs no network: %v", err)
	}
}

// TestParseRef: what parses, and for what does not, the error says what
// is wrong (an empty revision after @ was only "not a model name").
func TestParseRef(t *testing.T) {
	const notName, chars = "want ORG/NAME or ORG/NAME@REVISION", "ORG and NAME are letters"
	tests := []struct {
		in       string
		repo, rv string
		err      string // "" when it parses
	}{
		{"google/vit-base-patch16-224", "google/vit-base-patch16-224", "main", ""},
		{"timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k@v1.0", "timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k", "v1.0", ""},
		{"org/name@refs/pr/3", "org/name", "refs/pr/3", ""},
		{"org/name@" + commitA, "org/name", commitA, ""},
		{"name", "", "", notName},
		{"a/b/c", "", "", notName},
		{"a/b/c@main", "", "", notName},
		{"../x", "", "", chars},
		{"org/..", "", "", chars},
		{"org/na me", "", "", chars},
		{"org/", "", "", chars},
		{"org/name@", "", "", "empty revision after @ (a branch, tag or commit; ORG/NAME alone is @main)"},
		{"org/name@../../etc", "", "", `revision "../../etc" is not a branch, tag or commit name`},
		{"org/model.gguf@main/..", "", "", `revision "main/.." is not`},
		{"./model", "", "", chars},
		{"/abs/path", "", "", notName},
	}
	for _, tt := range tests {
		r, err := ParseRef(tt.in)
		switch {
		case tt.err == "" && (err != nil || r.Repo != tt.repo || r.Revision != tt.rv):
			t.Errorf("ParseRef(%q) = %+v, %v; want %s@%s", tt.in, r, err, tt.repo, tt.rv)
		case tt.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.err)):
			t.Errorf("ParseRef(%q) = %+v, %v; want an error %q", tt.in, r, err, tt.err)
		}
	}
}

// TestNotAHub points the client at a server that answers 200 without the
// Hub's headers: nothing may be cached under a made-up name.
func TestNotAHub(t *testing.T) {
	tests := []struct {
		headers map[string]string
		want    string
	}{
		{nil, "is HF_ENDPOINT a Hugging Face Hub?"},
		{map[string]string{"X-Repo-Commit": commitA}, "no usable ETag"},
		{map[string]string{"X-Repo-Commit": commitA, "ETag": `"../../x"`}, "no usable ETag"},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, v := range tt.headers {
				w.Header().Set(k, v)
			}
			w.Write([]byte("hello"))
		}))
		c := &Client{Endpoint: srv.URL, CacheDir: t.TempDir()}
		_, _, err := c.File(context.Background(), mustRef(t, "org/x"), "config.json")
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "org/x@main: config.json") {
			t.Errorf("headers %v: error %v, want %q", tt.headers, err, tt.want)
		}
		if blobs, _ := os.ReadDir(filepath.Join(c.CacheDir, "models--org--x", "blobs")); len(blobs) != 0 {
			t.Errorf("headers %v: cached %v", tt.headers, blobs)
		}
	}
	for in, want := range map[string]string{`"abc"`: "abc", `W/"abc"`: "abc", "abc": "abc", "": ""} {
		if got := normalizeEtag(in); got != want {
			t.Errorf("normalizeEtag(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestConcurrentDownloads fetches one file from several goroutines into
// one cache: the blob lock lets one download it, the others wait and link.
func TestConcurrentDownloads(t *testing.T) {
	h := newFake(t)
	dir := t.TempDir()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			c := &Client{Endpoint: h.URL(), CacheDir: dir, Attempts: 1}
			p, _, err := c.File(context.Background(), mustRef(t, "org/public"), "model.safetensors")
			if err == nil {
				if b, _ := os.ReadFile(p); !bytes.Equal(b, weights) {
					err = errors.New("content differs")
				}
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	gets := 0
	for _, r := range h.Requests() {
		if r.Method == "GET" {
			gets++
		}
	}
	if gets != 1 {
		t.Errorf("%d downloads of one blob, want 1", gets)
	}
}

// TestPartialNamed: a download cut short is named where it lies, as
// partial, with what resumes it and that deleting it starts over: in the
// error of the run that was cut short, of an offline run (which said only
// "not in the Hugging Face cache") and of a run that cannot reach the Hub.
func TestPartialNamed(t *testing.T) {
	h := newFake(t)
	c := newClient(t, h)
	h.DropAfter, h.Drops = len(weights)/2, 1
	ref := mustRef(t, "org/public")
	part := filepath.Join(c.CacheDir, "models--org--public", "blobs", hubtest.SHA256(weights)+".incomplete")
	note := "; the cache holds a partial download of org/public, cut short: " + part + " (524.3 kB so far); "
	_, _, err := c.File(context.Background(), ref, "model.safetensors")
	if want := note + "the next run that reaches the Hub resumes it, or delete it to start over"; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("cut short: %v\nwant it to end %q", err, want)
	}
	c.Offline, c.OfflineBy = true, []string{"TRANSFORMERS_OFFLINE=1"}
	_, _, err = c.File(context.Background(), ref, "model.safetensors")
	if want := note + "run again with TRANSFORMERS_OFFLINE unset to resume it, or delete it to start over"; !errors.Is(err, ErrOffline) || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("offline: %v\nwant it to end %q", err, want)
	}
	c.Offline, c.OfflineBy = false, nil
	h.Close()
	_, _, err = c.File(context.Background(), ref, "model.safetensors")
	if want := note + "the next run that reaches the Hub resumes it, or delete it to start over"; err == nil || !strings.Contains(err.Error(), "cannot reach") || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("unreachable: %v\nwant it to end %q", err, want)
	}
	// Nothing partial, nothing said.
	if _, _, err := newClient(t, h).File(context.Background(), ref, "config.json"); err == nil || strings.Contains(err.Error(), "partial") {
		t.Errorf("no partial download: %v", err)
	}
}

// TestEndpointNotAnAddress: an HF_ENDPOINT without its scheme (a mirror's
// host alone) is refused saying so, before any request; it said "cannot
// reach hub.example.org: unsupported protocol scheme \"\"".
func TestEndpointNotAnAddress(t *testing.T) {
	for _, e := range []string{"hub.example.org", "ftp://hub.example.org", "https://", "localhost:8080"} {
		c := &Client{Endpoint: e, CacheDir: t.TempDir(), Attempts: 1}
		_, _, err := c.File(context.Background(), mustRef(t, "org/public"), "config.json")
		want := fmt.Sprintf("the Hub's address %q (HF_ENDPOINT) is no http:// or https:// address: give it whole, as https://huggingface.co is", e)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", e, err, want)
		}
	}
}

// TestNoSymlinks downloads into a cache where no symbolic link can be made
// (Windows without Developer Mode: "A required privilege is not held by
// the client"; FAT disks, where no hard link can be made either): the
// snapshot holds the blob's file, a hard link or a copy, read again from
// the cache. Every download failed there, "linking
// …/snapshots/COMMIT/model.safetensors: symlink …".
func TestNoSymlinks(t *testing.T) {
	defer func(s, h func(string, string) error) { symlink, hardlink = s, h }(symlink, hardlink)
	refuse := func(op string) func(string, string) error {
		return func(oldname, newname string) error {
			return &os.LinkError{Op: op, Old: oldname, New: newname, Err: errors.ErrUnsupported}
		}
	}
	symlink = refuse("symlink")
	for _, noHardLinks := range []bool{false, true} {
		hardlink = os.Link
		if noHardLinks {
			hardlink = refuse("link")
		}
		t.Run(fmt.Sprintf("no hard links %v", noHardLinks), func(t *testing.T) {
			c := newClient(t, newFake(t))
			for _, rev := range []string{"main", commitA} { // commitA: from the cache
				p, _, err := c.File(context.Background(), mustRef(t, "org/public@"+rev), "model.safetensors")
				if err != nil {
					t.Fatalf("%s: %v", rev, err)
				}
				if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, weights) {
					t.Errorf("%s: %s holds %d bytes (%v), want the blob's %d", rev, p, len(got), err, len(weights))
				}
			}
			blob := filepath.Join(c.CacheDir, "models--org--public", "blobs", hubtest.SHA256(weights))
			if b, err := os.ReadFile(blob); err != nil || !bytes.Equal(b, weights) {
				t.Errorf("blob: %v", err)
			}
			snap := filepath.Join(c.CacheDir, "models--org--public", "snapshots", commitA, "model.safetensors")
			bst, err1 := os.Stat(blob)
			sst, err2 := os.Lstat(snap)
			if err := errors.Join(err1, err2); err != nil {
				t.Error(err)
			} else if !sst.Mode().IsRegular() || os.SameFile(bst, sst) == noHardLinks {
				t.Errorf("snapshot's file: mode %v, a hard link to the blob %v; want a hard link where one can be made, else a copy", sst.Mode(), os.SameFile(bst, sst))
			}
			left, _ := os.ReadDir(filepath.Join(c.CacheDir, "models--org--public", "snapshots", commitA))
			if len(left) != 1 {
				t.Errorf("snapshot holds %d files, want model.safetensors alone (no temporary)", len(left))
			}
		})
	}
}
