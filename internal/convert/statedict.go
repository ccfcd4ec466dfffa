package convert

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/vitctl/vitctl/internal/bytestr"
)

// Which of a torch.save file's objects is the state dict: a training
// checkpoint's wrapper keys (timm's, DeiT's, Lightning's), the EMA copy
// beside the raw weights, a dict of tensors under a key of its own, and
// what the file holds, in Python's words, when none can be told apart.

// wrappers are the keys under which training checkpoints keep the model's
// state dict, in the order timm's load_state_dict takes them (its
// use_ema=True default, which create_model(checkpoint_path=…) keeps): the
// EMA weights first, as timm's train.py picks model_best.pth.tar by the
// EMA's accuracy when it keeps one; then the others it does not name.
var wrappers = []string{"state_dict_ema", "model_ema", "state_dict", "model", "module", "model_state_dict"}

// unwrap finds the state dict in a training checkpoint, {"state_dict": …,
// "optimizer": …, "epoch": …} (timm, DeiT, Lightning); openCheckpoint
// then drops the "module." that DataParallel puts before every name
// (withoutWrapperPrefixes). noEMA passes over the EMA copy, as timm's
// load_state_dict(use_ema=False) does; a checkpoint that holds the EMA
// copy alone is then refused, not converted from it.
// The choice says which wrapper was taken when the checkpoint holds EMA
// weights: the EMA copy, beside the raw weights or alone, or the raw
// weights beside it.
func unwrap(d *pickleDict, noEMA bool) (*pickleDict, dictChoice, error) {
	for _, k := range wrappers {
		if sd, ok := d.m[k].(*pickleDict); ok && !(noEMA && slices.Contains(emaWrappers, k)) {
			return sd, dictChoice{note: emaNote(d, k), ema: emaKey(d) != ""}, nil
		}
	}
	if k := emaKey(d); noEMA && k != "" {
		return nil, dictChoice{}, fmt.Errorf("--use-ema=false: the checkpoint holds the EMA weights alone (%q), no raw ones (%s): convert it without --use-ema=false", k, strings.Join(rawWrappers(), ", "))
	}
	return d, dictChoice{}, nil
}

// dictChoice is which of a torch.save file's dicts was taken: note says
// which, where there was one to choose ("" where the file is the state
// dict); ema, that the file holds an EMA copy, so that --use-ema chose
// between it and the raw weights.
type dictChoice struct {
	note string
	ema  bool
}

// emaWrappers are the keys of wrappers that hold EMA weights.
var emaWrappers = []string{"state_dict_ema", "model_ema"}

// emaKey is the first key of emaWrappers that holds a dict in d; "" for
// none.
func emaKey(d *pickleDict) string {
	for _, k := range emaWrappers {
		if _, ok := d.m[k].(*pickleDict); ok {
			return k
		}
	}
	return ""
}

// rawWrappers are the keys of wrappers that hold no EMA weights.
func rawWrappers() []string {
	return slices.DeleteFunc(slices.Clone(wrappers), func(k string) bool { return slices.Contains(emaWrappers, k) })
}

// emaNote says, of a checkpoint d whose state dict under took was taken,
// which of its EMA copy and its raw weights that is when it holds an EMA
// copy, and how to take the other: "" when it holds none. The note said
// "took "state_dict", as timm's load_state_dict does", which takes the EMA
// copy; then it gave a line of Python to save the raw weights alone, the
// only way to convert them.
func emaNote(d *pickleDict, took string) string {
	ema := emaKey(d)
	switch {
	case ema == "":
		return ""
	case !slices.Contains(emaWrappers, took):
		return fmt.Sprintf("took %q, the raw weights (--use-ema=false), not %q, the EMA copy the checkpoint also holds", took, ema)
	}
	for _, k := range rawWrappers() {
		if _, ok := d.m[k].(*pickleDict); ok {
			return fmt.Sprintf("took %q, the EMA weights, as timm's load_state_dict and create_model(checkpoint_path=…) do, not %q, which the checkpoint also holds (timm's validate.py without --use-ema takes those): convert --use-ema=false takes them", took, k)
		}
	}
	return fmt.Sprintf("took %q, the EMA weights, as the checkpoint holds no other state dict", took)
}

// stateDictTensors turns the unpickled dict into tensors.
func stateDictTensors(obj any, ra io.ReaderAt, path string, noEMA bool) ([]*tensor, dictChoice, error) {
	d, ok := obj.(*pickleDict)
	if !ok {
		return nil, dictChoice{}, fmt.Errorf("data.pkl holds %s, not a state dict (a dict of tensors by name)", pyKind(obj))
	}
	d, choice, err := unwrap(d, noEMA)
	if err != nil {
		return nil, dictChoice{}, err
	}
	if key, sd := onlyStateDict(d); sd != nil {
		// Inside a wrapper unwrap took ({"state_dict_ema": {"module": …}}),
		// its note, of the EMA copy or the raw weights, is kept: it was
		// replaced, and the choice between them went unsaid.
		took := fmt.Sprintf("took %q, the one dict of tensors in the checkpoint", key)
		if choice.note != "" {
			took = fmt.Sprintf("%s; in it, %q, its one dict of tensors", choice.note, key)
		}
		d, choice.note = sd, took
	}
	if len(d.keys) > 0 && !slices.ContainsFunc(d.keys, func(k any) bool { _, t := d.m[k].(*ptTensor); return t }) {
		return nil, dictChoice{}, noStateDict(d, path)
	}
	var out []*tensor
	for _, k := range d.keys {
		name, ok := k.(string)
		if !ok {
			return nil, dictChoice{}, fmt.Errorf("state dict key %v is not a string", k)
		}
		pt, ok := d.m[k].(*ptTensor)
		if !ok {
			return nil, dictChoice{}, fmt.Errorf("state dict entry %q is %s, not a tensor", name, pyKind(d.m[k]))
		}
		out = append(out, &tensor{name: name, file: path, dtype: pt.st.dtype, shape: pt.size, read: func() ([]byte, error) { return pt.read(ra) }})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, choice, nil
}

// isStateDict says whether v is a dict of tensors by name.
func isStateDict(v any) bool {
	d, ok := v.(*pickleDict)
	if !ok || len(d.keys) == 0 {
		return false
	}
	for _, k := range d.keys {
		_, str := k.(string)
		if _, t := d.m[k].(*ptTensor); !str || !t {
			return false
		}
	}
	return true
}

// onlyStateDict is the one state dict among the entries of a checkpoint d
// that holds no tensor itself, under a key none of wrappers names
// ({"net": …, "epoch": 3}), and its key; nil when there is none or more
// than one. Such a checkpoint was "state dict entry "net" is a
// *convert.pickleDict, not a tensor".
func onlyStateDict(d *pickleDict) (string, *pickleDict) {
	var key string
	var sd *pickleDict
	for _, k := range d.keys {
		switch v := d.m[k].(type) {
		case *ptTensor:
			return "", nil
		case *pickleDict:
			if !isStateDict(v) {
				continue
			}
			if sd != nil {
				return "", nil
			}
			key, _ = k.(string)
			sd = v
		}
	}
	if key == "" {
		return "", nil
	}
	return key, sd
}

// noStateDict is the error of a checkpoint d, holding no tensor itself,
// in which no one state dict could be told apart: its entries, in Python's
// words, and the line that saves the one to convert alone.
func noStateDict(d *pickleDict, path string) error {
	var entries []string
	save := "'KEY'"
	for _, k := range d.keys {
		entries = append(entries, fmt.Sprintf("%v (%s)", pyRepr(k), pyKind(d.m[k])))
		if s, ok := k.(string); ok && isStateDict(d.m[k]) && save == "'KEY'" {
			save = pyRepr(s)
		}
	}
	return fmt.Errorf("no state dict under the keys training scripts use (%s) nor one dict of tensors alone: its entries are %s; save the one to convert alone: "+
		`python -c "import torch; torch.save(torch.load('%s', weights_only=False)[%s], 'weights.pth')"`,
		strings.Join(wrappers, ", "), andList(entries, 8), path, save)
}

// pyRepr writes a checkpoint's key as Python does: a string in single
// quotes, or, one with a control character (a terminal escape), as
// bytestr.Text quotes it, its escapes written out ("a\x1b[2J"), which
// Python reads the same.
func pyRepr(k any) string {
	if s, ok := k.(string); ok {
		if q := bytestr.Text(s); q != s {
			return q
		}
		return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
	}
	return fmt.Sprint(k)
}

// pyKind names v, a value unpickled from a checkpoint, in Python's words,
// where messages gave Go's type ("a *convert.pickleDict").
func pyKind(v any) string {
	switch v := v.(type) {
	case *pickleDict:
		if isStateDict(v) {
			return fmt.Sprintf("a dict of %d %s", len(v.keys), plural(len(v.keys), "tensor"))
		}
		return "a dict"
	case *pickleList:
		return "a list"
	case pickleTuple:
		return "a tuple"
	case *ptTensor:
		return "a tensor"
	case string:
		return "a string"
	case int64:
		return "an int"
	case float64:
		return "a float"
	case bool:
		return "a bool"
	case nil:
		return "None"
	case pickleOpaque:
		return "a " + string(v)
	}
	return "a value of another kind"
}
