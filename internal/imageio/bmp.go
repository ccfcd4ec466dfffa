package imageio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"

	"golang.org/x/image/bmp"
)

// x/image/bmp reads uncompressed BMPs of 1, 2, 4, 8, 24 and 32 bits per
// pixel with a Windows header (BITMAPINFOHEADER, V4 or V5), and refuses
// any other as "unsupported BMP image", not saying which kind it is.
// bmpConfig and bmpDecode say it, from the header.

// errBMPHint is what a refused BMP says to do.
const errBMPHint = "vitctl reads uncompressed BMPs of 1, 2, 4, 8, 24 and 32 bits per pixel; convert it first, e.g. magick IN OUT.png"

// bmpConfig is bmp.DecodeConfig, naming what it refuses.
func bmpConfig(r io.Reader) (image.Config, error) {
	c, err := bmp.DecodeConfig(r)
	return c, bmpErr(r, err)
}

// bmpDecode is bmp.Decode, naming what it refuses.
func bmpDecode(r io.Reader) (image.Image, error) {
	m, err := bmp.Decode(r)
	return m, bmpErr(r, err)
}

// bmpErr is err, or for bmp.ErrUnsupported, an error saying which kind
// of BMP the one in r (an io.ReaderAt) is.
func bmpErr(r io.Reader, err error) error {
	ra, ok := r.(io.ReaderAt)
	if !errors.Is(err, bmp.ErrUnsupported) || !ok {
		return err
	}
	var h [70]byte // file header, and the info header as far as the bit masks
	n, _ := ra.ReadAt(h[:], 0)
	if what := bmpVariant(h[:n]); what != "" {
		return fmt.Errorf("%w: BMP %s; %s", ErrUnsupported, what, errBMPHint)
	}
	return err
}

// bmpVariant names what x/image/bmp does not read in a BMP's headers, h,
// or returns "".
func bmpVariant(h []byte) string {
	if len(h) < 18 {
		return ""
	}
	le := binary.LittleEndian
	switch infoLen := le.Uint32(h[14:]); infoLen {
	case 40, 108, 124:
	case 12, 64:
		return fmt.Sprintf("with an OS/2 header (%d bytes)", infoLen)
	default:
		return fmt.Sprintf("with a header of %d bytes", infoLen)
	}
	if len(h) < 34 {
		return ""
	}
	planes, bpp, compression := le.Uint16(h[26:]), le.Uint16(h[28:]), le.Uint32(h[30:])
	switch compression {
	case 0:
	case 1:
		return "compressed with RLE8"
	case 2:
		return "compressed with RLE4"
	case 3, 6:
		if bpp != 32 {
			return fmt.Sprintf("of %d bits per pixel with bit masks (BI_BITFIELDS)", bpp)
		}
		if infoLen := le.Uint32(h[14:]); infoLen > 40 && len(h) >= 70 { // masks in the header, alpha's too
			return fmt.Sprintf("of 32 bits per pixel with bit masks R %#08x, G %#08x, B %#08x, A %#08x (BI_BITFIELDS)",
				le.Uint32(h[54:]), le.Uint32(h[58:]), le.Uint32(h[62:]), le.Uint32(h[66:]))
		}
		return "of 32 bits per pixel with bit masks (BI_BITFIELDS) after a 40-byte header"
	case 4:
		return "holding a JPEG (compression 4)"
	case 5:
		return "holding a PNG (compression 5)"
	default:
		return fmt.Sprintf("of compression %d", compression)
	}
	switch {
	case planes != 1:
		return fmt.Sprintf("of %d planes", planes)
	case bpp != 1 && bpp != 2 && bpp != 4 && bpp != 8 && bpp != 24 && bpp != 32:
		return fmt.Sprintf("of %d bits per pixel", bpp)
	case len(h) < 50:
		return ""
	}
	// x/image reads the pixels right after the headers and the palette.
	want := 14 + le.Uint32(h[14:])
	if colors := le.Uint32(h[46:]); bpp <= 8 {
		if colors == 0 {
			colors = 1 << bpp
		}
		if colors > 1<<bpp {
			return fmt.Sprintf("of %d bits per pixel with a palette of %d colours", bpp, colors)
		}
		want += 4 * colors
	}
	if offset := le.Uint32(h[10:]); offset != want {
		return fmt.Sprintf("with its pixels at byte %d, not right after its headers and palette (byte %d)", offset, want)
	}
	return ""
}
