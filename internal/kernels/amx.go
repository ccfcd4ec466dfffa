package kernels

import "math"

// AMX tiles. An AMX call computes, for nblk blocks of amxRows rows, a
// block of 32 columns of c: 2×2 tiles of 16×16 fp32 (bf16) or int32 (int8)
// accumulators, tmm0–tmm3, fed per step of up to 16 groups of K by two A
// tiles (tmm4, tmm5: 16 rows × 16 groups) and two B tiles (tmm6, tmm7: 16
// groups × 16 columns). B is read in place from the packed panels of
// packBF16 and packI8: their pair (quad) rows of 64 columns are the VNNI
// layout tiles need, 256 bytes apart, so a B tile is 16 rows of one panel
// at a 16-column offset.
const (
	amxTile = 16          // rows and columns of an accumulator tile, groups of a step
	amxRows = 2 * amxTile // rows of a block
	amxCols = 2 * amxTile // columns of a call
)

// amxA is where a call finds A, in 32-bit groups: group k of step st of
// row r of block blk is a[blk·block + r·row + st·step + k] (k < 16).
// Packed rows of kg groups are amxA{kg, 16, 32·kg}; packed tiles, each
// step of a block its 32 rows of 16 groups together, are amxA{16, 512,
// steps·512} (amxTiled).
type amxA struct{ row, step, block int }

// amxRowsA is the layout of rows of kg groups.
func amxRowsA(kg int) amxA { return amxA{kg, amxTile, amxRows * kg} }

// amxTilesA is the layout of tiles for rows of kg groups.
func amxTilesA(kg int) amxA {
	step := amxRows * amxTile
	return amxA{amxTile, step, ceilDiv(kg, amxTile) * step}
}

// at is the index in A of group g of row r, for g a multiple of 16 and r
// of 32, or r < 32 and any g.
func (l amxA) at(r, g int) int {
	return r/amxRows*l.block + r%amxRows*l.row + g/amxTile*l.step + g%amxTile
}

// amxShape is the geometry of one call: rows0 rows in a block's first
// row tile and rows1 (0 for none, else rows0 is 16) in its second, kg
// groups of K per step (1…16).
type amxShape struct{ rows0, rows1, kg int }

// amxConfig is the 64-byte tile configuration LDTILECFG loads (palette 1):
// colsb[i] as uint16 at byte 16+2i, rows[i] at byte 48+i.
type amxConfig [64]byte

// config is the tile configuration of a call of shape s.
func (s amxShape) config() amxConfig {
	var c amxConfig
	c[0] = 1
	set := func(t, rows, colsb int) {
		c[16+2*t], c[16+2*t+1] = byte(colsb), byte(colsb>>8)
		c[48+t] = byte(rows)
	}
	set(0, s.rows0, 64)
	set(1, s.rows0, 64)
	set(4, s.rows0, 4*s.kg)
	if s.rows1 > 0 {
		set(2, s.rows1, 64)
		set(3, s.rows1, 64)
		set(5, s.rows1, 4*s.kg)
	}
	set(6, s.kg, 64)
	set(7, s.kg, 64)
	return c
}

// amxCheck panics unless a, b and c hold what a call of shape s reads and
// writes: rows r < rows0+rows1 of nblk blocks of A (laid out as l), their
// rows (blk·32+r) of c, and for step st pair (quad) rows st·16… of b, 64
// groups apart.
func amxCheck(s amxShape, nblk, steps int, la int, l amxA, lb, lc, ldc int) {
	rows := s.rows0 + s.rows1
	ok := nblk > 0 && steps > 0 && s.kg >= 1 && s.kg <= amxTile &&
		s.rows0 >= 1 && s.rows0 <= amxTile && s.rows1 >= 0 && s.rows1 <= amxTile &&
		(s.rows1 == 0 || s.rows0 == amxTile) && l.row > 0 && l.step > 0 && l.block > 0 &&
		la >= (nblk-1)*l.block+(rows-1)*l.row+(steps-1)*l.step+s.kg &&
		lb >= ((steps-1)*amxTile+s.kg-1)*nr+amxCols &&
		lc >= ((nblk-1)*amxRows+rows-1)*ldc+amxCols
	if !ok {
		panic("kernels: amx call: bad shape or slice too short")
	}
}

// amxBF16Generic is the specification of the bf16 AMX call, TDPBF16PS's
// order of operations (Intel SDM) once per step:
//
//	for blk < nblk, row r of the block, j < 32: t = acc ? c[(blk·32+r)·ldc+j] : 0
//	  for st < steps: e, o = 0, 0
//	    for k < kg: p = a[blk·block + r·row + st·step + k], q = b[(st·16+k)·64+j]
//	      e += lo(p)·lo(q); o += hi(p)·hi(q)
//	    t += e + o
//	  c[(blk·32+r)·ldc+j] = t
//
// Inputs and results are flushed: denormal bf16 values read as zero and
// denormal sums become zero.
func amxBF16Generic(s amxShape, nblk, steps int, a []uint32, l amxA, b []uint32, c []float32, ldc int, acc bool) {
	amxCheck(s, nblk, steps, len(a), l, len(b), len(c), ldc)
	for blk := range nblk {
		for r := range s.rows0 + s.rows1 {
			ar := a[blk*l.block+r*l.row:]
			cr := c[(blk*amxRows+r)*ldc:][:amxCols]
			for j := range cr {
				var t float32
				if acc {
					t = ftz(cr[j])
				}
				for st := range steps {
					var e, o float32
					for k := range s.kg {
						ap, bp := ar[st*l.step+k], b[(st*amxTile+k)*nr+j]
						e = ftz(e + daz(uint16(ap))*daz(uint16(bp)))
						o = ftz(o + daz(uint16(ap>>16))*daz(uint16(bp>>16)))
					}
					t = ftz(t + ftz(e+o))
				}
				cr[j] = t
			}
		}
	}
}

// amxI8Generic is the specification of the int8 AMX call, TDPBUSD's:
//
//	c[i·ldc+j] = [c[i·ldc+j] +] Σ_{st<steps} Σ_{k<kg} Σ_{t<4} u8(p, t)·s8(q, t),
//	i = blk·32+r, p = a[blk·block + r·row + st·step + k], q = b[(st·16+k)·64+j],
//
// for each block's rows r and j < 32, as tileI8Generic; the int32 sums
// are exact.
func amxI8Generic(s amxShape, nblk, steps int, a []uint32, l amxA, b []uint32, c []int32, ldc int, acc bool) {
	amxCheck(s, nblk, steps, len(a), l, len(b), len(c), ldc)
	for blk := range nblk {
		for r := range s.rows0 + s.rows1 {
			ar := a[blk*l.block+r*l.row:]
			cr := c[(blk*amxRows+r)*ldc:][:amxCols]
			for j := range cr {
				var t int32
				if acc {
					t = cr[j]
				}
				for st := range steps {
					for k := range s.kg {
						ag, bg := ar[st*l.step+k], b[(st*amxTile+k)*nr+j]
						for q := range 4 {
							t += int32(uint8(ag>>(8*q))) * int32(int8(bg>>(8*q)))
						}
					}
				}
				cr[j] = t
			}
		}
	}
}

// daz widens a bfloat16 value, reading denormals as zero.
func daz(h uint16) float32 {
	if h&0x7f80 == 0 {
		h &= 0x8000
	}
	return fromBF16(h)
}

// ftz flushes a denormal to zero of the same sign.
func ftz(f float32) float32 {
	if b := math.Float32bits(f); b&0x7f800000 == 0 {
		return math.Float32frombits(b & 0x80000000)
	}
	return f
}
