// Package modelsrc turns a model reference that is not a vitctl model file
// (a Hugging Face repository name, or a checkpoint folder) into one: it
// fetches the checkpoint with package hub, converts it once with package
// convert, and keeps the result in vitctl's cache, keyed by commit (or the
// folder's files) and dtype, for every later run.
package modelsrc

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vitctl/vitctl/internal/convert"
	"github.com/vitctl/vitctl/internal/filelock"
	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/hub"
)

// Cache is vitctl's folder of converted models.
type Cache struct {
	Dir     string      // DefaultDir() unless set
	Hub     *hub.Client // where Hugging Face repositories come from
	Version string      // converter version recorded in the files
	// Progress, when set, follows conversions (Hub.Progress follows
	// downloads).
	Progress func(file string, done, total int64)
	// Notify, when set, is told of slow first-use steps in one line each.
	Notify func(msg string)
}

// DefaultDir is $XDG_CACHE_HOME/vitctl, else ~/.cache/vitctl: vitctl
// under the Hugging Face cache's hub.CacheHome, so that
// XDG_CACHE_HOME=~/cache puts both caches in one folder; "" when there is
// no home folder (hub.NoHome).
func DefaultDir() string {
	if base := hub.CacheHome(); base != "" {
		return filepath.Join(base, "vitctl")
	}
	return ""
}

// DirFrom says where DefaultDir's folder comes from, for messages
// ("XDG_CACHE_HOME=/x", or "~/.cache"), and what to do when it cannot be
// made or written: hub.CacheHomeFrom, the Hugging Face cache's as well.
func DirFrom() (from, fix string) { return hub.CacheHomeFrom("XDG_CACHE_HOME") }

// NotFolder is the nearest of path's parents that is there and is no
// folder, which made using path fail with ENOTDIR; "" when none is.
func NotFolder(path string) string {
	for p := filepath.Dir(path); p != filepath.Dir(p); p = filepath.Dir(p) {
		if st, err := os.Stat(p); err == nil {
			if !st.IsDir() {
				return p
			}
			return ""
		}
	}
	return ""
}

// cacheError is err in making the cache's folders or files, said with
// where the cache is, where that comes from, and what to do: it was
// "model cache: mkdir /dev/null: not a directory".
// Other errors are returned as they are (hub.PathProblem).
func (c *Cache) cacheError(err error) error {
	ok, err := hub.PathProblem(err)
	if !ok {
		return err
	}
	dir, from, fix := c.dir(), "", "make it a folder you can write into"
	if dir == DefaultDir() {
		f, x := DirFrom()
		from, fix = " ("+f+")", x
	}
	return fmt.Errorf("model cache %s%s: %w: %s", dir, from, err, cacheUse("it", fix))
}

// cacheUse ends the errors of a cache that cannot be used: what -m puts
// into the folder into, what to do (fix), and the way round the cache.
func cacheUse(into, fix string) string {
	return fmt.Sprintf("-m DIR and -m ORG/NAME convert the model into %s once: %s; or convert a folder yourself (vitctl convert DIR --out model.gguf) and give -m model.gguf", into, fix)
}

// Model is a converted model file and the name to show for it.
type Model struct {
	Path string // the .gguf file in the cache
	Name string // ORG/NAME@COMMIT7, or the checkpoint folder
}

// Entry is one converted model in the cache, described by the small JSON
// file written beside it.
type Entry struct {
	Repo     string `json:"repo,omitempty"`     // ORG/NAME for Hub models
	Revision string `json:"revision,omitempty"` // as asked for: main, a tag, a commit
	Commit   string `json:"commit,omitempty"`
	Source   string `json:"source,omitempty"` // the checkpoint folder for -m DIR
	DType    string `json:"dtype"`
	Path     string `json:"-"`
	Size     int64  `json:"-"`
	// Stale says why -m Source no longer picks this conversion ("" when
	// it does): the folder is gone, or a file in it changed since.
	Stale string `json:"-"`
	// Missing says the model file at Path is gone (deleted: the .json is
	// written only after it); the entry is then no model to use.
	Missing bool `json:"-"`
	// Unreadable, when set, says why the folder or file at Path (then no
	// model file) could not be read: what it holds is not listed.
	Unreadable error `json:"-"`
}

// Name is how an entry is shown: ORG/NAME@COMMIT7 or its folder.
func (e Entry) Name() string {
	if e.Repo != "" {
		return e.Repo + "@" + e.Commit[:min(7, len(e.Commit))]
	}
	return e.Source
}

func (c *Cache) dir() string { return cmp.Or(c.Dir, DefaultDir()) }

// noDir is the error of a cache with no folder (hub.NoHome), nil when it
// has one.
func (c *Cache) noDir() error {
	if c.dir() != "" {
		return nil
	}
	return fmt.Errorf("no model cache: %w: %s", hub.NoHome(), cacheUse("$XDG_CACHE_HOME/vitctl", "point XDG_CACHE_HOME (or "+hub.HomeVar+") at a folder you can write into"))
}

func (c *Cache) notify(format string, a ...any) {
	if c.Notify != nil {
		c.Notify(fmt.Sprintf(format, a...))
	}
}

// ensure converts src into dir/DTYPE.gguf unless it is there already, and
// records e beside it. The "converting" note comes once src is read and
// its tensors matched; a source that cannot be converted gets no note and
// leaves no empty folder in the cache.
func (c *Cache) ensure(ctx context.Context, src, dir string, dtype gguf.Type, e Entry) (string, error) {
	out := filepath.Join(dir, dtype.String()+".gguf")
	e.DType = dtype.String()
	if usable(out) == nil {
		keepRecord(out, e)
		return out, nil
	}
	// One conversion at a time: the processes started together (the
	// shards of a job) wait for the first, then load its file. The lock is
	// the parent folder's, which a failed conversion does not remove (it
	// removes dir).
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o777); err != nil {
		return "", c.cacheError(err)
	}
	unlock, err := filelock.Wait(ctx, parent, func() {
		c.notify("waiting for another vitctl converting %s into %s", cmp.Or(e.Repo, e.Source), dir)
	})
	if err != nil {
		return "", err
	}
	defer unlock()
	switch err := usable(out); {
	case err == nil:
		return out, nil
	case !errors.Is(err, fs.ErrNotExist):
		c.notify("note: the cached model file cannot be used (%v); converting it again", err)
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return "", c.cacheError(err)
	}
	opt := convert.Options{DType: dtype, Version: c.Version}
	opt.Started = func() {
		c.notify("converting %s to %s (once; cached in %s)", cmp.Or(e.Repo, e.Source), dtype, dir)
	}
	if c.Progress != nil {
		opt.Progress = func(done, total int64) { c.Progress(filepath.Base(src), done, total) }
	}
	res, err := convert.Convert(ctx, src, out, opt)
	if err != nil {
		os.Remove(dir) // only when empty: another dtype's file may be there
		return "", err
	}
	for _, n := range res.Notes {
		c.notify("note: %s", n)
	}
	if err := writeRecord(out, e); err != nil {
		return "", c.cacheError(err)
	}
	return out, nil
}

// recordPath is the JSON file beside the model file out that describes it
// (Entry), by which List finds it.
func recordPath(out string) string { return strings.TrimSuffix(out, ".gguf") + ".json" }

// writeRecord writes e as the record of the model file out, through a
// temporary file renamed into place (filelock.WriteFile): one cut short (a
// full disk, a kill) left a record List took for no entry of the cache's,
// and the model unlisted for good, since its file was usable and the
// record never written again. The temporaries a writer killed before its
// rename left are removed first (filelock.RemoveDeadTemps: a live
// writer's, in this process or another converting at the same time, is
// kept); they stayed for ever.
func writeRecord(out string, e Entry) error {
	b, _ := json.MarshalIndent(e, "", "  ")
	path := recordPath(out)
	filelock.RemoveDeadTemps(path)
	return filelock.WriteFile(path, append(b, '\n'))
}

// keepRecord writes e as the record of the usable model file out when its
// record is missing or unreadable (see writeRecord), best effort: a cache
// that cannot be written is still read. Either way the temporaries a
// killed writeRecord left beside it are removed: this is the model's every
// next use.
func keepRecord(out string, e Entry) {
	path := recordPath(out)
	b, err := os.ReadFile(path)
	var old Entry
	if err == nil && json.Unmarshal(b, &old) == nil && (old.Repo != "" || old.Source != "") {
		filelock.RemoveDeadTemps(path)
		return
	}
	writeRecord(out, e)
}

// List returns the converted models in the cache folder dir ("" for
// DefaultDir), in name order. A missing folder is an empty cache. A folder
// or entry file that cannot be read is an entry with Unreadable set, and
// the rest is listed: one such folder failed the whole listing, built-in
// models included. A JSON file that names no repository nor folder is
// not one of the cache's.
func List(dir string) ([]Entry, error) {
	dir = cmp.Or(dir, DefaultDir())
	var out []Entry
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && path == dir {
				return filepath.SkipAll
			}
			out = append(out, Entry{Path: path, Unreadable: err})
			if d == nil || d.IsDir() {
				return filepath.SkipDir // SkipAll for dir itself
			}
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(path, ".json") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			out = append(out, Entry{Path: path, Unreadable: err})
			return nil
		}
		var e Entry
		if json.Unmarshal(b, &e) != nil || e.Repo == "" && e.Source == "" {
			return nil // not ours
		}
		// A conversion in progress has no .json yet: one without its
		// model file is what a deleted file left.
		e.Path = strings.TrimSuffix(path, ".json") + ".gguf"
		st, err := os.Stat(e.Path)
		if err != nil {
			e.Missing = true
		} else {
			e.Size = st.Size()
		}
		e.Stale = staleness(e)
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("model cache %s: %w", dir, err)
	}
	// By name, the conversion -m picks before stale ones: the walk's order
	// is the cache's, by hash, which strewed one folder's conversions.
	slices.SortStableFunc(out, func(a, b Entry) int {
		return cmp.Or(strings.Compare(a.Name(), b.Name()), strings.Compare(a.Stale, b.Stale)) // "" first
	})
	return out, nil
}

// staleness says why the conversion of a folder at e.Path is no longer
// the one FromDir picks for it ("" when it is, and for Hub models).
func staleness(e Entry) string {
	if e.Source == "" {
		return ""
	}
	key, err := folderKey(e.Source)
	switch {
	case err != nil:
		return "the folder is gone"
	case key != filepath.Base(filepath.Dir(e.Path)):
		return "a file in the folder changed since"
	}
	return ""
}

// usable says why the model file path in the cache cannot be loaded
// (convert.CheckModelFile). Such a file (cut short by a full disk or a
// copy of the cache, or of a format this vitctl does not read) failed
// every later run, saying to "re-run vitctl convert", which -m ORG/NAME
// and -m DIR ask of no one: ensure converts it again.
func usable(path string) error { return convert.CheckModelFile(path) }
