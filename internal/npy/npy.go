// Package npy reads and writes NumPy .npy arrays of float32, the exchange
// format of vitctl's goldens and pre-processed inputs. It writes
// little-endian C order, and reads float16, float32 and float64 of either
// byte order, in C or Fortran order.
package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// maxElems bounds the element count a header may declare (1 Gi floats).
const maxElems = 1 << 30

// Array is a float32 array with its shape.
type Array struct {
	Shape []int
	Data  []float32
}

var (
	reDescr   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	reFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	reShape   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// ReadFile reads the .npy file at path (see Read); errors name the file.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Shape reads the shape of the array in a .npy stream from its header
// alone: the data is not read.
func Shape(r io.Reader) ([]int, error) {
	h, err := readHeader(r)
	return h.shape, err
}

// meta is what a .npy header says of its array.
type meta struct {
	descr   string // the dtype, '<f4'
	fortran bool   // column-major
	shape   []int
}

// readHeader reads a .npy stream up to its data.
func readHeader(r io.Reader) (meta, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return meta{}, cutShort("magic", err)
	}
	if !bytes.Equal(pre[:6], []byte("\x93NUMPY")) {
		return meta{}, errors.New("npy: not a .npy file (bad magic)")
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return meta{}, cutShort("header length", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return meta{}, cutShort("header length", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return meta{}, fmt.Errorf("npy: unsupported version %d", pre[6])
	}
	if hlen > 1<<16 {
		return meta{}, fmt.Errorf("npy: header length %d too large", hlen)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return meta{}, cutShort("header", err)
	}
	return parseHeader(string(hdr))
}

// cutShort words a read of the header's part what that ended early.
func cutShort(what string, err error) error {
	if what == "magic" && errors.Is(err, io.EOF) {
		return errors.New("npy: the file is empty")
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("npy: the file is cut short in its %s: copy or write it again", what)
	}
	return fmt.Errorf("npy: reading the %s: %w", what, err)
}

// Read decodes a .npy stream of float16, float32 or float64 values (converted),
// little- or big-endian, in C or Fortran order: the array returned is
// float32 in C order (row-major).
func Read(r io.Reader) (*Array, error) {
	h, err := readHeader(r)
	if err != nil {
		return nil, err
	}
	n := 1
	for _, d := range h.shape {
		if d < 0 || (d > 0 && n > maxElems/d) {
			return nil, fmt.Errorf("npy: shape %v too large", h.shape)
		}
		n *= d
	}
	data, err := readData(r, h, n)
	if err != nil {
		return nil, err
	}
	if h.fortran {
		data = cOrder(data, h.shape)
	}
	return &Array{Shape: h.shape, Data: data}, nil
}

func parseHeader(h string) (meta, error) {
	d := reDescr.FindStringSubmatch(h)
	f := reFortran.FindStringSubmatch(h)
	s := reShape.FindStringSubmatch(h)
	if d == nil || f == nil || s == nil {
		return meta{}, fmt.Errorf("npy: malformed header %q", h)
	}
	var shape []int
	for _, part := range strings.Split(s[1], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v, err := strconv.Atoi(strings.TrimSuffix(part, "L"))
		if err != nil {
			return meta{}, fmt.Errorf("npy: bad shape %q", s[1])
		}
		shape = append(shape, v)
	}
	return meta{descr: d[1], fortran: f[1] == "True", shape: shape}, nil
}

// DtypeError reports an array of a dtype other than float16, float32 and float64.
type DtypeError struct {
	Descr string // as the header has it: '|u1', '<i2'
}

func (e *DtypeError) Error() string {
	name := ""
	if k := dtypeKinds[strings.TrimLeft(e.Descr, "<>|=")]; k != "" {
		name = " (" + k + ")"
	}
	return fmt.Sprintf("npy: dtype %q%s is not supported: want float32 ('<f4'), float64 ('<f8') or float16 ('<f2')", e.Descr, name)
}

// Integer says whether the array holds integers (raw pixels, often).
func (e *DtypeError) Integer() bool {
	k := strings.TrimLeft(e.Descr, "<>|=")
	return k != "" && (k[0] == 'u' || k[0] == 'i')
}

var dtypeKinds = map[string]string{
	"u1": "uint8", "u2": "uint16", "u4": "uint32", "u8": "uint64", "i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64",
	"f2": "float16", "b1": "bool", "c8": "complex64", "c16": "complex128",
}

// readData reads n values of the header's dtype as float32.
func readData(r io.Reader, h meta, n int) ([]float32, error) {
	var order binary.ByteOrder = binary.LittleEndian
	if strings.HasPrefix(h.descr, ">") {
		order = binary.BigEndian
	}
	size := map[string]int{"f2": 2, "f4": 4, "f8": 8}[strings.TrimLeft(h.descr, "<>=")]
	if size == 0 || strings.HasPrefix(h.descr, "|") {
		return nil, &DtypeError{h.descr}
	}
	buf, err := readN(r, n*size)
	if err != nil {
		return nil, fmt.Errorf("npy: the file is cut short: %w (shape %s of %s values): copy or write it again", err, Tuple(h.shape), dtypeNames[size])
	}
	out := make([]float32, n)
	for i := range out {
		switch size {
		case 2:
			out[i] = fromFloat16(order.Uint16(buf[2*i:]))
		case 4:
			out[i] = math.Float32frombits(order.Uint32(buf[4*i:]))
		default:
			out[i] = float32(math.Float64frombits(order.Uint64(buf[8*i:])))
		}
	}
	return out, nil
}

var dtypeNames = map[int]string{2: "float16", 4: "float32", 8: "float64"}

// fromFloat16 is the float32 of IEEE 754 half-precision bits h, exactly,
// as NumPy's astype(np.float32) gives it (a NaN keeps its payload).
func fromFloat16(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf, NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0: // normal: rebias the exponent from 15 to 127
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	}
	// zero or subnormal: mant × 2^-24, exact in float32
	v := float32(mant) * (1.0 / (1 << 24))
	return math.Float32frombits(sign | math.Float32bits(v))
}

// cOrder is the values of a Fortran-order (column-major) array of shape
// in C order (row-major): the first index varies fastest in x.
func cOrder(x []float32, shape []int) []float32 {
	out := make([]float32, len(x))
	idx := make([]int, len(shape))
	for c := range out { // c walks C order; f is the same element's offset in x
		f, stride := 0, 1
		for k, i := range idx {
			f += i * stride
			stride *= shape[k]
		}
		out[c] = x[f]
		for k := len(idx) - 1; k >= 0; k-- {
			if idx[k]++; idx[k] < shape[k] {
				break
			}
			idx[k] = 0
		}
	}
	return out
}

// Tuple writes shape as Python does: (3, 224, 224), (5,).
func Tuple(shape []int) string {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	if len(dims) == 1 {
		return "(" + dims[0] + ",)"
	}
	return "(" + strings.Join(dims, ", ") + ")"
}

// readN reads exactly n bytes, growing buf as data arrives so a lying header
// cannot make it allocate more than the stream holds.
func readN(r io.Reader, n int) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(min(n, 1<<20))
	got, err := io.CopyN(&b, r, int64(n))
	if err != nil {
		return nil, fmt.Errorf("its data holds %d of the %d bytes its header declares", got, n)
	}
	return b.Bytes(), nil
}

// Write encodes a as a version 1.0 float32 .npy stream.
func Write(w io.Writer, a *Array) error {
	var buf bytes.Buffer
	buf.WriteString(header(a.Shape, 64))
	for _, v := range a.Data {
		binary.Write(&buf, binary.LittleEndian, math.Float32bits(v))
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// header is the magic, version, length and dict of a float32 array of
// shape, padded with spaces so that the whole is a multiple of align bytes.
func header(shape []int, align int) string {
	h := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", Tuple(shape))
	h += strings.Repeat(" ", (align-(10+len(h)+1)%align)%align) + "\n"
	return "\x93NUMPY\x01\x00" + string([]byte{byte(len(h)), byte(len(h) >> 8)}) + h
}

// streamHeader is the fixed size of a Stream's header: room for any count
// of rows of any plausible row shape, so the final header fits in place.
const streamHeader = 128

// Stream writes an array of rows whose number is known only at the end,
// e.g. one row per image of a folder: Finish writes the header with the
// count over a placeholder of the same size.
type Stream struct {
	w     io.WriteSeeker
	row   []int // the shape of one row
	per   int   // values per row
	n     int   // rows written
	buf   []byte
	ended bool
}

// NewStream starts an array of rows shaped row (a row of shape [D] makes
// an (N, D) array) at the current offset 0 of w.
func NewStream(w io.WriteSeeker, row []int) (*Stream, error) {
	per := 1
	for _, d := range row {
		per *= d
	}
	s := &Stream{w: w, row: append([]int(nil), row...), per: per}
	if len(header(s.shape(math.MaxInt32), streamHeader)) != streamHeader {
		return nil, fmt.Errorf("npy: row shape %v too long for the header", row)
	}
	_, err := io.WriteString(w, header(s.shape(0), streamHeader))
	return s, err
}

func (s *Stream) shape(n int) []int { return append([]int{n}, s.row...) }

// Append writes one row, which must hold exactly the row shape's values.
func (s *Stream) Append(x []float32) error {
	if len(x) != s.per {
		return fmt.Errorf("npy: row of %d values, want %d (shape %v)", len(x), s.per, s.row)
	}
	s.buf = s.buf[:0]
	for _, v := range x {
		s.buf = binary.LittleEndian.AppendUint32(s.buf, math.Float32bits(v))
	}
	if _, err := s.w.Write(s.buf); err != nil {
		return err
	}
	s.n++
	return nil
}

// Rows is the number of rows appended so far.
func (s *Stream) Rows() int { return s.n }

// Finish writes the header with the final row count.
func (s *Stream) Finish() error {
	if s.ended {
		return nil
	}
	s.ended = true
	if _, err := s.w.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.WriteString(s.w, header(s.shape(s.n), streamHeader)); err != nil {
		return err
	}
	_, err := s.w.Seek(0, io.SeekEnd)
	return err
}
