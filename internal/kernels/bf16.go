package kernels

import (
	"fmt"
	"math"
	"strings"
)

// Precision is the number format a PackedB's weights are stored in and its
// products are computed in, and that of attention's products
// (AttentionAt: fp32 or bf16). Accumulation is fp32 in every precision, and
// everything else (LayerNorm, softmax, the residual stream) stays fp32.
type Precision uint8

const (
	FP32 Precision = iota // fp32 weights and activations
	// BF16: weights rounded to bfloat16 once at packing, activations
	// rounded to bfloat16 (to nearest, ties to even) as each Linear packs
	// them; every product of two bf16 values is exact in fp32.
	BF16
	// INT8: weights quantised once at packing to int8 with one scale per
	// output column (max |w|/127), activations quantised as each Linear
	// packs them with one scale per row (max |x|/127), int32 accumulation.
	INT8
)

var precisionNames = []string{FP32: "fp32", BF16: "bf16", INT8: "int8"}

func (p Precision) String() string {
	if int(p) < len(precisionNames) {
		return precisionNames[p]
	}
	return fmt.Sprintf("Precision(%d)", p)
}

// ParsePrecision maps "fp32", "bf16" or "int8" to a Precision.
func ParsePrecision(s string) (Precision, error) {
	for p, name := range precisionNames {
		if s == name {
			return Precision(p), nil
		}
	}
	return 0, fmt.Errorf("unknown precision %q (want %s)", s, strings.Join(precisionNames, ", "))
}

// Precision reports the format w's weights are stored in.
func (w *PackedB) Precision() Precision {
	if w.lp != nil {
		return w.lp.p
	}
	return FP32
}

// To returns w stored in precision p: w itself when it already is, else a
// new PackedB. fp32 → bf16 rounds each weight to nearest, ties to even;
// fp32 → int8 quantises each column; to fp32 widens exactly what is stored
// (it cannot restore the original weights); bf16 ↔ int8 goes through fp32.
func (w *PackedB) To(p Precision) *PackedB {
	if w.Precision() == p {
		return w
	}
	if w.lp != nil {
		f := &PackedB{N: w.N, K: w.K, w: make([]float32, ceilDiv(w.N, nr)*nr*w.K)}
		if w.lp.p == BF16 {
			w.lp.widenInto(f.w, w.N, w.K)
		} else {
			unpackI8(f.w, w.lp, w.N, w.K)
		}
		if p == FP32 {
			return f
		}
		w = f
	}
	np := ceilDiv(w.N, nr) * nr
	lp := &lowPrec{p: p}
	switch {
	case p == BF16 && bf16OnFP32(): // held widened only, as packStack does
		lp.wide = make([]float32, len(w.w))
		roundRowBF16(lp.wide, w.w)
	case p == BF16:
		lp.b = make([]uint32, np*ceilDiv(w.K, 2))
		packBF16(lp.b, w.w, w.N, w.K)
	case p == INT8:
		lp.b = make([]uint32, np*ceilDiv(w.K, 4))
		lp.scale, lp.off = make([]float32, np), make([]int32, np)
		packI8(lp, w.w, w.N, w.K)
	default:
		panic("kernels: PackedB.To: unknown precision " + p.String())
	}
	return &PackedB{N: w.N, K: w.K, lp: lp}
}

// packBF16 turns fp32 panels of packB into bf16 VNNI panels: panel q, pair
// row k2 holds at dst[(q·K2+k2)·nr+j] the two bf16 values of column j at
// rows 2k2 (low half) and 2k2+1 (high half, zero past K) of W's column j,
// K2 = ⌈K/2⌉, for the n columns of src (K = k). This
// is the B layout of both VDPBF16PS and AMX's TDPBF16PS.
func packBF16(dst []uint32, src []float32, n, k int) {
	k2 := ceilDiv(k, 2)
	for q := range ceilDiv(n, nr) {
		panel := src[q*k*nr : (q+1)*k*nr]
		for r := range k2 {
			d := dst[(q*k2+r)*nr : (q*k2+r+1)*nr]
			lo := panel[2*r*nr : (2*r+1)*nr]
			var hi []float32
			if 2*r+1 < k {
				hi = panel[(2*r+1)*nr : (2*r+2)*nr]
			}
			for j := range d {
				d[j] = uint32(toBF16(lo[j]))
				if hi != nil {
					d[j] |= uint32(toBF16(hi[j])) << 16
				}
			}
		}
	}
}

// unpackBF16 is the inverse of packBF16, exact.
func unpackBF16(dst []float32, src []uint32, n, k int) {
	k2 := ceilDiv(k, 2)
	for q := range ceilDiv(n, nr) {
		for kk := range k {
			d := dst[(q*k+kk)*nr : (q*k+kk+1)*nr]
			s := src[(q*k2+kk/2)*nr : (q*k2+kk/2+1)*nr]
			for j, v := range s {
				d[j] = fromBF16(uint16(v >> (16 * (kk % 2))))
			}
		}
	}
}

// toBF16 rounds f to the nearest bfloat16, ties to even; NaN stays NaN.
func toBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40 // quiet NaN, sign kept
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// fromBF16 widens a bfloat16 value exactly.
func fromBF16(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// packRowBF16 writes the values of x rounded to bf16 into dst as pairs,
// dst[r] = x[2r] | x[2r+1]<<16, the high half of the last pair zero when
// len(x) is odd.
func packRowBF16(dst []uint32, x []float32) {
	for r := range len(x) / 2 {
		dst[r] = uint32(toBF16(x[2*r])) | uint32(toBF16(x[2*r+1]))<<16
	}
	if len(x)%2 == 1 {
		dst[len(x)/2] = uint32(toBF16(x[len(x)-1]))
	}
}

// pairRowsBF16 writes, for r < rows and j < n, the values of rows 2r and
// 2r+1 of src (row stride lds) rounded to bf16 as the pair
// dst[r·ldd+j] = src[2r·lds+j] | src[(2r+1)·lds+j]<<16: two rows of V
// become a pair row of its packed panel (packVBF16), two rows of a packed
// fp32 panel one of the bf16 panel (packKBF16).
func pairRowsBF16(dst []uint32, ldd int, src []float32, lds, rows, n int) {
	for r := range rows {
		d, lo, hi := dst[r*ldd:][:n], src[2*r*lds:][:n], src[(2*r+1)*lds:][:n]
		for j := range d {
			d[j] = uint32(toBF16(lo[j])) | uint32(toBF16(hi[j]))<<16
		}
	}
}

// keysBF16 writes the hd values of each of 16 rows of src (row stride ld)
// rounded to bf16 as the pairs dst[g·nr+j] = src[j·ld+2g] |
// src[j·ld+2g+1]<<16 (zero past hd), g < ⌈hd/2⌉, j < 16: 16 keys of K as
// 16 columns of its packed bf16 panel (packKBF16).
func keysBF16(dst []uint32, src []float32, ld, hd int) {
	for j := range 16 {
		row := src[j*ld:][:hd]
		for g := range hd / 2 {
			dst[g*nr+j] = uint32(toBF16(row[2*g])) | uint32(toBF16(row[2*g+1]))<<16
		}
		if hd%2 == 1 {
			dst[hd/2*nr+j] = uint32(toBF16(row[hd-1]))
		}
	}
}

// expPairsGeneric writes exp(scale·(x[j]−m)) (exp32), rounded to bf16,
// as the pairs dst[r] = e[2r] | e[2r+1]<<16, the high half of the last
// zero for odd len(x), and returns the sum of the exponentials before
// rounding, in expSumGeneric's order: bf16 attention's E and its row sum
// in one pass. x is not written.
func expPairsGeneric(dst []uint32, x []float32, m, scale float32) float32 {
	var s float32
	for j, v := range x {
		e := exp32((v - m) * scale)
		s += e
		if h := uint32(toBF16(e)); j%2 == 0 {
			dst[j/2] = h
		} else {
			dst[j/2] |= h << 16
		}
	}
	return s
}

// roundRowBF16 writes the values of x rounded to bf16 as packRowBF16
// does, widened back to fp32, into dst: the activations of linearViaFP32.
func roundRowBF16(dst, x []float32) {
	for j, v := range x {
		dst[j] = fromBF16(toBF16(v))
	}
}

// tileBF16Generic is the bf16 micro-kernel specification, VDPBF16PS's
// order of operations:
//
//	for i < 6, j < 64: t = acc ? c[i·ldc+j] : 0
//	  for k2 < kc2: t += hi(a[i·lda+k2])·hi(b[k2·64+j]); t += lo(a[i·lda+k2])·lo(b[k2·64+j])
//	  c[i·ldc+j] = t
//
// lo and hi are the bf16 halves of a pair, widened to fp32; each product is
// exact in fp32, each sum rounded to nearest.
func tileBF16Generic(kc2 int, a []uint32, lda int, b []uint32, c []float32, ldc int, acc bool) {
	var t [mr6][nr]float32
	if acc {
		for i := range mr6 {
			copy(t[i][:], c[i*ldc:i*ldc+nr])
		}
	}
	for k := range kc2 {
		bk := b[k*nr : k*nr+nr]
		for i := range mr6 {
			ap := a[i*lda+k]
			ah, al := fromBF16(uint16(ap>>16)), fromBF16(uint16(ap))
			ti := &t[i]
			for j, bv := range bk {
				ti[j] += ah * fromBF16(uint16(bv>>16))
				ti[j] += al * fromBF16(uint16(bv))
			}
		}
	}
	for i := range mr6 {
		copy(c[i*ldc:i*ldc+nr], t[i][:])
	}
}
