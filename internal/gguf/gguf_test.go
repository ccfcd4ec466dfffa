package gguf

import (
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sample declares a small file of every writable type plus a Q8_0 tensor.
func sample(t testing.TB) (*Writer, map[string][]byte) {
	t.Helper()
	w := NewWriter()
	w.AddString("general.architecture", "vit")
	w.AddUint32("vit.hidden_size", 8)
	w.AddFloat64("vit.layer_norm_eps", 1e-12)
	w.AddBool("vit.qkv_bias", true)
	w.AddStrings("vit.labels", []string{"cat", "dog", ""})
	w.AddFloat64s("vit.mean", []float64{0.5, 0.25, 0.125})
	x := []float32{1, -2, 0.5, 3.25, 65504, -1e-3}
	data := map[string][]byte{}
	for _, tc := range []struct {
		name  string
		shape []int
		typ   Type
	}{{"a.f32", []int{2, 3}, F32}, {"b.f16", []int{3, 2}, F16}, {"c.bf16", []int{6}, BF16}, {"d.f32", []int{1, 2, 1, 3}, F32}} {
		b, err := PutF32(nil, x, tc.typ)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AddTensor(tc.name, tc.shape, tc.typ); err != nil {
			t.Fatal(err)
		}
		data[tc.name] = b
	}
	// Q8_0: two blocks of 32, scales 0.5 and -2.
	var q []byte
	for blk, d := range []float32{0.5, -2} {
		q = binary.LittleEndian.AppendUint16(q, F32ToF16(d))
		for j := range 32 {
			q = append(q, byte(int8(j-16+blk)))
		}
	}
	if err := w.AddTensor("e.q8", []int{1, 64}, Q8_0); err != nil {
		t.Fatal(err)
	}
	data["e.q8"] = q
	return w, data
}

func writeSample(t testing.TB) string {
	t.Helper()
	w, data := sample(t)
	path := filepath.Join(t.TempDir(), "m.gguf")
	err := w.WriteFile(path, func(ti TensorInfo, dst io.Writer) error {
		_, err := dst.Write(data[ti.Name])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRoundTrip(t *testing.T) {
	path := writeSample(t)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Arch() != "vit" {
		t.Errorf("Arch = %q", f.Arch())
	}
	if v, err := f.Uint("vit.hidden_size"); v != 8 || err != nil {
		t.Errorf("Uint = %d, %v", v, err)
	}
	if v, err := f.Int("vit.hidden_size"); v != 8 || err != nil {
		t.Errorf("Int = %d, %v", v, err)
	}
	if v, err := f.Float("vit.layer_norm_eps"); v != 1e-12 || err != nil {
		t.Errorf("Float = %g, %v", v, err)
	}
	if v, err := f.Bool("vit.qkv_bias"); !v || err != nil {
		t.Errorf("Bool = %v, %v", v, err)
	}
	if v, err := f.Strings("vit.labels"); !slices.Equal(v, []string{"cat", "dog", ""}) || err != nil {
		t.Errorf("Strings = %q, %v", v, err)
	}
	if v, err := f.Floats("vit.mean"); !slices.Equal(v, []float64{0.5, 0.25, 0.125}) || err != nil {
		t.Errorf("Floats = %v, %v", v, err)
	}
	if a, err := f.Uint(KeyAlignment); a != 32 || err != nil {
		t.Errorf("alignment = %d, %v", a, err)
	}
	if !f.Has("vit.qkv_bias") || f.Has("nope") {
		t.Error("Has")
	}
	if err := f.Verify(); err != nil {
		t.Error(err)
	}
	recorded, err1 := f.TensorDataSHA256()
	computed, err2 := f.computeSHA256()
	if recorded != computed || len(recorded) != 64 || err1 != nil || err2 != nil {
		t.Errorf("TensorDataSHA256 %q (%v), computed %q (%v)", recorded, err1, computed, err2)
	}
	want := []float32{1, -2, 0.5, 3.25, 65504, -1e-3}
	for name, shape := range map[string][]int{"a.f32": {2, 3}, "b.f16": {3, 2}, "c.bf16": {6}, "d.f32": {1, 2, 1, 3}} {
		x, s, err := f.Float32s(name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s, shape) {
			t.Errorf("%s: shape %v, want %v", name, s, shape)
		}
		for i := range x {
			tol := float64(0)
			if !strings.HasSuffix(name, "f32") {
				tol = math.Abs(float64(want[i])) / 128
			}
			if math.Abs(float64(x[i]-want[i])) > tol {
				t.Errorf("%s[%d] = %g, want %g", name, i, x[i], want[i])
			}
		}
	}
	q, s, err := f.Float32s("e.q8")
	if err != nil || !slices.Equal(s, []int{1, 64}) {
		t.Fatal(err, s)
	}
	if q[0] != 0.5*-16 || q[31] != 0.5*15 || q[32] != -2*-15 || q[63] != -2*16 {
		t.Errorf("q8_0 = %v", q)
	}
	for _, ti := range f.Tensors() {
		if (f.dataStart+ti.Offset)%DefaultAlignment != 0 {
			t.Errorf("%s at %d is not aligned", ti.Name, f.dataStart+ti.Offset)
		}
	}
}

func TestGetterErrors(t *testing.T) {
	f, err := Open(writeSample(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tc := range []struct {
		get  func() error
		want string
	}{
		{func() error { _, err := f.Uint("missing.key"); return err }, `"missing.key" is missing`},
		{func() error { _, err := f.Float("vit.hidden_size"); return err }, `"vit.hidden_size" is uint32, want float32 or float64`},
		{func() error { _, err := f.String("vit.labels"); return err }, `"vit.labels" is array of string, want string`},
		{func() error { _, err := f.Floats("vit.labels"); return err }, "want array of float32"},
		{func() error { _, err := f.Strings("vit.mean"); return err }, "array of float64, want array of string"},
		{func() error { _, err := f.Bool("general.architecture"); return err }, "is string, want bool"},
		{func() error { _, err := f.Int("vit.qkv_bias"); return err }, "is bool"},
		{func() error { _, _, err := f.Float32s("nope"); return err }, `tensor "nope" is missing`},
	} {
		if err := tc.get(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want it to contain %q", err, tc.want)
		}
	}
}

func TestVerifyDetectsCorruption(t *testing.T) {
	path := writeSample(t)
	b, _ := os.ReadFile(path)
	b[len(b)-1] ^= 1
	os.WriteFile(path, b, 0o644)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Verify(); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("Verify = %v", err)
	}
}

func TestWriteFailureLeavesNothing(t *testing.T) {
	w, _ := sample(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "m.gguf")
	err := w.WriteFile(path, func(ti TensorInfo, dst io.Writer) error {
		_, err := dst.Write([]byte{1, 2, 3}) // short
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "wrote 3 bytes") {
		t.Fatalf("err = %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("left behind: %v", ents)
	}
}

// patch returns a copy of b with n bytes at off replaced by v (little-endian).
func patch(b []byte, off int, v uint64, n int) []byte {
	c := slices.Clone(b)
	for i := range n {
		c[off+i] = byte(v >> (8 * i))
	}
	return c
}

func TestParseErrors(t *testing.T) {
	good, err := os.ReadFile(writeSample(t))
	if err != nil {
		t.Fatal(err)
	}
	// Offsets of fields in the first tensor-info record, found by its name.
	firstInfo := strings.Index(string(good), "\x05\x00\x00\x00\x00\x00\x00\x00a.f32")
	nd := firstInfo + 8 + 5
	typ := nd + 4 + 2*8
	off := typ + 4
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "bad magic"},
		{"magic", []byte("GGUX\x03\x00\x00\x00"), "bad magic"},
		{"version", patch(good, 4, 2, 4), "GGUF version 2, older than the version 3 vitctl reads: convert the checkpoint again (vitctl convert)"},
		{"newer version", patch(good, 4, 4, 4), "GGUF version 4, newer than the version 3 this vitctl reads: it was written by a newer vitctl or another tool: update vitctl, or convert"},
		{"big-endian", patch(good, 4, 3<<24, 4), "a big-endian GGUF file; vitctl reads little-endian ones"},
		{"tensor count", patch(good, 8, 1<<60, 8), "tensor count"},
		{"kv count", patch(good, 16, 1<<40, 8), "metadata key count"},
		{"truncated header", good[:100], "truncated or corrupt"},
		{"truncated data", good[:len(good)-10], "truncated?"},
		{"dims", patch(good, nd, 9, 4), "9 dimensions"},
		{"type", patch(good, typ, 13, 4), "type(13) cannot hold"},
		{"misaligned", patch(good, off, 4, 8), "not a multiple of the alignment"},
		{"overlap", patch(good, off, 32, 8), "overlaps"},
		{"past end", patch(good, off, 1<<50, 8), "past the end"},
		{"key length", patch(good, 24, 1<<62, 8), "string length count"},
	} {
		_, err := parse(tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestReadFallback(t *testing.T) {
	// A file opened without mmap (as on failure) reads the same.
	path := writeSample(t)
	b, _ := os.ReadFile(path)
	f, err := FromBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	x, _, err := f.Float32s("a.f32")
	if err != nil || x[3] != 3.25 {
		t.Fatal(x, err)
	}
}

func FuzzParse(f *testing.F) {
	good, err := os.ReadFile(writeSample(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:200])
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := parse(b)
		if err != nil {
			return
		}
		for _, ti := range g.Tensors() {
			g.Float32s(ti.Name)
		}
		for k := range g.kv {
			g.Strings(k)
			g.Floats(k)
			g.Int(k)
		}
		g.Verify()
	})
}

func TestQ8RoundTrip(t *testing.T) {
	x := make([]float32, 64)
	for i := range x {
		x[i] = float32(math.Sin(float64(i))) * float32(i+1)
	}
	x[40] = 0.5 * x[33] // values away from the block maximum
	b, err := PutF32(nil, x, Q8_0)
	if err != nil || len(b) != 68 {
		t.Fatal(len(b), err)
	}
	y := make([]float32, 64)
	decodeQ8(y, b)
	for blk := range 2 {
		var amax float64
		for _, v := range x[32*blk : 32*blk+32] {
			amax = max(amax, math.Abs(float64(v)))
		}
		d := float64(F16ToF32(binary.LittleEndian.Uint16(b[34*blk:])))
		if math.Abs(d-amax/127) > amax/127/1024 {
			t.Errorf("block %d: scale %g, want %g", blk, d, amax/127)
		}
		for j := 32 * blk; j < 32*blk+32; j++ {
			// Half a step, plus the f16 rounding of d applied to up to 127 steps.
			if e := math.Abs(float64(y[j] - x[j])); e > d/2+127*d/2048+1e-6 {
				t.Errorf("x[%d] = %g decodes to %g (step %g)", j, x[j], y[j], d)
			}
		}
	}
	if q, _ := PutF32(nil, make([]float32, 32), Q8_0); F16ToF32(binary.LittleEndian.Uint16(q)) != 0 || q8Value(q, 5) != 0 {
		t.Error("zero block")
	}
	if _, err := PutF32(nil, x[:40], Q8_0); err == nil {
		t.Error("accepted 40 values")
	}
}

// q8Value is value i of the Q8_0 blocks b.
func q8Value(b []byte, i int) float32 {
	out := make([]float32, len(b)/(2+Q8Block)*Q8Block)
	decodeQ8(out, b)
	return out[i]
}

// TestFloat32sInto: decoding into a buffer with room uses it and gives
// Float32s's values; a short or nil buffer gets new memory; an aligned
// F32 tensor aliases the file either way.
func TestFloat32sInto(t *testing.T) {
	f, err := Open(writeSample(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, name := range []string{"a.f32", "b.f16", "c.bf16", "e.q8"} {
		want, wshape, err := f.Float32s(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range []int{0, len(want) - 1, len(want), 2 * len(want)} {
			buf := make([]float32, size)
			got, shape, err := f.Float32sInto(name, buf)
			if err != nil || !slices.Equal(shape, wshape) || !slices.Equal(got, want) {
				t.Fatalf("%s, buffer of %d: %v %v %v, want %v %v", name, size, got, shape, err, want, wshape)
			}
			inBuf := size >= len(want) && &got[0] == &buf[0]
			if wantInBuf := size >= len(want) && name != "a.f32"; inBuf != wantInBuf {
				t.Errorf("%s, buffer of %d: decoded into the buffer %v, want %v", name, size, inBuf, wantInBuf)
			}
		}
	}
}
