package jpeg

// scan is one SOS header: the components it codes and, for progressive
// JPEG, the spectral band Ss..Se and successive-approximation bits Ah, Al.
type scan struct {
	comps          []*component
	ss, se, ah, al int
}

// maxScans bounds the scans of one file. Encoders write about ten
// (jpegtran -progressive) and a few dozen at most; each scan is a pass over
// the image's blocks, and one of a few bytes (a run of end-of-bands) costs
// as much as a real one, so a 300 KB file of 2,000 scans of a 64-megapixel
// image took a minute to decode. nvImageCodec refuses more than 256 for
// this reason (NVIMGCODEC_MAX_JPEG_SCANS), as libjpeg-turbo's djpeg
// -maxscans can.
const maxScans = 256

// decodeScans reads everything from the first SOS to EOI.
func (d *decoder) decodeScans() error {
	scans := 0
	for {
		m, err := d.nextMarker()
		if err != nil {
			return err // no EOI: Pillow too calls the file truncated
		}
		switch m {
		case mEOI:
			if d.progressive {
				d.idctAll()
			}
			if d.out == nil {
				return corrupt("no scan")
			}
			d.emitRest()
			return nil
		case mSOS:
			if scans++; scans > maxScans {
				return corrupt("more than %d scans, more than encoders write (a file made to be slow to decode?)", maxScans)
			}
			s, err := d.segment()
			if err != nil {
				return err
			}
			sc, err := d.readSOS(s)
			if err != nil {
				return err
			}
			if d.progressive {
				d.noteScan(sc)
			}
			if d.out == nil {
				d.allocate(sc)
			} else if d.strip {
				return corrupt("a further scan after a complete sequential one")
			}
			if err := d.decodeScan(sc); err != nil {
				return err
			}
		default:
			if m == mSOF0 || m == mSOF1 || m == mSOF2 {
				return corrupt("second frame header")
			}
			if err := d.marker(m); err != nil {
				return err
			}
		}
	}
}

// allocate sizes each component's output plane at the requested scale,
// choosing each component's IDCT size as libjpeg does (jdmaster.c): chroma
// is scaled up in the IDCT instead of upsampled where the factors allow.
// A sequential image whose first scan holds every component is converted
// while it is decoded, one MCU row behind, so each plane only holds three
// MCU rows (the one converted and its neighbours for context); otherwise
// the planes hold the whole image, converted at the end.
func (d *decoder) allocate(first *scan) {
	d.strip = !d.progressive && len(first.comps) == len(d.comps)
	minSize := 8 / d.opt.Scale
	for i := range d.comps {
		c := &d.comps[i]
		size := minSize
		for size < 8 && (d.hmax*minSize)%(c.h*size*2) == 0 && (d.vmax*minSize)%(c.v*size*2) == 0 {
			size *= 2
		}
		c.size = size
		c.stride = c.cw * size
		rows := c.ch * size
		if d.strip {
			c.ring = 3 * c.v * size
			rows = min(rows, c.ring)
		}
		// Every sample of the plane is written before it is read.
		c.plane = grow(&d.bufs.plane[i], c.stride*rows)
		c.dw = ceilDiv(d.width*c.h*size, d.hmax*8)
		c.dh = ceilDiv(d.height*c.v*size, d.vmax*8)
		if d.progressive {
			c.coef = grow(&d.bufs.coef[i], 64*c.bw*c.bh)
			clear(c.coef)
		}
	}
	d.startOutput()
}

func (d *decoder) readSOS(s []byte) (*scan, error) {
	if len(s) < 1 {
		return nil, corrupt("SOS too short")
	}
	n := int(s[0])
	if n < 1 || n > 4 || len(s) != 4+2*n {
		return nil, corrupt("SOS with %d components, length %d", n, len(s))
	}
	sc := &scan{ss: int(s[1+2*n]), se: int(s[2+2*n]), ah: int(s[3+2*n] >> 4), al: int(s[3+2*n] & 15)}
	last := -1
	blocks := 0
	for i := range n {
		id, tables := s[1+2*i], s[2+2*i]
		ci := -1
		for j := range d.comps {
			if d.comps[j].id == id {
				ci = j
			}
		}
		if ci <= last { // unknown, repeated or out of frame order
			return nil, corrupt("scan component id %d", id)
		}
		last = ci
		c := &d.comps[ci]
		c.td, c.ta = int(tables>>4), int(tables&15)
		if c.td > 3 || c.ta > 3 {
			return nil, corrupt("scan Huffman tables %d/%d", c.td, c.ta)
		}
		if !c.latched {
			// libjpeg copies the table when the component's first scan
			// starts; a later DQT does not change it.
			if !d.qtDefined[c.tq] {
				return nil, corrupt("quantization table %d not defined", c.tq)
			}
			c.q, c.latched = d.qt[c.tq], true
		}
		blocks += c.h * c.v
		sc.comps = append(sc.comps, c)
	}
	if n > 1 && blocks > 10 {
		return nil, corrupt("%d blocks per MCU", blocks)
	}
	if d.progressive {
		switch {
		case sc.se > 63 || sc.ss > sc.se || sc.al > 13:
			return nil, corrupt("progressive scan band %d..%d, Al %d", sc.ss, sc.se, sc.al)
		case sc.ss == 0 && sc.se != 0:
			return nil, corrupt("progressive DC scan with AC band end %d", sc.se)
		case sc.ss > 0 && n != 1:
			return nil, corrupt("progressive AC scan with %d components", n)
		case sc.ah != 0 && sc.ah != sc.al+1:
			return nil, corrupt("successive approximation Ah %d Al %d", sc.ah, sc.al)
		}
	} else {
		sc.ss, sc.se, sc.ah, sc.al = 0, 63, 0, 0
	}
	for _, c := range sc.comps {
		if sc.ss == 0 && sc.ah == 0 && !d.dc[c.td].defined {
			return nil, corrupt("DC Huffman table %d not defined", c.td)
		}
		if sc.se > 0 && !d.ac[c.ta].defined {
			return nil, corrupt("AC Huffman table %d not defined", c.ta)
		}
	}
	return sc, nil
}

// decodeScan decodes one scan's MCUs, handling restart markers.
func (d *decoder) decodeScan(sc *scan) error {
	d.bits.reset()
	d.eobrun = 0
	for _, c := range sc.comps {
		c.pred = 0
	}
	// A scan of one component codes its blocks inside the image, one per
	// MCU; an interleaved scan codes whole MCUs (T.81 A.2).
	mx, my := d.mcusX, d.mcusY
	if len(sc.comps) == 1 {
		mx, my = sc.comps[0].cw, sc.comps[0].ch
	}
	if !d.progressive && d.opt.Scale == 8 {
		d.prepareSkip(sc)
	}
	mcu := 0
	for y := range my {
		if !d.progressive {
			for _, c := range sc.comps {
				c.rowOff = c.offset(0, y*mcuRows(sc, c))
			}
		}
		for x := range mx {
			if d.ri > 0 && mcu > 0 && mcu%d.ri == 0 {
				if err := d.restart(sc); err != nil {
					return err
				}
			}
			mcu++
			var err error
			switch {
			case !d.progressive:
				err = d.decodeSequentialMCU(sc, x, y)
			case len(sc.comps) == 1:
				err = d.decodeBlock(sc, sc.comps[0], x, y)
			default:
				err = d.decodeMCU(sc, x, y)
			}
			if err != nil {
				return err
			}
		}
		if d.err != nil {
			return d.err
		}
		if d.bits.overrun() {
			return ErrTruncated
		}
		if d.strip && y > 0 {
			d.emitMCURow(y - 1)
		}
	}
	d.bits.reset() // the reader stopped at the next marker
	return nil
}

// mcuRows is how many block rows of c one MCU row of scan sc holds.
func mcuRows(sc *scan, c *component) int {
	if len(sc.comps) == 1 {
		return 1
	}
	return c.v
}

// decodeSequentialMCU decodes and transforms the blocks of MCU (mx, my) of
// a sequential scan into the planes, from c.rowOff, the plane offset of the
// MCU row's first block row.
func (d *decoder) decodeSequentialMCU(sc *scan, mx, my int) error {
	for _, c := range sc.comps {
		h, v := c.h, c.v
		if len(sc.comps) == 1 {
			h, v = 1, 1
		}
		for byy := range v {
			by := my*v + byy
			off := c.rowOff + byy*c.size*c.stride
			for bxx := range h {
				bx := mx*h + bxx
				if err := d.sequentialBlock(c, bx < c.cw && by < c.ch, off+bx*c.size); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// sequentialBlock decodes one block and, when it lies inside the image,
// transforms it into c's plane at off.
func (d *decoder) sequentialBlock(c *component, inside bool, off int) error {
	blk := &d.block
	if c.size == 1 {
		if _, err := d.decodeSequential(c, blk, true); err != nil {
			return err
		}
		if inside {
			c.plane[off] = sample(descale(int(blk[0])*int(c.q[0]), 3))
		}
		return nil
	}
	last, err := d.decodeSequential(c, blk, false)
	switch {
	case err != nil:
		*blk = [64]int16{}
		return err
	case !inside:
	case last == 0:
		d.flat(c, blk[0], off)
	case c.size == 2 && last <= idct2LowLast:
		idct2Low(blk, &c.q, c.plane[off:], c.stride)
	default:
		d.idct(c, blk, off)
	}
	clearCoefficients(blk, last)
	return nil
}

// clearCoefficients zeroes the AC coefficients a block decoded up to
// zigzag index last: d.block is all zeros but its DC term between blocks,
// which is cheaper than clearing it whole before each (chroma at draft
// scale mostly codes a handful).
func clearCoefficients(blk *[64]int16, last int) {
	if last > 16 {
		*blk = [64]int16{}
		return
	}
	for _, z := range zigzag[1 : last+1] {
		blk[z] = 0
	}
}

// decodeMCU decodes MCU (mx, my) of a progressive scan.
func (d *decoder) decodeMCU(sc *scan, mx, my int) error {
	for _, c := range sc.comps {
		for by := range c.v {
			for bx := range c.h {
				if err := d.decodeBlock(sc, c, mx*c.h+bx, my*c.v+by); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// restart expects a restart marker: the bit buffer is dropped, the DC
// predictions and the end-of-band run start again (T.81 F.2.1.3.1).
func (d *decoder) restart(sc *scan) error {
	if d.bits.overrun() {
		return ErrTruncated
	}
	d.bits.reset()
	m, err := d.nextMarker()
	if err != nil {
		return err
	}
	if m < mRST0 || m > mRST7 {
		return corrupt("marker 0x%02x where a restart marker belongs", m)
	}
	for _, c := range sc.comps {
		c.pred = 0
	}
	d.eobrun = 0
	return nil
}

// decodeBlock refines block (bx, by) of component c of a progressive image
// in place.
func (d *decoder) decodeBlock(sc *scan, c *component, bx, by int) error {
	blk := (*[64]int16)(c.coef[64*(by*c.bw+bx):])
	switch {
	case sc.ss == 0 && sc.ah == 0:
		return d.decodeDCFirst(c, blk, sc.al)
	case sc.ss == 0:
		if d.getBits(1) != 0 {
			blk[0] |= 1 << sc.al
		}
		return nil
	case sc.ah == 0:
		return d.decodeACFirst(c, blk, sc)
	}
	return d.decodeACRefine(c, blk, sc)
}

// decodeSequential decodes one baseline block's 64 coefficients and
// returns the zigzag index of the last one coded (0: DC only). With dcOnly
// (a block drawn at 1×1, draft 1/8) the AC coefficients are only skipped.
// The bit buffer lives in local variables, which stay in registers, and is
// written back at the end.
func (d *decoder) decodeSequential(c *component, blk *[64]int16, dcOnly bool) (int, error) {
	acc, n := d.bits.acc, d.bits.n
	if n < 32 {
		var ok bool
		if acc, n, ok = d.refillFast(acc, n); !ok {
			acc, n = d.refill(acc, n)
		}
	}
	dc := &d.dc[c.td]
	var s uint
	if v := dc.look[acc>>(64-lookBits)]; v != 0 {
		acc <<= v >> 8
		n -= uint(v >> 8)
		s = uint(v & 0xff)
	} else {
		d.bits.acc, d.bits.n = acc, n
		s = uint(d.decodeLong(dc))
		acc, n = d.bits.acc, d.bits.n
	}
	if s != 0 {
		c.pred += extend(int32(acc>>(64-s)), s)
		acc <<= s
		n -= s
	}
	blk[0] = int16(c.pred)
	ac := &d.ac[c.ta]
	if dcOnly {
		var err error
		acc, n, err = d.skipAC(ac, acc, n)
		d.bits.acc, d.bits.n = acc, n
		return 0, err
	}
	last := 0
	for k := 1; k < 64; k++ {
		// A fast code takes at most lookBits bits, a slow one with its
		// value bits up to 31: refilling only for those makes the
		// refills, each of 3 to 7 bytes, half as frequent.
		if n < 16 {
			var ok bool
			if acc, n, ok = d.refillFast(acc, n); !ok {
				acc, n = d.refill(acc, n)
			}
		}
		if f := ac.fastAC[acc>>(64-lookBits)]; f != 0 {
			l := uint(f & 15)
			acc <<= l
			n -= l
			r := int(f>>4) & 15
			if f>>8 == 0 { // EOB or ZRL
				if r == 0 {
					break
				}
				k += 15
				continue
			}
			k += r
			if k > 63 {
				return 0, corrupt("AC coefficients run past the block")
			}
			blk[zigzag[k]] = int16(f >> 8)
			last = k
			continue
		}
		var rs uint8
		rs, acc, n = d.slowAC(ac, acc, n)
		r, s := int(rs>>4), uint(rs&15)
		if s == 0 {
			if r != 15 {
				break // EOB
			}
			k += 15 // ZRL
			continue
		}
		k += r
		if k > 63 {
			return 0, corrupt("AC coefficients run past the block")
		}
		blk[zigzag[k]] = int16(extend(int32(acc>>(64-s)), s))
		acc <<= s
		n -= s
		last = k
	}
	d.bits.acc, d.bits.n = acc, n
	return last, nil
}

// skipAC reads past the AC codes of a block drawn at 1×1 (draft 1/8),
// where only the DC term is used: a lookup in the skip table consumes
// every whole code its skipBits hold while they cannot run past the
// block, and the codes it cannot take are read one by one. It reads the
// same bits, and fails in the same way, as decodeSequential's loop.
func (d *decoder) skipAC(ac *huffTable, acc uint64, n uint) (uint64, uint, error) {
	for k := 1; k < 64; {
		if n < 16 {
			var ok bool
			if acc, n, ok = d.refillFast(acc, n); !ok {
				acc, n = d.refill(acc, n)
			}
		}
		if e := ac.skip[acc>>(64-skipBits)]; e != 0 && k+int(e>>8) <= 64 {
			l := uint(e & 15)
			acc <<= l
			n -= l
			if e&skipEOB != 0 {
				return acc, n, nil
			}
			k += int(e >> 8)
			continue
		}
		if f := ac.fastAC[acc>>(64-lookBits)]; f != 0 {
			l := uint(f & 15)
			acc <<= l
			n -= l
			r := int(f>>4) & 15
			switch {
			case f>>8 != 0:
				k += r + 1
			case r == 0:
				return acc, n, nil // EOB
			default:
				k += 16 // ZRL
				continue
			}
			if k > 64 {
				return acc, n, corrupt("AC coefficients run past the block")
			}
			continue
		}
		var rs uint8
		rs, acc, n = d.slowAC(ac, acc, n)
		r, s := int(rs>>4), uint(rs&15)
		if s == 0 {
			if r != 15 {
				return acc, n, nil // EOB
			}
			k += 16 // ZRL
			continue
		}
		if k += r; k > 63 {
			return acc, n, corrupt("AC coefficients run past the block")
		}
		acc <<= s
		n -= s
		k++
	}
	return acc, n, nil
}

// slowAC decodes an AC symbol that fastAC does not hold (a long code, or
// one whose value bits do not fit lookBits) and leaves its value bits in
// the buffer, refilled to at least 32 bits first.
func (d *decoder) slowAC(ac *huffTable, acc uint64, n uint) (uint8, uint64, uint) {
	if n < 32 {
		var ok bool
		if acc, n, ok = d.refillFast(acc, n); !ok {
			acc, n = d.refill(acc, n)
		}
	}
	if v := ac.look[acc>>(64-lookBits)]; v != 0 {
		return uint8(v), acc << (v >> 8), n - uint(v>>8)
	}
	d.bits.acc, d.bits.n = acc, n
	rs := d.decodeLong(ac)
	return rs, d.bits.acc, d.bits.n
}

func (d *decoder) decodeDCFirst(c *component, blk *[64]int16, al int) error {
	if d.bits.n < 32 {
		d.fill()
	}
	c.pred += d.receiveExtend(d.decodeHuff(&d.dc[c.td]))
	blk[0] = int16(c.pred << al)
	return nil
}

func (d *decoder) decodeACFirst(c *component, blk *[64]int16, sc *scan) error {
	if d.eobrun > 0 {
		d.eobrun--
		return nil
	}
	ac := &d.ac[c.ta]
	for k := sc.ss; k <= sc.se; k++ {
		if d.bits.n < 32 {
			d.fill()
		}
		rs := d.decodeHuff(ac)
		r, s := int(rs>>4), rs&15
		if s == 0 {
			if r != 15 {
				d.eobrun = 1<<r - 1
				if r > 0 {
					d.eobrun += int(d.getBits(uint(r)))
				}
				break
			}
			k += 15
			continue
		}
		k += r
		if k > 63 {
			return corrupt("AC coefficients run past the block")
		}
		blk[zigzag[k]] = int16(d.receiveExtend(s) << sc.al)
	}
	return nil
}

// decodeACRefine adds one bit of precision to the band's coefficients
// (T.81 G.1.2.3): a correction bit for each already nonzero one, new ±1<<Al
// coefficients placed by zero runs, and end-of-band runs.
func (d *decoder) decodeACRefine(c *component, blk *[64]int16, sc *scan) error {
	p1, m1 := int16(1)<<sc.al, int16(-1)<<sc.al
	k := sc.ss
	if d.eobrun == 0 {
		ac := &d.ac[c.ta]
		for ; k <= sc.se; k++ {
			if d.bits.n < 32 {
				d.fill()
			}
			rs := d.decodeHuff(ac)
			r, s := int(rs>>4), int16(rs&15)
			if s != 0 {
				// The size of a new coefficient is always 1: its sign follows.
				if d.getBits(1) != 0 {
					s = p1
				} else {
					s = m1
				}
			} else if r != 15 {
				d.eobrun = 1 << r
				if r > 0 {
					d.eobrun += int(d.getBits(uint(r)))
				}
				break
			}
			// Skip r zero coefficients, refining the nonzero ones passed.
			for ; k <= sc.se; k++ {
				z := &blk[zigzag[k]]
				if *z != 0 {
					d.refine(z, p1, m1)
				} else {
					if r == 0 {
						break
					}
					r--
				}
			}
			if s != 0 && k <= sc.se {
				blk[zigzag[k]] = s
			}
		}
	}
	if d.eobrun > 0 {
		for ; k <= sc.se; k++ {
			if z := &blk[zigzag[k]]; *z != 0 {
				d.refine(z, p1, m1)
			}
		}
		d.eobrun--
	}
	return nil
}

// refine reads the correction bit of a nonzero coefficient.
func (d *decoder) refine(z *int16, p1, m1 int16) {
	if d.getBits(1) != 0 && *z&p1 == 0 {
		if *z >= 0 {
			*z += p1
		} else {
			*z += m1
		}
	}
}

// idctAll transforms a progressive image's coefficients once all scans are in.
func (d *decoder) idctAll() {
	smooth := d.smoothing()
	for i := range d.comps {
		c := &d.comps[i]
		if smooth {
			d.idctSmoothed(c)
			continue
		}
		for by := range c.ch {
			for bx := range c.cw {
				blk := (*[64]int16)(c.coef[64*(by*c.bw+bx):])
				if dcOnly(blk) {
					d.flat(c, blk[0], c.offset(bx, by))
				} else {
					d.idct(c, blk, c.offset(bx, by))
				}
			}
		}
	}
}

func dcOnly(blk *[64]int16) bool {
	for _, v := range blk[1:] {
		if v != 0 {
			return false
		}
	}
	return true
}
