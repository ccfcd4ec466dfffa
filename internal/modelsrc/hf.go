package modelsrc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vitctl/vitctl/internal/gguf"
	"github.com/vitctl/vitctl/internal/hub"
)

// weightFiles are the checkpoint names in the order transformers tries
// them: safetensors before pickles, a single file before a sharded index.
var weightFiles = []string{"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"}

const (
	configFile     = "config.json"
	preprocessFile = "preprocessor_config.json"
)

// FromHub returns the model file of a Hugging Face repository at a
// revision, converting it on first use. The Hugging Face cache is read
// first: a repository fetched before, by vitctl or by Python, needs no
// network. Otherwise the files are downloaded into that cache.
func (c *Cache) FromHub(ctx context.Context, ref hub.Ref, dtype gguf.Type) (*Model, error) {
	if err := c.noDir(); err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	if commit, ok := c.Hub.CachedCommit(ref.Repo, ref.Revision); ok {
		if p := filepath.Join(c.hubDir(ref.Repo, commit), dtype.String()+".gguf"); usable(p) == nil {
			e := Entry{Repo: ref.Repo, Revision: ref.Revision, Commit: commit, DType: dtype.String()}
			keepRecord(p, e) // as ensure does: this is the model's every next use
			return &Model{Path: p, Name: e.Name()}, nil
		}
	}
	snap, commit, err := c.snapshot(ctx, ref)
	if err != nil {
		return nil, err
	}
	dir := c.hubDir(ref.Repo, commit)
	e := Entry{Repo: ref.Repo, Revision: ref.Revision, Commit: commit}
	path, err := c.ensure(ctx, snap, dir, dtype, e)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	return &Model{Path: path, Name: e.Name()}, nil
}

// hubDir is where the model files of repo at commit are kept.
func (c *Cache) hubDir(repo, commit string) string {
	return filepath.Join(c.dir(), "hub", "models--"+strings.ReplaceAll(repo, "/", "--"), commit)
}

// snapshot returns the snapshot folder holding ref's config, weights and
// preprocessing, and its commit.
func (c *Cache) snapshot(ctx context.Context, ref hub.Ref) (string, string, error) {
	if snap, commit, ok := c.cachedSnapshot(ctx, ref); ok {
		return snap, commit, nil
	}
	if !c.Hub.Offline {
		c.notify("fetching %s from %s into %s", ref, c.Hub.Endpoint, c.Hub.CacheDir)
	}
	cfg, commit, err := c.Hub.File(ctx, ref, configFile)
	if err != nil {
		return "", "", err
	}
	// The rest at the commit config.json came from, so a push in the
	// meantime cannot mix two versions.
	at := hub.Ref{Repo: ref.Repo, Revision: commit}
	if err := c.fetchWeights(ctx, at); err != nil {
		return "", "", err
	}
	if _, _, err := c.Hub.File(ctx, at, preprocessFile); err != nil && !errors.Is(err, hub.ErrEntryNotFound) {
		return "", "", err
	}
	return filepath.Dir(cfg), commit, nil
}

// cachedSnapshot finds ref complete in the Hugging Face cache: config,
// a checkpoint with all its shards, and the preprocessing file or the
// knowledge that there is none (fetched now when unknown and online).
func (c *Cache) cachedSnapshot(ctx context.Context, ref hub.Ref) (string, string, bool) {
	cfg, commit, ok := c.Hub.Cached(ref.Repo, ref.Revision, configFile)
	if !ok {
		return "", "", false
	}
	if !slices.ContainsFunc(weightFiles, func(f string) bool { return c.cachedWeights(ref.Repo, commit, f) }) {
		return "", "", false
	}
	if _, _, ok := c.Hub.Cached(ref.Repo, commit, preprocessFile); !ok && !c.Hub.KnownMissing(ref.Repo, commit, preprocessFile) && !c.Hub.Offline {
		at := hub.Ref{Repo: ref.Repo, Revision: commit}
		if _, _, err := c.Hub.File(ctx, at, preprocessFile); err != nil && !errors.Is(err, hub.ErrEntryNotFound) {
			c.notify("%v (going on without it)", err) // hub's errors name the repository and file
		}
	}
	return filepath.Dir(cfg), commit, true
}

// cachedWeights reports whether weight file f, and its shards when it is
// an index, are in the cache at commit.
func (c *Cache) cachedWeights(repo, commit, f string) bool {
	missing, _, ok, err := c.missingShards(repo, commit, f)
	return ok && err == nil && len(missing) == 0
}

// missingShards says what the cache lacks of weight file f at commit: ok
// is false when f itself is not there; else missing are the shards that
// are not, of all those an index f names (none for a single file).
func (c *Cache) missingShards(repo, commit, f string) (missing, all []string, ok bool, err error) {
	p, _, ok := c.Hub.Cached(repo, commit, f)
	if !ok || !strings.HasSuffix(f, ".index.json") {
		return nil, nil, ok, nil
	}
	all, err = readShards(p)
	for _, s := range all {
		if _, _, ok := c.Hub.Cached(repo, commit, s); !ok {
			missing = append(missing, s)
		}
	}
	return missing, all, true, err
}

// fetchWeights downloads the first checkpoint the repository has, in
// weightFiles' order, with its shards.
func (c *Cache) fetchWeights(ctx context.Context, at hub.Ref) error {
	if c.Hub.Offline {
		return c.missingWeights(at)
	}
	for _, f := range weightFiles {
		p, _, err := c.Hub.File(ctx, at, f)
		if errors.Is(err, hub.ErrEntryNotFound) {
			continue
		}
		if err != nil || !strings.HasSuffix(f, ".index.json") {
			return err
		}
		shards, err := readShards(p)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", at, f, err)
		}
		for _, s := range shards {
			if _, _, err := c.Hub.File(ctx, at, s); err != nil {
				return err
			}
		}
		return nil
	}
	return noWeights(at)
}

// noWeights is the error of a repository with no checkpoint vitctl reads.
func noWeights(at hub.Ref) error {
	return fmt.Errorf("%s has none of %s: vitctl reads PyTorch weights (safetensors or pytorch_model.bin)", at, strings.Join(weightFiles, ", "))
}

// missingWeights says, offline, what the cache lacks of at's weights
// (cachedSnapshot found them incomplete): the shards a cached index names
// that are not there, or every checkpoint name when none is there, and
// the downloads of them cut short that an online run resumes.
func (c *Cache) missingWeights(at hub.Ref) error {
	hint := func() string {
		return fmt.Sprintf("(cache: %s); download them once online (%s unset), or copy them into the cache%s", c.Hub.CacheDir, c.Hub.OfflineVars(), c.Hub.PartialNote(at.Repo))
	}
	for _, f := range weightFiles {
		missing, shards, ok, err := c.missingShards(at.Repo, at.Revision, f)
		switch {
		case err != nil:
			return fmt.Errorf("%s: %s: %w", at, f, err)
		case !ok || len(shards) == 0:
			continue
		}
		return hub.OfflineError(fmt.Sprintf("%s: %s, %d of the %d shards %s names: not in the Hugging Face cache, and %s forbids downloading %s",
			at, strings.Join(missing, ", "), len(missing), len(shards), f, c.Hub.OfflineSetting(), hint()))
	}
	if !slices.ContainsFunc(weightFiles, func(f string) bool { return !c.Hub.KnownMissing(at.Repo, at.Revision, f) }) {
		return noWeights(at) // as an online run found
	}
	return hub.OfflineError(fmt.Sprintf("%s: no weights in the Hugging Face cache, only %s (none of %s), and %s forbids downloading %s",
		at, configFile, strings.Join(weightFiles, ", "), c.Hub.OfflineSetting(), hint()))
}

// readShards lists the files a sharded checkpoint's index names, sorted.
func readShards(index string) ([]string, error) {
	b, err := os.ReadFile(index)
	if err != nil {
		return nil, err
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("not a checkpoint index: %w", err)
	}
	var shards []string
	for _, s := range idx.WeightMap {
		if strings.Contains(s, "/") || strings.Contains(s, "\\") || strings.HasPrefix(s, ".") {
			return nil, fmt.Errorf("shard name %q is not a file beside the index", s)
		}
		if !slices.Contains(shards, s) {
			shards = append(shards, s)
		}
	}
	if len(shards) == 0 {
		return nil, errors.New("the index names no shards")
	}
	slices.Sort(shards)
	return shards, nil
}
