package imageio

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vitctl/vitctl/internal/fileprobe"
)

// extFormats maps the file name extensions, lower case, of the images
// vitctl decodes to their format's name in formats. It is the one list
// that a folder walk and a list of paths take files by (NamedAsImage,
// IsImageExt) and that a decoding error compares the content with (the
// name's claim, extFormat). .jfif and .jpe are JPEG's own extensions, which
// Pillow opens as JPEG. .dib is left out: Pillow (and the Windows
// clipboard) write a .dib as a bare DIB, the BMP's info header without
// its 14-byte "BM" file header, which x/image/bmp cannot read (ErrBareDIB
// says so); a .dib that is a whole BMP is decoded, by its content, when
// named as an argument or with --all-files.
var extFormats = map[string]string{
	".bmp": "bmp", ".gif": "gif",
	".jfif": "jpeg", ".jpe": "jpeg", ".jpeg": "jpeg", ".jpg": "jpeg",
	".png": "png", ".tif": "tiff", ".tiff": "tiff", ".webp": "webp",
}

// ImageExts are extFormats' extensions, sorted, for messages that list
// them.
var ImageExts = slices.Sorted(maps.Keys(extFormats))

// IsImageExt reports whether ext (".jpg", in any case) names an image
// vitctl decodes: one of ImageExts.
func IsImageExt(ext string) bool {
	_, ok := extFormats[strings.ToLower(ext)]
	return ok
}

// NamedAsImage reports whether the extension of path, in any case, is one
// of ImageExts.
func NamedAsImage(path string) bool { return IsImageExt(filepath.Ext(path)) }

// Found is what a folder walk makes of a file it finds there.
type Found struct {
	// Image: a file to decode, named as an image vitctl decodes, or named
	// as one it cannot (NoDecoderExt) but starting as one it can: some
	// phones and converters save a JPEG as IMG_0001.HEIC. A camera RAW
	// file is not one, though most start as a TIFF (their first image is
	// a thumbnail or a JPEG preview).
	Image bool
	// NoDecoder: named and made as HEIC, HEIF, AVIF or JPEG XL, or named
	// as a camera RAW file, which vitctl recognises but cannot decode
	// (NoDecoderExt's name for it).
	NoDecoder string
	// MacMeta: macOS's metadata beside a copied file, ._NAME starting
	// with AppleDouble's signature: no image, whatever its name.
	MacMeta bool
}

// InFolder says what a folder walk does with the file at path: by its
// name, and by its first bytes (read once) only where the name asks, a
// ._NAME or a format vitctl cannot decode. A file that cannot be read
// counts as its name says.
func InFolder(path string) Found {
	meta := strings.HasPrefix(filepath.Base(path), "._")
	undecoded := NoDecoderExt(path)
	var head []byte // none read for a RAW file: it is never taken by its content
	if meta || (undecoded != "" && undecoded != RAW) {
		head = fileprobe.Head(path, MagicBytes)
	}
	switch {
	case meta && isAppleDouble(head):
		return Found{MacMeta: true}
	case NamedAsImage(path):
		return Found{Image: true}
	case undecoded != "" && sniff(head) >= 0:
		return Found{Image: true}
	}
	return Found{NoDecoder: undecoded}
}

// MagicBytes is the longest signature sniff and Sniff read (WebP's
// RIFF????WEBP).
const MagicBytes = 12
