package jpeg

import "encoding/binary"

// lookBits is how many bits one table lookup decodes: codes up to this
// length (nearly all of them) take one load; longer ones a short search.
const lookBits = 10

// skipBits is how many bits one lookup in a skip table reads.
const skipBits = 12

// skipMinBlocks is how many blocks a component needs for its skip table
// to be built (see prepareSkip); tests change it.
var skipMinBlocks = 1 << skipBits

// skipEOB marks a skip table entry whose last symbol is an end of block.
const skipEOB = 1 << 4

// huffTable is one DHT table (T.81 annex C) in decoding form.
type huffTable struct {
	defined bool
	// look[next lookBits bits] = length<<8 | symbol, or 0 for longer codes.
	look [1 << lookBits]uint16
	// maxcode[l] is the largest code of length l (-1: none); the symbol of
	// code c of length l is vals[valptr[l]+c].
	maxcode [17]int32
	valptr  [17]int32
	vals    [256]uint8
	// fastAC[next lookBits bits], for an AC code whose run/size symbol and
	// value bits all fit: value<<8 | run<<4 | bits used (value 0: EOB for
	// run 0, ZRL for run 15); else 0.
	fastAC [1 << lookBits]int32
	// skip[next skipBits bits], for an AC table at 1/8 scale, where only
	// the DC term is used: the whole codes (and value bits) those bits
	// hold, up to an end of block, as positions advanced (an EOB counts
	// one)<<8 | skipEOB if it ended the block | bits used; 0 when not even
	// one code fits.
	skip      [1 << skipBits]uint16
	skipBuilt bool
}

func (d *decoder) readDHT(s []byte) error {
	for len(s) > 0 {
		if len(s) < 17 {
			return corrupt("DHT too short")
		}
		class, th := s[0]>>4, int(s[0]&15)
		if class > 1 || th > 3 {
			return corrupt("DHT class %d table %d", class, th)
		}
		var counts [17]int
		n := 0
		for l := 1; l <= 16; l++ {
			counts[l] = int(s[l])
			n += counts[l]
		}
		if n > 256 || len(s) < 17+n {
			return corrupt("DHT with %d codes", n)
		}
		t := &d.dc[th]
		if class == 1 {
			t = &d.ac[th]
		}
		if err := t.build(&counts, s[17:17+n], class == 0); err != nil {
			return err
		}
		s = s[17+n:]
	}
	return nil
}

// build assigns the canonical codes (T.81 C.2) and fills the lookup table.
func (t *huffTable) build(counts *[17]int, vals []byte, dc bool) error {
	*t = huffTable{defined: true}
	copy(t.vals[:], vals)
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		t.valptr[l] = k - code
		for range counts[l] {
			if code >= 1<<l {
				return corrupt("DHT code lengths overflow")
			}
			if l <= lookBits {
				lo := code << (lookBits - l)
				for i := lo; i < lo+1<<(lookBits-l); i++ {
					t.look[i] = uint16(l)<<8 | uint16(vals[k])
				}
			}
			code++
			k++
		}
		if code >= 1<<l { // libjpeg: the last code of a length is not all ones
			return corrupt("DHT code lengths overflow")
		}
		t.maxcode[l] = code - 1
		if counts[l] == 0 {
			t.maxcode[l] = -1
		}
		code <<= 1
	}
	for i, v := range t.look {
		l, rs := uint(v>>8), uint8(v)
		r, s := int32(rs>>4), uint(rs&15)
		if l > 0 && s == 0 && (r == 0 || r == 15) {
			t.fastAC[i] = r<<4 | int32(l)
		}
		if l == 0 || s == 0 || l+s > lookBits {
			continue
		}
		x := int32(i>>(lookBits-l-s)) & (1<<s - 1)
		if x < 1<<(s-1) {
			x += -1<<s + 1
		}
		t.fastAC[i] = x<<8 | r<<4 | int32(l+s)
	}
	if dc {
		for _, v := range vals {
			if v > 15 {
				return corrupt("DC Huffman symbol %d", v)
			}
		}
	}
	return nil
}

// prepareSkip builds the skip tables of a sequential scan's 1×1
// components, if the component has at least as many blocks as a table has
// entries: building one costs about as much as reading that many blocks
// code by code, and a file of many small scans must not make the decoder
// build a table for each.
func (d *decoder) prepareSkip(sc *scan) {
	for _, c := range sc.comps {
		t := &d.ac[c.ta]
		if c.size == 1 && !t.skipBuilt && c.cw*c.ch >= skipMinBlocks {
			t.buildSkip()
			t.skipBuilt = true
		}
	}
}

// buildSkip fills t.skip: each index's codes decoded one after the other
// as decodeLong does, until the bits run out or a code ends the block.
func (t *huffTable) buildSkip() {
	for i := range t.skip {
		pos, adv := 0, 0
		e := uint16(0)
		for {
			rs, l, ok := t.peek(uint32(i), skipBits-pos)
			r, s := int(rs>>4), int(rs&15)
			if !ok || pos+l+s > skipBits {
				break
			}
			pos += l + s
			if s == 0 && r != 15 {
				// Counted as a position: a block whose 63rd coefficient
				// is coded ends there, and the bits after it are not an
				// EOB but the next block's DC code.
				e = skipEOB
				adv++
				break
			}
			adv += r + 1 // ZRL (r = 15): 16 zeros
		}
		if pos > 0 {
			t.skip[i] = uint16(adv)<<8 | e | uint16(pos)
		}
	}
}

// peek decodes the code at the top of the low m bits of x: its symbol and
// length, ok false when those bits hold no whole code.
func (t *huffTable) peek(x uint32, m int) (rs uint8, l int, ok bool) {
	for l = 1; l <= min(m, 16); l++ {
		if c := int32(x>>(m-l)) & (1<<l - 1); c <= t.maxcode[l] {
			return t.vals[(t.valptr[l]+c)&255], l, true
		}
	}
	return 0, 0, false
}

// bitReader reads the entropy-coded segment MSB first from a left-aligned
// 64-bit buffer. At a marker or the end of the data it appends zero bytes,
// as libjpeg does, and counts them: a decoder that consumes them has run
// past the segment.
type bitReader struct {
	acc    uint64
	n      uint // valid bits in acc
	virt   uint // of those, zero bits appended past the segment's end
	marker bool // the segment has ended
}

// fill tops the buffer up to at least 57 bits.
func (d *decoder) fill() {
	b := &d.bits
	if !b.marker && d.pos+8 <= len(d.data) {
		// Fast path: the next 8 bytes hold no 0xff (no stuffing, no marker).
		x := binary.BigEndian.Uint64(d.data[d.pos:])
		if v := ^x; (v-0x0101010101010101)&^v&0x8080808080808080 == 0 {
			nb := (64 - b.n) >> 3
			b.acc |= x >> b.n
			b.n += 8 * nb
			d.pos += int(nb)
			if b.n < 64 {
				b.acc &^= ^uint64(0) >> b.n
			}
			return
		}
	}
	for b.n <= 56 {
		if b.marker || d.pos >= len(d.data) {
			b.marker = true
			b.n += 8
			b.virt += 8
			continue
		}
		c := d.data[d.pos]
		if c == 0xff {
			p := d.pos + 1
			for p < len(d.data) && d.data[p] == 0xff {
				p++
			}
			if p < len(d.data) && d.data[p] == 0 {
				d.pos = p + 1
			} else { // a marker: stay on its first 0xff
				d.pos = p - 1
				b.marker = true
				continue
			}
		} else {
			d.pos++
		}
		b.acc |= uint64(c) << (56 - b.n)
		b.n += 8
	}
}

// refill is fill for a caller that keeps the buffer in acc and n; the
// caller inlines the common case, 8 bytes without 0xff (refillFast).
func (d *decoder) refill(acc uint64, n uint) (uint64, uint) {
	d.bits.acc, d.bits.n = acc, n
	d.fill()
	return d.bits.acc, d.bits.n
}

// refillFast tops acc up to at least 56 bits when the next 8 bytes hold no
// 0xff (no stuffing, no marker); ok is false when they do.
func (d *decoder) refillFast(acc uint64, n uint) (uint64, uint, bool) {
	if d.pos+8 > len(d.data) || d.bits.marker {
		return acc, n, false
	}
	x := binary.BigEndian.Uint64(d.data[d.pos:])
	if (^x-0x0101010101010101)&x&0x8080808080808080 != 0 {
		return acc, n, false
	}
	nb := (63 - n) >> 3
	d.pos += int(nb)
	acc |= x >> n
	n += 8 * nb
	return acc &^ (^uint64(0) >> n), n, true
}

// overrun says whether bits past the segment's end were consumed.
func (b *bitReader) overrun() bool { return b.n < b.virt }

// reset drops the buffered bits (at a restart marker or a scan's end).
func (b *bitReader) reset() { *b = bitReader{} }

// decodeHuff decodes one symbol. The buffer must hold at least 16 bits.
// Short codes take one lookup; longer ones decodeLong. A bad
// code sets d.err and reads as symbol 0 (a zero DC difference, an EOB), so
// the block ends and the scan stops at its row's check.
func (d *decoder) decodeHuff(t *huffTable) uint8 {
	v := t.look[d.bits.acc>>(64-lookBits)]
	if v == 0 {
		return d.decodeLong(t)
	}
	l := v >> 8
	d.bits.acc <<= l
	d.bits.n -= uint(l)
	return uint8(v)
}

// decodeLong decodes a code longer than lookBits (T.81 F.2.2.3).
func (d *decoder) decodeLong(t *huffTable) uint8 {
	b := &d.bits
	code := int32(b.acc >> (64 - 16))
	for l := lookBits + 1; l <= 16; l++ {
		if c := code >> (16 - l); c <= t.maxcode[l] {
			b.acc <<= uint(l)
			b.n -= uint(l)
			return t.vals[(t.valptr[l]+c)&255]
		}
	}
	if d.err == nil {
		d.err = corrupt("bad Huffman code")
	}
	return 0
}

// receiveExtend reads an s-bit magnitude category value and sign-extends it
// (T.81 F.2.2.1). The buffer must hold at least s bits; s ≤ 16.
func (d *decoder) receiveExtend(s uint8) int32 {
	if s == 0 {
		return 0
	}
	b := &d.bits
	v := int32(b.acc >> (64 - uint(s)))
	b.acc <<= uint(s)
	b.n -= uint(s)
	return extend(v, uint(s))
}

// extend is T.81's EXTEND: v, s bits read as a magnitude category value,
// sign-extended (s ≥ 1).
func extend(v int32, s uint) int32 {
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// getBits reads n ≤ 16 raw bits.
func (d *decoder) getBits(n uint) int32 {
	if n == 0 {
		return 0
	}
	b := &d.bits
	if b.n < n {
		d.fill()
	}
	v := int32(b.acc >> (64 - n))
	b.acc <<= n
	b.n -= n
	return v
}
