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

// Read decodes a float32 (or float64, converted) .npy stream.
func Read(r io.Reader) (*Array, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("npy: reading magic: %w", err)
	}
	if !bytes.Equal(pre[:6], []byte("\x93NUMPY")) {
		return nil, errors.New("npy: not a .npy file (bad magic)")
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, fmt.Errorf("npy: unsupported version %d", pre[6])
	}
	if hlen > 1<<16 {
		return nil, fmt.Errorf("npy: header length %d too large", hlen)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("npy: reading header: %w", err)
	}
	descr, shape, err := parseHeader(string(hdr))
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
	dims := make([]string, len(a.Shape))
	for i, d := range a.Shape {
		dims[i] = strconv.Itoa(d)
	}
	shape := strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	h := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", shape)
	pad := 64 - (10+len(h)+1)%64
	h += strings.Repeat(" ", pad%64) + "\n"
	var buf bytes.Buffer
	buf.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&buf, binary.LittleEndian, uint16(len(h)))
	buf.WriteString(h)
	for _, v := range a.Data {
		binary.Write(&buf, binary.LittleEndian, math.Float32bits(v))
	}
	_, err := w.Write(buf.Bytes())
	return err
}
