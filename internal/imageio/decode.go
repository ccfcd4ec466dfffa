// Package imageio turns image files into the pixel tensors a ViT expects,
// matching the Hugging Face reference (Pillow's decoders, exif_transpose,
// convert("RGB"), Image.resize and ViTImageProcessor's rescale and
// normalise). Decoding does I/O; Preprocess and Resize are pure.
package imageio

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/png"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/image/webp"

	"github.com/vitctl/vitctl/internal/fileprobe"
)

// DefaultMaxPixels is the largest image (width × height) decoded by default.
const DefaultMaxPixels = 100_000_000

// Errors callers may test for with errors.Is.
var (
	ErrEmpty       = errors.New("empty file")
	ErrFormat      = errors.New("not a supported image (JPEG, PNG, GIF, BMP, TIFF or WebP)")
	ErrTooLarge    = errors.New("image too large")
	ErrCorrupt     = errors.New("truncated or corrupt image data")
	ErrUnsupported = errors.New("unsupported image variant")
)

// formats lists the decoders, recognised by their magic bytes. Registering
// with the image package would also work, but an explicit table keeps
// DecodeConfig and Decode on the same decoder and the list visible.
var formats = []struct {
	name   string
	magic  []string // any of these prefixes; '?' matches any byte
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}{
	{"jpeg", []string{"\xff\xd8"}, nil, nil}, // internal/imageio/jpeg, see jpeg.go
	{"png", []string{"\x89PNG\r\n\x1a\n"}, png.DecodeConfig, png.Decode},
	{"gif", []string{"GIF87a", "GIF89a"}, gif.DecodeConfig, gif.Decode},
	{"bmp", []string{"BM"}, bmpConfig, bmpDecode},                     // x/image/bmp, its refusals named: bmp.go
	{"tiff", []string{"II*\x00", "MM\x00*"}, tiffConfig, tiffDecode},  // x/image/tiff, and CMYK: tiffcmyk.go
	{"webp", []string{"RIFF????WEBP"}, webp.DecodeConfig, webpDecode}, // x/image/webp, and animated: webp.go
}

// sniff returns the index in formats of data's format, or -1.
func sniff(data []byte) int {
	for i, f := range formats {
		for _, m := range f.magic {
			if len(data) >= len(m) && matches(data, m) {
				return i
			}
		}
	}
	return -1
}

// Sniff names the format of data, the start of a file (MagicBytes are
// enough), as the decoders recognise it ("jpeg", "png", "gif", "bmp",
// "tiff", "webp"), or "" for none.
func Sniff(data []byte) string {
	if i := sniff(data); i >= 0 {
		return formats[i].name
	}
	return ""
}

func matches(data []byte, magic string) bool {
	for i := range len(magic) {
		if magic[i] != '?' && magic[i] != data[i] {
			return false
		}
	}
	return true
}

// DecodeFile reads and decodes the image at path; see Decode. Errors start
// with the path.
func DecodeFile(path string, maxPixels int) (*RGB8, error) {
	return decodeFile(path, decodeOptions{maxPixels: maxPixels})
}

// DecodeData decodes data read from name (a file or URL), as DecodeFile
// does; errors start with name. The format comes from the content; the
// name's extension only explains a failure.
func DecodeData(name string, data []byte, maxPixels int) (*RGB8, error) {
	return decodeData(name, data, decodeOptions{maxPixels: maxPixels})
}

// decodeOptions are decode's: the pixel limit, and for JPEG draft decoding
// and a reused buffer.
type decodeOptions struct {
	maxPixels int
	// target, when set, gives the size an image of the upright size w×h
	// will be resized to: a JPEG is decoded at the draft scale for it.
	target func(w, h int) (int, int)
	// buf, when set, is a buffer a JPEG may be decoded into; it is set to
	// the buffer used, which the caller may reuse once done with the image.
	buf *[]uint8
}

func decodeFile(path string, o decodeOptions) (*RGB8, error) {
	data, err := readFile(path, o.maxPixels)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return decodeData(path, data, o)
}

func decodeData(name string, data []byte, o decodeOptions) (*RGB8, error) {
	if limit := maxBytes(o.maxPixels); int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: more than %d bytes", name, ErrTooLarge, limit)
	}
	img, format, err := decode(data, o)
	if err != nil {
		if ext := extFormat(name); format != "" && ext != "" && ext != format {
			err = fmt.Errorf("%w (the content is %s although the name says %s)", err, strings.ToUpper(format), strings.ToUpper(ext))
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return img, nil
}

// Decode reads one image from r and returns it as 8-bit RGB, upright
// (EXIF orientation applied) and converted as Pillow's convert("RGB") does.
// The size is read from the header first: an image of more than maxPixels
// pixels (0 means DefaultMaxPixels) is refused before any pixel is decoded.
// The format is recognised by content, not by name, as Pillow does.
func Decode(r io.Reader, maxPixels int) (*RGB8, error) {
	data, err := readAll(r, maxPixels, 0)
	if err != nil {
		return nil, err
	}
	img, _, err := decode(data, decodeOptions{maxPixels: maxPixels})
	return img, err
}

func decode(data []byte, o decodeOptions) (*RGB8, string, error) {
	maxPixels := o.maxPixels
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	if len(data) == 0 {
		return nil, "", ErrEmpty
	}
	f := sniff(data)
	if f < 0 {
		return nil, "", unknownFormat(data)
	}
	name := formats[f].name
	var cfg image.Config
	var err error
	if name == "jpeg" {
		cfg.Width, cfg.Height, err = jpegConfig(data)
	} else if cfg, err = formats[f].config(bytes.NewReader(data)); err != nil {
		err = decodeErr(name, err, data)
	}
	if err != nil {
		return nil, name, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, name, fmt.Errorf("%w: %s header declares %d×%d pixels", ErrCorrupt, strings.ToUpper(name), cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return nil, name, fmt.Errorf("%w: %d×%d = %d pixels is over the limit of %d (raise --max-pixels to allow it)",
			ErrTooLarge, cfg.Width, cfg.Height, int64(cfg.Width)*int64(cfg.Height), maxPixels)
	}
	if name == "jpeg" {
		orn := orientation(name, data)
		scale := 1
		if o.target != nil {
			scale = draftScale(cfg.Width, cfg.Height, orn, o.target)
		}
		rgb, err := decodeJPEG(data, maxPixels, scale, o.buf)
		if err != nil {
			return nil, name, err
		}
		return orient(rgb, orn), name, nil
	}
	m, err := safeDecode(formats[f].decode, data)
	if err != nil {
		return nil, name, decodeErr(name, err, data)
	}
	if p, ok := m.(*image.Paletted); ok && name == "gif" {
		restorePalette(p, gifPalette(data))
		m = gifCanvas(p, cfg.Width, cfg.Height)
	}
	return orient(decodedRGB(m), orientation(name, data)), name, nil
}

// decodedRGB converts a decoded image to RGB8: YCbCr, which only a lossy
// WebP decodes to, as libwebp does (webpToRGB); any other by toRGB.
func decodedRGB(m image.Image) *RGB8 {
	switch m := m.(type) {
	case *image.YCbCr:
		return webpToRGB(m)
	case *image.NYCbCrA:
		return webpToRGB(&m.YCbCr)
	}
	return toRGB(m)
}

// safeDecode turns a decoder panic on hostile input into an error.
func safeDecode(dec func(io.Reader) (image.Image, error), data []byte) (m image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			m, err = nil, fmt.Errorf("decoder failed: %v", p)
		}
	}()
	return dec(bytes.NewReader(data))
}

// decodeErr words a decoder's error on data, a file of the format.
func decodeErr(format string, err error, data []byte) error {
	if errors.Is(err, ErrUnsupported) || errors.Is(err, ErrCorrupt) { // worded already (tiffcmyk.go, bmp.go, webp.go)
		return err
	}
	f := strings.ToUpper(format)
	msg := strings.TrimPrefix(err.Error(), format+": ") // Go's decoders prefix their name
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Errorf("%w: %s data ends early", ErrCorrupt, f)
	case strings.Contains(msg, "unsupported"):
		return fmt.Errorf("%w: %s: %s", ErrUnsupported, f, msg)
	case cutShort(format, data):
		return fmt.Errorf("%w: %s data ends early", ErrCorrupt, f)
	}
	return fmt.Errorf("%w: %s: %s", ErrCorrupt, f, msg)
}

// cutShort says whether a PNG or GIF lacks the end it must have: a PNG's
// IEND chunk, a GIF's trailer byte. image/png and image/gif say "not
// enough pixel data", "not enough image data" or "reading color table:
// unexpected EOF" (the EOF not wrapped) of a file cut short: a copy
// stopped half-way, a download that broke off.
func cutShort(format string, data []byte) bool {
	switch format {
	case "png":
		return !bytes.Contains(data, []byte("IEND\xaeB`\x82")) // the chunk type and its CRC
	case "gif":
		return len(data) == 0 || data[len(data)-1] != ';'
	}
	return false
}

// maxBytes bounds what is read for an image of at most maxPixels pixels:
// 8 bytes a pixel (16-bit RGBA, uncompressed) plus room for metadata.
func maxBytes(maxPixels int) int64 {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	return 8*int64(maxPixels) + 64<<20
}

// unknownFormat is decode's error for data that no decoder takes: a
// format vitctl recognises and cannot decode (HEIC), a file taken for an
// image that is not one (a web page, a ZIP archive), else ErrFormat.
func unknownFormat(data []byte) error {
	if g := noDecoderFormat(data); g != "" {
		return &NoDecoderError{Formats: []string{g}}
	}
	if err := notImage(data); err != nil {
		return err
	}
	return ErrFormat
}

// headBytes is the start of a file that says whether any decoder takes it
// (sniff) and, if not, what it is (unknownFormat).
const headBytes = 4096

// readAll reads r, at most maxBytes(maxPixels), into one buffer of
// size+1 bytes where size (a regular file's, else 0) says how long r is,
// as os.ReadFile does. Data that no decoder takes is refused by its start,
// unread past it: a photo folder's 3 GB ZIP said "image too large" once
// its first 867 MB were read.
func readAll(r io.Reader, maxPixels int, size int64) ([]byte, error) {
	limit := maxBytes(maxPixels)
	data := make([]byte, headBytes, max(headBytes, min(size, limit)+1))
	n, err := io.ReadFull(r, data)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	if data = data[:n]; n > 0 && sniff(data) < 0 {
		return nil, unknownFormat(data)
	}
	if n < headBytes {
		return data, nil
	}
	rest := io.LimitReader(r, limit+1-int64(n))
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		m, err := rest.Read(data[len(data):cap(data)])
		data = data[:len(data)+m]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read: %w", err)
		}
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return data, nil
}

func readFile(path string, maxPixels int) ([]byte, error) {
	st, err := os.Stat(path) // its errors say the reason only, as the CLI's listing of arguments does
	if err != nil {
		return nil, unwrapPath(err)
	}
	if st.IsDir() {
		return nil, errors.New("is a directory, not an image file")
	}
	if !st.Mode().IsRegular() && st.Mode()&fs.ModeNamedPipe == 0 {
		return nil, fmt.Errorf("%s, not a regular file", fileprobe.Kind(st.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer f.Close()
	return readAll(f, maxPixels, st.Size())
}

// unwrapPath drops the *fs.PathError wrapper, whose text repeats the path.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// extFormat names the format a file's (or a URL path's) extension
// claims, or "" (extFormats).
func extFormat(path string) string { return extFormats[strings.ToLower(nameExt(path))] }

// nameExt is the extension of a file name, or of a URL's path, so that
// https://host/cat.jpg?size=large is a .jpg.
func nameExt(name string) string {
	if u, err := url.Parse(name); err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https") {
		return path.Ext(u.Path)
	}
	return filepath.Ext(name)
}
