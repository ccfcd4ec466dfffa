package convert

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vitctl/vitctl/internal/bytestr"
)

// maxPickle bounds data.pkl; a state dict's pickle is kilobytes.
const maxPickle = 64 << 20

// storageDType maps torch.*Storage classes to element types.
var storageDType = map[string]string{
	"FloatStorage": "F32", "HalfStorage": "F16", "BFloat16Storage": "BF16", "DoubleStorage": "F64",
	"LongStorage": "I64", "IntStorage": "I32", "ShortStorage": "I16", "CharStorage": "I8",
	"ByteStorage": "U8", "BoolStorage": "BOOL",
}

type storageType string // dtype name of a torch.*Storage global

// ptStorage is one data/<key> record of the archive.
type ptStorage struct {
	key   string
	dtype string
	numel int64
	off   int64 // of the record's bytes in the archive file
}

// ptTensor is a view: offset and strides in elements over its storage.
type ptTensor struct {
	st     *ptStorage
	offset int64
	size   []int
	stride []int64
}

// openPyTorch reads a torch.save zip archive's pickle; tensor data is read on
// demand from the (uncompressed) storage records.
// The choice says which of a training checkpoint's state dicts was taken
// (unwrap); noEMA takes the raw weights beside an EMA copy.
func openPyTorch(path string, noEMA bool) (_ []*tensor, _ io.Closer, _ dictChoice, _ error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, dictChoice{}, err
	}
	ts, choice, err := readPyTorch(f, path, noEMA)
	if err != nil {
		f.Close()
		return nil, nil, dictChoice{}, err
	}
	return ts, f, choice, nil
}

func readPyTorch(f *os.File, path string, noEMA bool) ([]*tensor, dictChoice, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, dictChoice{}, err
	}
	z, err := zip.NewReader(f, st.Size())
	if err != nil {
		var magic [2]byte
		f.ReadAt(magic[:], 0)
		if magic == [2]byte{0x80, 0x02} {
			return nil, dictChoice{}, fmt.Errorf("%s: legacy (pre-1.6) PyTorch format; re-save it with a recent torch.save or as safetensors", path)
		}
		return nil, dictChoice{}, fmt.Errorf("%s: not a PyTorch zip archive (%v); truncated download? fetch it again", path, err)
	}
	sd, choice, err := readStateDict(z, f, st.Size(), path, noEMA)
	if rg := (*refusedGlobal)(nil); errors.As(err, &rg) {
		return nil, dictChoice{}, errors.New(rg.advice(path))
	}
	if err != nil {
		return nil, dictChoice{}, fmt.Errorf("%s: %w", path, err)
	}
	return sd, choice, nil
}

// readStateDict unpickles data.pkl and resolves its storages in ra, an
// archive of size bytes.
func readStateDict(z *zip.Reader, ra io.ReaderAt, size int64, path string, noEMA bool) ([]*tensor, dictChoice, error) {
	var pkl *zip.File
	records := map[string]*zip.File{}
	for _, zf := range z.File {
		dir, name, ok := strings.Cut(zf.Name, "/")
		if !ok {
			continue
		}
		switch {
		case name == "data.pkl":
			if pkl != nil {
				return nil, dictChoice{}, errors.New("archive holds more than one data.pkl")
			}
			pkl = zf
		case strings.HasPrefix(name, "data/"):
			records[dir+"/"+strings.TrimPrefix(name, "data/")] = zf
		case name == "byteorder":
			if b, err := readSmall(zf, 16); err != nil || string(b) != "little" {
				return nil, dictChoice{}, fmt.Errorf("byteorder %q is not supported (want little)", b)
			}
		}
	}
	if pkl == nil {
		return nil, dictChoice{}, errors.New("no data.pkl: not a torch.save archive")
	}
	prefix, _, _ := strings.Cut(pkl.Name, "/")
	data, err := readSmall(pkl, maxPickle)
	if err != nil {
		return nil, dictChoice{}, fmt.Errorf("%s: %w", bytestr.Text(pkl.Name), err)
	}
	persid := func(pid any) (any, error) { return loadStorage(pid, prefix, records, size) }
	obj, err := unpickle(data, torchGlobal, persid)
	if err != nil {
		return nil, dictChoice{}, fmt.Errorf("%s: %w", bytestr.Text(pkl.Name), err)
	}
	return stateDictTensors(obj, ra, path, noEMA)
}

func readSmall(zf *zip.File, max uint64) ([]byte, error) {
	if zf.UncompressedSize64 > max {
		return nil, fmt.Errorf("%d bytes is more than the %d allowed", zf.UncompressedSize64, max)
	}
	r, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, int64(max)))
}

// torchGlobal is the whitelist of classes and functions a state dict uses.
func torchGlobal(mod, name string) (any, error) {
	switch mod + "." + name {
	case "collections.OrderedDict":
		return pickleFunc(func(args pickleTuple) (any, error) {
			if len(args) != 0 {
				return nil, errors.New("OrderedDict with arguments")
			}
			return newPickleDict(), nil
		}), nil
	case "torch._utils._rebuild_tensor_v2":
		return pickleFunc(rebuildTensor), nil
	case "torch._utils._rebuild_parameter":
		return pickleFunc(func(args pickleTuple) (any, error) {
			if len(args) != 3 {
				return nil, errors.New("_rebuild_parameter arguments")
			}
			t, ok := args[0].(*ptTensor)
			if !ok {
				return nil, errors.New("_rebuild_parameter of a non-tensor")
			}
			return t, nil
		}), nil
	}
	switch mod + "." + name {
	case "argparse.Namespace", "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar", "numpy.dtype", "_codecs.encode":
		return pickleOpaque(mod + "." + name), nil
	}
	if dt, ok := storageDType[name]; ok && mod == "torch" {
		return storageType(dt), nil
	}
	return nil, &refusedGlobal{mod: mod, name: name}
}

// refusedGlobal is a class or function a pickle names that torchGlobal
// does not allow; root says the pickle is an object of it, as
// torch.save(model) of a whole module writes.
type refusedGlobal struct {
	mod, name string
	root      bool
}

// class is the global as messages name it, mod.name, quoted when it
// holds a control character (bytestr.Text): the pickle's text, as a
// tensor's name is.
func (e *refusedGlobal) class() string { return bytestr.Text(e.mod + "." + e.name) }

func (e *refusedGlobal) Error() string {
	return fmt.Sprintf("refusing global %s: only state-dict classes are allowed (re-save the model with save_pretrained, or as safetensors)", e.class())
}

// advice is e's message for a user of the file path: what the file is
// and the line that saves what convert reads. It was "data.pkl: pickle
// opcode 0x63 at byte 2: refusing global __main__.Net: only state-dict
// classes are allowed", of a model saved whole.
func (e *refusedGlobal) advice(path string) string {
	const save = "save its weights alone, torch.save(model.state_dict(), 'weights.pth') (model.save_pretrained(DIR) for a Hugging Face model), and convert those"
	if e.root {
		return fmt.Sprintf("%s is a whole %s saved with torch.save(model), not a state dict: loading it would run that class's code, which vitctl never does; %s", path, e.class(), save)
	}
	return fmt.Sprintf("%s holds a %s, of Python code, which vitctl never runs (it reads tensors, dicts, lists and plain values, and an argparse.Namespace or a numpy scalar beside them): "+
		"a whole model saved with torch.save(model), or an object of your code kept beside the weights; %s", path, e.class(), save)
}

// loadStorage resolves ('storage', type, key, location, numel) to its
// record in an archive of size bytes. The record's size is the zip
// directory's word, checked against the file: a 400-byte file whose record
// claimed 4 GiB had that much allocated for its tensor.
func loadStorage(pid any, prefix string, records map[string]*zip.File, size int64) (any, error) {
	t, ok := pid.(pickleTuple)
	if !ok || len(t) != 5 || t[0] != "storage" {
		return nil, fmt.Errorf("persistent id %s is not a storage", bytestr.Text(fmt.Sprint(pid)))
	}
	dt, ok1 := t[1].(storageType)
	key, ok2 := t[2].(string)
	n, ok3 := t[4].(int64)
	if !ok1 || !ok2 || !ok3 || n < 0 || n > maxElems {
		return nil, fmt.Errorf("malformed storage reference %s", bytestr.Text(fmt.Sprint(pid)))
	}
	zf, ok := records[prefix+"/"+key]
	if !ok {
		return nil, fmt.Errorf("storage %s is missing from the archive (truncated?)", record(key))
	}
	want := uint64(n) * uint64(dtypeSize[string(dt)])
	if zf.UncompressedSize64 != want {
		return nil, fmt.Errorf("storage %s holds %d bytes, the pickle says %d", record(key), zf.UncompressedSize64, want)
	}
	if zf.Method != zip.Store {
		return nil, fmt.Errorf("storage %s is compressed; re-save the model with torch.save", record(key))
	}
	off, err := zf.DataOffset()
	if err != nil {
		return nil, fmt.Errorf("storage %s: %w", record(key), err)
	}
	if want > uint64(size) || off > size-int64(want) {
		return nil, fmt.Errorf("storage %s of %d bytes at byte %d runs past the end of the file (%d bytes): truncated or damaged; fetch it again", record(key), want, off, size)
	}
	return &ptStorage{key: key, dtype: string(dt), numel: n, off: off}, nil
}

// record is the name of a storage's record, data/KEY, as messages give
// it: quoted when the key, the pickle's text, holds a control character
// (bytestr.Text), as a tensor's name is.
func record(key string) string { return bytestr.Text("data/" + key) }

// rebuildTensor is torch._utils._rebuild_tensor_v2(storage, storage_offset,
// size, stride, requires_grad, backward_hooks[, metadata]), checked so that
// every element the view addresses lies inside its storage.
func rebuildTensor(args pickleTuple) (any, error) {
	if len(args) < 4 || len(args) > 7 {
		return nil, fmt.Errorf("_rebuild_tensor_v2 with %d arguments", len(args))
	}
	st, ok1 := args[0].(*ptStorage)
	off, ok2 := args[1].(int64)
	size, ok3 := args[2].(pickleTuple)
	stride, ok4 := args[3].(pickleTuple)
	if !ok1 || !ok2 || !ok3 || !ok4 || len(size) != len(stride) || len(size) > 8 || off < 0 {
		return nil, errors.New("malformed _rebuild_tensor_v2 arguments")
	}
	t := &ptTensor{st: st, offset: off, size: make([]int, len(size)), stride: make([]int64, len(size))}
	dims := make([]int64, len(size))
	last := off // highest element index addressed
	for i := range size {
		d, ok1 := size[i].(int64)
		s, ok2 := stride[i].(int64)
		if !ok1 || !ok2 || d < 0 || s < 0 {
			return nil, errors.New("malformed tensor size or stride")
		}
		dims[i], t.size[i], t.stride[i] = d, int(d), s
		if d > 1 && s > 0 {
			if s > st.numel/(d-1) {
				return nil, fmt.Errorf("view %v/%v runs past storage %s", size, stride, record(st.key))
			}
			last += (d - 1) * s
		}
	}
	n, err := numel(dims)
	if err != nil {
		return nil, err
	}
	switch {
	case n > 0 && last >= st.numel:
		return nil, fmt.Errorf("view of %d elements at offset %d runs past storage %s of %d", n, off, record(st.key), st.numel)
	case n > st.numel: // an expanded view: bound what reading it allocates
		return nil, fmt.Errorf("view of %d elements repeats storage %s of %d; save the tensor with .contiguous()", n, record(st.key), st.numel)
	}
	return t, nil
}

// read returns the view's elements in row-major order, gathering them when
// the strides are not contiguous.
func (t *ptTensor) read(ra io.ReaderAt) ([]byte, error) {
	esz := int64(dtypeSize[t.st.dtype])
	n, contiguous, last := int64(1), true, t.offset
	for i := len(t.size) - 1; i >= 0; i-- {
		if t.size[i] != 1 && t.stride[i] != n {
			contiguous = false
		}
		n *= int64(t.size[i])
		if t.size[i] > 0 {
			last += int64(t.size[i]-1) * t.stride[i]
		}
	}
	if n == 0 {
		return nil, nil
	}
	if contiguous {
		b := make([]byte, n*esz)
		_, err := ra.ReadAt(b, t.st.off+t.offset*esz)
		return b, err
	}
	span := make([]byte, (last-t.offset+1)*esz)
	if _, err := ra.ReadAt(span, t.st.off+t.offset*esz); err != nil {
		return nil, err
	}
	out := make([]byte, 0, n*esz)
	idx := make([]int, len(t.size))
	for range n {
		var at int64
		for i, j := range idx {
			at += int64(j) * t.stride[i]
		}
		out = append(out, span[at*esz:(at+1)*esz]...)
		for i := len(idx) - 1; i >= 0; i-- { // odometer, innermost fastest
			if idx[i]++; idx[i] < t.size[i] {
				break
			}
			idx[i] = 0
		}
	}
	return out, nil
}
