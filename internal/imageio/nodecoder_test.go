package imageio

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ftyp returns an ISO-BMFF file's start: an ftyp box of the brands given
// (major first), then an empty meta box.
func ftyp(major string, compatible ...string) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(16+4*len(compatible)))
	b = append(b, "ftyp"+major+"\x00\x00\x00\x00"...)
	for _, c := range compatible {
		b = append(b, c...)
	}
	return append(b, "\x00\x00\x00\x08meta"...)
}

// TestNoDecoderFormats: phone and browser formats, and JPEG 2000 (which
// was "not a supported image" with no advice), are named by their
// content, whatever the file is called; other ISO-BMFF files (videos) and
// junk stay "not a supported image".
func TestNoDecoderFormats(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name   string
		data   []byte
		format string // "": ErrFormat, no NoDecoderError
		msg    string
	}{
		{"IMG_0001.HEIC", ftyp("heic", "mif1", "heic"), HEIC, "a HEIC image, which vitctl cannot decode"},
		{"burst.heic", ftyp("hevc", "msf1"), HEIC, "a HEIC image"},
		{"generic.heif", ftyp("mif1", "miaf", "heic"), HEIC, "a HEIC image"},
		{"av1.heif", ftyp("mif1", "miaf", "avif"), AVIF, "an AVIF image"},
		{"unknown-codec.heif", ftyp("mif1", "miaf"), HEIF, "a HEIF image"},
		{"cat.avif", ftyp("avif", "avif", "mif1", "miaf"), AVIF, "an AVIF image, which vitctl cannot decode"},
		{"anim.avif", ftyp("avis", "msf1"), AVIF, "an AVIF image"},
		{"cat.jxl", []byte("\xff\x0a\xfa\x1f\x00"), JPEGX, "a JPEG XL image"},
		{"box.jxl", []byte("\x00\x00\x00\x0cJXL \r\n\x87\n\x00\x00\x00\x14ftypjxl "), JPEGX, "a JPEG XL image"},
		{"scan.jp2", []byte("\x00\x00\x00\x0cjP  \r\n\x87\n\x00\x00\x00\x14ftypjp2 \x00\x00\x00\x00jp2 "), JP2, "a JPEG 2000 image, which vitctl cannot decode"},
		{"frame.j2k", []byte("\xff\x4f\xff\x51\x00\x2f\x00\x00"), JP2, "a JPEG 2000 image"},
		{"scan.png", []byte("\x00\x00\x00\x0cjP  \r\n\x87\n"), JP2, "a JPEG 2000 image"},
		{"renamed.jpg", ftyp("heic"), HEIC, "a HEIC image"},
		{"IMG_0001.CR3", ftyp("crx ", "crx ", "isom"), RAW, "a camera RAW image, which vitctl cannot decode"},
		{"clip.mp4", ftyp("isom", "iso2", "mp41"), "", "not a supported image"},
		{"short.heic", []byte("\x00\x00\x00\x10ftyphei"), "", "not a supported image"},
		// A box claiming more than the file holds: brands read up to its end.
		{"long.heif", []byte("\x00\x00\x00\xffftypmif1\x00\x00\x00\x00avif"), AVIF, "an AVIF image"},
	} {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := DecodeFile(p, 0)
		if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: got %v, want ErrFormat", c.name, err)
			continue
		}
		var nd *NoDecoderError
		got := ""
		if errors.As(err, &nd) {
			got = strings.Join(nd.Formats, "/")
		}
		if got != c.format {
			t.Errorf("%s: format %q, want %q", c.name, got, c.format)
		}
		if want := p + ": " + c.msg; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: message %q, want it to start %q", c.name, err, want)
		}
	}
}

func TestNoDecoderError(t *testing.T) {
	var e NoDecoderError
	for _, f := range []string{HEIC, AVIF, HEIC, HEIC} {
		e.Add(f)
	}
	if got, want := e.Error(), "4 HEIC/AVIF images, which vitctl cannot decode"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNoDecoderExt(t *testing.T) {
	for name, want := range map[string]string{
		"IMG_0001.HEIC": HEIC, "a.hif": HEIC, "b.heif": HEIF, "c.AVIF": AVIF, "d.jxl": JPEGX,
		"https://host/e.avif?w=300": AVIF, "f.jpg": "", "heic": "", "g.heic.txt": "",
		"scan.jp2": JP2, "f.J2K": JP2, "g.jpf": JP2, "h.jpx": JP2, "i.j2c": JP2,
		"IMG_0001.CR2": RAW, "DSC_0001.nef": RAW, "PXL_0001.dng": RAW, "_DSC0001.ARW": RAW, "cr2": "",
	} {
		if got := NoDecoderExt(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

// TestInFolder: what a folder walk makes of a file. Named as a format
// vitctl cannot decode, it is an image when its first bytes say so (a
// JPEG named .heic), else counted as that format (a HEIC, a short or empty
// file, a folder, a missing file). A ._NAME holding AppleDouble's
// signature is macOS metadata whatever its name; one without it, and a
// file named as an image, count as their names say.
func TestInFolder(t *testing.T) {
	dir := t.TempDir()
	meta := []byte("\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")
	png, err := os.ReadFile(filepath.Join("..", "..", "testdata", "images", "chelsea.png"))
	if err != nil {
		t.Fatal(err)
	}
	image, macMeta := Found{Image: true}, Found{MacMeta: true}
	for _, c := range []struct {
		name string
		data []byte // nil: not made
		want Found
	}{
		{"jpeg.heic", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), image},
		{"png.avif", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), image},
		{"webp.heif", []byte("RIFF\x10\x00\x00\x00WEBPVP8 "), image},
		{"real.heic", ftyp("heic", "mif1", "heic"), Found{NoDecoder: HEIC}},
		{"short.heic", []byte("RIFF\x10"), Found{NoDecoder: HEIC}},
		{"empty.heic", []byte{}, Found{NoDecoder: HEIC}},
		{"missing.heic", nil, Found{NoDecoder: HEIC}},
		{"x.jxl", []byte("\xff\x0a"), Found{NoDecoder: JPEGX}},
		{"x.jp2", []byte("\x00\x00\x00\x0cjP  \r\n\x87\n"), Found{NoDecoder: JP2}},
		// A camera RAW file starts as a TIFF, whose first image is a
		// thumbnail or a preview: it is counted as RAW, never taken.
		{"IMG_0001.CR2", []byte("II*\x00\x10\x00\x00\x00CR\x02\x00"), Found{NoDecoder: RAW}},
		{"DSC_0001.NEF", []byte("MM\x00*\x00\x00\x00\x08\x00\x1c"), Found{NoDecoder: RAW}},
		{"IMG_0002.CR3", ftyp("crx ", "crx ", "isom"), Found{NoDecoder: RAW}},
		{"._IMG_0001.jpg", meta, macMeta},
		{"._x", meta, macMeta},
		{"._IMG_0002.heic", meta, macMeta},
		{"IMG_0001.jpg", meta, image},    // not named as metadata: decoding says what it is
		{"._chelsea.png", png, image},    // named so, but a PNG
		{"._short.jpg", meta[:3], image}, // too short for the signature
		{"._missing.jpg", nil, image},    // cannot be read: as its name says
		{"A.PNG", png, image},
		{"notes.txt", []byte("notes"), Found{}},
	} {
		p := filepath.Join(dir, c.name)
		if c.data != nil {
			if err := os.WriteFile(p, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got := InFolder(p); got != c.want {
			t.Errorf("InFolder(%s) = %+v, want %+v", c.name, got, c.want)
		}
	}
	folder := filepath.Join(dir, "folder.heic")
	os.Mkdir(folder, 0o755)
	if got := InFolder(folder); got != (Found{NoDecoder: HEIC}) {
		t.Errorf("InFolder of a folder named .heic = %+v, want it counted as HEIC", got)
	}
}
