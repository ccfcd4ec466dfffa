package convert

import (
	"archive/zip"
	"bytes"
	"os"
	"strings"
	"testing"
)

// fakeStorage resolves any well-formed storage reference to an in-memory
// record of the declared size, so pickles can be tested without archives.
func fakeStorage(pid any) (any, error) {
	t, ok := pid.(pickleTuple)
	if !ok || len(t) != 5 {
		return nil, errTruncated
	}
	dt, ok1 := t[1].(storageType)
	key, ok2 := t[2].(string)
	n, ok3 := t[4].(int64)
	if !ok1 || !ok2 || !ok3 || n < 0 || n > 1<<20 {
		return nil, errTruncated
	}
	return &ptStorage{key: key, dtype: string(dt), numel: n}, nil
}

// realPickle is data.pkl of a committed checkpoint.
func realPickle(t testing.TB) []byte {
	t.Helper()
	z, err := zip.OpenReader("../../testdata/convert/views.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, "/data.pkl") {
			b, err := readSmall(f, maxPickle)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatal("no data.pkl")
	return nil
}

func TestPickleStateDict(t *testing.T) {
	obj, err := unpickle(realPickle(t), torchGlobal, fakeStorage)
	if err != nil {
		t.Fatal(err)
	}
	d := obj.(*pickleDict)
	if len(d.keys) != 7 {
		t.Fatalf("%d entries", len(d.keys))
	}
	tr := d.m["transposed"].(*ptTensor)
	if tr.st.dtype != "F32" || tr.size[0] != 5 || tr.size[1] != 6 || tr.stride[0] != 1 || tr.stride[1] != 5 {
		t.Errorf("transposed = %+v", tr)
	}
	if a, b := d.m["sliced"].(*ptTensor), d.m["shared"].(*ptTensor); a.st.key != b.st.key || a.offset != 7 || b.offset != 7 {
		t.Errorf("sliced and shared views: %+v %+v", a, b)
	}
}

func TestPickleRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, pkl, want string
	}{
		{"os.system", "\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85q\x02Rq\x03.", "refusing global os.system"},
		{"builtins.eval", "\x80\x04\x8c\x08builtins\x8c\x04eval\x93.", "refusing global builtins.eval"},
		{"INST", "(ios\nsystem\n.", "opcode 0x69 at byte 1: not allowed"},
		{"OBJ", "(o.", "opcode 0x6f"},
		{"protocol", "\x80\x09.", "pickle protocol 9"},
		{"underflow", "t.", "no MARK"},
		{"pop past mark", "(\x85.", "stack underflow"},
		{"memo", "h\x05.", "memo 5 is empty"},
		{"truncated string", "X\xff\x00\x00\x00ab", "truncated"},
		{"no stop", "K\x01", "without STOP"},
		{"two values", "K\x01K\x02.", "2 values on the stack"},
		{"reduce non-callable", "K\x01)R.", "REDUCE of int64"},
		{"build on list", "]}b.", "BUILD on *convert.pickleList"},
		{"list key", "}]K\x01s.", "dict key of type"},
		{"long", "\x8a\x09\x01\x01\x01\x01\x01\x01\x01\x01\x01.", "9-byte integer"},
		{"OrderedDict args", "ccollections\nOrderedDict\nK\x01\x85R.", "OrderedDict with arguments"},
		{"bad pid", "K\x01Q.", "not a storage"},
		{"rebuild", "ctorch._utils\n_rebuild_tensor_v2\n(K\x01t" + "R.", "_rebuild_tensor_v2 with 1 arguments"},
	} {
		persid := func(pid any) (any, error) { return loadStorage(pid, "a", nil, 0) }
		_, err := unpickle([]byte(tc.pkl), torchGlobal, persid)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestViewOutOfStorage refuses views addressing elements past the storage.
func TestViewOutOfStorage(t *testing.T) {
	st := &ptStorage{key: "0", dtype: "F32", numel: 10}
	for _, tc := range []struct {
		off          int64
		size, stride pickleTuple
		ok           bool
	}{
		{0, pickleTuple{int64(2), int64(5)}, pickleTuple{int64(5), int64(1)}, true},
		{1, pickleTuple{int64(2), int64(5)}, pickleTuple{int64(5), int64(1)}, false},
		{0, pickleTuple{int64(5), int64(2)}, pickleTuple{int64(1), int64(5)}, true},
		{0, pickleTuple{int64(3), int64(5)}, pickleTuple{int64(1 << 62), int64(1)}, false},
		{9, pickleTuple{int64(0), int64(5)}, pickleTuple{int64(5), int64(1)}, true},
		{0, pickleTuple{int64(-1)}, pickleTuple{int64(1)}, false},
		{0, pickleTuple{int64(4)}, pickleTuple{int64(-1)}, false},
		{0, pickleTuple{int64(5), int64(2)}, pickleTuple{int64(0), int64(1)}, true},
		{0, pickleTuple{int64(1 << 20), int64(1 << 20)}, pickleTuple{int64(0), int64(0)}, false},
	} {
		_, err := rebuildTensor(pickleTuple{st, tc.off, tc.size, tc.stride, false, nil})
		if (err == nil) != tc.ok {
			t.Errorf("offset %d size %v stride %v: err %v", tc.off, tc.size, tc.stride, err)
		}
	}
}

func TestPyTorchArchiveErrors(t *testing.T) {
	good, err := os.ReadFile("../../testdata/convert/views.bin")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// An archive whose pickle names a storage that is not in it.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "m/data.pkl", Method: zip.Store})
	w.Write(realPickle(t))
	zw.Close()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated.bin", good[:len(good)/2], "not a PyTorch zip archive"},
		{"empty.bin", nil, "empty.bin: empty file (0 bytes)"},
		{"nostorage.bin", buf.Bytes(), "storage data/0 is missing"},
	} {
		p := dir + "/" + tc.name
		os.WriteFile(p, tc.data, 0o644)
		_, err := openCheckpoint(p, false)
		if err == nil || !strings.Contains(err.Error(), tc.name) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
}

func FuzzPickle(f *testing.F) {
	f.Add(realPickle(f))
	f.Add([]byte("\x80\x02}q\x00(X\x01\x00\x00\x00aq\x01]q\x02(K\x01G?\xf0\x00\x00\x00\x00\x00\x00e\x88\x8a\x02\xff\x7fNtu."))
	f.Fuzz(func(t *testing.T, b []byte) {
		obj, err := unpickle(b, torchGlobal, fakeStorage)
		if err != nil {
			return
		}
		if ts, _, err := stateDictTensors(obj, bytes.NewReader(make([]byte, 64)), "fuzz", false); err == nil {
			for _, x := range ts {
				x.read() // must stay inside the storage: never panic
			}
		}
	})
}
