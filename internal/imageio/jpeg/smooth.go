package jpeg

// Block smoothing of progressive images, as libjpeg-turbo 2.1 does it by
// default (jdcoefct.c, decompress_smooth_data; what Pillow gets): when a
// progressive file leaves some of the first nine AC coefficients of a
// component short of full precision (never sent, or sent without their last
// refinement bits), each block's zero coefficients among them are estimated
// from the DC values of the 5×5 blocks around it before the IDCT. A
// component that received no AC data at all also gets its DC replaced by a
// smoothed value. Complete files, what encoders write, are not changed.

// smoothCoefs is how many coefficients, in zigzag order from the DC, the
// smoothing tracks: the DC and the nine lowest AC coefficients.
const smoothCoefs = 10

// smoothKernel is one estimated coefficient: its zigzag position and the
// weights of the 5×5 DC neighbourhood (rows and columns -2..+2 blocks away),
// with and without DC interpolation. Estimates are Q00·Σ w·DC, divided by
// 256·Q of the coefficient, rounded half away from zero.
type smoothKernel struct {
	k        int // zigzag position
	withDC   [5][5]int32
	withoutD [5][5]int32 // zero for the coefficients only estimated with DC interpolation
}

var smoothKernels = [...]smoothKernel{
	{k: 1, withDC: [5][5]int32{
		{-1, -1, 0, 1, 1}, {-3, 13, 0, -13, 3}, {-3, 38, 0, -38, 3}, {-3, 13, 0, -13, 3}, {-1, -1, 0, 1, 1}},
		withoutD: [5][5]int32{2: {-7, 50, 0, -50, 7}}},
	{k: 2, withDC: [5][5]int32{
		{-1, -3, -3, -3, -1}, {-1, 13, 38, 13, -1}, {}, {1, -13, -38, -13, 1}, {1, 3, 3, 3, 1}},
		withoutD: [5][5]int32{{0, 0, -7, 0, 0}, {0, 0, 50, 0, 0}, {}, {0, 0, -50, 0, 0}, {0, 0, 7, 0, 0}}},
	{k: 3, withDC: [5][5]int32{
		{0, 0, 1, 0, 0}, {0, 2, 7, 2, 0}, {0, -5, -14, -5, 0}, {0, 2, 7, 2, 0}, {0, 0, 1, 0, 0}},
		withoutD: [5][5]int32{{0, 0, -1, 0, 0}, {0, 0, 13, 0, 0}, {0, 0, -24, 0, 0}, {0, 0, 13, 0, 0}, {0, 0, -1, 0, 0}}},
	{k: 4, withDC: [5][5]int32{
		{-1, 0, 0, 0, 1}, {0, 9, 0, -9, 0}, {}, {0, -9, 0, 9, 0}, {1, 0, 0, 0, -1}},
		withoutD: [5][5]int32{{0, -1, 0, 1, 0}, {-1, 10, 0, -10, 1}, {}, {1, -10, 0, 10, -1}, {0, 1, 0, -1, 0}}},
	{k: 5, withDC: [5][5]int32{
		{}, {0, 2, -5, 2, 0}, {1, 7, -14, 7, 1}, {0, 2, -5, 2, 0}, {}},
		withoutD: [5][5]int32{2: {-1, 13, -24, 13, -1}}},
	{k: 6, withDC: [5][5]int32{1: {0, 1, 0, -1, 0}, 2: {0, 2, 0, -2, 0}, 3: {0, 1, 0, -1, 0}}},
	{k: 7, withDC: [5][5]int32{1: {0, 1, -3, 1, 0}, 3: {0, -1, 3, -1, 0}}},
	{k: 8, withDC: [5][5]int32{1: {0, 1, 0, -1, 0}, 2: {0, -3, 0, 3, 0}, 3: {0, 1, 0, -1, 0}}},
	{k: 9, withDC: [5][5]int32{1: {0, 1, 2, 1, 0}, 3: {0, -1, -2, -1, 0}}},
}

// smoothDC is the DC's own kernel under DC interpolation.
var smoothDC = [5][5]int32{
	{-2, -6, -8, -6, -2}, {-6, 6, 42, 6, -6}, {-8, 42, 152, 42, -8}, {-6, 6, 42, 6, -6}, {-2, -6, -8, -6, -2}}

// noteScan records which coefficients a progressive scan sends, and to
// which bit (libjpeg's coef_bits: -1 until a scan codes the coefficient,
// then the scan's Al; 0 once it is exact).
func (d *decoder) noteScan(sc *scan) {
	for _, c := range sc.comps {
		for k := sc.ss; k <= min(sc.se, smoothCoefs-1); k++ {
			c.bits[k] = int8(sc.al)
		}
	}
}

// smoothing reports whether the image's blocks are smoothed: progressive,
// every component's DC at least partly known and its quantizers for the
// ten coefficients nonzero, and some of the nine AC coefficients of some
// component not exact.
func (d *decoder) smoothing() bool {
	if !d.progressive {
		return false
	}
	useful := false
	for i := range d.comps {
		c := &d.comps[i]
		if c.bits[0] < 0 {
			return false
		}
		for k := range smoothCoefs {
			if c.q[zigzag[k]] == 0 {
				return false
			}
			if k > 0 && c.bits[k] != 0 {
				useful = true
			}
		}
	}
	return useful
}

// smoothNeighbours gives, for each block row of c, the rows libjpeg reads
// as the two above and the two below (libjpeg walks iMCU rows and clamps
// at their edges, which is not always the image's edge).
func (d *decoder) smoothNeighbours(c *component, by int) [5]int {
	imcu, br, last := by/c.v, by%c.v, d.mcusY-1
	rows := c.v
	if imcu == last {
		if rows = c.ch % c.v; rows == 0 {
			rows = c.v
		}
	}
	var r [5]int
	r[2] = by
	r[1], r[3] = by, by
	if br > 0 || imcu > 0 {
		r[1] = by - 1
	}
	r[0] = r[1]
	if br > 1 || imcu > 1 {
		r[0] = by - 2
	}
	if br < rows-1 || imcu < last {
		r[3] = by + 1
	}
	r[4] = r[3]
	if br < rows-2 || imcu+1 < last {
		r[4] = by + 2
	}
	return r
}

// idctSmoothed transforms component c's blocks as idctAll does, each after
// the estimates above. The DC window slides along a block row as libjpeg's
// registers do: it starts filled with the first column's DC, and its
// right-hand columns only load blocks that exist (so the last columns of a
// row see stale values, exactly as there).
func (d *decoder) idctSmoothed(c *component) {
	changeDC := true
	for k := 1; k < smoothCoefs; k++ {
		changeDC = changeDC && c.bits[k] == -1
	}
	last := c.cw - 1
	for by := range c.ch {
		rows := d.smoothNeighbours(c, by)
		dcAt := func(i, bx int) int32 { return int32(c.coef[64*(rows[i]*c.bw+bx)]) }
		var win [5][5]int32
		for i := range win {
			v := dcAt(i, 0)
			win[i] = [5]int32{v, v, v, v, v}
		}
		for bx := range c.cw {
			for i := range win {
				if bx == 0 && bx < last {
					win[i][3] = dcAt(i, 1)
				}
				if bx+1 < last {
					win[i][4] = dcAt(i, bx+2)
				}
			}
			blk := *(*[64]int16)(c.coef[64*(by*c.bw+bx):])
			c.estimate(&blk, &win, changeDC)
			if dcOnly(&blk) {
				d.flat(c, blk[0], c.offset(bx, by))
			} else {
				d.idct(c, &blk, c.offset(bx, by))
			}
			for i := range win {
				copy(win[i][:4], win[i][1:])
			}
		}
	}
}

// estimate fills the block's estimated coefficients from the DC window.
func (c *component) estimate(blk *[64]int16, win *[5][5]int32, changeDC bool) {
	q00 := int64(c.q[0])
	for _, kr := range smoothKernels {
		w := &kr.withoutD
		if changeDC {
			w = &kr.withDC
		} else if kr.k > 5 {
			break
		}
		pos := zigzag[kr.k]
		al := int(c.bits[kr.k])
		if al == 0 || blk[pos] != 0 {
			continue
		}
		blk[pos] = int16(predict(q00*dot(w, win), int64(c.q[pos]), al))
	}
	if changeDC {
		blk[0] = int16(predict(q00*dot(&smoothDC, win), q00, -1))
	}
}

func dot(w, win *[5][5]int32) int64 {
	var s int64
	for i := range w {
		for j := range w[i] {
			s += int64(w[i][j]) * int64(win[i][j])
		}
	}
	return s
}

// predict divides num by 256·q rounding half away from zero; with al > 0
// the magnitude stays below 1<<al, where a coefficient known to bit al
// must be.
func predict(num, q int64, al int) int64 {
	neg := num < 0
	if neg {
		num = -num
	}
	p := (q<<7 + num) / (q << 8)
	if al > 0 && p >= 1<<al {
		p = 1<<al - 1
	}
	if neg {
		p = -p
	}
	return p
}
