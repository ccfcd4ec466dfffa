package convert

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/vitctl/vitctl/internal/bytestr"
	"github.com/vitctl/vitctl/internal/fileprobe"
)

// maxJSON bounds config and index files.
const maxJSON = 16 << 20

// Checkpoint file names in the order Hugging Face prefers them.
var checkpointNames = []string{"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"}

// checkpoint is every tensor of a model folder's weights.
type checkpoint struct {
	path    string // the file named on the command line or found in the folder
	tensors map[string]*tensor
	closers []io.Closer
	notes   []string // which state dict a training checkpoint gave (unwrap)
	noEMA   bool     // take a training checkpoint's raw weights, not its EMA copy
	ema     bool     // a file holds an EMA copy: noEMA chose between it and the raw weights
}

func (c *checkpoint) Close() error {
	var errs []error
	for _, cl := range c.closers {
		errs = append(errs, cl.Close())
	}
	return errors.Join(errs...)
}

// FindCheckpoint returns the weights file Convert would read in folder dir,
// or an error saying what the folder lacks (without naming dir). It reads
// no file. A weights file of Hugging Face's names that is a link to
// nothing is named as such when the folder has no other weights: it was
// "no checkpoint found (want one of model.safetensors, …)" of a folder
// holding model.safetensors.
func FindCheckpoint(dir string) (string, error) {
	var dangling error
	for _, n := range checkpointNames {
		p := filepath.Join(dir, n)
		st, err := os.Stat(p)
		switch {
		case err == nil && !st.Mode().IsRegular():
			return "", notRegular(n, st.Mode(), "a weights file")
		case err == nil:
			return p, nil
		case dangling == nil:
			dangling = danglingLink(p, n, err)
		}
	}
	if p, err := torchFile(dir); p != "" || err != nil {
		return p, err
	}
	if dangling != nil {
		return "", dangling
	}
	for _, n := range []string{"tf_model.h5", "flax_model.msgpack", "model.onnx"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return "", fmt.Errorf("only %s found; vitctl reads PyTorch weights (download model.safetensors or pytorch_model.bin)", n)
		}
	}
	return "", noCheckpoint(dir)
}

// noCheckpoint is FindCheckpoint's error of a folder dir that holds no
// weights it reads: the names it reads, the PyTorch files' endings too
// (the message named Hugging Face's alone), and the model files (.gguf)
// in dir, which are given themselves, not their folder: a folder of one
// said only "no checkpoint found".
func noCheckpoint(dir string) error {
	want := fmt.Sprintf("want one of %s, or a PyTorch file (%s)", strings.Join(checkpointNames, ", "), strings.Join(torchSuffixes, ", "))
	ents, _ := os.ReadDir(dir)
	var models []string
	for _, e := range ents {
		if hasSuffixFold(e.Name(), ".gguf") && !e.IsDir() {
			models = append(models, e.Name())
		}
	}
	switch len(models) {
	case 0:
		return fmt.Errorf("no checkpoint found (%s)", want)
	case 1:
		return fmt.Errorf("no checkpoint found (%s); %s in it is a model file already: give the file itself, %s", want, models[0], filepath.Join(dir, models[0]))
	}
	return fmt.Errorf("no checkpoint found (%s); %s in it are model files already: give one itself, e.g. %s", want, andList(models, 3), filepath.Join(dir, models[0]))
}

// danglingLink is the error of the file path, whose os.Stat gave statErr,
// when it is a symbolic link to nothing (named name in the message), nil
// otherwise. A Hugging Face cache snapshot's files are relative links to
// its blobs (../../blobs/SHA): copied with cp -r, or with a blob deleted,
// every link leads nowhere.
func danglingLink(path, name string, statErr error) error {
	if !errors.Is(statErr, fs.ErrNotExist) {
		return nil
	}
	target, err := os.Readlink(path)
	if err != nil {
		return nil
	}
	return fmt.Errorf("%s is a link to %s, which is not there: a Hugging Face cache snapshot's files are links to its blobs, so copy a snapshot with cp -rL (or download it with huggingface-cli download --local-dir DIR), or give the snapshot folder in the cache", name, target)
}

// torchSuffixes name the files torch.save writes outside Hugging Face's
// names: timm's training outputs (model_best.pth.tar, checkpoint-9.pth.tar),
// DataParallel and Lightning checkpoints.
var torchSuffixes = []string{".pth", ".pt", ".pth.tar", ".ckpt"}

// CheckpointName reports whether name is named as a checkpoint's weights,
// in any letter case: Hugging Face's (.safetensors, .bin, a shard index
// .index.json) or torch.save's (torchSuffixes). convert reads such a file
// with the config.json beside it; -m, which reads model files, is told so.
func CheckpointName(name string) bool {
	return endsInFold(name, hfSuffixes) || isTorchFile(name)
}

// hfSuffixes name Hugging Face's checkpoint files: weights, or an index of
// shards.
var hfSuffixes = []string{".safetensors", ".bin", ".index.json"}

// isTorchFile reports a torch.save file of a name other than Hugging
// Face's.
func isTorchFile(path string) bool { return endsInFold(path, torchSuffixes) }

// endsInFold says whether name ends in one of sufs (hasSuffixFold).
func endsInFold(name string, sufs []string) bool {
	return slices.ContainsFunc(sufs, func(suf string) bool { return hasSuffixFold(name, suf) })
}

// hasSuffixFold says whether name ends in suf (lower case) whatever its
// letter case: MODEL.SAFETENSORS, saved on a case-insensitive disk or by
// a tool that shouts, is a safetensors file (it was "not a model folder
// or a .safetensors … file").
func hasSuffixFold(name, suf string) bool {
	return strings.HasSuffix(strings.ToLower(name), suf)
}

// torchFile finds the one torch.save file in dir ("" when there is none),
// refusing a choice between several.
func torchFile(dir string) (string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var found []string
	for _, e := range ents {
		if !isTorchFile(e.Name()) {
			continue
		}
		// Stat follows links: a Hugging Face snapshot's files are links to blobs.
		if st, err := os.Stat(filepath.Join(dir, e.Name())); err == nil && st.Mode().IsRegular() {
			found = append(found, e.Name())
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return filepath.Join(dir, found[0]), nil
	}
	return "", fmt.Errorf("%d PyTorch files (%s), and no model.safetensors nor pytorch_model.bin: give the one to convert, e.g. vitctl convert %s",
		len(found), andList(found, 5), filepath.Join(dir, found[0]))
}

// openCheckpoint opens path: one safetensors or PyTorch file, or an index of
// shards of either; noEMA takes a training checkpoint's raw weights where
// it holds an EMA copy beside them.
func openCheckpoint(path string, noEMA bool) (*checkpoint, error) {
	c := &checkpoint{path: path, tensors: map[string]*tensor{}, noEMA: noEMA}
	var err error
	if hasSuffixFold(path, ".index.json") {
		err = c.addIndex(path)
	} else {
		err = c.addFile(path)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.tensors = withoutWrapperPrefixes(c.tensors)
	return c, nil
}

// wrapperPrefixes are what training wrappers put before every tensor's
// name: DataParallel's and DDP's "module.", torch.compile's "_orig_mod."
// (timm's clean_state_dict strips both), and "model.", a LightningModule's
// or a plain wrapper's attribute holding the network. No name of a ViT
// checkpoint begins with any of them.
var wrapperPrefixes = []string{"module.", "_orig_mod.", "model."}

// withoutWrapperPrefixes drops a wrapper's prefix that every name in
// tensors has, again while one is left ("module._orig_mod.": a compiled
// model under DDP). Messages keep naming each tensor as its file does. A
// torch.compile'd model's checkpoint was "patch_embed.proj.weight []: not a
// timm VisionTransformer", and so was a safetensors file of "module." names.
func withoutWrapperPrefixes(tensors map[string]*tensor) map[string]*tensor {
	for {
		i := slices.IndexFunc(wrapperPrefixes, func(p string) bool { return allHavePrefix(tensors, p) })
		if i < 0 {
			return tensors
		}
		out := make(map[string]*tensor, len(tensors))
		for name, t := range tensors {
			out[strings.TrimPrefix(name, wrapperPrefixes[i])] = t
		}
		tensors = out
	}
}

// wrapperHint says, of a checkpoint none of whose names a ViT has, what
// to do when every name begins with one first part ("net."): the weights
// are those of a wrapper whose attribute holds the network, which convert
// cannot tell from a network of another kind. "" when the names share no
// first part.
func (c *checkpoint) wrapperHint() string {
	var first string
	for name := range c.tensors {
		p, _, ok := strings.Cut(name, ".")
		if !ok || first != "" && p != first {
			return ""
		}
		first = p
	}
	if first == "" {
		return ""
	}
	return fmt.Sprintf("every tensor's name begins %q, as a training wrapper's whose attribute %s holds the network: save the state dict without it, "+
		"torch.save({k.removeprefix(%q): v for k, v in state_dict.items()}, 'weights.pth'), and convert that", first+".", bytestr.Text(first), first+".")
}

// allHavePrefix says whether tensors has names and every one begins with p.
func allHavePrefix(tensors map[string]*tensor, p string) bool {
	for name := range tensors {
		if !strings.HasPrefix(name, p) {
			return false
		}
	}
	return len(tensors) > 0
}

func (c *checkpoint) addFile(path string) error {
	var ts []*tensor
	var cl io.Closer
	var choice dictChoice
	switch st, err := os.Stat(path); {
	case err == nil && !st.Mode().IsRegular():
		// A shard an index names: it was "empty file (0 bytes)" of a
		// named pipe or a device, "too short" of a folder.
		return notRegular(path, st.Mode(), "a weights file")
	case err == nil && st.Size() == 0:
		// Not "too short … (truncated download?)": nothing was written.
		return fmt.Errorf("%s: empty file (0 bytes): the download or copy wrote nothing; fetch it again", path)
	}
	var err error
	if hasSuffixFold(path, ".safetensors") {
		ts, cl, err = openSafetensors(path)
	} else {
		ts, cl, choice, err = openPyTorch(path, c.noEMA)
	}
	if err != nil {
		return err
	}
	if choice.note != "" {
		c.notes = append(c.notes, filepath.Base(path)+": "+choice.note)
	}
	c.ema = c.ema || choice.ema
	c.closers = append(c.closers, cl)
	for _, t := range ts {
		if prev, dup := c.tensors[t.name]; dup {
			return fmt.Errorf("tensor %q is in both %s and %s", t.name, prev.file, t.file)
		}
		c.tensors[t.name] = t
	}
	return nil
}

// addIndex opens every shard a model.safetensors.index.json (or
// pytorch_model.bin.index.json) names and checks that the shards hold
// exactly the tensors of its weight_map.
func (c *checkpoint) addIndex(path string) error {
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := readJSON(path, &idx); err != nil {
		return err
	}
	if len(idx.WeightMap) == 0 {
		return fmt.Errorf("%s: empty weight_map", path)
	}
	dir := filepath.Dir(path)
	shards := map[string]int{} // each shard's tensors
	for name, shard := range idx.WeightMap {
		if shard == "" || shard != filepath.Base(shard) || shard == "." || shard == ".." {
			return fmt.Errorf("%s: tensor %q: shard %q must be a file name in the same folder", path, name, shard)
		}
		shards[shard]++
	}
	var names, absent []string
	for s, n := range shards {
		names = append(names, s)
		if _, err := os.Stat(filepath.Join(dir, s)); errors.Is(err, fs.ErrNotExist) {
			absent = append(absent, fmt.Sprintf("%s (%d %s)", s, n, plural(n, "tensor")))
		}
	}
	sort.Strings(names)
	sort.Strings(absent)
	if len(absent) > 0 {
		return fmt.Errorf("%s names %d %s not in %s: %s: download every file the index names (huggingface-cli download fetches them all)",
			path, len(absent), plural(len(absent), "shard"), dir, andList(absent, 5))
	}
	for _, s := range names {
		if err := c.addFile(filepath.Join(dir, s)); err != nil {
			return err
		}
	}
	var errs []string
	for name, shard := range idx.WeightMap {
		if t, ok := c.tensors[name]; !ok || filepath.Base(t.file) != shard {
			errs = append(errs, fmt.Sprintf("tensor %q is not in %s", name, shard))
		}
	}
	for name, t := range c.tensors {
		if _, ok := idx.WeightMap[name]; !ok {
			errs = append(errs, fmt.Sprintf("tensor %q of %s is not in the weight_map", name, filepath.Base(t.file)))
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("%s does not match its shards: %s (download the model again)", path, strings.Join(errs, "; "))
	}
	return nil
}

// notRegular is the error of the file path that convert would read as
// what ("a weights file", "a JSON file") when its mode m says it is a
// named pipe, a socket, a device or a folder. Such a file is refused
// unopened: a named pipe's open waits for a writer for ever, deaf to
// Ctrl-C, and a device's data may never end.
func notRegular(path string, m fs.FileMode, what string) error {
	return fmt.Errorf("%s is %s, not %s", path, cmp.Or(fileprobe.Kind(m), "a folder"), what)
}

// readJSON decodes a small JSON file, naming it in errors. A path that is
// no regular file is refused before it is opened: a config.json that was
// a named pipe waited for a writer for ever, deaf to Ctrl-C, and one that
// was a link to /dev/zero was read until memory ran out.
func readJSON(path string, v any) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return notRegular(path, st.Mode(), "a JSON file")
	} else if err == nil && st.Size() > maxJSON {
		return fmt.Errorf("%s: %d bytes is too large for a JSON file here", path, st.Size())
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxJSON+1)) // it may have grown since the stat
	if err != nil {
		return err
	}
	if len(data) > maxJSON {
		return fmt.Errorf("%s: over %d bytes is too large for a JSON file here", path, maxJSON)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return jsonError(path, data, err)
	}
	return nil
}
