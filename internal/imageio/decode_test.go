package imageio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func readImage(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(imagesDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pngHeader returns a PNG whose IHDR declares w×h 8-bit RGB pixels, followed
// by an empty IDAT: a decompression bomb's shape at no size.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(tag string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(tag)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(tag), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	chunk("IHDR", append(ihdr, 8, 2, 0, 0, 0))
	chunk("IDAT", nil)
	chunk("IEND", nil)
	return b.Bytes()
}

func TestDecompressionBombRefusedCheaply(t *testing.T) {
	data := pngHeader(50000, 50000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Decode(bytes.NewReader(data), DefaultMaxPixels)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	if !strings.Contains(err.Error(), "50000×50000") {
		t.Errorf("message %q does not give the size", err)
	}
	// Decoding would need 7.5 GB; refusing must cost next to nothing.
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("refusing the bomb allocated %d bytes", n)
	}
}

func TestMaxPixels(t *testing.T) {
	data := readImage(t, "formats/png_rgb.png") // 61×41 = 2501 pixels
	if _, err := Decode(bytes.NewReader(data), 2501); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if _, err := Decode(bytes.NewReader(data), 2500); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: got %v, want ErrTooLarge", err)
	}
}

func TestDecodeFileErrors(t *testing.T) {
	dir := t.TempDir()
	png := readImage(t, "formats/png_rgb.png")
	jpg := readImage(t, "formats/jpeg_420.jpg")
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	loop := filepath.Join(dir, "loop.jpg")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		is   error  // nil: any error
		msg  string // substring of the message after the path
	}{
		{write("empty.jpg", nil), ErrEmpty, "empty file"},
		{write("notes.png", []byte("just some text, not pixels\n")), ErrFormat, "not a supported image"},
		{write("cut.png", png[:len(png)/2]), ErrCorrupt, "PNG"},
		{write("cut.jpg", jpg[:len(jpg)/2]), ErrCorrupt, "JPEG"},
		{write("cut-png.jpg", png[:len(png)/2]), ErrCorrupt, "the content is PNG although the name says JPEG"},
		{write("bomb.png", pngHeader(50000, 50000)), ErrTooLarge, "50000×50000"},
		{write("zero.png", pngHeader(0, 10)), nil, "PNG"},
		{write("junk.jpg", append([]byte("\xff\xd8\xff\xe0"), make([]byte, 64)...)), ErrCorrupt, "JPEG: "},
		{write("photos.zip", append([]byte("PK\x03\x04\x14\x00"), png...)), ErrFormat, "a ZIP archive, not an image: unpack it (unzip IN -d DIR) and give the folder DIR"},
		{write("photos.tar", append(append(make([]byte, 257), "ustar\x0000"...), make([]byte, 250)...)), ErrFormat, "a tar archive, not an image: unpack it"},
		{write("photo.png.gz", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00")), ErrFormat, "a gzip-compressed file, not an image: uncompress it first (gunzip -k IN;"},
		{write("photo.png.bz2", []byte("BZh91AY&SY\x00\x01")), ErrFormat, "a bzip2-compressed file, not an image"},
		{write("photo.png.xz", []byte("\xfd7zXZ\x00\x00\x04")), ErrFormat, "an xz-compressed file, not an image"},
		{write("photo.png.zst", []byte("\x28\xb5\x2f\xfd\x00")), ErrFormat, "a Zstandard-compressed file, not an image"},
		{write("photos.7z", []byte("7z\xbc\xaf\x27\x1c\x00\x04")), ErrFormat, "a 7-Zip archive, not an image"},
		{write("photos.rar", []byte("Rar!\x1a\x07\x01\x00")), ErrFormat, "a RAR archive, not an image"},
		{write("scan.pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")), ErrFormat, "a PDF document, not an image: save its pages as images first (pdftoppm -png IN PAGE)"},
		{write("BZh.png", []byte("BZh is how this text starts\n")), ErrFormat, "not a supported image (JPEG"},
		{dir, nil, "is a directory"},
		{filepath.Join(dir, "missing.jpg"), nil, "no such file"},
		{loop, nil, "too many levels of symbolic links"},
	} {
		_, err := DecodeFile(c.path, 0)
		if err == nil {
			t.Errorf("%s: no error", c.path)
			continue
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("%s: got %v, want %v", c.path, err, c.is)
		}
		if !strings.HasPrefix(err.Error(), c.path+": ") || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: message %q should start with the path and say %q", c.path, err, c.msg)
		}
		if strings.Count(err.Error(), c.path) != 1 || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: message %q should be one line naming the path once", c.path, err)
		}
	}
	if os.Geteuid() != 0 { // root reads anything
		p := write("secret.png", png)
		os.Chmod(p, 0)
		if _, err := DecodeFile(p, 0); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("unreadable file: got %v", err)
		}
	}
}

// TestNoImageReadByItsStart: data that no decoder takes is refused by its
// start, the rest unread: a photo folder's 3 GB ZIP was read to the size
// limit (867 MB, seconds) and then called "image too large".
func TestNoImageReadByItsStart(t *testing.T) {
	for _, tc := range []struct {
		start []byte
		want  error
	}{
		{[]byte("PK\x03\x04\x14\x00\x00\x00"), ErrFormat},
		{[]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2mp41"), ErrFormat}, // an MP4 video
		{[]byte("just some text, then more of it"), ErrFormat},
	} {
		r := &endlessReader{start: tc.start}
		_, err := Decode(r, 1) // a limit of 64 MB and 8 bytes
		if !errors.Is(err, tc.want) || errors.Is(err, ErrTooLarge) || r.n > headBytes {
			t.Errorf("%q: %v after reading %d bytes; want %v after at most %d", tc.start, err, r.n, tc.want, headBytes)
		}
	}
}

// endlessReader is start, then zeros for ever; n counts the bytes read.
type endlessReader struct {
	start []byte
	n     int
}

func (r *endlessReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0
		if r.n+i < len(r.start) {
			p[i] = r.start[r.n+i]
		}
	}
	r.n += len(p)
	return len(p), nil
}

// A file is decoded by its content, as Pillow does: a PNG named .jpg works.
func TestWrongExtensionDecodesByContent(t *testing.T) {
	p := filepath.Join(t.TempDir(), "photo.jpg")
	if err := os.WriteFile(p, readImage(t, "formats/png_rgb.png"), 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := DecodeFile(p, 0)
	if err != nil || img.W != 61 || img.H != 41 {
		t.Fatalf("got %v, %v", img, err)
	}
}

func TestOrientationsAgree(t *testing.T) {
	// Every EXIF orientation of the same picture shows the same upright
	// image as orientation 1 (png_rgb holds the pixels jpeg_orientN stores).
	ref, err := DecodeFile(filepath.Join(imagesDir, "formats/webp_lossless.webp"), 0)
	if err != nil {
		t.Fatal(err)
	}
	for o := 1; o <= 8; o++ {
		got := orient(ref, o)
		back := orient(got, inverse[o])
		if !bytes.Equal(back.Pix, ref.Pix) || back.W != ref.W {
			t.Errorf("orientation %d then its inverse does not give the image back", o)
		}
	}
}

// inverse[o] undoes orientation o.
var inverse = [9]int{0, 1, 2, 3, 4, 5, 8, 7, 6}

func TestIFD0Orientation(t *testing.T) {
	// One IFD entry: tag 0x0112, type SHORT, count 1, value 6.
	le := []byte("II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00")
	be := []byte("MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00")
	for name, c := range map[string]struct {
		data []byte
		want int
	}{
		"little-endian": {le, 6},
		"big-endian":    {be, 6},
		"truncated":     {le[:15], 0},
		"bad offset":    {append([]byte("II*\x00\xff\xff\x00\x00"), le[8:]...), 0},
		"not TIFF":      {[]byte("hello world, no tiff"), 0},
	} {
		if got := ifd0Orientation(c.data); got != c.want {
			t.Errorf("%s: got %d, want %d", name, got, c.want)
		}
	}
}

// TestReadAll: readAll returns every byte whatever size it was told (a
// file's, or 0 for a stream), reads a file of the size it was told into
// one buffer, never grown, and refuses data past maxBytes.
func TestReadAll(t *testing.T) {
	data := readImage(t, "rocket.jpg")
	for _, size := range []int64{int64(len(data)), 0, 10, int64(len(data)) + 100} {
		got, err := readAll(bytes.NewReader(data), 0, size)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("size %d: %d bytes, %v; want the file's %d", size, len(got), err, len(data))
		}
		if size == int64(len(data)) && cap(got) != len(data)+1 {
			t.Errorf("size %d: a buffer of %d bytes, want one of %d", size, cap(got), len(data)+1)
		}
	}
	const pixels = 1
	over := io.MultiReader(bytes.NewReader(data), io.LimitReader(zeros{}, maxBytes(pixels)))
	if _, err := readAll(over, pixels, 0); !errors.Is(err, ErrTooLarge) {
		t.Errorf("past maxBytes: %v, want ErrTooLarge", err)
	}
}

// zeros reads as endless zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestCutShortEndsEarly: a PNG, GIF or WebP cut anywhere past its header
// (a copy stopped half-way, a download broken off) says that it ends
// early, as a JPEG does. A PNG said "PNG: invalid format: not enough
// pixel data", a GIF "GIF: not enough image data" or "GIF: reading color
// table: unexpected EOF"; a WebP cut in its EXIF chunk decoded without
// its orientation, and an animated one cut in a later frame decoded,
// where Pillow (libwebp) refuses both.
func TestCutShortEndsEarly(t *testing.T) {
	webp := readImage(t, "formats/webp_orient8.webp")
	files := map[string][]byte{
		"png_rgb.png":       readImage(t, "formats/png_rgb.png"),
		"png_palette.png":   readImage(t, "formats/png_palette.png"),
		"gif_palette.gif":   readImage(t, "formats/gif_palette.gif"),
		"gif_anim.gif":      readImage(t, "formats/gif_anim.gif")[:300], // in the first frame
		"webp_orient8.webp": webp,
		"anim.webp":         animatedWebP(t, readImage(t, "formats/webp_lossy.webp"), 64, 48, 2, 2),
	}
	for name, data := range files {
		from := 64
		if name == "webp_orient8.webp" {
			from = bytes.Index(data, []byte("EXIF")) + 1 // the pixels are whole; the orientation is cut
		}
		for n := from; n < len(data)-1; n += max(1, (len(data)-from)/40) {
			_, err := DecodeData(name, data[:n], 0)
			if !errors.Is(err, ErrCorrupt) || !strings.HasSuffix(err.Error(), " data ends early") {
				t.Errorf("%s cut to %d of %d bytes: %v, want ErrCorrupt saying it ends early", name, n, len(data), err)
				break
			}
		}
	}
}

// TestJPEGVariantsRefused: an arithmetic-coded, 12-bit, lossless or
// hierarchical JPEG is refused naming the variant and what to do, where
// it said only "unsupported image variant: JPEG: arithmetic coding". The
// variants are jpeg_420.jpg with its SOF marker (and precision) changed.
func TestJPEGVariantsRefused(t *testing.T) {
	src := readImage(t, "formats/jpeg_420.jpg")
	sof := bytes.Index(src, []byte{0xff, 0xc0})
	if sof < 0 {
		t.Fatal("jpeg_420.jpg has no SOF0 marker")
	}
	for _, c := range []struct {
		marker, bits byte
		want         string
	}{
		{0xc9, 8, "arithmetic coding"},
		{0xca, 8, "arithmetic coding"},
		{0xc1, 12, "12-bit samples (only 8-bit)"},
		{0xc3, 8, "lossless JPEG"},
		{0xc5, 8, "hierarchical JPEG"},
	} {
		data := bytes.Clone(src)
		data[sof+1], data[sof+4] = c.marker, c.bits
		_, err := DecodeData("IMG_0001.JPG", data, 0)
		want := "IMG_0001.JPG: unsupported image variant: JPEG: " + c.want + "; " + errJPEGHint
		if !errors.Is(err, ErrUnsupported) || err == nil || err.Error() != want {
			t.Errorf("SOF %#x, %d bits: got %v\nwant %s", c.marker, c.bits, err, want)
		}
	}
}
