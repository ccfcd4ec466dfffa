package modelsrc

import (
	"context"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vitctl/vitctl/internal/convert"
	"github.com/vitctl/vitctl/internal/filelock"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/hub"
	"github.com/vitctl/vitctl/internal/hub/hubtest"
)

const (
	models  = "../../testdata/models"
	commitA = "1111111111111111111111111111111111111111"
	commitB = "2222222222222222222222222222222222222222"
)

// repoFrom serves a committed checkpoint folder as a Hub repository,
// weights as LFS files, leaving out the files named in skip.
func repoFrom(t *testing.T, name, commit string, skip ...string) *hubtest.Repo {
	t.Helper()
	r := &hubtest.Repo{Commit: commit, Files: map[string][]byte{}, LFS: map[string]bool{}}
	ents, err := os.ReadDir(filepath.Join(models, name))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if slices.Contains(skip, e.Name()) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(models, name, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		r.Files[e.Name()] = b
		r.LFS[e.Name()] = !strings.HasSuffix(e.Name(), ".json")
	}
	return r
}

func newCache(t *testing.T, endpoint string) *Cache {
	t.Setenv("HF_HUB_OFFLINE", "")
	t.Setenv("TRANSFORMERS_OFFLINE", "")
	return &Cache{
		Dir:     t.TempDir(),
		Hub:     &hub.Client{Endpoint: endpoint, CacheDir: t.TempDir(), Attempts: 1},
		Version: "test",
	}
}

// checksum is the tensor data hash of a model file, or of the conversion
// of a checkpoint folder.
func checksum(t *testing.T, path string) string {
	t.Helper()
	if st, _ := os.Stat(path); st != nil && st.IsDir() {
		out := filepath.Join(t.TempDir(), "ref.gguf")
		if _, err := convert.Convert(context.Background(), path, out, convert.Options{DType: gguf.F32}); err != nil {
			t.Fatal(err)
		}
		path = out
	}
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, _ := f.String(gguf.KeyTensorDataSHA256)
	return s
}

func ref(t *testing.T, s string) hub.Ref {
	r, err := hub.ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func paths(reqs []hubtest.Request) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func TestFromHubOnce(t *testing.T) {
	h := hubtest.New(map[string]*hubtest.Repo{"org/sharded": repoFrom(t, "vit-p8-quickgelu-sharded", commitA)})
	defer h.Close()
	c := newCache(t, h.URL())
	m, err := c.FromHub(context.Background(), ref(t, "org/sharded"), gguf.F32)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := checksum(t, m.Path), checksum(t, filepath.Join(models, "vit-p8-quickgelu-sharded")); got != want {
		t.Errorf("converted tensors %s, want those of the folder %s", got, want)
	}
	if m.Name != "org/sharded@1111111" {
		t.Errorf("name %q", m.Name)
	}
	got := paths(h.Requests())
	for _, f := range []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "preprocessor_config.json"} {
		if !slices.ContainsFunc(got, func(p string) bool { return strings.HasSuffix(p, "/"+f) }) {
			t.Errorf("%s not fetched: %v", f, got)
		}
	}
	st, _ := os.Stat(m.Path)
	m2, err := c.FromHub(context.Background(), ref(t, "org/sharded"), gguf.F32)
	if err != nil || m2.Path != m.Path {
		t.Fatalf("second use: %v %v", m2, err)
	}
	if st2, _ := os.Stat(m.Path); !st2.ModTime().Equal(st.ModTime()) {
		t.Error("second use converted again")
	}
	if r := h.Requests(); len(r) != 0 {
		t.Errorf("second use went to the Hub: %v", paths(r))
	}
	// The name shown (ORG/NAME@COMMIT7) is itself a reference that works,
	// from the cache.
	c.Hub.Offline = true
	if m4, err := c.FromHub(context.Background(), ref(t, m.Name), gguf.F32); err != nil || m4.Path != m.Path {
		t.Errorf("-m %s: %v %v", m.Name, m4, err)
	}
	// The converted file is enough once the commit is known, even after
	// the Hugging Face cache lost its files (huggingface-cli delete-cache).
	repo := filepath.Join(c.Hub.CacheDir, "models--org--sharded")
	os.RemoveAll(filepath.Join(repo, "snapshots"))
	os.RemoveAll(filepath.Join(repo, "blobs"))
	c.Hub.Offline = true
	if m3, err := c.FromHub(context.Background(), ref(t, "org/sharded"), gguf.F32); err != nil || m3.Path != m.Path {
		t.Errorf("without the Hugging Face files: %v %v", m3, err)
	}
}

// TestFileChoice checks that the weights are picked as transformers picks
// them and nothing else is downloaded: the snapshot holds exactly what was
// fetched.
func TestFileChoice(t *testing.T) {
	h := hubtest.New(map[string]*hubtest.Repo{
		"org/both":    repoFrom(t, "vit-p16-gelu", commitA),
		"org/pickle":  repoFrom(t, "vit-p16-gelu", commitA, "model.safetensors"),
		"org/noprep":  repoFrom(t, "timm-p8-noclass-avg", commitB),
		"org/noweigh": repoFrom(t, "vit-p16-gelu", commitA, "model.safetensors", "pytorch_model.bin"),
	})
	defer h.Close()
	tests := []struct {
		repo, commit string
		want         []string
		err          string
	}{
		{"org/both", commitA, []string{"config.json", "model.safetensors", "preprocessor_config.json"}, ""},
		{"org/pickle", commitA, []string{"config.json", "preprocessor_config.json", "pytorch_model.bin"}, ""},
		{"org/noprep", commitB, []string{"config.json", "model.safetensors"}, ""},
		{"org/noweigh", commitA, nil, "has none of model.safetensors"},
	}
	for _, tt := range tests {
		c := newCache(t, h.URL())
		_, err := c.FromHub(context.Background(), ref(t, tt.repo), gguf.F32)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), tt.repo) {
				t.Errorf("%s: error %v, want %q", tt.repo, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.repo, err)
		}
		ents, _ := os.ReadDir(filepath.Join(c.Hub.CacheDir, "models--"+strings.ReplaceAll(tt.repo, "/", "--"), "snapshots", tt.commit))
		var got []string
		for _, e := range ents {
			got = append(got, e.Name())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: snapshot holds %v, want %v", tt.repo, got, tt.want)
		}
		if noPrep := !slices.Contains(tt.want, preprocessFile); noPrep != c.Hub.KnownMissing(tt.repo, tt.commit, preprocessFile) {
			t.Errorf("%s: .no_exist marker for %s should be %v", tt.repo, preprocessFile, noPrep)
		}
	}
}

// TestPythonCacheNoNetwork lays out a Hugging Face cache by hand as
// huggingface_hub does (refs/main, blobs, relative snapshot links) and
// converts from it with nothing listening at the endpoint.
func TestPythonCacheNoNetwork(t *testing.T) {
	c := newCache(t, "http://127.0.0.1:1")
	src := pythonCache(t, c, "config.json", "preprocessor_config.json", "model.safetensors")
	m, err := c.FromHub(context.Background(), ref(t, "google/vit-base-patch16-224"), gguf.F32)
	if err != nil {
		t.Fatal(err)
	}
	if checksum(t, m.Path) != checksum(t, src) {
		t.Error("conversion of the cached snapshot differs from the folder's")
	}
}

// TestNoNetworkNoPreprocessor: a cached repository without its
// preprocessor_config.json, with the Hub out of reach, is used with one
// note naming the repository and the file once; the note said them twice
// ("org/x@C: preprocessor_config.json: org/x@C: preprocessor_config.json:
// cannot reach …"), on every run of a server that has no network.
func TestNoNetworkNoPreprocessor(t *testing.T) {
	c := newCache(t, "http://127.0.0.1:1")
	var notes []string
	c.Notify = func(msg string) { notes = append(notes, msg) }
	pythonCache(t, c, "config.json", "model.safetensors")
	if _, err := c.FromHub(context.Background(), ref(t, "google/vit-base-patch16-224"), gguf.F32); err != nil {
		t.Fatal(err)
	}
	at := "google/vit-base-patch16-224@" + commitA + ": preprocessor_config.json: "
	for _, n := range notes {
		if strings.Contains(n, "going on without it") && (!strings.HasPrefix(n, at) || strings.Count(n, at) != 1) {
			t.Errorf("note %q: want it to start with %q, once", n, at)
		}
	}
	if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "going on without it") }) {
		t.Errorf("notes %q: none says the run goes on without preprocessor_config.json", notes)
	}
}

// pythonCache lays out google/vit-base-patch16-224 at commitA in c's
// Hugging Face cache by hand, as huggingface_hub does (refs/main, blobs,
// relative snapshot links), with files of testdata's vit-p16-gelu; it
// returns that folder.
func pythonCache(t *testing.T, c *Cache, files ...string) string {
	t.Helper()
	repo := filepath.Join(c.Hub.CacheDir, "models--google--vit-base-patch16-224")
	snap := filepath.Join(repo, "snapshots", commitA)
	for _, d := range []string{filepath.Join(repo, "refs"), filepath.Join(repo, "blobs"), snap} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(filepath.Join(repo, "refs", "main"), []byte(commitA), 0o644)
	src := filepath.Join(models, "vit-p16-gelu")
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		etag := hubtest.SHA256(b)
		os.WriteFile(filepath.Join(repo, "blobs", etag), b, 0o644)
		if err := os.Symlink(filepath.Join("..", "..", "blobs", etag), filepath.Join(snap, f)); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

func TestOffline(t *testing.T) {
	h := hubtest.New(map[string]*hubtest.Repo{"org/timm": repoFrom(t, "timm-p8-noclass-avg", commitB)})
	defer h.Close()
	c := newCache(t, h.URL())
	if _, err := c.FromHub(context.Background(), ref(t, "org/timm"), gguf.F32); err != nil {
		t.Fatal(err)
	}
	h.Requests()
	c.Hub.Offline = true
	// Another dtype: a fresh conversion from the Hugging Face cache alone,
	// which also records that the repository has no preprocessor_config.json.
	if _, err := c.FromHub(context.Background(), ref(t, "org/timm"), gguf.BF16); err != nil {
		t.Errorf("offline, cached: %v", err)
	}
	_, err := c.FromHub(context.Background(), ref(t, "org/other"), gguf.F32)
	if !errors.Is(err, hub.ErrOffline) || !strings.Contains(err.Error(), "org/other@main: config.json") {
		t.Errorf("offline, not cached: %v", err)
	}
	if r := h.Requests(); len(r) != 0 {
		t.Errorf("offline run went to the Hub: %v", paths(r))
	}
}

// TestOfflinePartialCache names what an offline run lacks of a repository
// cached in part: each said "model.safetensors: not in the Hugging Face
// cache", a file the sharded repository has not.
func TestOfflinePartialCache(t *testing.T) {
	h := hubtest.New(map[string]*hubtest.Repo{"org/sharded": repoFrom(t, "vit-p8-quickgelu-sharded", commitA)})
	defer h.Close()
	at := "org/sharded@" + commitA + ": "
	for _, tc := range []struct {
		name   string
		cached []string
		by     []string // Client.OfflineBy
		want   string
	}{
		{"config alone", []string{"config.json"}, nil,
			at + "no weights in the Hugging Face cache, only config.json (none of model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json), and HF_HUB_OFFLINE=1 forbids downloading"},
		{"one shard of two", []string{"config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors"}, nil,
			at + "model-00002-of-00002.safetensors, 1 of the 2 shards model.safetensors.index.json names: not in the Hugging Face cache"},
		{"no shard", []string{"config.json", "model.safetensors.index.json"}, nil,
			at + "model-00001-of-00002.safetensors, model-00002-of-00002.safetensors, 2 of the 2 shards"},
		// The alias is named where it was set (both, when both were).
		{"TRANSFORMERS_OFFLINE", []string{"config.json"}, []string{"TRANSFORMERS_OFFLINE=1"},
			"and TRANSFORMERS_OFFLINE=1 forbids downloading (cache: "},
		{"TRANSFORMERS_OFFLINE unset", []string{"config.json", "model.safetensors.index.json"}, []string{"TRANSFORMERS_OFFLINE=1"},
			"; download them once online (TRANSFORMERS_OFFLINE unset), or copy them"},
		{"both set", []string{"config.json"}, []string{"HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1"},
			"and HF_HUB_OFFLINE=1 forbids downloading (cache: "},
		{"both unset", []string{"config.json"}, []string{"HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1"},
			"(HF_HUB_OFFLINE and TRANSFORMERS_OFFLINE unset)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCache(t, h.URL())
			for _, f := range tc.cached {
				if _, _, err := c.Hub.File(context.Background(), ref(t, "org/sharded"), f); err != nil {
					t.Fatal(err)
				}
			}
			c.Hub.Offline, c.Hub.OfflineBy = true, tc.by
			_, err := c.FromHub(context.Background(), ref(t, "org/sharded"), gguf.F32)
			if !errors.Is(err, hub.ErrOffline) || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v\nwant %q", err, tc.want)
			}
		})
	}
}

// TestOfflineNoWeights: offline, a repository an online run found to have
// no weights is said to have none, not the cache to lack them.
func TestOfflineNoWeights(t *testing.T) {
	h := hubtest.New(map[string]*hubtest.Repo{"org/bare": repoFrom(t, "vit-p16-gelu", commitA, "model.safetensors", "pytorch_model.bin")})
	defer h.Close()
	c := newCache(t, h.URL())
	_, online := c.FromHub(context.Background(), ref(t, "org/bare"), gguf.F32)
	c.Hub.Offline = true
	_, offline := c.FromHub(context.Background(), ref(t, "org/bare"), gguf.F32)
	want := "org/bare@" + commitA + " has none of model.safetensors"
	if online == nil || offline == nil || !strings.HasPrefix(online.Error(), want) || offline.Error() != online.Error() {
		t.Errorf("online %v\noffline %v\nwant both %q…", online, offline, want)
	}
}

func TestFromDir(t *testing.T) {
	src := copyCheckpoint(t)
	c := newCache(t, "http://127.0.0.1:1")
	m, err := c.FromDir(context.Background(), src, gguf.F32)
	if err != nil {
		t.Fatal(err)
	}
	if checksum(t, m.Path) != checksum(t, src) || m.Name != src {
		t.Errorf("FromDir: %+v", m)
	}
	m2, err := c.FromDir(context.Background(), src, gguf.F32)
	if err != nil || m2.Path != m.Path {
		t.Errorf("same folder, other file: %v %v", m2, err)
	}
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(src, "config.json"), later, later)
	m3, err := c.FromDir(context.Background(), src, gguf.F32)
	if err != nil || m3.Path == m.Path {
		t.Errorf("changed folder reused the old conversion: %v %v", m3, err)
	}
	// List marks the conversions -m src no longer picks, and why.
	stale := func() map[string]string {
		es, err := List(c.Dir)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, e := range es {
			got[e.Path] = e.Stale
		}
		return got
	}
	if got := stale(); len(got) != 2 || got[m.Path] != "a file in the folder changed since" || got[m3.Path] != "" {
		t.Errorf("after a change, List's staleness: %q", got)
	}
	os.Rename(src, src+".moved")
	if got := stale(); got[m.Path] != "the folder is gone" || got[m3.Path] != "the folder is gone" {
		t.Errorf("after the folder moved, List's staleness: %q", got)
	}
	os.Rename(src+".moved", src)
	var notes []string
	c.Notify = func(msg string) { notes = append(notes, msg) }
	before, _ := os.ReadDir(filepath.Join(c.Dir, "dirs"))
	if _, err := c.FromDir(context.Background(), t.TempDir(), gguf.F32); err == nil || !strings.Contains(err.Error(), "no checkpoint") {
		t.Errorf("empty folder: %v", err)
	}
	// Refused before the "converting" note and before a cache folder is made.
	if after, _ := os.ReadDir(filepath.Join(c.Dir, "dirs")); len(notes) != 0 || len(after) != len(before) {
		t.Errorf("empty folder: notes %q, cache folders %d before, %d after", notes, len(before), len(after))
	}
}

// TestConvertOnceAtATime: a process that finds another converting the same
// model waits for it, says so, and loads its file, where every process
// started together (the shards of a job) converted the model itself, each
// saying "converting … (once; …)".
func TestConvertOnceAtATime(t *testing.T) {
	src := copyCheckpoint(t)
	c := newCache(t, "http://127.0.0.1:1")
	key, err := folderKey(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(c.Dir, "dirs", key)
	os.MkdirAll(dir, 0o755)
	release, ok := filelock.TryLock(filepath.Dir(dir)) // the other process, converting
	if !ok {
		t.Skip("no flock here")
	}
	notes := make(chan string, 10)
	c.Notify = func(msg string) { notes <- msg }
	type result struct {
		m   *Model
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := c.FromDir(context.Background(), src, gguf.F32)
		done <- result{m, err}
	}()
	select {
	case n := <-notes:
		if want := "waiting for another vitctl converting " + src + " into " + dir; n != want {
			t.Errorf("note %q, want %q", n, want)
		}
	case r := <-done:
		t.Fatalf("did not wait for the other conversion: %+v", r)
	case <-time.After(10 * time.Second):
		t.Fatal("no note after 10s")
	}
	out := filepath.Join(dir, "f32.gguf")
	if _, err := convert.Convert(context.Background(), src, out, convert.Options{DType: gguf.F32}); err != nil {
		t.Fatal(err)
	}
	release()
	r := <-done
	if r.err != nil || r.m.Path != out {
		t.Fatalf("after the wait: %+v, want %s", r, out)
	}
	close(notes)
	for n := range notes {
		t.Errorf("converted again: note %q", n)
	}
}

func TestList(t *testing.T) {
	h := hubtest.New(map[string]*hubtest.Repo{"org/vit": repoFrom(t, "vit-p16-gelu", commitA, "pytorch_model.bin")})
	defer h.Close()
	c := newCache(t, h.URL())
	if es, err := List(c.Dir); err != nil || len(es) != 0 {
		t.Fatalf("empty cache: %v %v", es, err)
	}
	if es, err := List(filepath.Join(c.Dir, "missing")); err != nil || len(es) != 0 {
		t.Fatalf("missing cache: %v %v", es, err)
	}
	if _, err := c.FromHub(context.Background(), ref(t, "org/vit@main"), gguf.F16); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(models, "vit-p16-gelu")
	if _, err := c.FromDir(context.Background(), dir, gguf.F32); err != nil {
		t.Fatal(err)
	}
	es, err := List(c.Dir)
	if err != nil || len(es) != 2 {
		t.Fatalf("List: %+v %v", es, err)
	}
	abs, _ := filepath.Abs(dir)
	for _, e := range es {
		if e.Size <= 0 || !strings.HasSuffix(e.Path, e.DType+".gguf") {
			t.Errorf("entry %+v", e)
		}
		switch {
		case e.Repo == "org/vit":
			if e.Revision != "main" || e.Commit != commitA || e.DType != "f16" || e.Name() != "org/vit@1111111" {
				t.Errorf("hub entry %+v", e)
			}
		case e.Source != abs || e.DType != "f32":
			t.Errorf("folder entry %+v", e)
		}
	}
	// A model file deleted: its entry stays, marked Missing (it was left
	// out, as a conversion in progress is).
	os.Remove(es[0].Path)
	if after, err := List(c.Dir); err != nil || len(after) != 2 || after[0].Path != es[0].Path || !after[0].Missing || after[1].Missing {
		t.Errorf("after deleting %s, List: %+v %v; want it marked missing", es[0].Path, after, err)
	}
}

// TestRecordRepaired: a model file whose record beside it was cut short
// (a full disk) or is gone is listed again after its next use, where List
// left it out for good: the file was usable, so the record was never
// written again. A Hub model's next use, which finds its commit in the
// Hugging Face cache and its model file in vitctl's, repairs it too.
func TestRecordRepaired(t *testing.T) {
	h := hubtest.New(map[string]*hubtest.Repo{"org/vit": repoFrom(t, "vit-p16-gelu", commitA, "pytorch_model.bin")})
	defer h.Close()
	src := copyCheckpoint(t)
	for _, hub := range []bool{false, true} {
		c := newCache(t, h.URL())
		use := func() (*Model, error) {
			if hub {
				return c.FromHub(context.Background(), ref(t, "org/vit@main"), gguf.F32)
			}
			return c.FromDir(context.Background(), src, gguf.F32)
		}
		m, err := use()
		if err != nil {
			t.Fatal(err)
		}
		record := strings.TrimSuffix(m.Path, ".gguf") + ".json"
		for _, damage := range []func() error{
			func() error { return os.Truncate(record, 9) },
			func() error { return os.Remove(record) },
		} {
			if err := damage(); err != nil {
				t.Fatal(err)
			}
			if _, err := use(); err != nil {
				t.Fatal(err)
			}
			es, err := List(c.Dir)
			want := Entry{Source: src, DType: "f32", Path: m.Path}
			if hub {
				want = Entry{Repo: "org/vit", Revision: "main", Commit: commitA, DType: "f32", Path: m.Path}
			}
			if len(es) == 1 {
				want.Size = es[0].Size
			}
			if err != nil || len(es) != 1 || es[0] != want {
				t.Errorf("hub=%v: List after the record's repair: %+v %v, want %+v", hub, es, err, want)
			}
		}
		if ents, _ := os.ReadDir(filepath.Dir(m.Path)); len(ents) != 2 {
			t.Errorf("hub=%v: cache folder holds %v, want the model file and its record", hub, ents)
		}
	}
}

// copyCheckpoint copies the vit-p16-gelu checkpoint into a temporary
// folder and returns it.
func copyCheckpoint(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "ckpt")
	os.MkdirAll(src, 0o755)
	for _, f := range []string{"config.json", "preprocessor_config.json", "model.safetensors"} {
		b, _ := os.ReadFile(filepath.Join(models, "vit-p16-gelu", f))
		os.WriteFile(filepath.Join(src, f), b, 0o644)
	}
	return src
}

// TestDefaultDir: vitctl's cache is under XDG_CACHE_HOME expanded as the
// Hugging Face cache's is (a ~ where no shell expanded it made a folder
// "~" in the working folder), else under ~/.cache.
func TestDefaultDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, tc := range []struct{ xdg, want string }{
		{"", filepath.Join(home, ".cache", "vitctl")},
		{"/x", filepath.Join("/x", "vitctl")},
		{"~/c", filepath.Join(home, "c", "vitctl")},
		{"$HOME/d", filepath.Join(home, "d", "vitctl")},
	} {
		t.Setenv("XDG_CACHE_HOME", tc.xdg)
		if got := DefaultDir(); got != tc.want {
			t.Errorf("XDG_CACHE_HOME=%q: %q, want %q", tc.xdg, got, tc.want)
		}
	}
}

// TestOfflinePartialWeights: offline, with the weights' download cut short
// in an earlier run, the error names the partial file and what to do with
// it; it said only that the cache had no weights.
func TestOfflinePartialWeights(t *testing.T) {
	r := repoFrom(t, "vit-p16-gelu", commitA, "pytorch_model.bin")
	h := hubtest.New(map[string]*hubtest.Repo{"org/vit": r})
	defer h.Close()
	h.DropAfter, h.Drops = len(r.Files["model.safetensors"])/2, 1
	c := newCache(t, h.URL())
	if _, err := c.FromHub(context.Background(), ref(t, "org/vit"), gguf.F32); err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Fatalf("got %v, want the download cut short", err)
	}
	c.Hub.Offline = true
	_, err := c.FromHub(context.Background(), ref(t, "org/vit"), gguf.F32)
	part := filepath.Join(c.Hub.CacheDir, "models--org--vit", "blobs", hubtest.SHA256(r.Files["model.safetensors"])+".incomplete")
	want := "or copy them into the cache; the cache holds a partial download of org/vit, cut short: " + part + " ("
	if !errors.Is(err, hub.ErrOffline) || !strings.Contains(err.Error(), want) || !strings.HasSuffix(err.Error(), " so far); run again with HF_HUB_OFFLINE unset to resume it, or delete it to start over") {
		t.Errorf("got %v\nwant it to name %s", err, part)
	}
}

// TestDefaultDirWithoutHome: with HOME unset (a cron job, a systemd unit,
// env -i), vitctl's cache and the Hugging Face cache are under the home
// folder of the password database's entry for this user, as Python's
// expanduser finds it, where both were ".cache/…" under the working
// folder: each run from another folder converted the model again, into
// whatever folder it was started in.
func TestDefaultDirWithoutHome(t *testing.T) {
	u, err := user.Current()
	if err != nil || u.HomeDir == "" {
		t.Skipf("no password database entry for this user: %v", err)
	}
	for _, k := range []string{"HOME", "XDG_CACHE_HOME", "HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	if got, want := DefaultDir(), filepath.Join(u.HomeDir, ".cache", "vitctl"); got != want {
		t.Errorf("DefaultDir: %q, want %q", got, want)
	}
	if got, want := hub.CacheDirFromEnv(), filepath.Join(u.HomeDir, ".cache", "huggingface", "hub"); got != want {
		t.Errorf("hub.CacheDirFromEnv: %q, want %q", got, want)
	}
}
