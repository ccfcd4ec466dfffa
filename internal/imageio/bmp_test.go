package imageio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestBMPVariantsNamed: a BMP x/image does not read is refused naming
// its kind and what to do, where every one said "unsupported image
// variant: BMP: unsupported BMP image". The variants are Pillow's
// bmp_rgb24.bmp and bmp_pal8.bmp with header fields changed.
func TestBMPVariantsNamed(t *testing.T) {
	rgb, pal := readImage(t, "formats/bmp_rgb24.bmp"), readImage(t, "formats/bmp_pal8.bmp")
	u16 := func(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
	u32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	type edit struct {
		at  int
		put []byte
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		src   []byte
		edits []edit
		want  string
	}{
		{"16-bit", rgb, []edit{{28, u16(16)}}, "BMP of 16 bits per pixel"},
		{"RLE8", pal, []edit{{30, u32(1)}}, "BMP compressed with RLE8"},
		{"RLE4", pal, []edit{{28, u16(4)}, {30, u32(2)}}, "BMP compressed with RLE4"},
		{"565", rgb, []edit{{28, u16(16)}, {30, u32(3)}}, "BMP of 16 bits per pixel with bit masks (BI_BITFIELDS)"},
		{"32-bit masks after the header", rgb, []edit{{28, u16(32)}, {30, u32(3)}}, "BMP of 32 bits per pixel with bit masks (BI_BITFIELDS) after a 40-byte header"},
		{"embedded PNG", rgb, []edit{{30, u32(5)}}, "BMP holding a PNG (compression 5)"},
		{"OS/2", rgb, []edit{{14, u32(12)}}, "BMP with an OS/2 header (12 bytes)"},
		{"2 planes", rgb, []edit{{26, u16(2)}}, "BMP of 2 planes"},
		{"gap before the pixels", rgb, []edit{{10, u32(64)}}, "BMP with its pixels at byte 64, not right after its headers and palette (byte 54)"},
		{"palette too large", pal, []edit{{46, u32(300)}}, "BMP of 8 bits per pixel with a palette of 300 colours"},
	} {
		data := bytes.Clone(tc.src)
		for _, e := range tc.edits {
			copy(data[e.at:], e.put)
		}
		path := filepath.Join(dir, "scan.bmp")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := DecodeFile(path, 0)
		want := path + ": unsupported image variant: " + tc.want + "; " + errBMPHint
		if !errors.Is(err, ErrUnsupported) || err.Error() != want {
			t.Errorf("%s: got %v\nwant %s", tc.name, err, want)
		}
	}
}
