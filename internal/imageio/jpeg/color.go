package jpeg

// Colour conversion as libjpeg's jdcolor.c, with its 16-bit fixed-point
// tables (build_ycc_rgb_table):
//
//	R = Y + round(1.402·(Cr−128))
//	G = Y + ((−0.34414·2^16·(Cb−128) + 2^15 − 0.71414·2^16·(Cr−128)) >> 16)
//	B = Y + round(1.772·(Cb−128))
//
// each clamped to 0..255 (the constants themselves rounded to 16 bits).

var crR, cbB [256]int
var crG, cbG [256]int

func init() {
	const scaleBits = 16
	const half = 1 << (scaleBits - 1)
	fix := func(x float64) int { return int(x*(1<<scaleBits) + 0.5) }
	for i := range 256 {
		x := i - 128
		crR[i] = (fix(1.40200)*x + half) >> scaleBits
		cbB[i] = (fix(1.77200)*x + half) >> scaleBits
		crG[i] = -fix(0.71414) * x
		cbG[i] = -fix(0.34414)*x + half
	}
}

func clamp(v int) uint8 {
	if uint(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// colorSpace is the JPEG's own colour space, found as libjpeg-turbo's
// default_decompress_parms finds it.
type colorSpace int

const (
	csGray colorSpace = iota
	csYCbCr
	csRGB
	csCMYK
	csYCCK
)

func (d *decoder) colorSpace() colorSpace {
	switch len(d.comps) {
	case 1:
		return csGray
	case 3:
		switch {
		case d.jfif:
			return csYCbCr
		case d.adobe:
			if d.adobeTransform == 0 {
				return csRGB
			}
			return csYCbCr
		case d.comps[0].id == 'R' && d.comps[1].id == 'G' && d.comps[2].id == 'B':
			return csRGB
		}
		return csYCbCr
	}
	if d.adobe && d.adobeTransform != 0 {
		return csYCCK
	}
	return csCMYK
}

// output upsamples and converts the planes into the image.
func (d *decoder) output() *Image {
	w, h := ceilDiv(d.width, d.opt.Scale), ceilDiv(d.height, d.opt.Scale)
	m := &Image{W: w, H: h, Color: d.color()}
	n := int(m.Color)
	m.Pix = make([]uint8, n*w*h)
	ups := make([]*upsampler, len(d.comps))
	for i := range d.comps {
		ups[i] = newUpsampler(d, &d.comps[i], w)
	}
	cs := d.colorSpace()
	var rows [4][]uint8
	for y := range h {
		for i, u := range ups {
			rows[i] = u.row(y)[:w]
		}
		dst := m.Pix[n*w*y : n*w*(y+1)]
		switch cs {
		case csGray:
			copy(dst, rows[0])
		case csYCbCr:
			yccToRGB(dst, rows[0], rows[1], rows[2])
		case csRGB:
			for x := range w {
				dst[3*x], dst[3*x+1], dst[3*x+2] = rows[0][x], rows[1][x], rows[2][x]
			}
		case csCMYK:
			// Pillow reads 4-component JPEGs as Adobe's inverted CMYK.
			for x := range w {
				dst[4*x], dst[4*x+1] = 255-rows[0][x], 255-rows[1][x]
				dst[4*x+2], dst[4*x+3] = 255-rows[2][x], 255-rows[3][x]
			}
		case csYCCK:
			// libjpeg gives C = 255−R, M = 255−G, Y = 255−B of the YCC
			// triple and K as coded; Pillow inverts all four.
			yccToRGBStride(dst, rows[0], rows[1], rows[2], 4)
			for x := range w {
				dst[4*x+3] = 255 - rows[3][x]
			}
		}
	}
	return m
}

// yccToRGB converts one row of Y, Cb, Cr samples to packed RGB.
func yccToRGB(dst, y, cb, cr []uint8) {
	yccToRGBStride(dst, y, cb, cr, 3)
}

func yccToRGBStride(dst, yr, cbr, crr []uint8, stride int) {
	cbr, crr = cbr[:len(yr)], crr[:len(yr)]
	for x, yv := range yr {
		Y, b, r := int(yv), cbr[x], crr[x]
		o := dst[stride*x : stride*x+3 : stride*x+3]
		o[0] = clamp(Y + crR[r])
		o[1] = clamp(Y + (cbG[b]+crG[r])>>16)
		o[2] = clamp(Y + cbB[b])
	}
}
