package imageio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"

	"golang.org/x/image/tiff"
)

// golang.org/x/image/tiff has no CMYK (photometric 5). Its 8-bit CMYK of
// one plane in strips is, byte for byte, an 8-bit gray image four times
// as wide: each CMYK pixel is four gray ones. tiffConfig and tiffDecode
// have x/image decode it so, through a view of the file whose first IFD
// says gray (cmykView), and hand on the pixels as an *image.CMYK,
// which toRGB converts as Pillow's convert("RGB") does (cmykToRGB: with
// the black composited, not 255 - C - K). Strips, not tiles: a tile's width
// would be four times as wide too, past x/image's bound on tile padding.

// TIFF tags and values that cmykView reads or writes.
const (
	tagImageWidth      = 256
	tagBitsPerSample   = 258
	tagCompression     = 259
	tagPhotometric     = 262
	tagSamplesPerPixel = 277
	tagPlanarConfig    = 284
	tagPredictor       = 317
	tagTileWidth       = 322
	tagInkSet          = 332

	photometricGray = 1 // BlackIsZero
	photometricCMYK = 5 // Separated, with InkSet 1 (the default): CMYK
	tiffShort       = 3
	tiffLong        = 4
)

// errCMYKHint is what a refused CMYK TIFF says to do.
const errCMYKHint = "vitctl reads CMYK TIFFs of 8-bit samples in one plane, in strips: convert it to RGB first, e.g. magick IN -colorspace sRGB OUT.png"

// tiffConfig is tiff.DecodeConfig, for 8-bit CMYK too.
func tiffConfig(r io.Reader) (image.Config, error) {
	g, _, err := cmykView(r)
	switch {
	case err != nil:
		return image.Config{}, err
	case g == nil:
		return tiff.DecodeConfig(r)
	}
	cfg, err := tiff.DecodeConfig(g)
	cfg.Width /= 4
	cfg.ColorModel = color.CMYKModel
	return cfg, err
}

// tiffDecode is tiff.Decode, for 8-bit CMYK too: an *image.CMYK. A
// compression x/image does not decode is named (x/image says "unsupported
// feature: compression value 7").
func tiffDecode(r io.Reader) (image.Image, error) {
	m, err := tiffDecodeCMYK(r)
	if u := tiff.UnsupportedError(""); errors.As(err, &u) {
		if e := tiffCompressionErr(r); e != nil {
			return nil, e
		}
	}
	return m, err
}

// tiffCompressions names the TIFF compressions x/image does not decode
// that cameras, scanners and image programs write; raw marks a camera's
// RAW file, which holds sensor data rather than a picture.
var tiffCompressions = map[uint]struct {
	name string
	raw  bool
}{
	2:     {"CCITT modified Huffman RLE", false},
	6:     {"old-style JPEG", false},
	7:     {"JPEG", false},
	32767: {"Sony's ARW compression", true},
	34712: {"JPEG 2000", false},
	34713: {"Nikon's NEF compression", true},
	34887: {"LERC", false},
	34892: {"lossy JPEG (DNG)", true},
	34925: {"LZMA", false},
	50000: {"Zstandard", false},
	50001: {"WebP", false},
	65000: {"Kodak's DCR compression", true},
}

// tiffCompressionErr is the error for a TIFF in r whose first image uses a
// compression x/image does not decode, naming it; nil for any other.
func tiffCompressionErr(r io.Reader) error {
	ra, ok := r.(interface {
		io.ReaderAt
		Size() int64
	})
	if !ok {
		return nil
	}
	ifd := readIFD0(ra, ra.Size())
	if ifd == nil {
		return nil
	}
	c := ifd.first(tagCompression)
	switch c {
	case 0, 1, 3, 4, 5, 8, 32773, 32946: // none, CCITT G3 and G4, LZW, Deflate, PackBits, old Deflate
		return nil
	}
	k, known := tiffCompressions[c]
	if !known {
		k.name = "a scheme it does not know"
	}
	if k.raw {
		return fmt.Errorf("%w: a camera RAW file (TIFF compressed with %s, Compression %d), which vitctl cannot decode: "+
			"export it as JPEG first, e.g. darktable-cli IN OUT.jpg", ErrUnsupported, k.name, c)
	}
	return fmt.Errorf("%w: TIFF compressed with %s (Compression %d), which vitctl cannot decode: "+
		"it reads uncompressed, LZW, Deflate, PackBits and CCITT G3/G4 TIFFs; convert it first, e.g. tiffcp -c lzw IN OUT.tif or magick IN OUT.png",
		ErrUnsupported, k.name, c)
}

// tiffDecodeCMYK is tiff.Decode, for 8-bit CMYK too: an *image.CMYK.
func tiffDecodeCMYK(r io.Reader) (image.Image, error) {
	g, predictor, err := cmykView(r)
	switch {
	case err != nil:
		return nil, err
	case g == nil:
		return tiff.Decode(r)
	}
	m, err := tiff.Decode(g)
	if err != nil {
		return nil, err
	}
	gray, ok := m.(*image.Gray)
	if !ok || gray.Rect.Min != (image.Point{}) {
		return nil, fmt.Errorf("%w: TIFF: CMYK decoded as %T", ErrCorrupt, m)
	}
	w, h := gray.Rect.Dx()/4, gray.Rect.Dy()
	if predictor {
		undoPredictor(gray.Pix, gray.Stride, w, h)
	}
	return &image.CMYK{Pix: gray.Pix, Stride: gray.Stride, Rect: image.Rect(0, 0, w, h)}, nil
}

// undoPredictor adds each sample of rows of w CMYK pixels to the same
// sample of the pixel before it: TIFF's horizontal predictor, which the
// view hides from x/image (it would add gray samples, one byte apart).
func undoPredictor(pix []uint8, stride, w, h int) {
	for y := range h {
		row := pix[y*stride : y*stride+4*w]
		for i := 4; i < len(row); i++ {
			row[i] += row[i-4]
		}
	}
}

// cmykView returns, for a TIFF in r whose first image is 8-bit CMYK of
// one plane in strips, a view of it that x/image decodes as gray four
// times as wide, and whether a horizontal predictor is left to undo; nil
// for any other TIFF (or an r that is no io.ReaderAt), which x/image reads
// as it is. A CMYK TIFF of another kind is an error naming its kind.
func cmykView(r io.Reader) (io.Reader, bool, error) {
	ra, ok := r.(interface {
		io.ReaderAt
		Size() int64
	})
	if !ok {
		return nil, false, nil
	}
	ifd := readIFD0(ra, ra.Size())
	if ifd == nil || ifd.first(tagPhotometric) != photometricCMYK {
		return nil, false, nil // x/image says what is wrong with it
	}
	if err := ifd.checkCMYK(); err != nil {
		return nil, false, err
	}
	width := ifd.first(tagImageWidth)
	if width > math.MaxUint32/4 {
		return nil, false, fmt.Errorf("%w: TIFF: image width %d", ErrCorrupt, width)
	}
	predictor := ifd.first(tagPredictor) == 2
	patches := []patch{
		ifd.set(tagPhotometric, tiffShort, photometricGray),
		ifd.set(tagBitsPerSample, tiffShort, 8),
		ifd.set(tagSamplesPerPixel, tiffShort, 1),
		ifd.set(tagImageWidth, tiffLong, 4*width),
	}
	if predictor {
		patches = append(patches, ifd.set(tagPredictor, tiffShort, 1))
	}
	return io.NewSectionReader(patched{ra, patches}, 0, ra.Size()), predictor, nil
}

// checkCMYK refuses, naming it, a CMYK TIFF that cmykView cannot show as
// gray.
func (d *ifd0) checkCMYK() error {
	bits := d.values[tagBitsPerSample]
	if len(bits) == 0 {
		bits = []uint{1} // TIFF's default
	}
	samples := len(bits)
	if spp := d.first(tagSamplesPerPixel); spp != 0 {
		samples = int(spp)
	}
	var what string
	switch {
	case bits[0] != 8:
		what = fmt.Sprintf("of %d-bit samples", bits[0])
	case samples != 4 || len(bits) != 4:
		what = fmt.Sprintf("with %d samples per pixel (C, M, Y and K are 4; more are alpha or spot colours)", samples)
	case bits[1] != 8 || bits[2] != 8 || bits[3] != 8:
		what = fmt.Sprintf("of %v bits per sample", bits)
	case d.first(tagPlanarConfig) == 2:
		what = "in separate planes (PlanarConfiguration 2)"
	case d.first(tagInkSet) > 1:
		what = "of inks other than C, M, Y and K (InkSet 2)"
	case d.first(tagTileWidth) != 0:
		what = "in tiles"
	case d.first(tagPredictor) > 2:
		what = fmt.Sprintf("with predictor %d", d.first(tagPredictor))
	default:
		return nil
	}
	return fmt.Errorf("%w: CMYK TIFF %s; %s", ErrUnsupported, what, errCMYKHint)
}

// ifd0 is what cmykView needs of a TIFF's first IFD: each entry's place
// and its first values.
type ifd0 struct {
	order   binary.ByteOrder
	offsets map[uint16]int64  // tag: offset of its 12-byte entry
	values  map[uint16][]uint // tag: its values, BYTE, SHORT or LONG, at most 8
}

// first is the first value of tag, 0 when there is none.
func (d *ifd0) first(tag uint16) uint {
	if v := d.values[tag]; len(v) > 0 {
		return v[0]
	}
	return 0
}

// readIFD0 reads the entries of the first IFD of the TIFF in ra; nil when
// there is none to read (x/image then says what is wrong).
func readIFD0(ra io.ReaderAt, size int64) *ifd0 {
	var head [8]byte
	if _, err := ra.ReadAt(head[:], 0); err != nil {
		return nil
	}
	d := &ifd0{order: tiffOrder(head[:]), offsets: map[uint16]int64{}, values: map[uint16][]uint{}}
	if d.order == nil {
		return nil
	}
	off := int64(d.order.Uint32(head[4:]))
	var n [2]byte
	if _, err := ra.ReadAt(n[:], off); err != nil {
		return nil
	}
	count := int64(d.order.Uint16(n[:]))
	if off+2+12*count > size {
		return nil
	}
	entries := make([]byte, 12*count)
	if _, err := ra.ReadAt(entries, off+2); err != nil {
		return nil
	}
	for i := range count {
		e := entries[12*i : 12*i+12]
		tag := d.order.Uint16(e)
		d.offsets[tag] = off + 2 + 12*i
		d.values[tag] = d.entryValues(ra, e)
	}
	return d
}

// entryValues reads up to 8 values of an IFD entry of type BYTE, SHORT or
// LONG, held in it or at the offset it gives; none for another type or
// values that cannot be read.
func (d *ifd0) entryValues(ra io.ReaderAt, e []byte) []uint {
	sizes := map[uint16]int{1: 1, tiffShort: 2, tiffLong: 4}
	typ, count := d.order.Uint16(e[2:]), min(d.order.Uint32(e[4:]), 8)
	size := sizes[typ]
	if size == 0 {
		return nil
	}
	raw := e[8:12]
	if n := size * int(count); n > 4 {
		raw = make([]byte, n)
		if _, err := ra.ReadAt(raw, int64(d.order.Uint32(e[8:]))); err != nil {
			return nil
		}
	}
	vals := make([]uint, count)
	for i := range vals {
		switch size {
		case 1:
			vals[i] = uint(raw[i])
		case 2:
			vals[i] = uint(d.order.Uint16(raw[2*i:]))
		default:
			vals[i] = uint(d.order.Uint32(raw[4*i:]))
		}
	}
	return vals
}

// set is the patch that makes tag's entry hold the one value v of type
// typ; none when the IFD has no such entry (SamplesPerPixel may be left
// out, x/image then counts BitsPerSample).
func (d *ifd0) set(tag, typ uint16, v uint) patch {
	off, ok := d.offsets[tag]
	if !ok {
		return patch{}
	}
	e := make([]byte, 12)
	d.order.PutUint16(e, tag)
	d.order.PutUint16(e[2:], typ)
	d.order.PutUint32(e[4:], 1)
	if typ == tiffShort {
		d.order.PutUint16(e[8:], uint16(v))
	} else {
		d.order.PutUint32(e[8:], uint32(v))
	}
	return patch{off, e}
}

// patch is bytes put in place of a file's at off.
type patch struct {
	off int64
	b   []byte
}

// patched reads ra with patches put in place.
type patched struct {
	ra      io.ReaderAt
	patches []patch
}

func (p patched) ReadAt(b []byte, off int64) (int, error) {
	n, err := p.ra.ReadAt(b, off)
	for _, q := range p.patches {
		lo, hi := max(q.off, off), min(q.off+int64(len(q.b)), off+int64(n))
		if lo < hi {
			copy(b[lo-off:hi-off], q.b[lo-q.off:hi-q.off])
		}
	}
	return n, err
}
