package jpeg

// Chroma upsampling as libjpeg-turbo's jdsample.c does it with its default
// do_fancy_upsampling: a component half as wide (h2v1), half as tall (h1v2)
// or both (h2v2) is interpolated with a triangle filter, weights 3/4 and
// 1/4 towards the nearer and farther sample, with alternating rounding
// biases; the first and last columns are special cases and the rows above
// the first and below the last repeat them (jdmainct.c's context rows).
// Other integral factors, h2v1 and h2v2 when the component is at most 2
// samples wide, and everything at 1/8 scale, replicate samples.
//
// (libjpeg's merged upsampler, jdmerge.c, is used only when fancy
// upsampling is turned off, which Pillow never does, not even in draft.)

type upsampler struct {
	c      *component
	hf, vf int  // horizontal and vertical expansion
	fancy  bool // triangle filter (else replication)
	buf    []uint8
	cs     []int16 // h2v2: column sums, one repeated at each end
}

// init sets u up for component c of an output w pixels wide, keeping its
// buffers' memory.
func (u *upsampler) init(d *decoder, c *component, w int) *upsampler {
	minSize := 8 / d.opt.Scale
	*u = upsampler{c: c, hf: d.hmax * minSize / (c.h * c.size), vf: d.vmax * minSize / (c.v * c.size), buf: u.buf, cs: u.cs}
	fancy := minSize > 1 // jdsample.c: no fancy upsampling at 1/8
	switch {
	case u.hf == 2 && u.vf == 1, u.hf == 2 && u.vf == 2:
		u.fancy = fancy && c.dw > 2
	case u.hf == 1 && u.vf == 2:
		u.fancy = fancy
	}
	u.buf = grow(&u.buf, max(u.hf*c.stride, 2*c.dw, w))
	u.cs = grow(&u.cs, c.dw+2)
	return u
}

// prow returns row y of the component's plane, clamped to the rows libjpeg
// holds as context.
func (c *component) prow(y int) []uint8 {
	y = max(0, min(y, c.dh-1))
	if c.ring > 0 {
		y %= c.ring
	}
	return c.plane[y*c.stride : (y+1)*c.stride]
}

// row returns output row y of the component at full resolution.
func (u *upsampler) row(y int) []uint8 {
	c := u.c
	switch {
	case u.hf == 1 && u.vf == 1:
		return c.prow(y)
	case !u.fancy:
		return u.replicate(c.prow(y / u.vf))
	case u.hf == 2 && u.vf == 1:
		h2v1Fancy(c.prow(y), c.dw, u.buf)
	case u.hf == 1 && u.vf == 2:
		near, far, bias := u.vertical(y)
		for i := range c.dw {
			u.buf[i] = uint8((3*int(near[i]) + int(far[i]) + bias) >> 2)
		}
	default: // h2v2
		near, far, _ := u.vertical(y)
		h2v2Fancy(near, far, u.cs, u.buf)
	}
	return u.buf
}

// vertical returns, for output row y of a component half as tall, the
// nearer and the farther input row and the rounding bias of h1v2.
func (u *upsampler) vertical(y int) (near, far []uint8, bias int) {
	cy := y / 2
	if y%2 == 0 {
		return u.c.prow(cy), u.c.prow(cy - 1), 1
	}
	return u.c.prow(cy), u.c.prow(cy + 1), 2
}

// replicate is int_upsample (and h2v1_upsample, h2v2_upsample): each
// sample repeated hf times.
func (u *upsampler) replicate(in []uint8) []uint8 {
	if u.hf == 1 {
		return in
	}
	out := u.buf[:u.hf*len(in)]
	for i, v := range in {
		for j := range u.hf {
			out[u.hf*i+j] = v
		}
	}
	return out
}

// h2v1Fancy doubles the first n samples of in into out (jdsample.c's
// h2v1_fancy_upsample): out[2i] = (3·in[i] + in[i-1] + 1)/4,
// out[2i+1] = (3·in[i] + in[i+1] + 2)/4, the ends copied.
func h2v1Fancy(in []uint8, n int, out []uint8) {
	in = in[:n]
	out = out[:2*n]
	out[0] = in[0]
	out[2*n-1] = in[n-1]
	out[1] = uint8((3*int(in[0]) + int(in[1]) + 2) >> 2)
	for i := 1; i < n-1; i++ {
		v := 3 * int(in[i])
		out[2*i] = uint8((v + int(in[i-1]) + 1) >> 2)
		out[2*i+1] = uint8((v + int(in[i+1]) + 2) >> 2)
	}
	out[2*n-2] = uint8((3*int(in[n-1]) + int(in[n-2]) + 1) >> 2)
}

// h2v2Fancy is h2v2_fancy_upsample for one output row: column sums
// s = 3·near + far, then out[2i] = (3·s[i] + s[i-1] + 8)/16 and
// out[2i+1] = (3·s[i] + s[i+1] + 7)/16. libjpeg's special first and last
// columns, (4·s + 8)/16 and (4·s + 7)/16, are these with s[-1] = s[0] and
// s[n] = s[n-1], which is how cs (n+2 long) is padded.
func h2v2Fancy(near, far []uint8, cs []int16, out []uint8) {
	n := len(cs) - 2
	colsum(near[:n], far[:n], cs[1:n+1])
	cs[0], cs[n+1] = cs[1], cs[n]
	h2v2Row(cs, out[:2*n])
}

// colsumGo is the spec of colsum: cs[i] = 3·near[i] + far[i].
func colsumGo(near, far []uint8, cs []int16) {
	far, cs = far[:len(near)], cs[:len(near)]
	for i, v := range near {
		cs[i] = 3*int16(v) + int16(far[i])
	}
}

// h2v2RowGo is the spec of h2v2Row: out[2i], out[2i+1] from the padded
// column sums cs[i], cs[i+1], cs[i+2].
func h2v2RowGo(cs []int16, out []uint8) {
	n := len(out) / 2
	cs = cs[:n+2]
	for i := range n {
		t := 3 * int32(cs[i+1])
		out[2*i] = uint8((t + int32(cs[i]) + 8) >> 4)
		out[2*i+1] = uint8((t + int32(cs[i+2]) + 7) >> 4)
	}
}
