package imageio

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ImageExts are the file name extensions, lower case, of the formats
// vitctl decodes, sorted: the files a folder walk takes by their name.
var ImageExts = []string{".bmp", ".gif", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp"}

// NamedAsImage reports whether the extension of path, in any case, is one
// of ImageExts.
func NamedAsImage(path string) bool {
	_, ok := slices.BinarySearch(ImageExts, strings.ToLower(filepath.Ext(path)))
	return ok
}

// Found is what a folder walk makes of a file it finds there.
type Found struct {
	// Image: a file to decode, named as an image vitctl decodes, or named
	// as one it cannot (NoDecoderExt) but starting as one it can: some
	// phones and converters save a JPEG as IMG_0001.HEIC.
	Image bool
	// NoDecoder: named and made as HEIC, HEIF, AVIF or JPEG XL, which
	// vitctl recognises but cannot decode (NoDecoderExt's name for it).
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
	var head []byte
	if meta || undecoded != "" {
		head = readHead(path, magicBytes)
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

// magicBytes is the longest signature sniff reads (WebP's RIFF????WEBP).
const magicBytes = 12

// readHead returns the first n bytes of the file at path, fewer for a
// shorter file, none for one that cannot be read.
func readHead(path string, n int) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	head := make([]byte, n)
	m, _ := io.ReadFull(f, head)
	return head[:m]
}
