package cli

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pngBomb is a valid PNG header declaring w×h pixels with almost no data.
func pngBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := append([]byte(typ), data...)
		b.Write(c)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(c))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// TestHostileFolder classifies a folder of bad files between good ones: each
// bad file gets one error naming it and saying why; the good ones still run.
func TestHostileFolder(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(imagesDir, "chelsea.png"))
	if err != nil {
		t.Fatal(err)
	}
	jpg, err := os.ReadFile(filepath.Join(imagesDir, "rocket.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct{ path, want string }{
		{write("a_good.png", good), ""},
		{write("bomb.png", pngBomb(50000, 50000)), "50000×50000 = 2500000000 pixels"},
		{write("truncated.jpg", jpg[:len(jpg)/3]), "truncated or corrupt"},
		{write("zero.png", nil), "empty"},
		{write("text.png", []byte("hello, I am not an image\n")), "not a supported image"},
		{write("png_named.jpg", good), ""}, // decoded by content, not by name
		{write("z_good.jpg", jpg), ""},
	}
	loop := filepath.Join(dir, "loop.png")
	os.Symlink(loop, loop)
	cases = append(cases, struct{ path, want string }{loop, "part of a loop of links that leads to no file"})
	sub := filepath.Join(dir, "folder.png") // a list names files: passed over (TestListedFolders)
	os.Mkdir(sub, 0o755)

	var list strings.Builder
	for _, c := range cases {
		list.WriteString(c.path + "\n")
	}
	list.WriteString(sub + "\n")
	code, out, errs := run(t, list.String(), "classify", "-m", "fashion-vit", "-o", "jsonl", "-")
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("%d results for %d inputs:\n%s", len(lines), len(cases), out)
	}
	for i, c := range cases {
		var r record
		json.Unmarshal([]byte(lines[i]), &r)
		switch {
		case string(r.Path) != c.path:
			t.Errorf("result %d is for %s, want %s", i, r.Path, c.path)
		case c.want == "" && (r.Error != "" || len(r.TopK) == 0):
			t.Errorf("%s should classify: %s", c.path, lines[i])
		case c.want != "" && !strings.Contains(strings.ToLower(r.Error), strings.ToLower(c.want)):
			t.Errorf("%s: error %q should mention %q", c.path, r.Error, c.want)
		}
	}
	if !strings.Contains(errs, "classified 3 of 8 images") {
		t.Errorf("summary:\n%s", errs)
	}
}
