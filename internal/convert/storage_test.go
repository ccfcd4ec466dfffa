package convert

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bigStoragePickle is a state dict {"w": tensor of n float32} over storage
// data/0, as torch.save writes one.
func bigStoragePickle(n int32) []byte {
	var b bytes.Buffer
	str := func(s string) {
		b.WriteByte('X')
		binary.Write(&b, binary.LittleEndian, uint32(len(s)))
		b.WriteString(s)
	}
	i32 := func(v int32) {
		b.WriteByte('J')
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("\x80\x02}(")
	str("w")
	b.WriteString("ctorch._utils\n_rebuild_tensor_v2\n((")
	str("storage")
	b.WriteString("ctorch\nFloatStorage\n")
	str("0")
	str("cpu")
	i32(n)
	b.WriteString("tQ")
	i32(0)
	i32(n)
	b.WriteString("\x85")
	i32(1)
	b.WriteString("\x85\x89}tRu.")
	return b.Bytes()
}

// TestStoragePastArchive: a storage record whose size, as the zip's
// directory states it, runs past the end of the file is refused when the
// archive is opened, naming it. It was taken at its word: a 400-byte
// file whose record claimed 4 GiB made convert allocate 4 GiB for the
// tensor before reading found the file short.
func TestStoragePastArchive(t *testing.T) {
	const n = 1 << 30 // float32s: 4 GiB
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "m/data.pkl", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(bigStoragePickle(n))
	w, err = zw.CreateRaw(&zip.FileHeader{Name: "m/data/0", Method: zip.Store, CompressedSize64: 4 * n, UncompressedSize64: 4 * n})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]byte, 64)) // of the 4 GiB it claims
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "big.pth")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ck, err := openCheckpoint(p, false)
	if err == nil {
		ck.Close()
		t.Fatalf("%s (%d bytes) opened, its storage claiming %d bytes", p, buf.Len(), 4*n)
	}
	for _, want := range []string{p, "storage data/0", "4294967296 bytes", "past the end of the file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}
