package jpeg

// The inverse DCTs are libjpeg's integer ones, so that every pixel matches:
// jidctint.c's "islow" (the Loeffler–Ligtenberg–Moschytz 1-D IDCT with 12
// multiplies, constants in 13-bit fixed point, 2 extra bits kept between
// the column and the row pass) and jidctred.c's reduced 4×4, 2×2 and 1×1
// outputs, which compute averages of 2, 4 or 8 adjacent full-size outputs
// from the low-frequency coefficients. Each pass is columns then rows, with
// the same short cut for all-zero AC terms, which gives the same values.

const (
	constBits = 13
	pass1Bits = 2
)

// fix(x) = round(x · 2^13), the constants as libjpeg tabulates them.
const (
	fix0_211164243 = 1730
	fix0_298631336 = 2446
	fix0_390180644 = 3196
	fix0_509795579 = 4176
	fix0_541196100 = 4433
	fix0_601344887 = 4926
	fix0_720959822 = 5906
	fix0_765366865 = 6270
	fix0_850430095 = 6967
	fix0_899976223 = 7373
	fix1_061594337 = 8697
	fix1_175875602 = 9633
	fix1_272758580 = 10426
	fix1_451774981 = 11893
	fix1_501321110 = 12299
	fix1_847759065 = 15137
	fix1_961570560 = 16069
	fix2_053119869 = 16819
	fix2_172734803 = 17799
	fix2_562915447 = 20995
	fix3_072711026 = 25172
	fix3_624509785 = 29692
)

// descale is libjpeg's DESCALE: x / 2^n rounded half up.
func descale(x int, n uint) int { return (x + 1<<(n-1)) >> n }

// sample turns a descaled IDCT output into a pixel: level shift by 128
// and clamp. (libjpeg's C range-limit table wraps values beyond ±512; its
// SIMD code, which Pillow runs on x86, saturates; no real image gets there.)
func sample(x int) uint8 {
	x += 128
	if uint(x) > 255 {
		if x < 0 {
			return 0
		}
		return 255
	}
	return uint8(x)
}

// idct transforms a block of c into its plane at off, c.size pixels a side.
func (d *decoder) idct(c *component, blk *[64]int16, off int) {
	switch c.size {
	case 8:
		idct8(blk, &c.q, c.plane[off:], c.stride)
	case 4:
		idct4(blk, &c.q, c.plane[off:], c.stride)
	case 2:
		idct2(blk, &c.q, c.plane[off:], c.stride)
	default:
		c.plane[off] = sample(descale(int(blk[0])*int(c.q[0]), 3))
	}
}

// offset is where block (bx, by) starts in the plane.
func (c *component) offset(bx, by int) int {
	y := by * c.size
	if c.ring > 0 {
		y %= c.ring
	}
	return y*c.stride + bx*c.size
}

// flat fills the block of a DC-only block: every IDCT above takes its
// short cuts then and gives (DC·q + 4) >> 3 + 128 everywhere.
func (d *decoder) flat(c *component, dc int16, off int) {
	p := sample(descale(int(dc)*int(c.q[0]), 3))
	for y := range c.size {
		row := c.plane[off+y*c.stride : off+y*c.stride+c.size]
		for i := range row {
			row[i] = p
		}
	}
}

// idct8Go is jidctint.c's jpeg_idct_islow: dequantize, 8-point IDCT of
// each column into ws (scaled by 2^pass1Bits), then of each row, level
// shift and clamp into dst. It is the spec of the assembly: int32
// arithmetic throughout and none of libjpeg's all-zero short cuts, which
// give the same values (the +128 is folded into the row pass's rounding).
func idct8Go(in *[64]int16, q *[64]uint16, dst []uint8, stride int) {
	var ws [64]int32
	for x := range 8 {
		var v [8]int32
		for y := range 8 {
			v[y] = int32(in[8*y+x]) * int32(q[8*y+x])
		}
		o := idct8Points(&v, 1<<(constBits-pass1Bits-1), constBits-pass1Bits)
		for y := range 8 {
			ws[8*y+x] = o[y]
		}
	}
	_ = dst[7*stride+7]
	for y := range 8 {
		o := idct8Points((*[8]int32)(ws[8*y:]), 1<<(constBits+pass1Bits+2)+128<<(constBits+pass1Bits+3), constBits+pass1Bits+3)
		out := dst[y*stride : y*stride+8 : y*stride+8]
		for i := range out {
			out[i] = clamp32(o[i])
		}
	}
}

// idct8Points is the 1-D 8-point IDCT of both passes: (x + round) >> shift.
func idct8Points(v *[8]int32, round int32, shift uint) [8]int32 {
	// Even part: the rotator is sqrt(2)·c(-6).
	z1 := (v[2] + v[6]) * fix0_541196100
	tmp2 := z1 - v[6]*fix1_847759065
	tmp3 := z1 + v[2]*fix0_765366865
	tmp0 := (v[0] + v[4]) << constBits
	tmp1 := (v[0] - v[4]) << constBits
	tmp10, tmp13 := tmp0+tmp3+round, tmp0-tmp3+round
	tmp11, tmp12 := tmp1+tmp2+round, tmp1-tmp2+round

	// Odd part (LL&M figure 8).
	tmp0, tmp1, tmp2, tmp3 = v[7], v[5], v[3], v[1]
	z1 = tmp0 + tmp3
	z2 := tmp1 + tmp2
	z3 := tmp0 + tmp2
	z4 := tmp1 + tmp3
	z5 := (z3 + z4) * fix1_175875602
	tmp0 *= fix0_298631336
	tmp1 *= fix2_053119869
	tmp2 *= fix3_072711026
	tmp3 *= fix1_501321110
	z1 *= -fix0_899976223
	z2 *= -fix2_562915447
	z3 = z3*-fix1_961570560 + z5
	z4 = z4*-fix0_390180644 + z5
	tmp0 += z1 + z3
	tmp1 += z2 + z4
	tmp2 += z2 + z3
	tmp3 += z1 + z4

	return [8]int32{
		(tmp10 + tmp3) >> shift, (tmp11 + tmp2) >> shift,
		(tmp12 + tmp1) >> shift, (tmp13 + tmp0) >> shift,
		(tmp13 - tmp0) >> shift, (tmp12 - tmp1) >> shift,
		(tmp11 - tmp2) >> shift, (tmp10 - tmp3) >> shift,
	}
}

// clamp32 saturates as the assembly's packs do.
func clamp32(x int32) uint8 {
	return uint8(min(max(x, 0), 255))
}

// idct4Go is jidctred.c's jpeg_idct_4x4, the spec of the assembly: each
// output is the mean of a 2×2 patch of the full IDCT; coefficient row and
// column 4 do not contribute. Like idct8Go it computes in int32, without
// libjpeg's all-zero short cuts (they give the same values), and with the
// level shift folded into the row pass's rounding.
func idct4Go(in *[64]int16, q *[64]uint16, dst []uint8, stride int) {
	var ws [32]int32 // 4 rows of 8
	for x := range 8 {
		var v [8]int32
		for y := range 8 {
			v[y] = int32(in[8*y+x]) * int32(q[8*y+x])
		}
		o := idct4Points(&v, 1<<(constBits-pass1Bits), constBits-pass1Bits+1)
		ws[x], ws[8+x], ws[16+x], ws[24+x] = o[0], o[1], o[2], o[3]
	}
	_ = dst[3*stride+3]
	for y := range 4 {
		o := idct4Points((*[8]int32)(ws[8*y:]), 1<<(constBits+pass1Bits+3)+128<<(constBits+pass1Bits+3+1), constBits+pass1Bits+3+1)
		out := dst[y*stride : y*stride+4 : y*stride+4]
		out[0], out[1], out[2], out[3] = clamp32(o[0]), clamp32(o[1]), clamp32(o[2]), clamp32(o[3])
	}
}

// idct4Points is the 8-to-4 point step of both passes: (x + round) >> shift.
func idct4Points(v *[8]int32, round int32, shift uint) [4]int32 {
	tmp0 := v[0]<<(constBits+1) + round
	tmp2 := v[2]*fix1_847759065 - v[6]*fix0_765366865
	tmp10, tmp12 := tmp0+tmp2, tmp0-tmp2
	z1, z2, z3, z4 := v[7], v[5], v[3], v[1]
	tmp0 = -z1*fix0_211164243 + z2*fix1_451774981 - z3*fix2_172734803 + z4*fix1_061594337
	tmp2 = -z1*fix0_509795579 - z2*fix0_601344887 + z3*fix0_899976223 + z4*fix2_562915447
	return [4]int32{
		(tmp10 + tmp2) >> shift, (tmp12 + tmp0) >> shift,
		(tmp12 - tmp0) >> shift, (tmp10 - tmp2) >> shift,
	}
}

// idct2 is jidctred.c's jpeg_idct_2x2: means of 4×4 patches, from the
// odd coefficients and the DC term only.
func idct2(in *[64]int16, q *[64]uint16, dst []uint8, stride int) {
	var ws [16]int // 2 rows of 8; columns 2, 4, 6 unused
	deq := func(i int) int { return int(in[i]) * int(q[i]) }
	for _, x := range [...]int{0, 1, 3, 5, 7} {
		if in[8+x] == 0 && in[24+x] == 0 && in[40+x] == 0 && in[56+x] == 0 {
			dc := deq(x) << pass1Bits
			ws[x], ws[8+x] = dc, dc
			continue
		}
		ws[x], ws[8+x] = idct2Points(deq(x), deq(8+x), deq(24+x), deq(40+x), deq(56+x), constBits-pass1Bits+2)
	}
	_ = dst[stride+1]
	for y := range 2 {
		r := ws[8*y : 8*y+8 : 8*y+8]
		if r[1] == 0 && r[3] == 0 && r[5] == 0 && r[7] == 0 {
			p := sample(descale(r[0], pass1Bits+3))
			dst[y*stride], dst[y*stride+1] = p, p
			continue
		}
		a, b := idct2Points(r[0], r[1], r[3], r[5], r[7], constBits+pass1Bits+3+2)
		dst[y*stride], dst[y*stride+1] = sample(a), sample(b)
	}
}

// idct2LowLast is the last zigzag index idct2Low reads: of the
// coefficients up to it, (0,0), (0,1), (1,0) and (1,1) are the ones idct2
// uses ((2,0) and (0,2) are not among its rows and columns 0, 1, 3, 5, 7).
const idct2LowLast = 5

// idct2Low is idct2 for a block whose coefficients after zigzag index
// idct2LowLast are zero: the same arithmetic with columns and rows 3, 5
// and 7 left out, as idct2's zero short cuts leave them.
func idct2Low(in *[64]int16, q *[64]uint16, dst []uint8, stride int) {
	var ws [4]int // rows 0 and 1 of columns 0 and 1
	for x := range 2 {
		dc := int(in[x]) * int(q[x])
		if in[8+x] == 0 {
			ws[x], ws[2+x] = dc<<pass1Bits, dc<<pass1Bits
			continue
		}
		ws[x], ws[2+x] = idct2Points(dc, int(in[8+x])*int(q[8+x]), 0, 0, 0, constBits-pass1Bits+2)
	}
	_ = dst[stride+1]
	for y := range 2 {
		if ws[2*y+1] == 0 {
			p := sample(descale(ws[2*y], pass1Bits+3))
			dst[y*stride], dst[y*stride+1] = p, p
			continue
		}
		a, b := idct2Points(ws[2*y], ws[2*y+1], 0, 0, 0, constBits+pass1Bits+3+2)
		dst[y*stride], dst[y*stride+1] = sample(a), sample(b)
	}
}

// idct2Points is the 8-to-2 point step from v0 and the odd v1, v3, v5, v7.
func idct2Points(v0, v1, v3, v5, v7 int, shift uint) (int, int) {
	tmp10 := v0 << (constBits + 2)
	tmp0 := -v7*fix0_720959822 + v5*fix0_850430095 - v3*fix1_272758580 + v1*fix3_624509785
	return descale(tmp10+tmp0, shift), descale(tmp10-tmp0, shift)
}
