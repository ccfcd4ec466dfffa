package jpeg

// Colour conversion as libjpeg's jdcolor.c, with its 16-bit fixed-point
// constants (build_ycc_rgb_table: FIX(1.402) = 91881, FIX(1.772) = 116130,
// FIX(0.71414) = 46802, FIX(0.34414) = 22554):
//
//	R = Y + ((91881·(Cr−128) + 2^15) >> 16)
//	G = Y + ((−22554·(Cb−128) + 2^15 − 46802·(Cr−128)) >> 16)
//	B = Y + ((116130·(Cb−128) + 2^15) >> 16)
//
// each clamped to 0..255; libjpeg tabulates the terms, the sums are equal.
const (
	fixCrR = 91881
	fixCbB = 116130
	fixCrG = 46802
	fixCbG = 22554
)

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

// startOutput allocates the image and its upsamplers.
func (d *decoder) startOutput() {
	w, h := ceilDiv(d.width, d.opt.Scale), ceilDiv(d.height, d.opt.Scale)
	d.out = &Image{W: w, H: h, Color: d.color()}
	n := int(d.out.Color) * w * h
	if cap(d.opt.Dst) >= n {
		d.out.Pix = d.opt.Dst[:n]
	} else {
		d.out.Pix = make([]uint8, n)
	}
	d.ups = make([]*upsampler, len(d.comps))
	for i := range d.comps {
		d.ups[i] = d.bufs.ups[i].init(d, &d.comps[i], w)
	}
}

// emitMCURow converts the output rows of MCU row my.
func (d *decoder) emitMCURow(my int) {
	rows := d.vmax * 8 / d.opt.Scale
	d.emit(min((my+1)*rows, d.out.H))
}

// emitRest converts the rows not yet converted.
func (d *decoder) emitRest() { d.emit(d.out.H) }

// emit upsamples and converts output rows up to y1.
func (d *decoder) emit(y1 int) {
	m, w := d.out, d.out.W
	n := int(m.Color)
	cs := d.colorSpace()
	var rows [4][]uint8
	for y := d.emitted; y < y1; y++ {
		for i, u := range d.ups {
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
	d.emitted = max(d.emitted, y1)
}

// yccToRGBStride converts a row of Y, Cb, Cr samples to RGB triples
// stride bytes apart.
func yccToRGBStride(dst, yr, cbr, crr []uint8, stride int) {
	cbr, crr = cbr[:len(yr)], crr[:len(yr)]
	for x, yv := range yr {
		o := dst[stride*x : stride*x+3 : stride*x+3]
		o[0], o[1], o[2] = ycc(yv, cbr[x], crr[x])
	}
}

// yccToRGBGo is the spec of yccToRGB: packed RGB from one row of Y, Cb, Cr.
func yccToRGBGo(dst, yr, cbr, crr []uint8) {
	yccToRGBStride(dst, yr, cbr, crr, 3)
}

func ycc(yv, cb, cr uint8) (r, g, b uint8) {
	Y, b32, r32 := int32(yv), int32(cb)-128, int32(cr)-128
	return clamp32(Y + (fixCrR*r32+1<<15)>>16),
		clamp32(Y + (-fixCbG*b32+1<<15-fixCrG*r32)>>16),
		clamp32(Y + (fixCbB*b32+1<<15)>>16)
}
