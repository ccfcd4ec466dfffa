package gguf

import (
	"io"
	"path/filepath"
	"reflect"
	"testing"
)

// TestCopyMetadata: every key of a file, of every value type and as
// arrays, reads back the same from a file written with CopyMetadata.
func TestCopyMetadata(t *testing.T) {
	w := NewWriter()
	for k, x := range map[string]struct {
		t uint32
		v any
	}{
		"u8": {tUint8, uint64(200)}, "u16": {tUint16, uint64(60000)}, "u32": {tUint32, uint64(4e9)}, "u64": {tUint64, uint64(1 << 60)},
		"i8": {tInt8, int64(-100)}, "i16": {tInt16, int64(-30000)}, "i32": {tInt32, int64(-2e9)}, "i64": {tInt64, int64(-1 << 60)},
		"f32": {tFloat32, float64(float32(0.1))}, "f64": {tFloat64, 0.1}, "bool": {tBool, true}, "str": {tString, "tench, Tinca tinca"},
	} {
		w.key(k, x.t)
		putScalar(w, x.t, x.v)
	}
	w.AddStrings("labels", []string{"a", "", "ü"})
	w.AddFloat64s("mean", []float64{0.5, -1})
	w.key("i32s", tArray)
	put(&w.meta, tInt32)
	put(&w.meta, uint64(2))
	put(&w.meta, []int32{-1, 7})
	if err := w.AddTensor("x", []int{2}, F32); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(w *Writer, name string) *File {
		p := filepath.Join(dir, name)
		err := w.WriteFile(p, func(_ TensorInfo, dst io.Writer) error {
			b, _ := PutF32(nil, []float32{1, 2}, F32)
			_, err := dst.Write(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		f, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	a := write(w, "a.gguf")
	w2 := NewWriter()
	a.CopyMetadata(w2)
	if w2.err != nil {
		t.Fatal(w2.err)
	}
	w2.AddTensor("x", []int{2}, F32)
	if b := write(w2, "b.gguf"); !reflect.DeepEqual(a.kv, b.kv) {
		t.Errorf("copied metadata\n%v\nwant\n%v", b.kv, a.kv)
	}
	if len(a.kv) != 17 { // and the alignment and checksum
		t.Errorf("%d keys written, want 17", len(a.kv))
	}
}
