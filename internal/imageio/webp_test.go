package imageio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// animatedWebP wraps the frame chunks of a still WebP file (ALPH and VP8,
// or VP8L) as the first of two frames of an animated WebP: a canvasW×canvasH
// canvas, the frame at (x, y) (even).
func animatedWebP(t testing.TB, still []byte, canvasW, canvasH, x, y int) []byte {
	t.Helper()
	var frame []byte
	for c := range webpChunks(still[12:]) {
		if c.id == "ALPH" || c.id == "VP8 " || c.id == "VP8L" {
			frame = append(frame, c.raw...)
		}
	}
	m, err := DecodeData("still.webp", still, 0)
	if err != nil {
		t.Fatal(err)
	}
	le24 := func(v int) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16)} }
	chunk := func(id string, b []byte) []byte {
		c := binary.LittleEndian.AppendUint32([]byte(id), uint32(len(b)))
		c = append(c, b...)
		if len(b)%2 == 1 {
			c = append(c, 0)
		}
		return c
	}
	anmf := bytes.Join([][]byte{le24(x / 2), le24(y / 2), le24(m.W - 1), le24(m.H - 1), le24(100), {0}, frame}, nil)
	vp8x := bytes.Join([][]byte{{0x12, 0, 0, 0}, le24(canvasW - 1), le24(canvasH - 1)}, nil)
	body := bytes.Join([][]byte{[]byte("WEBP"), chunk("VP8X", vp8x), chunk("ANIM", make([]byte, 6)), chunk("ANMF", anmf), chunk("ANMF", anmf)}, nil)
	return append(binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(len(body))), body...)
}

// TestAnimatedWebP: an animated WebP decodes as its first frame on a
// zeroed canvas, as Pillow opens it (libwebp's WebPAnimDecoder), where it
// was refused as "truncated or corrupt image data: WEBP: invalid format".
// Checked bit for bit against Pillow 9.4 (libwebp 1.2.4) on lossy, lossy
// with alpha and lossless animations written by Pillow and on frames at an
// offset; here the first frame must be the still WebP it was made from.
func TestAnimatedWebP(t *testing.T) {
	for _, name := range []string{"webp_lossy.webp", "webp_lossy_alpha.webp", "webp_lossless_alpha.webp"} {
		still, err := os.ReadFile(filepath.Join(imagesDir, "formats", name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := DecodeData(name, still, 0)
		if err != nil {
			t.Fatal(err)
		}
		const x, y = 6, 4
		cw, ch := want.W+x+3, want.H+y+5
		got, err := DecodeData("anim.webp", animatedWebP(t, still, cw, ch, x, y), 0)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got.W != cw || got.H != ch {
			t.Errorf("%s: %d×%d, want the canvas's %d×%d", name, got.W, got.H, cw, ch)
			continue
		}
		for r := range ch {
			for c := range cw {
				p := got.Pix[3*(r*cw+c):][:3]
				w := []byte{0, 0, 0}
				if c >= x && c < x+want.W && r >= y && r < y+want.H {
					w = want.Pix[3*((r-y)*want.W+c-x):][:3]
				}
				if !bytes.Equal(p, w) {
					t.Fatalf("%s: pixel (%d, %d) = %v, want %v", name, c, r, p, w)
				}
			}
		}
	}
}

func TestAnimatedWebPErrors(t *testing.T) {
	still, err := os.ReadFile(filepath.Join(imagesDir, "formats", "webp_lossy.webp"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := DecodeData("still.webp", still, 0)
	if err != nil {
		t.Fatal(err)
	}
	good := animatedWebP(t, still, m.W+2, m.H+2, 2, 2)
	noFrame := bytes.Clone(good[:12+8+10+8+6]) // RIFF header, VP8X, ANIM
	binary.LittleEndian.PutUint32(noFrame[4:], uint32(len(noFrame)-8))
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"frame outside the canvas", animatedWebP(t, still, m.W+2, m.H+2, 4, 0), "outside the"},
		{"no frame", noFrame, "without a frame"},
		{"cut in its first frame", good[:len(good)/2], "WEBP data ends early"},
	} {
		_, err := DecodeData("anim.webp", c.data, 0)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "anim.webp: ") {
			t.Errorf("%s: %v, want ErrCorrupt naming the file and saying %q", c.name, err, c.want)
		}
	}
}
