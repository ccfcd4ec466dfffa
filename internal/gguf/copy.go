package gguf

import (
	"encoding/binary"
	"maps"
	"math"
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
// int64, float64, bool or string), in t: a number's low scalarSize(t)
// bytes, little-endian, as decoder.scalar reads them back.
func putScalar(w *Writer, t uint32, x any) {
	var u uint64
	switch x := x.(type) {
	case string:
		putString(&w.meta, x)
		return
	case bool:
		put(&w.meta, x)
		return
	case uint64:
		u = x
	case int64:
		u = uint64(x)
	case float64:
		u = math.Float64bits(x)
		if t == tFloat32 {
			u = uint64(math.Float32bits(float32(x)))
		}
	}
	w.meta.Write(binary.LittleEndian.AppendUint64(nil, u)[:scalarSize(t)])
}
