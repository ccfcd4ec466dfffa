package imageio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"io"

	"golang.org/x/image/webp"
)

// Lossy WebP is VP8, whose decoded Y, U, V planes are bit-exact by
// specification, so x/image/webp and libwebp (Pillow's decoder) agree on
// them. libwebp then upsamples chroma with its "fancy" 9-3-3-1 filter and
// converts studio-range BT.601 with 14-bit fixed point (dsp/yuv.h,
// dsp/upsampling.c); Go's color.YCbCr would treat the planes as full-range
// JFIF. Replaying libwebp's arithmetic makes lossy WebP match exactly.

// webpToRGB converts a lossy WebP's 4:2:0 planes as libwebp does.
func webpToRGB(m *image.YCbCr) *RGB8 {
	if m.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		return toRGB(m)
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	cw, ch := (w+1)/2, (h+1)/2
	base := m.COffset(m.Rect.Min.X, m.Rect.Min.Y)
	crow := func(p []uint8, cy int) []uint8 { return p[base+max(0, min(cy, ch-1))*m.CStride:][:cw] }
	out := NewRGB8(w, h)
	u, v := make([]uint8, w), make([]uint8, w)
	for y := range h {
		// Each luma row takes 3/4 of its nearer chroma row and 1/4 of the
		// farther one; the first row, and the last of an even height, use
		// their own chroma row twice.
		near, far := y/2, y/2-1
		if y%2 == 1 {
			near, far = (y-1)/2, (y+1)/2
		}
		far = max(0, min(far, ch-1))
		fancyRow(u, crow(m.Cb, near), crow(m.Cb, far))
		fancyRow(v, crow(m.Cr, near), crow(m.Cr, far))
		yrow := m.Y[m.YOffset(m.Rect.Min.X, m.Rect.Min.Y+y):][:w]
		for x, yv := range yrow {
			Y, U, V := int(yv), int(u[x]), int(v[x])
			j := 3 * (y*w + x)
			out.Pix[j] = webpClip(mulHi(Y, 19077) + mulHi(V, 26149) - 14234)
			out.Pix[j+1] = webpClip(mulHi(Y, 19077) - mulHi(U, 6419) - mulHi(V, 13320) + 8708)
			out.Pix[j+2] = webpClip(mulHi(Y, 19077) + mulHi(U, 33050) - 17685)
		}
	}
	return out
}

// fancyRow fills dst (one luma row wide) from the nearer chroma row n and
// the farther row f, as libwebp's UpsampleRgbLinePair does per channel.
func fancyRow(dst, n, f []uint8) {
	w := len(dst)
	dst[0] = uint8((3*int(n[0]) + int(f[0]) + 2) >> 2)
	for x := 1; x <= (w-1)/2; x++ {
		a, b, fa, fb := int(n[x-1]), int(n[x]), int(f[x-1]), int(f[x])
		avg := a + b + fa + fb + 8
		dst[2*x-1] = uint8((((avg + 2*(b+fa)) >> 3) + a) >> 1)
		dst[2*x] = uint8((((avg + 2*(a+fb)) >> 3) + b) >> 1)
	}
	if w%2 == 0 {
		l := w/2 - 1
		dst[w-1] = uint8((3*int(n[l]) + int(f[l]) + 2) >> 2)
	}
}

func mulHi(v, c int) int { return v * c >> 8 }

// webpClip is libwebp's VP8Clip8: drop the 6 fraction bits and clamp.
func webpClip(v int) uint8 {
	if v&^(256<<6-1) == 0 {
		return uint8(v >> 6)
	}
	if v < 0 {
		return 0
	}
	return 255
}

// An animated WebP (VP8X with the animation flag, then ANIM and one ANMF
// chunk a frame) has no top-level VP8 or VP8L chunk, so x/image/webp
// refuses it as invalid. Pillow opens it at its first frame, as libwebp's
// WebPAnimDecoder draws it: the frame's own bitstream decoded as a still
// WebP would be, on a canvas of the VP8X size zeroed first (the first frame
// is a key frame: the ANIM background colour and the blending flags do not
// apply), at the frame's offset; convert("RGB") then drops the alpha.
// webpDecode does the same, decoding the frame with x/image/webp as a
// still WebP rewrapped from the ANMF chunk's sub-chunks.

// webpDecode is webp.Decode, which also takes an animated WebP, as its
// first frame.
func webpDecode(r io.Reader) (image.Image, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	// x/image reads up to the bitstream; libwebp, which Pillow decodes
	// with, refuses a file shorter than its RIFF header says, whose EXIF
	// chunk (the orientation) or later frames were cut off.
	if len(data) < 8 || int64(len(data)) < 8+int64(binary.LittleEndian.Uint32(data[4:])) {
		return nil, io.ErrUnexpectedEOF
	}
	canvasW, canvasH, frame, ok, err := webpFirstFrame(data)
	if err != nil {
		return nil, err
	}
	if !ok {
		return webp.Decode(bytes.NewReader(data))
	}
	x, y, w, h, still, err := webpFrameStill(frame)
	if err != nil {
		return nil, err
	}
	if x+w > canvasW || y+h > canvasH {
		return nil, fmt.Errorf("%w: animated WebP: first frame %d×%d at (%d, %d) is outside the %d×%d canvas", ErrCorrupt, w, h, x, y, canvasW, canvasH)
	}
	m, err := webp.Decode(bytes.NewReader(still))
	if err != nil {
		return nil, err
	}
	if b := m.Bounds(); b.Dx() != w || b.Dy() != h {
		return nil, fmt.Errorf("%w: animated WebP: first frame is %d×%d, its ANMF chunk says %d×%d", ErrCorrupt, b.Dx(), b.Dy(), w, h)
	}
	rgb := decodedRGB(m)
	canvas := image.NewNRGBA(image.Rect(0, 0, canvasW, canvasH))
	for r := range h {
		row := canvas.Pix[canvas.PixOffset(x, y+r):][:4*w]
		src := rgb.Pix[3*r*w:][:3*w]
		for i := range w {
			copy(row[4*i:4*i+3], src[3*i:3*i+3])
			row[4*i+3] = 0xff
		}
	}
	return canvas, nil
}

// webpFirstFrame reads a WebP's chunks: for an animated one, it returns
// the canvas size from VP8X and the payload of the first ANMF chunk, and
// ok; for any other, not ok.
func webpFirstFrame(d []byte) (canvasW, canvasH int, frame []byte, ok bool, err error) {
	animated := false
	d = d[min(len(d), 12):]
	rest := len(d) // what the chunks read leave; > 0 if one runs past the end
	for c := range webpChunks(d) {
		rest -= len(c.raw)
		switch c.id {
		case "VP8X":
			if len(c.data) < 10 || c.data[0]&0x02 == 0 {
				return 0, 0, nil, false, nil
			}
			animated = true
			canvasW, canvasH = int(le24(c.data[4:]))+1, int(le24(c.data[7:]))+1
		case "ANMF":
			if !animated {
				return 0, 0, nil, false, nil
			}
			return canvasW, canvasH, c.data, true, nil
		case "VP8 ", "VP8L":
			return 0, 0, nil, false, nil
		}
	}
	switch {
	case animated && rest > 0:
		return 0, 0, nil, false, io.ErrUnexpectedEOF
	case animated:
		return 0, 0, nil, false, fmt.Errorf("%w: animated WebP without a frame (no ANMF chunk)", ErrCorrupt)
	}
	return 0, 0, nil, false, nil
}

// webpFrameStill reads an ANMF chunk's payload: the frame's offset and
// size, and its bitstream rewrapped as a still WebP file (VP8L; VP8; or
// VP8X with the alpha flag, ALPH and VP8).
func webpFrameStill(p []byte) (x, y, w, h int, still []byte, err error) {
	if len(p) < 16 {
		return 0, 0, 0, 0, nil, fmt.Errorf("%w: animated WebP: ANMF chunk of %d bytes, shorter than its 16-byte header", ErrCorrupt, len(p))
	}
	x, y = 2*int(le24(p)), 2*int(le24(p[3:]))
	w, h = int(le24(p[6:]))+1, int(le24(p[9:]))+1
	var alph, vp8 []byte // whole chunks, header and padding included
	for c := range webpChunks(p[16:]) {
		switch c.id {
		case "ALPH":
			alph = c.raw
		case "VP8 ", "VP8L":
			vp8 = c.raw
		}
		if vp8 != nil {
			break
		}
	}
	if vp8 == nil {
		return 0, 0, 0, 0, nil, fmt.Errorf("%w: animated WebP: first frame has no VP8 or VP8L bitstream", ErrCorrupt)
	}
	body := []byte("WEBP")
	if alph != nil && string(vp8[:4]) == "VP8 " {
		vp8x := make([]byte, 18)
		copy(vp8x, "VP8X")
		binary.LittleEndian.PutUint32(vp8x[4:], 10)
		vp8x[8] = 0x10 // alpha
		putLE24(vp8x[12:], uint32(w-1))
		putLE24(vp8x[15:], uint32(h-1))
		body = append(append(append(body, vp8x...), alph...), vp8...)
	} else {
		body = append(body, vp8...)
	}
	still = binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(len(body)))
	return x, y, w, h, append(still, body...), nil
}

// webpChunk is one RIFF chunk: its FourCC, its payload, and the whole
// chunk as stored (header, payload and padding byte).
type webpChunk struct {
	id        string
	data, raw []byte
}

// webpChunks yields the RIFF chunks in d, stopping at the first that runs
// past the end of d.
func webpChunks(d []byte) func(yield func(webpChunk) bool) {
	return func(yield func(webpChunk) bool) {
		for len(d) >= 8 {
			n := int64(binary.LittleEndian.Uint32(d[4:]))
			if n > int64(len(d)-8) {
				return
			}
			end := min(8+n+n&1, int64(len(d)))
			if !yield(webpChunk{id: string(d[:4]), data: d[8 : 8+n], raw: d[:end]}) {
				return
			}
			d = d[end:]
		}
	}
}

func le24(b []byte) uint32 { return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 }

func putLE24(b []byte, v uint32) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
