package gguf

import (
	"maps"
	"slices"
)

// CopyMetadata adds every metadata key of f to w, in the order of their
// names, with its type and value, except the alignment and the tensor
// data's checksum (w has its own of both): a model file written again
// keeps everything the first one said.
func (f *File) CopyMetadata(w *Writer) {
	for _, k := range slices.Sorted(maps.Keys(f.kv)) {
		if k == KeyAlignment || k == KeyTensorDataSHA256 {
			continue
		}
		v := f.kv[k]
		w.key(k, v.typ)
		if v.typ != tArray {
			putScalar(w, v.typ, v.v)
			continue
		}
		arr := v.v.([]any)
		put(&w.meta, v.elem)
		put(&w.meta, uint64(len(arr)))
		for _, x := range arr {
			putScalar(w, v.elem, x)
		}
	}
}

// putScalar encodes x, as the decoder holds a value of type t (uint64,
// int64, float64, bool or string), in t.
func putScalar(w *Writer, t uint32, x any) {
	b := &w.meta
	switch t {
	case tString:
		putString(b, x.(string))
	case tBool:
		put(b, x.(bool))
	case tUint8:
		put(b, uint8(x.(uint64)))
	case tUint16:
		put(b, uint16(x.(uint64)))
	case tUint32:
		put(b, uint32(x.(uint64)))
	case tUint64:
		put(b, x.(uint64))
	case tInt8:
		put(b, int8(x.(int64)))
	case tInt16:
		put(b, int16(x.(int64)))
	case tInt32:
		put(b, int32(x.(int64)))
	case tInt64:
		put(b, x.(int64))
	case tFloat32:
		put(b, float32(x.(float64)))
	case tFloat64:
		put(b, x.(float64))
	}
}
