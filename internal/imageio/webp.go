package imageio

import "image"

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
