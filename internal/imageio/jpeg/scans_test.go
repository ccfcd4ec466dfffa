package jpeg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// manyScans is a progressive gray w×h JPEG of a DC scan and then n AC
// scans, each a run of end-of-bands over every block: a few bytes a scan,
// each scan a pass over all the blocks. 2,000 such scans of a 64-megapixel
// image (300 KB) took a minute to decode.
func manyScans(w, h, n int) []byte {
	var f bytes.Buffer
	seg := func(m byte, data []byte) {
		f.Write([]byte{0xff, m})
		binary.Write(&f, binary.BigEndian, uint16(len(data)+2))
		f.Write(data)
	}
	f.Write([]byte{0xff, 0xd8})
	seg(0xdb, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...))
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 1, 1, 0x11, 0}
	seg(0xc2, sof)
	seg(0xc4, append([]byte{0x00, 1}, append(make([]byte, 15), 0)...))    // DC: symbol 0, code "0"
	seg(0xc4, append([]byte{0x10, 1}, append(make([]byte, 15), 0xe0)...)) // AC: EOBRUN 2^14+, code "0"
	blocks := ((w + 7) / 8) * ((h + 7) / 8)
	var bits []byte // one 0 or 1 a bit
	flush := func() []byte {
		for len(bits)%8 != 0 {
			bits = append(bits, 1)
		}
		var out []byte
		for i := 0; i < len(bits); i += 8 {
			var b byte
			for _, x := range bits[i : i+8] {
				b = b<<1 | x
			}
			out = append(out, b)
			if b == 0xff {
				out = append(out, 0)
			}
		}
		bits = bits[:0]
		return out
	}
	seg(0xda, []byte{1, 1, 0x00, 0, 0, 0})
	bits = make([]byte, blocks) // every DC difference 0
	f.Write(flush())
	for left := blocks; left > 0; left -= 1 << 14 { // EOBRUN 2^14: may end past the last block, as libjpeg allows
		bits = append(bits, 0)
		bits = append(bits, make([]byte, 14)...)
	}
	ac := flush()
	for range n {
		seg(0xda, []byte{1, 1, 0x00, 1, 63, 0})
		f.Write(ac)
	}
	f.Write([]byte{0xff, 0xd9})
	return f.Bytes()
}

// TestScanLimit: a file of more scans than any encoder writes is refused
// as it reaches the limit, before it has cost a pass over the image for
// each; one of fewer is decoded.
func TestScanLimit(t *testing.T) {
	if _, err := Decode(manyScans(64, 48, maxScans-1), Options{}); err != nil {
		t.Fatalf("%d scans: %v", maxScans, err)
	}
	_, err := Decode(manyScans(64, 48, maxScans), Options{})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "more than 256 scans") {
		t.Errorf("%d scans: error %v, want ErrCorrupt saying more than 256 scans", maxScans+1, err)
	}
}
