package cli

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// npyFile is a .npy file of descr and shape whose values put writes, in
// Fortran order when fortran.
func npyFile(descr string, fortran bool, shape []int, put func(b []byte, i int) []byte) []byte {
	dims := make([]string, len(shape))
	n := 1
	for i, d := range shape {
		dims[i], n = fmt.Sprint(d), n*d
	}
	tuple := strings.Join(dims, ", ")
	if len(dims) == 1 {
		tuple += ","
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }\n", descr, map[bool]string{false: "False", true: "True"}[fortran], tuple)
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	b = append(b, h...)
	for i := range n {
		b = put(b, i)
	}
	return b
}

// halfBits is the float16 of v, a number float16 holds exactly (0, or a
// normal number of at most 11 significant bits).
func halfBits(v float64) uint16 {
	if v == 0 {
		return 0
	}
	frac, exp := math.Frexp(math.Abs(v)) // |v| = frac × 2^exp, frac in [0.5, 1)
	h := uint16(exp+14)<<10 | uint16((frac*2-1)*1024)
	if v < 0 {
		h |= 0x8000
	}
	return h
}

// TestNpyInputs: each kind of .npy a user may hand classify is taken with
// the logits of the little-endian float32 C-order array of the same
// pixels (big-endian, float64, Fortran order, float16: refused before), or refused
// with one line naming the file and saying what is wrong and what to do:
// integers (raw pixels), channels last, another channel count or size,
// no image, a file cut short.
func TestNpyInputs(t *testing.T) {
	const S = 28 // fashion-vit's input
	px := func(c, y, x int) float64 { return float64((c*7+y*3+x)%17)/8 - 1 }
	c := func(i int) (int, int, int) { return i / (S * S), i / S % S, i % S } // C order
	f := func(i int) (int, int, int) { return i % 3, i / 3 % S, i / (3 * S) } // Fortran order
	le, be := binary.LittleEndian, binary.BigEndian
	f4 := func(o binary.AppendByteOrder, at func(int) (int, int, int)) func([]byte, int) []byte {
		return func(b []byte, i int) []byte { return o.AppendUint32(b, math.Float32bits(float32(px(at(i))))) }
	}
	f8 := func(o binary.AppendByteOrder, at func(int) (int, int, int)) func([]byte, int) []byte {
		return func(b []byte, i int) []byte { return o.AppendUint64(b, math.Float64bits(px(at(i)))) }
	}
	f2 := func(b []byte, i int) []byte { return le.AppendUint16(b, halfBits(px(c(i)))) }
	u8 := func(b []byte, i int) []byte { return append(b, byte(i)) }
	chw := []int{3, S, S}
	ref := npyFile("<f4", false, chw, f4(le, c))
	cases := []struct {
		name string
		data []byte
		want string // "": the reference's logits
	}{
		{"ref.npy", ref, ""},
		{"big_endian.npy", npyFile(">f4", false, chw, f4(be, c)), ""},
		{"f64.npy", npyFile("<f8", false, chw, f8(le, c)), ""},
		{"big_f64.npy", npyFile(">f8", false, chw, f8(be, c)), ""},
		{"fortran.npy", npyFile("<f4", true, chw, f4(le, f)), ""},
		{"f16.npy", npyFile("<f2", false, chw, f2), ""}, // x.half().numpy(): was refused
		{"uint8.npy", npyFile("|u1", false, chw, u8), `dtype "|u1" (uint8) is not supported: want float32 ('<f4'), float64 ('<f8') or float16 ('<f2'); integers are raw pixels`},
		{"int16.npy", npyFile("<i2", false, chw, u8), `dtype "<i2" (int16)`},
		{"hwc.npy", npyFile("<f4", false, []int{S, S, 3}, f4(le, c)), "the array (28, 28, 3) is channels last (height, width, channels); the model takes channels first, (3, 28, 28): save a.transpose(2, 0, 1)"},
		{"nhwc.npy", npyFile("<f4", false, []int{1, S, S, 3}, f4(le, c)), "save a.transpose(0, 3, 1, 2)"},
		{"gray.npy", npyFile("<f4", false, []int{1, S, S}, f4(le, c)), "the array (1, 28, 28) has 1 channel; the model takes 3 (RGB), (3, 28, 28)"},
		{"size.npy", npyFile("<f4", false, []int{3, 32, 30}, f4(le, c)), "the array (3, 32, 30) is 30×32 pixels; the model takes 28×28, (3, 28, 28): preprocess to that size, or give the image file, which vitctl resizes, or run the model at the array's size with --image-size 30x32 "},
		{"none.npy", npyFile("<f4", false, []int{0, 3, S, S}, f4(le, c)), "the array (0, 3, 28, 28) holds no image"},
		{"cut.npy", ref[:len(ref)-10], "the file is cut short: its data holds 9398 of the 9408 bytes its header declares (shape (3, 28, 28) of float32 values): copy or write it again"},
		{"cut_header.npy", ref[:20], "the file is cut short in its header: copy or write it again"},
		{"empty.npy", nil, "the file is empty"},
	}
	dir := t.TempDir()
	var args []string
	for _, tc := range cases {
		p := filepath.Join(dir, tc.name)
		if err := os.WriteFile(p, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	code, out, errs := run(t, "", append([]string{"classify", "-m", "fashion-vit", "-o", "jsonl", "-k", "10"}, args...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != ExitFailed || len(lines) != len(cases) {
		t.Fatalf("exit %d, %d records for %d files:\n%s\n%s", code, len(lines), len(cases), out, errs)
	}
	var want record
	json.Unmarshal([]byte(lines[0]), &want)
	for i, tc := range cases {
		var r record
		json.Unmarshal([]byte(lines[i]), &r)
		switch {
		case tc.want == "" && (r.Error != "" || fmt.Sprint(r.TopK) != fmt.Sprint(want.TopK)):
			t.Errorf("%s: %s\nwant the logits of ref.npy: %s", tc.name, lines[i], lines[0])
		case tc.want != "" && (!strings.Contains(r.Error, tc.want) || !strings.Contains(errs, args[i]+": ")):
			t.Errorf("%s: error %q, want %q, and stderr naming %s:\n%s", tc.name, r.Error, tc.want, args[i], errs)
		}
	}
}
