// Package npy reads and writes NumPy .npy arrays of float32 (little-endian,
// C order), the exchange format of vitctl's goldens and pre-processed inputs.
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
	_, shape, err := readHeader(r)
	return shape, err
}

// readHeader reads a .npy stream up to its data: the dtype and the shape.
func readHeader(r io.Reader) (string, []int, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return "", nil, fmt.Errorf("npy: reading magic: %w", err)
	}
	if !bytes.Equal(pre[:6], []byte("\x93NUMPY")) {
		return "", nil, errors.New("npy: not a .npy file (bad magic)")
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", nil, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", nil, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return "", nil, fmt.Errorf("npy: unsupported version %d", pre[6])
	}
	if hlen > 1<<16 {
		return "", nil, fmt.Errorf("npy: header length %d too large", hlen)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return "", nil, fmt.Errorf("npy: reading header: %w", err)
	}
	return parseHeader(string(hdr))
}

// Read decodes a float32 (or float64, converted) .npy stream.
func Read(r io.Reader) (*Array, error) {
	descr, shape, err := readHeader(r)
	if err != nil {
		return nil, err
	}
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > maxElems/d) {
			return nil, fmt.Errorf("npy: shape %v too large", shape)
		}
		n *= d
	}
	data, err := readData(r, descr, n)
	if err != nil {
		return nil, err
	}
	return &Array{Shape: shape, Data: data}, nil
}

func parseHeader(h string) (string, []int, error) {
	d := reDescr.FindStringSubmatch(h)
	f := reFortran.FindStringSubmatch(h)
	s := reShape.FindStringSubmatch(h)
	if d == nil || f == nil || s == nil {
		return "", nil, fmt.Errorf("npy: malformed header %q", h)
	}
	if f[1] == "True" {
		return "", nil, errors.New("npy: Fortran-order arrays are not supported")
	}
	var shape []int
	for _, part := range strings.Split(s[1], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v, err := strconv.Atoi(strings.TrimSuffix(part, "L"))
		if err != nil {
			return "", nil, fmt.Errorf("npy: bad shape %q", s[1])
		}
		shape = append(shape, v)
	}
	return d[1], shape, nil
}

func readData(r io.Reader, descr string, n int) ([]float32, error) {
	size := map[string]int{"<f4": 4, "<f8": 8}[descr]
	if size == 0 {
		return nil, fmt.Errorf("npy: dtype %q not supported (want little-endian float32 '<f4' or float64 '<f8')", descr)
	}
	buf, err := readN(r, n*size)
	if err != nil {
		return nil, fmt.Errorf("npy: data: %w (want %d values)", err, n)
	}
	out := make([]float32, n)
	for i := range out {
		if size == 4 {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
		} else {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(buf[8*i:])))
		}
	}
	return out, nil
}

// readN reads exactly n bytes, growing buf as data arrives so a lying header
// cannot make it allocate more than the stream holds.
func readN(r io.Reader, n int) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(min(n, 1<<20))
	got, err := io.CopyN(&b, r, int64(n))
	if err != nil {
		return nil, fmt.Errorf("truncated after %d of %d bytes", got, n)
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
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	s := strings.Join(dims, ", ")
	if len(dims) == 1 {
		s += ","
	}
	h := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", s)
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
