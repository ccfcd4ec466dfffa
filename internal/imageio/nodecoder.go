package imageio

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Formats recognised by content or name but not decoded: what phones and
// browsers save (an iPhone's camera writes HEIC). Their codecs (HEVC, AV1,
// JPEG XL) are far larger than the rest of imageio, and no pure-Go decoder
// is good enough to match the reference's pixels, so they are named, not read.
// A camera's RAW file (IMG_0001.CR2 beside IMG_0001.JPG) holds sensor
// data, not a picture: most are TIFF files whose first image is a small
// preview or a JPEG, and a Canon CR3 is ISO-BMFF, so RAW is known by name,
// and a CR3 by its brand too. JPEG 2000 (scanners, digital cinema, medical
// and map imagery) has no decoder in Go's standard library or x/image.
const (
	HEIC  = "HEIC"
	HEIF  = "HEIF" // a HEIF container whose brands name neither HEVC nor AV1
	AVIF  = "AVIF"
	JPEGX = "JPEG XL"
	JP2   = "JPEG 2000"
	RAW   = "camera RAW"
)

// NoDecoderError is the error for images in a format vitctl recognises but
// cannot decode: HEIC (and other HEIF), AVIF, JPEG XL, JPEG 2000, camera RAW. errors.Is(err,
// ErrFormat) holds for it.
type NoDecoderError struct {
	Formats []string // HEIC, HEIF, AVIF, JPEGX, JP2, RAW: each once, in the order met
	Files   int      // how many files; 0 or 1: one, the one being decoded
}

func (e *NoDecoderError) Error() string {
	f := strings.Join(e.Formats, "/")
	if e.Files > 1 {
		return fmt.Sprintf("%d %s images, which vitctl cannot decode", e.Files, f)
	}
	article := "a"
	if strings.HasPrefix(f, "A") {
		article = "an"
	}
	return fmt.Sprintf("%s %s image, which vitctl cannot decode", article, f)
}

// Is makes a NoDecoderError an ErrFormat: not a supported image.
func (e *NoDecoderError) Is(target error) bool { return target == ErrFormat }

// Add counts one more file of format f.
func (e *NoDecoderError) Add(f string) {
	e.Files++
	for _, g := range e.Formats {
		if g == f {
			return
		}
	}
	e.Formats = append(e.Formats, f)
}

// heifBrands maps the ISO-BMFF brands of HEIF images to their format.
// mif1 and msf1 are the generic image and sequence brands: the compatible
// brands beside them say whether HEVC (HEIC) or AV1 (AVIF) codes the pixels.
var heifBrands = map[string]string{
	"heic": HEIC, "heix": HEIC, "hevc": HEIC, "heim": HEIC, "heis": HEIC, "hevm": HEIC, "hevs": HEIC,
	"avif": AVIF, "avis": AVIF,
	"mif1": HEIF, "msf1": HEIF,
	"crx ": RAW, // Canon's CR3
}

// noDecoderFormat names the undecoded format of data by its signature,
// or returns "".
func noDecoderFormat(data []byte) string {
	switch {
	case len(data) >= 2 && data[0] == 0xff && data[1] == 0x0a: // JPEG XL codestream
		return JPEGX
	case len(data) >= 12 && string(data[:12]) == "\x00\x00\x00\x0cJXL \r\n\x87\n": // JPEG XL container
		return JPEGX
	case len(data) >= 12 && string(data[:12]) == "\x00\x00\x00\x0cjP  \r\n\x87\n": // JPEG 2000 file (.jp2, .jpf, .jpx)
		return JP2
	case len(data) >= 4 && string(data[:4]) == "\xff\x4f\xff\x51": // JPEG 2000 codestream (.j2k, .j2c): SOC, SIZ
		return JP2
	}
	return ftypFormat(data)
}

// ftypFormat reads the brands of an ISO-BMFF file's first box, ftyp (size,
// "ftyp", major brand, minor version, compatible brands), and names the
// HEIF format they declare: the major brand unless it is a generic one, in
// which case the first specific compatible brand.
func ftypFormat(data []byte) string {
	if len(data) < 16 || string(data[4:8]) != "ftyp" {
		return ""
	}
	size := int(min(binary.BigEndian.Uint32(data), uint32(len(data))))
	f := heifBrands[string(data[8:12])]
	if f != HEIF {
		return f
	}
	for i := 16; i+4 <= size; i += 4 {
		if g := heifBrands[string(data[i:i+4])]; g != "" && g != HEIF {
			return g
		}
	}
	return f
}

// NoDecoderExt names the undecoded format a file's extension (or a URL
// path's) claims, or returns "": a folder walk passes over such files by
// name, and says what they were.
func NoDecoderExt(name string) string {
	ext := strings.ToLower(nameExt(name))
	switch ext {
	case ".heic", ".hif":
		return HEIC
	case ".heif":
		return HEIF
	case ".avif":
		return AVIF
	case ".jxl":
		return JPEGX
	case ".jp2", ".j2k", ".j2c", ".jpf", ".jpx":
		return JP2
	}
	if rawExts[ext] {
		return RAW
	}
	return ""
}

// rawExts are the extensions of cameras' RAW files: Canon, Nikon, Sony,
// Adobe's DNG (also phones'), Olympus, Panasonic, Fujifilm, Pentax,
// Samsung, Hasselblad, Leica, Sigma, Kodak, Minolta, Phase One, Epson.
var rawExts = map[string]bool{
	".cr2": true, ".cr3": true, ".crw": true, ".nef": true, ".nrw": true, ".arw": true, ".srf": true,
	".sr2": true, ".dng": true, ".orf": true, ".rw2": true, ".raf": true, ".pef": true, ".srw": true,
	".3fr": true, ".rwl": true, ".x3f": true, ".kdc": true, ".dcr": true, ".mrw": true, ".iiq": true,
	".erf": true,
}
