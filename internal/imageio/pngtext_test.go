package imageio

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"runtime"
	"testing"
)

// TestPNGTextNotInflated: pngOrientation decompresses only the text
// chunks whose keywords it reads. A PNG of 200 zTXt chunks of other
// keywords, each inflating to Pillow's 1 MB limit (200 KB of file), made
// it allocate 200 MB; and a repeated keyword is still read from its last
// chunk.
func TestPNGTextNotInflated(t *testing.T) {
	chunk := func(typ string, body []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
		b = append(b, typ...)
		b = append(b, body...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), body...)))
	}
	deflate := func(b []byte) []byte {
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		w.Write(b)
		w.Close()
		return z.Bytes()
	}
	zeros := deflate(make([]byte, 1<<20))
	xmp := func(o int) []byte {
		return chunk("zTXt", append([]byte("XML:com.adobe.xmp\x00\x00"), deflate(fmt.Appendf(nil, `<x tiff:Orientation="%d"/>`, o))...))
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), xmp(3)...)
	for i := range 200 {
		png = append(png, chunk("zTXt", append(fmt.Appendf(nil, "Comment %d\x00\x00", i), zeros...))...)
	}
	png = append(png, xmp(6)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	o := pngOrientation(png)
	runtime.ReadMemStats(&after)
	if o != 6 {
		t.Errorf("orientation %d, want 6 (the last XMP chunk's)", o)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
		t.Errorf("reading the orientation of a %d KB PNG allocated %d MB", len(png)>>10, n>>20)
	}
}
