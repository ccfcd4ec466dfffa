package imageio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestCMYKTIFFVariantsRefused: a CMYK TIFF vitctl cannot read is refused
// with a message naming the file, what it is and what to do (a CMYK TIFF
// was "unsupported feature: color model", every one). The variants are
// Pillow's tiff_cmyk.tif with one entry of its IFD changed; its last
// entry, PlanarConfiguration, stands in for a tag it does not have.
func TestCMYKTIFFVariantsRefused(t *testing.T) {
	src := readImage(t, "formats/tiff_cmyk.tif")
	ifd := readIFD0(bytes.NewReader(src), int64(len(src)))
	if ifd == nil || ifd.first(tagPhotometric) != photometricCMYK || ifd.first(tagPlanarConfig) != 1 {
		t.Fatalf("tiff_cmyk.tif is not the contiguous CMYK TIFF this test changes")
	}
	last := ifd.offsets[tagPlanarConfig]
	bitsAt := int64(ifd.order.Uint32(src[ifd.offsets[tagBitsPerSample]+8:])) // 4 SHORTs, past the IFD
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		at   int64  // where the bytes go
		put  []byte // entry or values
		want string
	}{
		{"16-bit", bitsAt, shorts(16, 16, 16, 16), "CMYK TIFF of 16-bit samples"},
		{"alpha", ifd.offsets[tagSamplesPerPixel], entry(tagSamplesPerPixel, 5), "CMYK TIFF with 5 samples per pixel (C, M, Y and K are 4; more are alpha or spot colours)"},
		{"planar", last, entry(tagPlanarConfig, 2), "CMYK TIFF in separate planes (PlanarConfiguration 2)"},
		{"inks", last, entry(tagInkSet, 2), "CMYK TIFF of inks other than C, M, Y and K (InkSet 2)"},
		{"tiled", last, entry(tagTileWidth, 16), "CMYK TIFF in tiles"},
		{"float predictor", last, entry(tagPredictor, 3), "CMYK TIFF with predictor 3"},
	} {
		data := bytes.Clone(src)
		copy(data[tc.at:], tc.put)
		path := filepath.Join(dir, tc.name+".tif")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := DecodeFile(path, 0)
		want := path + ": unsupported image variant: " + tc.want + "; vitctl reads CMYK TIFFs of 8-bit samples in one plane, in strips: convert it to RGB first, e.g. magick IN -colorspace sRGB OUT.png"
		if !errors.Is(err, ErrUnsupported) || err.Error() != want {
			t.Errorf("%s: got %v\nwant %s", tc.name, err, want)
		}
	}
}

// TestCMYKTIFFDecodes: Pillow's CMYK TIFFs decode (their pixels are
// TestPixelParity's), and DecodeConfig's size is the image's, not the
// gray view's four times as wide.
func TestCMYKTIFFDecodes(t *testing.T) {
	for _, name := range []string{"tiff_cmyk.tif", "tiff_cmyk_predictor.tif"} {
		data := readImage(t, "formats/"+name)
		cfg, err := tiffConfig(bytes.NewReader(data))
		if err != nil || cfg.Width != 61 || cfg.Height != 41 {
			t.Errorf("%s: config %d×%d, %v; want 61×41", name, cfg.Width, cfg.Height, err)
		}
		img, err := Decode(bytes.NewReader(data), 0)
		if err != nil || img.W != 61 || img.H != 41 {
			t.Errorf("%s: decoded %v, %v", name, img, err)
		}
	}
}

// TestCMYKTIFFBigEndian: a big-endian ("MM") CMYK TIFF, which Pillow
// does not write, is tiff_cmyk.tif with its header and IFD byte-swapped,
// and decodes to the same pixels.
func TestCMYKTIFFBigEndian(t *testing.T) {
	le := readImage(t, "formats/tiff_cmyk.tif")
	want, err := Decode(bytes.NewReader(le), 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(bytes.NewReader(bigEndianTIFF(t, le)), 0)
	if err != nil || got.W != want.W || got.H != want.H || !bytes.Equal(got.Pix, want.Pix) {
		t.Errorf("big-endian: %v, %v; want the little-endian file's %d×%d pixels", got, err, want.W, want.H)
	}
}

// bigEndianTIFF byte-swaps a little-endian TIFF of 8-bit samples whose
// first IFD, its only one, has SHORT and LONG entries only.
func bigEndianTIFF(t *testing.T, le []byte) []byte {
	t.Helper()
	l, b := binary.LittleEndian, binary.BigEndian
	be := bytes.Clone(le)
	copy(be, "MM\x00*")
	off := l.Uint32(le[4:])
	b.PutUint32(be[4:], off)
	n := int(l.Uint16(le[off:]))
	b.PutUint16(be[off:], uint16(n))
	for i := range n {
		e := int(off) + 2 + 12*i
		typ, count := l.Uint16(le[e+2:]), int(l.Uint32(le[e+4:]))
		b.PutUint16(be[e:], l.Uint16(le[e:]))
		b.PutUint16(be[e+2:], typ)
		b.PutUint32(be[e+4:], uint32(count))
		size := map[uint16]int{tiffShort: 2, tiffLong: 4}[typ]
		if size == 0 {
			t.Fatalf("entry %d: type %d", i, typ)
		}
		at := e + 8
		if size*count > 4 {
			at = int(l.Uint32(le[e+8:]))
			b.PutUint32(be[e+8:], uint32(at))
		}
		for j := range count {
			if p := at + size*j; size == 2 {
				b.PutUint16(be[p:], l.Uint16(le[p:]))
			} else {
				b.PutUint32(be[p:], l.Uint32(le[p:]))
			}
		}
	}
	if next := int(off) + 2 + 12*n; l.Uint32(le[next:]) != 0 {
		t.Fatal("more than one IFD")
	}
	return be
}

// entry is a little-endian IFD entry of one SHORT.
func entry(tag uint16, v uint16) []byte {
	e := binary.LittleEndian.AppendUint16(nil, tag)
	e = binary.LittleEndian.AppendUint16(e, tiffShort)
	e = binary.LittleEndian.AppendUint32(e, 1)
	return append(binary.LittleEndian.AppendUint16(e, v), 0, 0)
}

// shorts is little-endian SHORTs.
func shorts(v ...uint16) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint16(b, x)
	}
	return b
}

// TestTIFFCompressionNamed: a TIFF whose compression x/image does not
// decode (a scanner's JPEG-in-TIFF, a camera's RAW file) is refused naming
// the compression and what to do, where it said "unsupported image
// variant: TIFF: unsupported feature: compression value 7". The files are
// Pillow's tiff_rgb.tif and tiff_cmyk.tif with their Compression entry
// changed.
func TestTIFFCompressionNamed(t *testing.T) {
	const hint = "which vitctl cannot decode: it reads uncompressed, LZW, Deflate, PackBits and CCITT G3/G4 TIFFs; convert it first, e.g. tiffcp -c lzw IN OUT.tif or magick IN OUT.png"
	dir := t.TempDir()
	for _, tc := range []struct {
		src         string
		compression uint16
		want        string
	}{
		{"tiff_rgb.tif", 7, "TIFF compressed with JPEG (Compression 7), " + hint},
		{"tiff_cmyk.tif", 7, "TIFF compressed with JPEG (Compression 7), " + hint},
		{"tiff_rgb.tif", 50000, "TIFF compressed with Zstandard (Compression 50000), " + hint},
		{"tiff_rgb.tif", 12345, "TIFF compressed with a scheme it does not know (Compression 12345), " + hint},
		{"tiff_rgb.tif", 34713, "a camera RAW file (TIFF compressed with Nikon's NEF compression, Compression 34713), which vitctl cannot decode: export it as JPEG first, e.g. darktable-cli IN OUT.jpg"},
	} {
		src := readImage(t, "formats/"+tc.src)
		ifd := readIFD0(bytes.NewReader(src), int64(len(src)))
		at, ok := ifd.offsets[tagCompression]
		if !ok {
			t.Fatalf("%s has no Compression entry", tc.src)
		}
		data := bytes.Clone(src)
		copy(data[at:], entry(tagCompression, tc.compression))
		path := filepath.Join(dir, "scan.tif")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := DecodeFile(path, 0)
		if want := path + ": unsupported image variant: " + tc.want; !errors.Is(err, ErrUnsupported) || err.Error() != want {
			t.Errorf("%s, compression %d: got %v\nwant %s", tc.src, tc.compression, err, want)
		}
	}
}
