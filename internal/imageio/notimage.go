package imageio

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// Files that users take for images and are not: a web page saved under the
// photo's name (a browser's Save Page As, or a URL of the page that shows
// the photo, which servers answer with a 200 and HTML), an SVG drawing, and
// a NumPy array named without .npy (a download URL), a .dib saved without
// the BMP file header, and archives, compressed files and PDFs (packed).
// Each is an ErrFormat
// that says what the file is and what to do.
var (
	ErrWebPage = notImageError("a web page (HTML), not an image: the address of the page that shows the image, or a browser's Save Page As; give the image itself (right-click it: Copy Image Address, or Save Image As)")
	ErrSVG     = notImageError("an SVG drawing, which vitctl cannot decode: convert it to PNG first (rsvg-convert -o OUT.png IN, or magick IN OUT.png)")
	ErrBareDIB = notImageError("a bare DIB (a BMP without its 14-byte \"BM\" file header, as Pillow and the Windows clipboard write .dib files), which vitctl cannot decode: save it as a BMP or PNG first (Image.open(IN).save(\"OUT.png\") in Pillow, or magick IN OUT.png)")
	ErrNpyName = notImageError("a NumPy array (.npy) by its content, in a file or URL whose name does not end in .npy, which is how vitctl knows a .npy input: save it as NAME.npy and give that")
)

// packed lists archives, compressed files and documents by their
// signature (at offset at): what each is and how to get the images out,
// as a photo folder's download (photos.zip, photos.tar.gz) is given where
// its folder was meant.
var packed = []struct {
	at          int
	magic, what string
	do          string
}{
	{0, "PK\x03\x04", "a ZIP archive", "unpack it (unzip IN -d DIR) and give the folder DIR"},
	{0, "PK\x05\x06", "a ZIP archive (an empty one)", "unpack it (unzip IN -d DIR) and give the folder DIR"},
	{257, "ustar", "a tar archive", "unpack it (mkdir DIR; tar -xf IN -C DIR) and give the folder DIR"},
	{0, "7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "unpack it (7z x IN -oDIR) and give the folder DIR"},
	{0, "Rar!\x1a\x07", "a RAR archive", "unpack it (unrar x IN DIR/) and give the folder DIR"},
	{0, "\x1f\x8b", "a gzip-compressed file", "uncompress it first (gunzip -k IN; a .tar.gz: mkdir DIR; tar -xzf IN -C DIR, and give the folder DIR)"},
	{0, "\xfd7zXZ\x00", "an xz-compressed file", "uncompress it first (unxz -k IN; a .tar.xz: mkdir DIR; tar -xJf IN -C DIR, and give the folder DIR)"},
	{0, "\x28\xb5\x2f\xfd", "a Zstandard-compressed file", "uncompress it first (unzstd IN; a .tar.zst: mkdir DIR; tar --zstd -xf IN -C DIR, and give the folder DIR)"},
	{4, "1AY&SY", "a bzip2-compressed file", "uncompress it first (bunzip2 -k IN; a .tar.bz2: mkdir DIR; tar -xjf IN -C DIR, and give the folder DIR)"},
	{0, "%PDF-", "a PDF document", "save its pages as images first (pdftoppm -png IN PAGE), or the pictures in it (pdfimages -png IN PICTURE)"},
}

// packedError says what data is when it is one of packed, else nil.
func packedError(data []byte) error {
	for _, p := range packed {
		if len(data) >= p.at+len(p.magic) && string(data[p.at:p.at+len(p.magic)]) == p.magic &&
			(p.magic != "1AY&SY" || string(data[:3]) == "BZh") {
			return notImageError(p.what + ", not an image: " + p.do)
		}
	}
	return nil
}

type notImageError string

func (e notImageError) Error() string      { return string(e) }
func (notImageError) Is(target error) bool { return target == ErrFormat }

// notImage says what data is when it is one of these or a macOS
// metadata file (ErrAppleDouble), else nil.
func notImage(data []byte) error {
	if isAppleDouble(data) {
		return ErrAppleDouble
	}
	if bytes.HasPrefix(data, []byte("\x93NUMPY")) {
		return ErrNpyName
	}
	if isBareDIB(data) {
		return ErrBareDIB
	}
	if err := packedError(data); err != nil {
		return err
	}
	head := bytes.ToLower(bytes.TrimLeft(bytes.TrimPrefix(data[:min(len(data), 1024)], []byte("\xef\xbb\xbf")), " \t\r\n"))
	switch {
	case bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html")) || bytes.HasPrefix(head, []byte("<head")):
		return ErrWebPage
	case bytes.HasPrefix(head, []byte("<svg")) || bytes.HasPrefix(head, []byte("<?xml")) && bytes.Contains(head, []byte("<svg")):
		return ErrSVG
	case bytes.HasPrefix(head, []byte("<!")) || bytes.HasPrefix(head, []byte("<?xml")):
		if bytes.Contains(head, []byte("<html")) {
			return ErrWebPage
		}
	}
	return nil
}

// isBareDIB reports whether data starts as a BMP's info header with no
// file header before it: one of the sizes of BITMAPINFOHEADER and its
// successors (40 to 124 bytes), then width and height, one plane and a
// bit depth BMP has. Only data no decoder took is asked.
func isBareDIB(data []byte) bool {
	if len(data) < 16 || !slices.Contains([]uint32{40, 52, 56, 64, 108, 124}, binary.LittleEndian.Uint32(data)) {
		return false
	}
	planes, bpp := binary.LittleEndian.Uint16(data[12:]), binary.LittleEndian.Uint16(data[14:])
	return planes == 1 && slices.Contains([]uint16{1, 2, 4, 8, 16, 24, 32}, bpp)
}
