package gguf

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/vitctl/vitctl/internal/filelock"
	"github.com/vitctl/vitctl/internal/linkpath"
)

// Writer builds a GGUF file: add metadata and declare tensors, then
// WriteFile streams the tensor data.
type Writer struct {
	meta    bytes.Buffer // encoded key-value pairs
	nkv     int
	keys    map[string]bool
	tensors []TensorInfo
	names   map[string]bool
	end     int64 // data section size so far
	err     error
}

// NewWriter starts a file with the default alignment.
func NewWriter() *Writer {
	w := &Writer{keys: map[string]bool{}, names: map[string]bool{}}
	w.AddUint32(KeyAlignment, DefaultAlignment)
	return w
}

func (w *Writer) key(k string, t uint32) {
	if w.keys[k] && w.err == nil {
		w.err = fmt.Errorf("gguf: metadata key %q added twice", k)
	}
	w.keys[k] = true
	w.nkv++
	putString(&w.meta, k)
	put(&w.meta, t)
}

func put(b *bytes.Buffer, v any) { binary.Write(b, binary.LittleEndian, v) }

func putString(b *bytes.Buffer, s string) {
	put(b, uint64(len(s)))
	b.WriteString(s)
}

// AddUint32 adds a uint32 key.
func (w *Writer) AddUint32(k string, v uint32) { w.key(k, tUint32); put(&w.meta, v) }

// AddFloat64 adds a float64 key.
func (w *Writer) AddFloat64(k string, v float64) { w.key(k, tFloat64); put(&w.meta, v) }

// AddBool adds a bool key.
func (w *Writer) AddBool(k string, v bool) { w.key(k, tBool); put(&w.meta, v) }

// AddString adds a string key.
func (w *Writer) AddString(k, v string) { w.key(k, tString); putString(&w.meta, v) }

// AddStrings adds an array-of-strings key.
func (w *Writer) AddStrings(k string, v []string) {
	w.key(k, tArray)
	put(&w.meta, tString)
	put(&w.meta, uint64(len(v)))
	for _, s := range v {
		putString(&w.meta, s)
	}
}

// AddFloat64s adds an array-of-float64 key.
func (w *Writer) AddFloat64s(k string, v []float64) {
	w.key(k, tArray)
	put(&w.meta, tFloat64)
	put(&w.meta, uint64(len(v)))
	put(&w.meta, v)
}

// AddTensor declares the next tensor; its data comes in WriteFile.
func (w *Writer) AddTensor(name string, shape []int, t Type) error {
	size, err := tensorSize(shape, t)
	if err != nil {
		return fmt.Errorf("gguf: tensor %q: %w", name, err)
	}
	if w.names[name] {
		return fmt.Errorf("gguf: tensor %q added twice", name)
	}
	w.names[name] = true
	w.tensors = append(w.tensors, TensorInfo{Name: name, Shape: append([]int(nil), shape...), Type: t, Offset: w.end, Size: size})
	w.end = alignUp(w.end+size, DefaultAlignment)
	return nil
}

func alignUp(n, a int64) int64 { return (n + a - 1) / a * a }

// WriteFile writes the file to a temporary file next to path, calling fill
// once per tensor in declaration order to write exactly its Size bytes,
// then syncs it and renames it to path. A path that is a symbolic link
// stays one: the file it leads to (there or not yet) is the one written,
// its temporary beside it. On error nothing is left behind; the
// temporaries of a writer killed with SIGKILL are removed by the next
// WriteFile to path (removeStaleTemps).
// The SHA-256 of the tensor data is recorded under KeyTensorDataSHA256.
func (w *Writer) WriteFile(path string, fill func(t TensorInfo, dst io.Writer) error) (err error) {
	hdr, sumAt := w.header()
	if w.err != nil {
		return w.err
	}
	path = linkpath.Target(path) // renamed onto, a link became a file of its own
	removeStaleTemps(path)
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	unlock := filelock.Hold(tmp.Name()) // until renamed or removed: see removeStaleTemps
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
		unlock()
	}()
	h := sha256.New()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if _, err := bw.Write(hdr); err != nil {
		return err
	}
	data := io.MultiWriter(bw, h)
	var pos int64
	for _, t := range w.tensors {
		if _, err := data.Write(make([]byte, t.Offset-pos)); err != nil {
			return err
		}
		cw := &countWriter{w: data}
		if err := fill(t, cw); err != nil {
			return err
		}
		if cw.n != t.Size {
			return fmt.Errorf("gguf: tensor %q: wrote %d bytes, want %d", t.Name, cw.n, t.Size)
		}
		pos = t.Offset + t.Size
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if _, err := tmp.WriteAt([]byte(hex.EncodeToString(h.Sum(nil))), sumAt); err != nil {
		return err
	}
	if err := tmp.Chmod(linkpath.KeptMode(path)); err != nil { // a private model file stays private
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	linkpath.SyncDir(filepath.Dir(path))
	return nil
}

// header encodes everything before the tensor data, padded to the
// alignment, with a placeholder checksum at the returned offset.
func (w *Writer) header() ([]byte, int64) {
	if len(w.tensors) == 0 && w.err == nil {
		w.err = errors.New("gguf: no tensors")
	}
	var b bytes.Buffer
	b.WriteString(magic)
	put(&b, uint32(Version))
	put(&b, uint64(len(w.tensors)))
	put(&b, uint64(w.nkv+1))
	b.Write(w.meta.Bytes())
	putString(&b, KeyTensorDataSHA256)
	put(&b, tString)
	put(&b, uint64(sha256.Size*2))
	sumAt := int64(b.Len())
	b.Write(bytes.Repeat([]byte("0"), sha256.Size*2))
	for _, t := range w.tensors {
		putString(&b, t.Name)
		put(&b, uint32(len(t.Shape)))
		for i := len(t.Shape) - 1; i >= 0; i-- {
			put(&b, uint64(t.Shape[i]))
		}
		put(&b, uint32(t.Type))
		put(&b, uint64(t.Offset))
	}
	b.Write(make([]byte, alignUp(int64(b.Len()), DefaultAlignment)-int64(b.Len())))
	return b.Bytes(), sumAt
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// PutF32 appends x as little-endian F32, F16 or BF16 (rounded to nearest
// even), or as Q8_0 blocks when len(x) is a multiple of 32.
func PutF32(dst []byte, x []float32, t Type) ([]byte, error) {
	switch t {
	case Q8_0:
		if len(x)%Q8Block != 0 {
			return dst, fmt.Errorf("gguf: q8_0 needs a multiple of %d values, got %d", Q8Block, len(x))
		}
		for i := 0; i < len(x); i += Q8Block {
			dst = putQ8Block(dst, x[i:i+Q8Block])
		}
	case F32:
		for _, v := range x {
			dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(v))
		}
	case F16:
		for _, v := range x {
			dst = binary.LittleEndian.AppendUint16(dst, F32ToF16(v))
		}
	case BF16:
		for _, v := range x {
			dst = binary.LittleEndian.AppendUint16(dst, F32ToBF16(v))
		}
	default:
		return dst, fmt.Errorf("gguf: cannot write type %v", t)
	}
	return dst, nil
}

// putQ8Block quantises 32 values as ggml's reference does: d = max|x|/127
// stored as f16, q = round(x/d) half away from zero, computed in float32
// with the unrounded 1/d.
func putQ8Block(dst []byte, x []float32) []byte {
	var amax float32
	for _, v := range x {
		amax = max(amax, float32(math.Abs(float64(v))))
	}
	d := amax / 127
	var id float32
	if d != 0 {
		id = 1 / d
	}
	dst = binary.LittleEndian.AppendUint16(dst, F32ToF16(d))
	for _, v := range x {
		dst = append(dst, byte(int8(math.Round(float64(v*id)))))
	}
	return dst
}
