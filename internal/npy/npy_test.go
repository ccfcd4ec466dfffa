package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, shape := range [][]int{{3}, {2, 3}, {1, 3, 2, 2}, {0, 4}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		a := &Array{Shape: shape, Data: make([]float32, n)}
		for i := range a.Data {
			a.Data[i] = float32(i) - 0.5
		}
		var buf bytes.Buffer
		if err := Write(&buf, a); err != nil {
			t.Fatal(err)
		}
		if (buf.Len()-4*n)%64 != 0 {
			t.Errorf("shape %v: header not padded to 64 bytes", shape)
		}
		b, err := Read(&buf)
		if err != nil {
			t.Fatalf("shape %v: %v", shape, err)
		}
		if !slices.Equal(a.Shape, b.Shape) || !slices.Equal(a.Data, b.Data) {
			t.Errorf("shape %v: got %v %v", shape, b.Shape, b.Data)
		}
	}
}

func TestReadErrors(t *testing.T) {
	hdr := func(h string) string {
		return "\x93NUMPY\x01\x00" + string([]byte{byte(len(h)), 0}) + h
	}
	for _, tc := range []struct{ in, want string }{
		{"", "the file is empty"},
		{"\x93NUM", "cut short in its magic"},
		{"\x93NUMPY\x01\x00\x64\x00{'descr': '<f4', 'fortr", "cut short in its header"},
		{"PK\x03\x04zipfile", "bad magic"},
		{hdr("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }"), `dtype "<i4" (int32) is not supported`},
		{hdr("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }"), `dtype "|u1" (uint8)`},
		{hdr("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }"), `dtype "<c8" (complex64) is not supported: want float32 ('<f4'), float64 ('<f8') or float16 ('<f2')`},
		{hdr("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }") + "\x00\x3c", "cut short: its data holds 2 of the 8 bytes its header declares (shape (4,) of float16 values)"},
		{hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }") + "\x00\x00\x80\x3f", "cut short: its data holds 4 of the 16 bytes its header declares (shape (4,) of float32 values)"},
		{hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }"), "too large"},
		{hdr("{'descr': '<f4'}"), "malformed header"},
	} {
		_, err := Read(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.want, err, tc.want)
		}
	}
}

// TestReadOrders: big-endian arrays and Fortran-order ones, which NumPy
// writes for a transposed array (np.save(f, a.T)), read as the same
// float32 values in C order, where they were refused.
func TestReadOrders(t *testing.T) {
	shape := []int{2, 3, 4}
	want := make([]float32, 24) // C order: want[i*12+j*4+k] = 100i+10j+k
	for i := range 2 {
		for j := range 3 {
			for k := range 4 {
				want[i*12+j*4+k] = float32(100*i + 10*j + k)
			}
		}
	}
	file := func(descr string, fortran bool, put func(b []byte, v float64) []byte) []byte {
		h := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': (2, 3, 4), }\n", descr, map[bool]string{false: "False", true: "True"}[fortran])
		b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), 0)
		b = append(b, h...)
		for n := range 24 {
			i, j, k := n/12, n/4%3, n%4
			if fortran { // k slowest, i fastest
				i, j, k = n%2, n/2%3, n/6
			}
			b = put(b, float64(100*i+10*j+k))
		}
		return b
	}
	f4 := func(o binary.AppendByteOrder) func([]byte, float64) []byte {
		return func(b []byte, v float64) []byte { return o.AppendUint32(b, math.Float32bits(float32(v))) }
	}
	f8 := func(o binary.AppendByteOrder) func([]byte, float64) []byte {
		return func(b []byte, v float64) []byte { return o.AppendUint64(b, math.Float64bits(v)) }
	}
	for _, c := range []struct {
		descr   string
		fortran bool
		put     func([]byte, float64) []byte
	}{
		{"<f4", false, f4(binary.LittleEndian)}, {">f4", false, f4(binary.BigEndian)}, {">f8", false, f8(binary.BigEndian)},
		{"<f4", true, f4(binary.LittleEndian)}, {"<f8", true, f8(binary.LittleEndian)}, {">f4", true, f4(binary.BigEndian)},
	} {
		a, err := Read(bytes.NewReader(file(c.descr, c.fortran, c.put)))
		if err != nil || !slices.Equal(a.Shape, shape) || !slices.Equal(a.Data, want) {
			t.Errorf("%s, fortran %v: %v %v, %v; want %v", c.descr, c.fortran, a.Shape, a.Data, err, want)
		}
	}
}

// FuzzRead: any bytes give an array or an error, never a panic; an array
// read holds as many values as its shape says and writes back to the same.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	Write(&buf, &Array{Shape: []int{2, 3, 2, 2}, Data: make([]float32, 24)})
	f.Add(buf.Bytes())
	f.Add([]byte("\x93NUMPY\x01\x00\x46\x00{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }         \n" + strings.Repeat("\x00", 16)))
	f.Add([]byte("\x93NUMPY\x02\x00\x10\x00\x00\x00{'shape': (1<<40,)}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		n := 1
		for _, d := range a.Shape {
			n *= d
		}
		if len(a.Data) != n {
			t.Fatalf("shape %v but %d values", a.Shape, len(a.Data))
		}
		var out bytes.Buffer
		if err := Write(&out, a); err != nil {
			t.Fatal(err)
		}
		b2, err := Read(&out)
		if err != nil || !slices.Equal(b2.Shape, a.Shape) || len(b2.Data) != n {
			t.Fatalf("round trip of shape %v: %v", a.Shape, err)
		}
	})
}

// TestStream appends rows to a file and reads back the array Write would
// have written, header count included; Python's numpy.load reads it too
// (checked by hand: np.load(path).shape == (N, 2, 3)).
func TestStream(t *testing.T) {
	for _, rows := range []int{0, 1, 5} {
		f, err := os.Create(filepath.Join(t.TempDir(), "rows.npy"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewStream(f, []int{2, 3})
		if err != nil {
			t.Fatal(err)
		}
		var want []float32
		for r := 0; r < rows; r++ {
			row := []float32{float32(r), 1, 2, 3, 4, -float32(r) / 3}
			want = append(want, row...)
			if err := s.Append(row); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Append(make([]float32, 5)); err == nil {
			t.Error("a row of 5 values was accepted for shape [2 3]")
		}
		if err := s.Finish(); err != nil || s.Rows() != rows {
			t.Fatalf("Finish: %v, %d rows", err, s.Rows())
		}
		f.Seek(0, io.SeekStart)
		a, err := Read(f)
		f.Close()
		if err != nil || !slices.Equal(a.Shape, []int{rows, 2, 3}) || !slices.Equal(a.Data, want) && rows > 0 {
			t.Errorf("%d rows: read back %v %v (%v)", rows, a.Shape, a.Data, err)
		}
	}
	if _, err := NewStream(nil, make([]int, 30)); err == nil {
		t.Error("a 31-dimensional array's header fitted in 128 bytes")
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "a.npy"), filepath.Join(dir, "b.npy")
	var buf bytes.Buffer
	if err := Write(&buf, &Array{Shape: []int{2}, Data: []float32{1, 2}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("not npy"), 0o644); err != nil {
		t.Fatal(err)
	}
	if a, err := ReadFile(good); err != nil || !slices.Equal(a.Data, []float32{1, 2}) {
		t.Errorf("ReadFile(good) = %v, %v", a, err)
	}
	if _, err := ReadFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("ReadFile(bad): %v, want an error naming the file", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.npy")); err == nil {
		t.Error("ReadFile(missing): no error")
	}
}

// TestShape: Shape reads the shape from the header alone, so a file cut
// short in its data still gives it; a bad header is still an error.
func TestShape(t *testing.T) {
	for _, shape := range [][]int{{3, 2, 2}, {4, 3, 2, 2}, {0, 4}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		var buf bytes.Buffer
		if err := Write(&buf, &Array{Shape: shape, Data: make([]float32, n)}); err != nil {
			t.Fatal(err)
		}
		head := buf.Bytes()[:buf.Len()-4*n]
		if got, err := Shape(bytes.NewReader(head)); err != nil || !slices.Equal(got, shape) {
			t.Errorf("Shape of %v without its data: %v, %v", shape, got, err)
		}
	}
	if _, err := Shape(strings.NewReader("not npy")); err == nil {
		t.Error("Shape of a file that is not .npy: no error")
	}
}

// TestReadFloat16: float16 arrays (x.half().numpy(), a.astype(np.float16))
// read as NumPy's astype(np.float32) gives them, bit for bit, either byte
// order, where they were refused ("dtype \"<f2\" (float16) is not
// supported"); scripts/gen_npy_goldens.py wrote the files.
func TestReadFloat16(t *testing.T) {
	want, err := ReadFile(filepath.Join("testdata", "f16_as_f32.npy"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"f16.npy", "f16_be.npy"} {
		a, err := ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(a.Shape, want.Shape) {
			t.Fatalf("%s: shape %v, want %v", name, a.Shape, want.Shape)
		}
		for i, w := range want.Data {
			if g := a.Data[i]; math.Float32bits(g) != math.Float32bits(w) {
				t.Errorf("%s: value %d is %g (%#08x), want %g (%#08x)", name, i, g, math.Float32bits(g), w, math.Float32bits(w))
			}
		}
	}
}
