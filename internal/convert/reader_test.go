package convert

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vitctl/vitctl/internal/gguf"
)

func openOrFail(t *testing.T, path string) *checkpoint {
	t.Helper()
	ck, err := openCheckpoint(path, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ck.Close() })
	return ck
}

// TestRoundingMatchesPyTorch checks f32 -> f16/bf16 against the bit
// patterns torch's Tensor.to produced (scripts/gen_convert_fixtures.py).
func TestRoundingMatchesPyTorch(t *testing.T) {
	ck := openOrFail(t, "../../testdata/convert/rounding.safetensors")
	xb, _ := ck.tensors["x"].read()
	for _, tc := range []struct {
		name string
		conv func(float32) uint16
	}{{"x_f16", gguf.F32ToF16}, {"x_bf16", gguf.F32ToBF16}} {
		want, err := ck.tensors[tc.name].read()
		if err != nil {
			t.Fatal(err)
		}
		for i := range len(want) / 2 {
			x := math.Float32frombits(binary.LittleEndian.Uint32(xb[4*i:]))
			w := binary.LittleEndian.Uint16(want[2*i:])
			if got := tc.conv(x); got != w {
				t.Errorf("%s: %g (%#08x) -> %#04x, torch gives %#04x", tc.name, x, math.Float32bits(x), got, w)
			}
		}
	}
}

// TestViews reads non-contiguous PyTorch views (transpose, storage offset,
// stride, expand, shared storage) and compares them with the contiguous
// copies torch wrote to safetensors; also from a timm training checkpoint
// (train.pth.tar: the state_dict under "module." names and state_dict_ema,
// each value doubled, beside an optimizer's tensors, argparse args and a
// numpy metric), which was refused ('refusing global argparse.Namespace'),
// and whose names kept DataParallel's "module.". Its EMA copy is taken,
// as timm's load_state_dict takes it, where the raw state_dict was.
func TestViews(t *testing.T) {
	st := openOrFail(t, "../../testdata/convert/views.safetensors")
	for file, scale := range map[string]float32{"views.bin": 1, "train.pth.tar": 2} {
		pt := openOrFail(t, "../../testdata/convert/"+file)
		if len(pt.tensors) != len(st.tensors) {
			t.Fatalf("%d tensors in %s, %d in views.safetensors", len(pt.tensors), file, len(st.tensors))
		}
		for name, want := range st.tensors {
			got := pt.tensors[name]
			if got == nil {
				t.Fatalf("%s lacks %s", file, name)
			}
			if got.dtype != want.dtype || !slices.Equal(got.shape, want.shape) {
				t.Errorf("%s: %s: %s %v, want %s %v", file, name, got.dtype, got.shape, want.dtype, want.shape)
			}
			g, err1 := got.float32s()
			w, err2 := want.float32s()
			for i := range w {
				w[i] *= scale
			}
			if err1 != nil || err2 != nil || !slices.Equal(g, w) {
				t.Errorf("%s: %s: data differs (%v, %v)", file, name, err1, err2)
			}
		}
	}
}

// TestTorchFiles: a folder whose only weights are one torch.save file of
// another name (timm's model_best.pth.tar) converts from it, where it said
// 'no checkpoint found'; two are a choice for the user to make.
func TestTorchFiles(t *testing.T) {
	train, _ := os.ReadFile("../../testdata/convert/train.pth.tar")
	for _, tc := range []struct {
		files []string
		want  string // the file found, or the error
	}{
		{[]string{"model_best.pth.tar", "args.yaml"}, "model_best.pth.tar"},
		{[]string{"vit.pth"}, "vit.pth"},
		{[]string{"last.ckpt"}, "last.ckpt"},
		{[]string{"VIT.PTH"}, "VIT.PTH"},
		{[]string{"pytorch_model.bin", "model_best.pth.tar"}, "pytorch_model.bin"},
		{[]string{"model_best.pth.tar", "checkpoint-9.pth.tar"}, "2 PyTorch files (checkpoint-9.pth.tar and model_best.pth.tar), and no model.safetensors nor pytorch_model.bin: give the one to convert, e.g. vitctl convert "},
	} {
		dir := t.TempDir()
		for _, f := range tc.files {
			os.WriteFile(filepath.Join(dir, f), train, 0o644)
		}
		got, err := FindCheckpoint(dir)
		if err != nil {
			got = err.Error()
		}
		if !strings.HasSuffix(got, tc.want) && !strings.HasPrefix(got, tc.want) {
			t.Errorf("%v: %q, want %q", tc.files, got, tc.want)
		}
	}
	// A Hugging Face snapshot holds links to its blobs.
	dir, blobs := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(blobs, "abc123"), train, 0o644)
	if err := os.Symlink(filepath.Join(blobs, "abc123"), filepath.Join(dir, "vit.pth")); err != nil {
		t.Skip(err)
	}
	if got, err := FindCheckpoint(dir); err != nil || filepath.Base(got) != "vit.pth" {
		t.Errorf("a link to a .pth: %q, %v, want vit.pth", got, err)
	}
}

// TestTorchFileNoConfig: a training checkpoint alone is told what
// config.json to write beside it, where it was told to fetch one "with
// the weights (every Hugging Face and timm repository has one)".
func TestTorchFileNoConfig(t *testing.T) {
	dir := t.TempDir()
	train, _ := os.ReadFile("../../testdata/convert/train.pth.tar")
	os.WriteFile(filepath.Join(dir, "model_best.pth.tar"), train, 0o644)
	_, err := Describe(dir, false)
	want := dir + `: no config.json beside model_best.pth.tar: a training checkpoint holds the weights only, and vitctl reads the labels and preprocessing from config.json: write one as timm's push_to_hub does, with your run's values, e.g. {"architecture": "vit_small_patch16_224", `
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err %v, want %q…", err, want)
	}
}

func TestLegacyRefused(t *testing.T) {
	_, err := openCheckpoint("../../testdata/convert/legacy.bin", false)
	if err == nil || !strings.Contains(err.Error(), "legacy.bin: legacy (pre-1.6) PyTorch format") {
		t.Fatalf("err = %v", err)
	}
}

func TestSafetensorsHeaderErrors(t *testing.T) {
	for _, tc := range []struct {
		hdr  string
		want string
	}{
		{`[]`, "not a JSON object"},
		{`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, `"a" and "b" overlap (bytes 4 to 8 of the data section): a safetensors file keeps each tensor in bytes of its own`},
		{`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, `tensor "a": 8 bytes for shape [3] of F32, want 12`},
		{`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, `data ends at byte 16 of 8 (truncated download?`},
		{`{"a":{"dtype":"Q9","shape":[2],"data_offsets":[0,8]}}`, `unknown dtype "Q9"`},
		{`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, `bad shape`},
		{`{"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,8]}}`, `bad shape`},
		{`{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}`, `bad data_offsets`},
		{`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}`, `bad data_offsets`},
	} {
		_, err := parseSafetensorsHeader([]byte(tc.hdr), 8)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.hdr, err, tc.want)
		}
	}
}

func TestSafetensorsFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"short.safetensors", []byte{1, 2}, "too short"},
		// Nothing written is no truncated file: it was "too short for a
		// safetensors file (truncated download?)".
		{"empty.safetensors", nil, "empty.safetensors: empty file (0 bytes)"},
		{"empty.pth", nil, "empty.pth: empty file (0 bytes)"},
		{"huge.safetensors", binary.LittleEndian.AppendUint64(nil, 1<<60), "header length 1152921504606846976 does not fit"},
		{"notjson.safetensors", append(binary.LittleEndian.AppendUint64(nil, 2), "xx"...), "not a JSON object"},
	} {
		p := dir + "/" + tc.name
		os.WriteFile(p, tc.data, 0o644)
		_, err := openCheckpoint(p, false)
		if err == nil || !strings.Contains(err.Error(), tc.name) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
}

func FuzzSafetensorsHeader(f *testing.F) {
	b, err := os.ReadFile("../../testdata/convert/views.safetensors")
	if err != nil {
		f.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b)
	f.Add(b[8:8+n], int64(len(b))-8-int64(n))
	f.Add([]byte(`{"__metadata__":{"format":"pt"}}`), int64(0))
	f.Fuzz(func(t *testing.T, hdr []byte, dataLen int64) {
		es, err := parseSafetensorsHeader(hdr, dataLen)
		if err != nil {
			return
		}
		for _, e := range es {
			if e.begin < 0 || e.end > dataLen || e.end < e.begin {
				t.Fatalf("accepted %+v with %d data bytes", e, dataLen)
			}
		}
	})
}

// TestEMANote: a training checkpoint with an EMA copy beside its state
// dict gives the EMA copy, as timm's load_state_dict does, and says so
// (one note, printed by convert), naming the flag that takes the raw
// weights; with noEMA (convert --use-ema=false) it gives the raw weights,
// as timm's load_state_dict(use_ema=False) does, saying so, and refuses a
// checkpoint that holds the EMA copy alone. The raw weights could only be
// converted after saving them alone with a line of Python.
func TestEMANote(t *testing.T) {
	path := "../../testdata/convert/train.pth.tar"
	ck := openOrFail(t, path)
	want := `train.pth.tar: took "state_dict_ema", the EMA weights, as timm's load_state_dict and create_model(checkpoint_path=…) do, not "state_dict", which the checkpoint also holds (timm's validate.py without --use-ema takes those): convert --use-ema=false takes them`
	if len(ck.notes) != 1 || ck.notes[0] != want {
		t.Errorf("notes %q\nwant %q", ck.notes, want)
	}
	raw, err := openCheckpoint(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	want = `train.pth.tar: took "state_dict", the raw weights (--use-ema=false), not "state_dict_ema", the EMA copy the checkpoint also holds`
	if len(raw.notes) != 1 || raw.notes[0] != want {
		t.Errorf("noEMA: notes %q\nwant %q", raw.notes, want)
	}
	dict := func(keys ...string) *pickleDict {
		d := newPickleDict()
		for _, k := range keys {
			d.set(k, newPickleDict())
		}
		return d
	}
	for _, tc := range []struct {
		keys  []string
		noEMA bool
		want  string
		err   string
	}{
		{[]string{"state_dict", "optimizer"}, false, "", ""},
		{[]string{"state_dict", "optimizer"}, true, "", ""},
		{[]string{"model", "model_ema"}, false, `took "model_ema", the EMA weights, as timm's load_state_dict and create_model(checkpoint_path=…) do, not "model"`, ""},
		{[]string{"model", "model_ema"}, true, `took "model", the raw weights (--use-ema=false), not "model_ema"`, ""},
		{[]string{"state_dict", "model_ema", "state_dict_ema"}, false, `took "state_dict_ema", the EMA weights, as timm's load_state_dict and create_model(checkpoint_path=…) do, not "state_dict"`, ""},
		{[]string{"state_dict", "model_ema", "state_dict_ema"}, true, `took "state_dict", the raw weights (--use-ema=false), not "state_dict_ema"`, ""},
		{[]string{"state_dict_ema", "epoch"}, false, `took "state_dict_ema", the EMA weights, as the checkpoint holds no other state dict`, ""},
		{[]string{"state_dict_ema", "epoch"}, true, "", `--use-ema=false: the checkpoint holds the EMA weights alone ("state_dict_ema"), no raw ones (state_dict, model, module, model_state_dict): convert it without --use-ema=false`},
	} {
		_, choice, err := unwrap(dict(tc.keys...), tc.noEMA)
		if note := choice.note; !strings.HasPrefix(note, tc.want) || tc.want == "" && note != "" {
			t.Errorf("%v, noEMA %v: note %q, want %q", tc.keys, tc.noEMA, note, tc.want)
		}
		// An EMA copy held is said, so that --use-ema=false choosing
		// nothing can be: the note says so of each that holds one.
		if ema := slices.ContainsFunc(tc.keys, func(k string) bool { return slices.Contains(emaWrappers, k) }); err == nil && choice.ema != ema {
			t.Errorf("%v, noEMA %v: ema %v, want %v", tc.keys, tc.noEMA, choice.ema, ema)
		}
		if got := fmt.Sprint(err); tc.err == "" && err != nil || tc.err != "" && got != tc.err {
			t.Errorf("%v, noEMA %v: error %v, want %q", tc.keys, tc.noEMA, err, tc.err)
		}
	}
}

// TestDanglingLinks: a checkpoint folder whose weights or config.json is a
// link to nothing (a Hugging Face snapshot copied with cp -r, its links
// relative to blobs it left behind) says which link and what to do, where
// it said "no checkpoint found (want one of model.safetensors, …)" of a
// folder holding model.safetensors, or "no config.json beside …"; and a
// folder named model.safetensors is no weights file ("too short for a
// safetensors file (truncated download?)"). A file of another of
// Hugging Face's names is still taken, as transformers takes it.
func TestDanglingLinks(t *testing.T) {
	src := "../../testdata/models/vit-p16-gelu"
	link := func(dir, name, target string) {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skip(err)
		}
	}
	abs := func(name string) string { p, _ := filepath.Abs(filepath.Join(src, name)); return p }
	for _, tc := range []struct {
		name  string
		setup func(dir string)
		want  string // the error, or the file converted from
	}{
		{"weights", func(dir string) {
			link(dir, "config.json", abs("config.json"))
			link(dir, "model.safetensors", "../../blobs/0123abcd")
		}, "model.safetensors is a link to ../../blobs/0123abcd, which is not there: a Hugging Face cache snapshot's files are links to its blobs, so copy a snapshot with cp -rL"},
		{"config", func(dir string) {
			link(dir, "config.json", "../../blobs/feed")
			link(dir, "model.safetensors", abs("model.safetensors"))
		}, "config.json is a link to ../../blobs/feed, which is not there"},
		{"another", func(dir string) {
			link(dir, "config.json", abs("config.json"))
			link(dir, "model.safetensors", "../../blobs/0123abcd")
			link(dir, "pytorch_model.bin", abs("pytorch_model.bin"))
		}, "pytorch_model.bin"},
		{"folder", func(dir string) {
			link(dir, "config.json", abs("config.json"))
			os.Mkdir(filepath.Join(dir, "model.safetensors"), 0o755)
		}, "model.safetensors is a folder, not a weights file"},
	} {
		dir := t.TempDir()
		tc.setup(dir)
		res, err := Convert(context.Background(), dir, filepath.Join(t.TempDir(), "m.gguf"), Options{DType: gguf.F32})
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = filepath.Base(res.Source)
		}
		if want := tc.want; !strings.Contains(got, want) || err != nil && !strings.HasPrefix(got, dir+": ") {
			t.Errorf("%s: %q, want %q", tc.name, got, want)
		}
	}
	// The weights file named on its own.
	dir := t.TempDir()
	link(dir, "model.safetensors", "../../blobs/0123abcd")
	_, err := Convert(context.Background(), filepath.Join(dir, "model.safetensors"), filepath.Join(t.TempDir(), "m.gguf"), Options{DType: gguf.F32})
	if err == nil || !strings.Contains(err.Error(), "model.safetensors is a link to ../../blobs/0123abcd, which is not there") {
		t.Errorf("the link named: %v", err)
	}
}

// TestWrapperPrefixes: a state dict whose every name carries a training
// wrapper's prefix (DDP's "module.", torch.compile's "_orig_mod.", a
// LightningModule's "model.", or several) converts as the plain one,
// whatever the file's format, where all but a .pth's "module." were
// refused as not matching config.json. A prefix on some names only, or of
// another name, is left: those checkpoints stay refused.
func TestWrapperPrefixes(t *testing.T) {
	want, _, err := convertTo(t, newTiny().write(t), gguf.F32)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		prefix string
		some   bool // only the first name has it
		ok     bool
	}{
		{"module.", false, true},
		{"_orig_mod.", false, true},
		{"module._orig_mod.", false, true},
		{"_orig_mod.module.", false, true},
		{"model.", false, true},
		{"model._orig_mod.", false, true},
		{"module.", true, false},
		{"net.", false, false},
	} {
		m := newTiny()
		renamed := map[string]stTensor{}
		for i, name := range slices.Sorted(maps.Keys(m.weights)) {
			if !tc.some || i == 0 {
				renamed[tc.prefix+name] = m.weights[name]
			} else {
				renamed[name] = m.weights[name]
			}
		}
		m.weights = renamed
		got, _, err := convertTo(t, m.write(t), gguf.F32)
		if !tc.ok {
			if err == nil {
				t.Errorf("%q (some %v): converted", tc.prefix, tc.some)
			}
			hint := `every tensor's name begins "net."`
			if tc.prefix == "net." && !strings.Contains(fmt.Sprint(err), hint) {
				t.Errorf("%q: %v, want %q", tc.prefix, err, hint)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.prefix, err)
			continue
		}
		for _, ti := range want.Tensors() {
			w, _, _ := want.Float32s(ti.Name)
			g, _, err := got.Float32s(ti.Name)
			if err != nil || !slices.Equal(g, w) {
				t.Errorf("%q: %s differs (%v)", tc.prefix, ti.Name, err)
			}
		}
	}
}

// TestWrapperHint: a timm checkpoint whose every name begins with a
// wrapper's attribute convert does not know ("net.") is told so and how to
// save it without, where it was "patch_embed.proj.weight []: not a timm
// VisionTransformer with square patches"; names sharing no first part are
// listed.
func TestWrapperHint(t *testing.T) {
	const src = "../../testdata/models/timm-p8-noclass-avg"
	ck := openOrFail(t, src+"/model.safetensors")
	for _, tc := range []struct {
		rename func(string) string
		want   string
	}{
		{func(n string) string { return "net." + n }, `no tensor patch_embed.proj.weight, which every timm VisionTransformer has: every tensor's name begins "net.", as a training wrapper's whose attribute net holds the network: save the state dict without it, torch.save({k.removeprefix("net."): v`},
		{func(n string) string { return strings.Replace(n, "patch_embed.", "stem.", 1) }, "no tensor patch_embed.proj.weight, which every timm VisionTransformer has: its tensors are blocks.0.attn.proj.bias, "},
	} {
		ts := map[string]stTensor{}
		for name, x := range ck.tensors {
			b, err := x.read()
			if err != nil {
				t.Fatal(err)
			}
			ts[tc.rename(name)] = stTensor{x.dtype, x.shape, b}
		}
		dir := t.TempDir()
		cfg, _ := os.ReadFile(src + "/config.json")
		os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644)
		writeSafetensors(t, filepath.Join(dir, "model.safetensors"), ts)
		if _, _, err := convertTo(t, dir, gguf.F32); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v, want %q", err, tc.want)
		}
	}
}

// TestWholeModule: a torch.save of a whole nn.Module, alone or inside a
// checkpoint, is refused unrun with the line that saves its state dict,
// where it was "data.pkl: pickle opcode 0x63 at byte 2: refusing global
// __main__.TinyNet: only state-dict classes are allowed".
func TestWholeModule(t *testing.T) {
	for file, want := range map[string]string{
		"whole.pth":  "whole.pth is a whole __main__.TinyNet saved with torch.save(model), not a state dict: loading it would run that class's code, which vitctl never does; save its weights alone, torch.save(model.state_dict(), 'weights.pth')",
		"beside.pth": "beside.pth holds a __main__.TinyNet, of Python code, which vitctl never runs (it reads tensors, dicts, lists and plain values, and an argparse.Namespace or a numpy scalar beside them): a whole model saved with torch.save(model), or an object of your code kept beside the weights; save its weights alone",
	} {
		_, err := openCheckpoint("../../testdata/convert/"+file, false)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "opcode") {
			t.Errorf("%s: %v, want %q", file, err, want)
		}
	}
}

// TestOneStateDict: a checkpoint keeping its one dict of tensors under a
// key no training script's convention names ({"net": …, "epoch": 3}), or
// a known one inside another ({"model": {"module": …}}), gives it; one
// where no single state dict can be told apart lists its entries in
// Python's words with the line that saves one alone, where it was "state
// dict entry "net" is a *convert.pickleDict, not a tensor"; and data.pkl
// of no dict is named as Python would ("a tensor", not "*convert.ptTensor").
func TestOneStateDict(t *testing.T) {
	sd := func() *pickleDict {
		d := newPickleDict()
		d.set("w", &ptTensor{st: &ptStorage{dtype: "F32", numel: 1}, size: []int{1}, stride: []int64{1}})
		return d
	}
	dict := func(kv ...any) *pickleDict {
		d := newPickleDict()
		for i := 0; i < len(kv); i += 2 {
			d.set(kv[i], kv[i+1])
		}
		return d
	}
	for _, tc := range []struct {
		name string
		obj  any
		want string // the note, or the error
	}{
		{"net", dict("net", sd(), "epoch", int64(3), "best", 71.5), `took "net", the one dict of tensors in the checkpoint`},
		{"nested", dict("model", dict("module", sd())), `took "module", the one dict of tensors in the checkpoint`},
		{"nested beside an EMA copy", dict("state_dict_ema", dict("module", sd()), "state_dict", dict("module", sd())),
			`took "state_dict_ema", the EMA weights, as timm's load_state_dict and create_model(checkpoint_path=…) do, not "state_dict", which the checkpoint also holds (timm's validate.py without --use-ema takes those): convert --use-ema=false takes them; in it, "module", its one dict of tensors`},
		{"beside an optimizer", dict("weights", sd(), "optimizer", dict("state", newPickleDict(), "param_groups", &pickleList{})), `took "weights"`},
		{"two", dict("student", sd(), "teacher", sd(), "epoch", int64(3)),
			`no state dict under the keys training scripts use (state_dict_ema, model_ema, state_dict, model, module, model_state_dict) nor one dict of tensors alone: its entries are 'student' (a dict of 1 tensor), 'teacher' (a dict of 1 tensor) and 'epoch' (an int); save the one to convert alone: python -c "import torch; torch.save(torch.load('c.pth', weights_only=False)['student'], 'weights.pth')"`},
		{"mixed", dict("w", sd().m["w"], "epoch", int64(3)), `state dict entry "epoch" is an int, not a tensor`},
		{"a tensor", sd().m["w"], "data.pkl holds a tensor, not a state dict (a dict of tensors by name)"},
		{"a list", &pickleList{items: []any{sd()}}, "data.pkl holds a list, not a state dict"},
	} {
		ts, choice, err := stateDictTensors(tc.obj, nil, "c.pth", false)
		got := choice.note
		if err != nil {
			got = err.Error()
		} else if len(ts) != 1 || ts[0].name != "w" {
			t.Errorf("%s: tensors %v", tc.name, ts)
		}
		if !strings.HasPrefix(got, tc.want) || strings.Contains(got, "convert.") {
			t.Errorf("%s: %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
