package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// heic is the start of an iPhone photo: an ftyp box of brand heic.
const heic = "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"

// hint is what a message about n HEIC/AVIF files ends with.
func hint(it string) string {
	return "convert " + it + " to JPEG first (heif-convert IN OUT.jpg, magick IN OUT.jpg, or on macOS sips -s format jpeg IN --out OUT.jpg)"
}

// TestPhoneFormats: HEIC, AVIF, JPEG XL and JPEG 2000 files, and a camera's RAW
// files (IMG_0001.CR2 beside IMG_0001.JPG, which a folder walk passed over
// only as "skipped for their names (--all-files tries every file)") are
// named for what they are, with the commands that convert them, wherever they stop a run or
// are left out: named on the command line or found with --all-files
// (classify, embed, eval's lists, inspect-attention), skipped by name in a
// folder walk, and passed over in eval's and finetune's class folders.
// They said "not a supported image (JPEG, …)", or were only counted among
// "files in folders skipped for their names (--all-files tries every file)".
func TestPhoneFormats(t *testing.T) {
	png, err := os.ReadFile(filepath.Join(imagesDir, "fashion", "0002_trouser.png"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	img := write("mixed/a.png", string(png))
	photo := write("mixed/IMG_0001.HEIC", heic)
	write("mixed/b.avif", "\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf")
	write("mixed/notes.txt", "x")
	write("phones/IMG_0002.heic", heic)
	write("phones/c.jxl", "\xff\x0a\x00")
	write("camera/IMG_0001.CR2", "II*\x00\x10\x00\x00\x00CR\x02\x00")
	write("camera/IMG_0001.JPG", string(png)) // content decides: a PNG named so is taken
	write("camera/IMG_0002.CR2", "II*\x00\x10\x00\x00\x00CR\x02\x00")
	write("one/IMG_0003.HEIC", heic)
	scan := write("scans/page1.jp2", "\x00\x00\x00\x0cjP  \r\n\x87\n\x00\x00\x00\x14ftypjp2 ")
	write("scans/page2.j2k", "\xff\x4f\xff\x51\x00\x2f")
	write("data/Trouser/t.png", string(png))
	write("data/Trouser/IMG_0004.HEIC", heic)
	write("data/Shirt/IMG_0005.HEIC", heic)
	write("heic/Trouser/IMG_0006.HEIC", heic)
	write("heic/Shirt/IMG_0007.HEIC", heic)
	list := write("list.csv", "path,label\nmixed/a.png,Trouser\nmixed/IMG_0001.HEIC,Shirt\n")
	out := filepath.Join(dir, "att")
	fileErr := "vitctl: " + photo + ": a HEIC image, which vitctl cannot decode: " + hint("it") + "\n"

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"classify", "-m", "fashion-vit", filepath.Join(dir, "mixed")}, ExitOK,
			"; 3 files in folders skipped for their names (" + filepath.Join(dir, "mixed", "IMG_0001.HEIC") + ", " + filepath.Join(dir, "mixed", "b.avif") + ", " + filepath.Join(dir, "mixed", "notes.txt") + "; --all-files tries every file), 2 of them HEIC/AVIF images, which vitctl cannot decode: " + hint("them") + "\n"},
		{[]string{"classify", "-m", "fashion-vit", "--all-files", filepath.Join(dir, "mixed")}, ExitFailed, fileErr},
		{[]string{"classify", "-m", "fashion-vit", photo}, ExitFailed, fileErr},
		{[]string{"classify", "-m", "fashion-vit", filepath.Join(dir, "phones")}, ExitFailed,
			"; 2 files in folders skipped for their names (" + filepath.Join(dir, "phones", "IMG_0002.heic") + ", " + filepath.Join(dir, "phones", "c.jxl") + "), all HEIC/JPEG XL images, which vitctl cannot decode: convert them to JPEG first (heif-convert IN OUT.jpg, djxl IN OUT.jpg, magick IN OUT.jpg, or on macOS sips -s format jpeg IN --out OUT.jpg)\n"},
		{[]string{"classify", "-m", "fashion-vit", filepath.Join(dir, "camera")}, ExitOK,
			"; 2 files in folders skipped for their names (" + filepath.Join(dir, "camera", "IMG_0001.CR2") + ", " + filepath.Join(dir, "camera", "IMG_0002.CR2") + "), all camera RAW images, which vitctl cannot decode: convert them to JPEG first (darktable-cli IN OUT.jpg, magick IN OUT.jpg, or on macOS sips -s format jpeg IN --out OUT.jpg)\n"},
		{[]string{"classify", "-m", "fashion-vit", filepath.Join(dir, "one")}, ExitFailed,
			"; 1 file in folders skipped for its name (" + filepath.Join(dir, "one", "IMG_0003.HEIC") + "), a HEIC image, which vitctl cannot decode: " + hint("it") + "\n"},
		{[]string{"classify", "-m", "fashion-vit", scan}, ExitFailed,
			"vitctl: " + scan + ": a JPEG 2000 image, which vitctl cannot decode: convert it to JPEG or PNG first (opj_decompress -i IN -o OUT.png, magick IN OUT.jpg, or on macOS sips -s format jpeg IN --out OUT.jpg)\n"},
		{[]string{"classify", "-m", "fashion-vit", filepath.Join(dir, "scans")}, ExitFailed,
			"; 2 files in folders skipped for their names (" + scan + ", " + filepath.Join(dir, "scans", "page2.j2k") + "), all JPEG 2000 images, which vitctl cannot decode: convert them to JPEG or PNG first (opj_decompress"},
		{[]string{"embed", "-m", "fashion-vit", img, photo}, ExitFailed, fileErr},
		{[]string{"inspect-attention", "-m", "fashion-vit", "--out", out, photo}, ExitFailed, fileErr},
		{[]string{"eval", "-m", "fashion-vit", list}, ExitFailed, "vitctl: " + list + ":3: " + strings.TrimPrefix(fileErr, "vitctl: ")},
		{[]string{"eval", "-m", "fashion-vit", filepath.Join(dir, "data")}, ExitOK,
			"vitctl: warning: " + filepath.Join(dir, "data") + ": left out 2 HEIC images, which vitctl cannot decode: " + hint("them") + "\n"},
		{[]string{"finetune", "-m", "fashion-vit", "--out", filepath.Join(dir, "ft.gguf"), filepath.Join(dir, "heic")}, ExitFailed,
			"it holds 2 HEIC images, which vitctl cannot decode: " + hint("them") + "\n"},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant exit %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}

// TestMisnamedPhone: a file named as a format vitctl cannot decode that
// holds a JPEG (some phones and converters save one as IMG_0001.HEIC) is
// taken by a folder walk, as --all-files and a file named on its own
// always took it, and by eval's and finetune's class folders; it was
// skipped for its name ("1 file in folders skipped for its name, a HEIC
// image, which vitctl cannot decode").
func TestMisnamedPhone(t *testing.T) {
	jpg, err := os.ReadFile(filepath.Join(imagesDir, "rocket.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"photos/IMG_0001.HEIC", "photos/sub/b.avif", "data/Trouser/IMG_0002.heic", "data/Shirt/IMG_0003.HEIC"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), jpg, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "photos", "IMG_0004.HEIC"), []byte(heic), 0o644) // a real one: skipped
	photos := filepath.Join(dir, "photos")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", photos}, "classified 1 of 1 image in "},
		{[]string{"classify", "-r", photos}, "classified 2 of 2 images in "},
		{[]string{"embed", "-r", photos}, "embedded 2 of 2 images in "},
		{[]string{"eval", filepath.Join(dir, "data")}, "evaluated 2 of 2 images in "},
	} {
		code, _, errs := run(t, "", append(tc.args, "-m", "fashion-vit")...)
		if code != ExitOK || !strings.Contains(errs, tc.want) || strings.Count(errs, "HEIC image") > 1 || strings.Contains(errs, "IMG_0001") {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant exit 0, %q and only the real HEIC file skipped", tc.args, code, errs, tc.want)
		}
	}
}

// TestMacMetadataSkipped: a folder copied from a Mac to a FAT or exFAT
// drive holds ._NAME beside each photo, named as an image; a folder walk
// passes them over with one note, even with --all-files, where each failed
// ("not a supported image") and the run ended with exit 1. Named on its
// own, one says what it is.
func TestMacMetadataSkipped(t *testing.T) {
	png, err := os.ReadFile(filepath.Join(imagesDir, "chelsea.png"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	meta := []byte("\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
	os.WriteFile(filepath.Join(dir, "a.png"), png, 0o644)
	os.WriteFile(filepath.Join(dir, "._a.png"), meta, 0o644)
	for _, args := range [][]string{{"classify", dir}, {"classify", "--all-files", dir}, {"embed", dir}} {
		code, _, errs := run(t, "", append(args, "-m", "fashion-vit")...)
		if code != ExitOK || !strings.Contains(errs, "of 1 image in") || !strings.Contains(errs, "1 macOS metadata file skipped") {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant exit 0, one image and the metadata file skipped", args, code, errs)
		}
	}
	code, _, errs := run(t, "", "classify", "-m", "fashion-vit", filepath.Join(dir, "._a.png"))
	if code != ExitFailed || !strings.Contains(errs, "._a.png: a macOS metadata file (AppleDouble") {
		t.Errorf("classify ._a.png: exit %d, stderr:\n%s\nwant exit 1 naming what the file is", code, errs)
	}
}
