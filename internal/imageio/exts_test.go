package imageio

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestImageExtensions: the folder walk (InFolder, NamedAsImage), the list
// filter (IsImageExt) and the name a decoding error compares with the
// content (extFormat) read one table, and agree on every extension: .jfif
// and .jpe are JPEG (the walk passed them over while extFormat named them
// JPEG); .dib is not taken by name (extFormat called it BMP, yet Pillow's
// .dib, a bare DIB, is no BMP x/image/bmp reads: it gets ErrBareDIB), and
// a .dib that is a whole BMP still decodes by its content.
func TestImageExtensions(t *testing.T) {
	jpg, bmp := readImage(t, "formats/jpeg_420.jpg"), readImage(t, "formats/bmp_rgb24.bmp")
	dib := readImage(t, "formats/bmp_bare.dib") // Pillow's rgb.save("x.dib"), scripts/gen_pixel_goldens.py
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		data   []byte
		format string // extFormat's; "" for a name no decoder claims
		walk   bool   // InFolder takes it
		err    error  // DecodeFile's; nil: decodes
	}{
		{"a.jpg", jpg, "jpeg", true, nil},
		{"b.JPEG", jpg, "jpeg", true, nil},
		{"c.jfif", jpg, "jpeg", true, nil},
		{"d.JPE", jpg, "jpeg", true, nil},
		{"e.bmp", bmp, "bmp", true, nil},
		{"f.dib", dib, "", false, ErrBareDIB},
		{"g.dib", bmp, "", false, nil}, // a BMP named .dib: by content, when named
		{"h.tif", readImage(t, "formats/tiff_rgb.tif"), "tiff", true, nil},
		{"i.HEIC", jpg, "", true, nil}, // a phone's JPEG named HEIC: by its first bytes
		{"j.txt", []byte("notes"), "", false, ErrFormat},
	} {
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		ext := filepath.Ext(tc.name)
		named := tc.format != ""
		if got := extFormat(path); got != tc.format {
			t.Errorf("%s: extFormat %q, want %q", tc.name, got, tc.format)
		}
		if NamedAsImage(path) != named || IsImageExt(ext) != named || slices.Contains(ImageExts, strings.ToLower(ext)) != named {
			t.Errorf("%s: NamedAsImage %v, IsImageExt %v, in ImageExts %v; want %v", tc.name, NamedAsImage(path), IsImageExt(ext), slices.Contains(ImageExts, strings.ToLower(ext)), named)
		}
		if got := InFolder(path).Image; got != tc.walk {
			t.Errorf("%s: InFolder takes it: %v, want %v", tc.name, got, tc.walk)
		}
		_, err := DecodeFile(path, 0)
		if tc.err == nil && err != nil || tc.err != nil && !errors.Is(err, tc.err) {
			t.Errorf("%s: DecodeFile: %v, want %v", tc.name, err, tc.err)
		}
	}
}

// TestImageExtsTable: each extension names a format that formats decodes,
// and ImageExts lists them sorted, lower case, each once.
func TestImageExtsTable(t *testing.T) {
	decoders := map[string]bool{}
	for _, d := range formats {
		decoders[d.name] = true
	}
	for ext, f := range extFormats {
		if !decoders[f] || ext != strings.ToLower(ext) || !strings.HasPrefix(ext, ".") {
			t.Errorf("extFormats[%q] = %q: no such decoder, or not a lower-case extension", ext, f)
		}
	}
	if !slices.IsSorted(ImageExts) || len(slices.Compact(slices.Clone(ImageExts))) != len(extFormats) {
		t.Errorf("ImageExts %v: want extFormats' %d extensions sorted", ImageExts, len(extFormats))
	}
}
