package imageio

import "image"

// Go's image/jpeg leaves chroma subsampled and its own YCbCr→RGB conversion
// replicates each chroma sample (box upsampling). Pillow decodes with
// libjpeg(-turbo), whose default "fancy" upsampling interpolates chroma with
// a triangle filter and whose colour conversion uses its own fixed-point
// tables. Replaying both on Go's planes leaves only the IDCT as a source of
// difference (±1–2 levels) instead of visible chroma edges.

// libjpeg's ycc→rgb tables (jdcolor.c build_ycc_rgb_table), SCALEBITS = 16.
var crR, cbB, crG, cbG [256]int32

func init() {
	const scaleBits = 16
	const half = 1 << (scaleBits - 1)
	fix := func(x float64) int32 { return int32(x*(1<<scaleBits) + 0.5) }
	for i := range 256 {
		x := int32(i) - 128
		crR[i] = (fix(1.40200)*x + half) >> scaleBits
		cbB[i] = (fix(1.77200)*x + half) >> scaleBits
		crG[i] = -fix(0.71414) * x
		cbG[i] = -fix(0.34414)*x + half
	}
}

// jpegToRGB converts a JPEG's YCbCr planes as libjpeg-turbo's default
// decompressor would.
func jpegToRGB(m *image.YCbCr) *RGB8 {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	cb := upsample(m, m.Cb, w, h)
	cr := upsample(m, m.Cr, w, h)
	out := NewRGB8(w, h)
	for y := range h {
		yrow := m.Y[m.YOffset(m.Rect.Min.X, m.Rect.Min.Y+y):][:w]
		for x, yv := range yrow {
			Y := int32(yv)
			i, j := y*w+x, 3*(y*w+x)
			b, r := cb[i], cr[i]
			out.Pix[j] = clip8(int(Y + crR[r]))
			out.Pix[j+1] = clip8(int(Y + (cbG[b]+crG[r])>>16))
			out.Pix[j+2] = clip8(int(Y + cbB[b]))
		}
	}
	return out
}

// upsample returns a w×h full-resolution copy of one chroma plane.
func upsample(m *image.YCbCr, c []uint8, w, h int) []uint8 {
	hs, vs := 1, 1 // horizontal and vertical subsampling factors
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		hs = 2
	case image.YCbCrSubsampleRatio420:
		hs, vs = 2, 2
	case image.YCbCrSubsampleRatio440:
		vs = 2
	case image.YCbCrSubsampleRatio411:
		hs = 4
	case image.YCbCrSubsampleRatio410:
		hs, vs = 4, 2
	}
	cw, ch := (w+hs-1)/hs, (h+vs-1)/vs // libjpeg's downsampled_width/height
	base := m.COffset(m.Rect.Min.X, m.Rect.Min.Y)
	row := func(cy int) []uint8 {
		cy = max(0, min(cy, ch-1)) // libjpeg replicates the edge rows as context
		return c[base+cy*m.CStride:][:cw]
	}
	out := make([]uint8, w*h)
	// libjpeg-turbo uses fancy upsampling for h2v1 and h2v2 only when the
	// downsampled width exceeds 2, always for h1v2, and replication otherwise.
	fancyH := hs == 2 && cw > 2
	line := make([]int32, cw)
	full := make([]uint8, 2*cw)
	for y := range h {
		dst := out[y*w:][:w]
		switch {
		case hs == 2 && vs == 2 && fancyH: // h2v2_fancy_upsample
			cy := y / 2
			nb := cy - 1
			if y%2 == 1 {
				nb = cy + 1
			}
			r0, r1 := row(cy), row(nb)
			for i := range cw {
				line[i] = 3*int32(r0[i]) + int32(r1[i])
			}
			for i := range cw {
				prev, next := line[max(i-1, 0)], line[min(i+1, cw-1)]
				a := (line[i]*3 + prev + 8) >> 4
				b := (line[i]*3 + next + 7) >> 4
				if i == 0 {
					a = (line[i]*4 + 8) >> 4
				}
				if i == cw-1 {
					b = (line[i]*4 + 7) >> 4
				}
				full[2*i], full[2*i+1] = uint8(a), uint8(b)
			}
			copy(dst, full)
		case hs == 2 && vs == 1 && fancyH: // h2v1_fancy_upsample
			r0 := row(y)
			for i := range cw {
				v := 3 * int32(r0[i])
				a := (v + int32(r0[max(i-1, 0)]) + 1) >> 2
				b := (v + int32(r0[min(i+1, cw-1)]) + 2) >> 2
				if i == 0 {
					a = int32(r0[i])
				}
				if i == cw-1 {
					b = int32(r0[i])
				}
				full[2*i], full[2*i+1] = uint8(a), uint8(b)
			}
			copy(dst, full)
		case hs == 1 && vs == 2: // h1v2_fancy_upsample
			cy := y / 2
			nb, bias := cy-1, int32(1)
			if y%2 == 1 {
				nb, bias = cy+1, 2
			}
			r0, r1 := row(cy), row(nb)
			for x := range w {
				dst[x] = uint8((3*int32(r0[x]) + int32(r1[x]) + bias) >> 2)
			}
		default: // replication (int_upsample, h2v1/h2v2_upsample)
			r0 := row(y / vs)
			for x := range w {
				dst[x] = r0[x/hs]
			}
		}
	}
	return out
}
