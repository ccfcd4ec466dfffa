package jpeg

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// FuzzJPEG feeds the decoder mutated test files: it must return an image of
// the size DecodeConfig promised, or an error, never panic or hang. At 1/8
// it decodes again with skip tables for every component, however small,
// and wants the same pixels and error.
func FuzzJPEG(f *testing.F) {
	names, err := filepath.Glob(filepath.Join(testDir, "*.jpg"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no seeds in %s: %v", testDir, err)
	}
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, scale uint8) {
		s := 1 << (scale % 4)
		cfg, cerr := DecodeConfig(data)
		m, err := Decode(data, Options{Scale: s, MaxPixels: 1 << 20})
		if s == 8 {
			defer func(n int) { skipMinBlocks = n }(skipMinBlocks)
			skipMinBlocks = 0
			k, kerr := Decode(data, Options{Scale: s, MaxPixels: 1 << 20})
			if fmt.Sprint(err) != fmt.Sprint(kerr) || (m == nil) != (k == nil) || m != nil && !bytes.Equal(m.Pix, k.Pix) {
				t.Fatalf("with skip tables: %v, without: %v, or other pixels", kerr, err)
			}
		}
		if err != nil {
			return
		}
		if cerr != nil {
			t.Fatalf("Decode succeeded but DecodeConfig failed: %v", cerr)
		}
		w, h := ceilDiv(cfg.Width, s), ceilDiv(cfg.Height, s)
		if m.W != w || m.H != h || m.Color != cfg.Color || len(m.Pix) != w*h*int(m.Color) {
			t.Fatalf("decoded %d×%d %d (%d samples), config %d×%d %d at 1/%d", m.W, m.H, m.Color, len(m.Pix), cfg.Width, cfg.Height, cfg.Color, s)
		}
	})
}
