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

// TestNoDecoderFormats: phone and browser formats are named by their
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
		{"renamed.jpg", ftyp("heic"), HEIC, "a HEIC image"},
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
	} {
		if got := NoDecoderExt(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

// TestDecodable: a file is decodable by its first bytes, whatever its
// name: a JPEG named .heic is, a HEIC, a short or empty file, a folder and
// a missing file are not.
func TestDecodable(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		data []byte
		want bool
	}{
		{"jpeg.heic", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), true},
		{"png.avif", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), true},
		{"webp.heif", []byte("RIFF\x10\x00\x00\x00WEBPVP8 "), true},
		{"real.heic", ftyp("heic", "mif1", "heic"), false},
		{"short.heic", []byte("RIFF\x10"), false},
		{"empty.heic", nil, false},
	} {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		if got := Decodable(p); got != c.want {
			t.Errorf("%s: Decodable %v, want %v", c.name, got, c.want)
		}
	}
	if Decodable(filepath.Join(dir, "missing.heic")) || Decodable(dir) {
		t.Error("a missing file or a folder is decodable")
	}
}
