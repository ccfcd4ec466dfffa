package gguf

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/bits"
	"os"
	"sort"
	"sync"
	"unsafe"

	"github.com/vitctl/vitctl/internal/fileprobe"
)

// Metadata value types (GGUF spec).
const (
	tUint8 uint32 = iota
	tInt8
	tUint16
	tInt16
	tUint32
	tInt32
	tFloat32
	tBool
	tString
	tArray
	tUint64
	tInt64
	tFloat64
)

var typeNames = [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"}

func typeName(t uint32) string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("type %d", t)
}

// scalarSize is the encoded size of a fixed-size value type, 0 for others.
func scalarSize(t uint32) int {
	switch t {
	case tUint8, tInt8, tBool:
		return 1
	case tUint16, tInt16:
		return 2
	case tUint32, tInt32, tFloat32:
		return 4
	case tUint64, tInt64, tFloat64:
		return 8
	}
	return 0
}

// value is one metadata value: a scalar (uint64, int64, float64, bool or
// string) or an array of them.
type value struct {
	typ  uint32 // value type; for arrays, tArray
	elem uint32 // element type of an array
	v    any    // scalar, or []any for arrays
}

// File is an open GGUF file. Its data may be memory-mapped: slices returned
// by Float32s may alias it and are invalid after Close.
type File struct {
	path      string
	data      []byte
	unmap     func() error
	kv        map[string]value
	tensors   []TensorInfo
	byName    map[string]int
	dataStart int64
}

// Open memory-maps path (or reads it when mapping fails) and parses the
// header, metadata and tensor table, checking every count, length and offset
// against the file size.
func Open(path string) (*File, error) {
	data, unmap, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	f, err := parse(data)
	if err != nil {
		if unmap != nil {
			unmap()
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.path, f.unmap = path, unmap
	return f, nil
}

// Close releases the mapping; tensor slices that alias it become invalid.
func (f *File) Close() error {
	f.data = nil
	if f.unmap == nil {
		return nil
	}
	u := f.unmap
	f.unmap = nil
	return u()
}

// again is what to do about a file cut short (a copy or download that
// stopped) or damaged.
const again = "copy or download it again, or re-run vitctl convert"

// DamageError is the error of a file cut short, corrupt, empty or no GGUF
// file at all. Its text says what to do about a model file (copy,
// download or convert it again); Reword says it of a file vitctl writes
// otherwise, finetune's training state, which "re-run vitctl convert"
// does not mend.
type DamageError struct{ pre, fix, post string }

func (e *DamageError) Error() string { return e.pre + e.fix + e.post }

// Reword is the error's text with fix in place of what to do.
func (e *DamageError) Reword(fix string) string { return e.pre + fix + e.post }

// damaged is a DamageError: pre, what to do about a model file, post.
func damaged(pre, fix, post string) error { return &DamageError{pre, fix, post} }

// decoder reads little-endian values from a byte slice; the first error sticks.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(format string, a ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, a...)
	}
}

// damage fails with a DamageError saying to get the file again between
// pre and post.
func (d *decoder) damage(pre, post string) {
	if d.err == nil {
		d.err = damaged(pre, again, post)
	}
}

func (d *decoder) left() int { return len(d.b) - d.off }

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > d.left() {
		d.damage(fmt.Sprintf("truncated at byte %d (%d more bytes needed, %d left): ", d.off, n, d.left()), "")
		return nil
	}
	b := d.b[d.off : d.off+n]
	d.off += n
	return b
}

func (d *decoder) u32() uint32 {
	if b := d.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.bytes(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// count reads a uint64 count of items of at least min bytes each and
// refuses one the rest of the file could not hold.
func (d *decoder) count(what string, min int) int {
	n := d.u64()
	if d.err == nil && n > uint64(d.left()/min) {
		d.damage(fmt.Sprintf("%s count %d at byte %d exceeds what the file can hold (truncated or corrupt file: ", what, n, d.off-8), ")")
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count("string length", 1)
	return string(d.bytes(n))
}

func (d *decoder) scalar(t uint32) any {
	switch t {
	case tString:
		return d.str()
	case tBool:
		b := d.bytes(1)
		if b != nil && b[0] > 1 {
			d.fail("bool value %d at byte %d", b[0], d.off-1)
		}
		return b != nil && b[0] == 1
	}
	n := scalarSize(t)
	if n == 0 {
		d.fail("unknown value type %d at byte %d", t, d.off-4)
		return nil
	}
	b := d.bytes(n)
	if b == nil {
		return nil
	}
	var u uint64
	for i := n - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	switch t {
	case tInt8:
		return int64(int8(u))
	case tInt16:
		return int64(int16(u))
	case tInt32:
		return int64(int32(u))
	case tInt64:
		return int64(u)
	case tFloat32:
		return float64(math.Float32frombits(uint32(u)))
	case tFloat64:
		return math.Float64frombits(u)
	}
	return u
}

func (d *decoder) value() value {
	t := d.u32()
	if t != tArray {
		return value{typ: t, v: d.scalar(t)}
	}
	et := d.u32()
	min := scalarSize(et)
	if et == tString {
		min = 8
	}
	if d.err == nil && min == 0 {
		d.fail("array of %s at byte %d is not supported", typeName(et), d.off-4)
		return value{}
	}
	n := d.count("array length", min)
	arr := make([]any, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		arr = append(arr, d.scalar(et))
	}
	return value{typ: tArray, elem: et, v: arr}
}

// versionError says what to do with a file of GGUF version v: one of a
// newer version came from a newer vitctl or another tool, which re-running
// this vitctl's convert on it does not mend (it said "re-run vitctl
// convert" of every version), and one whose version reads as 3 with its
// bytes swapped is big-endian.
func versionError(v uint32) error {
	switch {
	case bits.ReverseBytes32(v) == Version:
		return errors.New("a big-endian GGUF file; vitctl reads little-endian ones: convert the checkpoint with vitctl convert")
	case v > Version:
		return fmt.Errorf("GGUF version %d, newer than the version %d this vitctl reads: it was written by a newer vitctl or another tool: update vitctl, or convert the checkpoint with this one (vitctl convert)", v, Version)
	}
	return fmt.Errorf("GGUF version %d, older than the version %d vitctl reads: convert the checkpoint again (vitctl convert)", v, Version)
}

// parse reads a whole GGUF file held in data.
func parse(data []byte) (*File, error) {
	d := &decoder{b: data}
	if m := d.bytes(4); d.err != nil || string(m) != magic {
		return nil, damaged("not a GGUF file (bad magic); ", "convert the checkpoint with vitctl convert", "")
	}
	if v := d.u32(); d.err == nil && v != Version {
		return nil, versionError(v)
	}
	nt := d.count("tensor", 8+4+4+8)
	nkv := d.count("metadata key", 8+4+1)
	f := &File{data: data, kv: make(map[string]value, nkv), byName: make(map[string]int, nt)}
	for i := 0; i < nkv && d.err == nil; i++ {
		k := d.str()
		v := d.value()
		if _, dup := f.kv[k]; dup && d.err == nil {
			d.fail("metadata key %q appears twice", k)
		}
		f.kv[k] = v
	}
	align := int64(DefaultAlignment)
	if v, ok := f.kv[KeyAlignment]; ok && d.err == nil {
		a, isU := v.v.(uint64)
		if v.typ != tUint32 || !isU || a < 8 || a > 1<<20 || a&(a-1) != 0 {
			return nil, fmt.Errorf("%s must be a uint32 power of two from 8 to 1048576, got %s %v", KeyAlignment, typeName(v.typ), v.v)
		}
		align = int64(a)
	}
	f.tensors = make([]TensorInfo, 0, nt)
	for i := 0; i < nt && d.err == nil; i++ {
		f.readTensorInfo(d)
	}
	if d.err != nil {
		return nil, d.err
	}
	f.dataStart = (int64(d.off) + align - 1) / align * align
	if err := f.checkLayout(align, int64(len(data))); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) readTensorInfo(d *decoder) {
	name := d.str()
	nd := d.u32()
	if d.err == nil && (nd == 0 || nd > 4) {
		d.fail("tensor %q has %d dimensions (want 1 to 4)", name, nd)
		return
	}
	shape := make([]int, nd)
	for i := range shape { // GGUF lists ne[0] (innermost) first
		n := d.u64()
		if n > maxElems {
			d.fail("tensor %q: dimension %d is too large", name, n)
		}
		shape[int(nd)-1-i] = int(n)
	}
	t := Type(d.u32())
	off := d.u64()
	if d.err != nil {
		return
	}
	size, err := tensorSize(shape, t)
	switch {
	case err != nil:
		d.fail("tensor %q: %v", name, err)
	case off > maxElems*8:
		d.fail("tensor %q: offset %d is past the end of the file", name, off)
	}
	if _, dup := f.byName[name]; dup {
		d.fail("tensor %q appears twice", name)
	}
	f.byName[name] = len(f.tensors)
	f.tensors = append(f.tensors, TensorInfo{Name: name, Shape: shape, Type: t, Offset: int64(off), Size: size})
}

// checkLayout refuses misaligned, overlapping and out-of-file tensor data.
func (f *File) checkLayout(align, fileSize int64) error {
	byOff := make([]*TensorInfo, len(f.tensors))
	for i := range f.tensors {
		byOff[i] = &f.tensors[i]
	}
	sort.Slice(byOff, func(i, j int) bool { return byOff[i].Offset < byOff[j].Offset })
	end := int64(0)
	for _, t := range byOff {
		switch {
		case t.Offset%align != 0:
			return fmt.Errorf("tensor %q: offset %d is not a multiple of the alignment %d", t.Name, t.Offset, align)
		case t.Offset < end:
			return fmt.Errorf("tensor %q overlaps the tensor before it", t.Name)
		case t.Offset < 0 || t.Size < 0 || t.Size > fileSize || f.dataStart+t.Offset > fileSize-t.Size:
			return damaged(fmt.Sprintf("tensor %q: data ends at byte %d but the file has %d bytes (truncated? ", t.Name, f.dataStart+t.Offset+t.Size, fileSize), again, ")")
		}
		end = t.Offset + t.Size
	}
	return nil
}

// Tensors lists the tensor table in file order.
func (f *File) Tensors() []TensorInfo { return f.tensors }

// Arch is general.architecture, or "" when it is absent.
func (f *File) Arch() string {
	s, _ := f.String("general.architecture")
	return s
}

// Has reports whether key is present.
func (f *File) Has(key string) bool {
	_, ok := f.kv[key]
	return ok
}

// get is key's value; its error names the key, not the file, which the
// caller names (model.ConfigFrom, which also says to convert again): the
// file was named twice, and the advice given twice.
func (f *File) get(key string) (value, error) {
	v, ok := f.kv[key]
	if !ok {
		return v, fmt.Errorf("metadata key %q is missing", key)
	}
	return v, nil
}

func (f *File) wrongType(key string, v value, want string) error {
	got := typeName(v.typ)
	if v.typ == tArray {
		got = "array of " + typeName(v.elem)
	}
	return fmt.Errorf("metadata key %q is %s, want %s", key, got, want)
}

// Uint returns an unsigned integer key (or a non-negative signed one).
func (f *File) Uint(key string) (uint64, error) {
	v, err := f.get(key)
	if err != nil {
		return 0, err
	}
	switch x := v.v.(type) {
	case uint64:
		return x, nil
	case int64:
		if x >= 0 {
			return uint64(x), nil
		}
	}
	return 0, f.wrongType(key, v, "a non-negative integer")
}

// Int returns an integer key that fits an int.
func (f *File) Int(key string) (int, error) {
	v, err := f.get(key)
	if err != nil {
		return 0, err
	}
	switch x := v.v.(type) {
	case uint64:
		if x <= math.MaxInt {
			return int(x), nil
		}
	case int64:
		return int(x), nil
	}
	return 0, f.wrongType(key, v, "an integer")
}

// Float returns a float32 or float64 key.
func (f *File) Float(key string) (float64, error) {
	v, err := f.get(key)
	if err != nil {
		return 0, err
	}
	if x, ok := v.v.(float64); ok {
		return x, nil
	}
	return 0, f.wrongType(key, v, "float32 or float64")
}

// Bool returns a bool key.
func (f *File) Bool(key string) (bool, error) {
	v, err := f.get(key)
	if err != nil {
		return false, err
	}
	if x, ok := v.v.(bool); ok {
		return x, nil
	}
	return false, f.wrongType(key, v, "bool")
}

// String returns a string key.
func (f *File) String(key string) (string, error) {
	v, err := f.get(key)
	if err != nil {
		return "", err
	}
	if x, ok := v.v.(string); ok {
		return x, nil
	}
	return "", f.wrongType(key, v, "string")
}

// Strings returns an array-of-strings key.
func (f *File) Strings(key string) ([]string, error) {
	v, err := f.get(key)
	if err != nil {
		return nil, err
	}
	if v.typ != tArray || v.elem != tString {
		return nil, f.wrongType(key, v, "array of string")
	}
	arr := v.v.([]any)
	out := make([]string, len(arr))
	for i, x := range arr {
		out[i] = x.(string)
	}
	return out, nil
}

// Floats returns an array of float32 or float64 as float64.
func (f *File) Floats(key string) ([]float64, error) {
	v, err := f.get(key)
	if err != nil {
		return nil, err
	}
	if v.typ != tArray || v.elem != tFloat32 && v.elem != tFloat64 {
		return nil, f.wrongType(key, v, "array of float32 or float64")
	}
	arr := v.v.([]any)
	out := make([]float64, len(arr))
	for i, x := range arr {
		out[i] = x.(float64)
	}
	return out, nil
}

// Float32s decodes tensor name to float32 and returns it with its row-major
// shape. An aligned F32 tensor on a little-endian machine aliases the file's
// memory: the caller must not write to it, nor use it after Close.
func (f *File) Float32s(name string) ([]float32, []int, error) {
	return f.Float32sInto(name, nil)
}

// Float32sInto is Float32s decoding into buf when it has the capacity (a
// loader's scratch, reused from tensor to tensor), else into new memory.
// The result aliases buf or the file's memory, or is new.
func (f *File) Float32sInto(name string, buf []float32) ([]float32, []int, error) {
	i, ok := f.byName[name]
	if !ok {
		return nil, nil, fmt.Errorf("%s: tensor %q is missing (re-run vitctl convert)", f.path, name)
	}
	if f.data == nil {
		return nil, nil, fmt.Errorf("%s: file is closed", f.path)
	}
	t := f.tensors[i]
	b := f.data[f.dataStart+t.Offset : f.dataStart+t.Offset+t.Size]
	n := int(t.Elems())
	shape := append([]int(nil), t.Shape...)
	if t.Type == F32 && littleEndian && uintptr(unsafe.Pointer(unsafe.SliceData(b)))%4 == 0 {
		return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), n), shape, nil
	}
	switch t.Type {
	case F32, F16, BF16, Q8_0:
	default:
		return nil, nil, fmt.Errorf("%s: tensor %q has type %v, which vitctl cannot read (re-run vitctl convert)", f.path, name, t.Type)
	}
	out := buf[:0]
	if cap(out) < n {
		out = make([]float32, n)
	}
	out = out[:n]
	decode(out, b, t.Type)
	return out, shape, nil
}

// decode widens the values b holds in type t into out.
func decode(out []float32, b []byte, t Type) {
	switch t {
	case F32:
		for j := range out {
			out[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
		}
	case F16:
		tab := f16Table()
		for j := range out {
			out[j] = tab[binary.LittleEndian.Uint16(b[2*j:])]
		}
	case BF16:
		for j := range out {
			out[j] = BF16ToF32(binary.LittleEndian.Uint16(b[2*j:]))
		}
	case Q8_0:
		decodeQ8(out, b)
	}
}

// decodeQ8 expands Q8_0 blocks into out: an f16 scale d, then 32 int8 q;
// x = d*q.
func decodeQ8(out []float32, b []byte) {
	for blk := 0; blk < len(out)/Q8Block; blk++ {
		p := b[blk*(2+Q8Block):]
		d := F16ToF32(binary.LittleEndian.Uint16(p))
		for j, q := range p[2 : 2+Q8Block] {
			out[blk*Q8Block+j] = d * float32(int8(q))
		}
	}
}

// f16Table widens every binary16 pattern; a lookup is several times faster
// than F16ToF32's branches when loading an f16 model.
var f16Table = sync.OnceValue(func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for i := range t {
		t[i] = F16ToF32(uint16(i))
	}
	return &t
})

var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// Verify recomputes the SHA-256 of the tensor data and compares it with
// the one recorded at conversion.
func (f *File) Verify() error {
	want, err := f.String(KeyTensorDataSHA256)
	if err != nil {
		return fmt.Errorf("%s: %w (re-run vitctl convert)", f.path, err)
	}
	got, err := f.computeSHA256()
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("%s: tensor data checksum mismatch (file is corrupt; convert or download it again)", f.path)
	}
	return nil
}

// TensorDataSHA256 is the hex SHA-256 of the tensor data: the one recorded
// at conversion, or computed now for a file written without it. It names
// the weights; two files with the same weights have the same sum whatever
// their metadata.
func (f *File) TensorDataSHA256() (string, error) {
	if sum, err := f.String(KeyTensorDataSHA256); err == nil {
		return sum, nil
	}
	return f.computeSHA256()
}

func (f *File) computeSHA256() (string, error) {
	if f.data == nil {
		return "", fmt.Errorf("%s: file is closed", f.path)
	}
	sum := sha256.Sum256(f.data[min(f.dataStart, int64(len(f.data))):])
	return hex.EncodeToString(sum[:]), nil
}

// mapFile maps path read-only, falling back to reading it whole. A path
// that is no regular file is refused before it is opened: opening a named
// pipe (-m <(…), a FIFO named model.gguf) waited for a writer for ever.
func mapFile(path string) ([]byte, func() error, error) {
	if err := checkRegular(path); err != nil {
		return nil, nil, err
	}
	fd, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() { // replaced since checkRegular looked
		return nil, nil, notRegular(path, st.Mode())
	}
	if st.Size() == 0 {
		return nil, nil, fmt.Errorf("%s: %w", path, damaged("empty file (", "convert the checkpoint again", ")"))
	}
	if data, unmap, err := mmap(fd, st.Size()); err == nil {
		return data, unmap, nil
	}
	data, err := os.ReadFile(path)
	return data, nil, err
}

// checkRegular refuses a path that is there but is no regular file, saying
// what it is; other stat errors are left to the open that follows.
func checkRegular(path string) error {
	st, err := os.Stat(path)
	if err != nil || st.Mode().IsRegular() {
		return nil
	}
	return notRegular(path, st.Mode())
}

// notRegular is the error of a model file path of mode m, no regular file.
func notRegular(path string, m fs.FileMode) error {
	if m.IsDir() {
		return fmt.Errorf("%s: a folder, not a model file", path)
	}
	return fmt.Errorf("%s: %s, not a regular file: a model file is mapped into memory, not streamed; give the file itself", path, fileprobe.Kind(m))
}
