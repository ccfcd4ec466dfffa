package kernels

import "math"

// packI8 quantises the fp32 panels of packB to int8 quad panels in lp:
// column j gets the scale s = max_k |W[j][k]|/127 and the values
// q = round(W[j][k]/s) (ties to even, in −127…127); panel q, quad row k4
// holds at b[(q·K4+k4)·nr+j] the bytes q[j][4k4+t] for t < 4 (zero past K),
// K4 = ⌈K/4⌉, VPDPBUSD's layout. off[j] = 128·Σ_k q[j][k].
func packI8(lp *lowPrec, src []float32, n, k int) {
	k4 := ceilDiv(k, 4)
	for p := range ceilDiv(n, nr) {
		panel := src[p*k*nr : (p+1)*k*nr]
		// Row by row of the panel, 64 columns at a time, so the panel is
		// read in order: column by column, ViT-B/16's int8 load took
		// 0.94-0.97 s on 2 cores, row by row 0.62-0.66 s.
		var sc [nr]float32
		for kk := range k {
			for j, v := range panel[kk*nr : (kk+1)*nr] {
				sc[j] = max(sc[j], abs32(v))
			}
		}
		for j := range sc {
			sc[j] /= 127
		}
		copy(lp.scale[p*nr:(p+1)*nr], sc[:])
		var sum [nr]int32
		for kk := range k {
			d := lp.b[(p*k4+kk/4)*nr : (p*k4+kk/4+1)*nr]
			sh := 8 * (kk % 4)
			for j, v := range panel[kk*nr : (kk+1)*nr] {
				q := quantI8(v, sc[j])
				sum[j] += int32(q)
				d[j] |= uint32(uint8(q)) << sh
			}
		}
		for j, s := range sum {
			lp.off[p*nr+j] = 128 * s
		}
	}
}

// unpackI8 writes the dequantised weights s·q as fp32 panels of packB.
func unpackI8(dst []float32, lp *lowPrec, n, k int) {
	k4 := ceilDiv(k, 4)
	for p := range ceilDiv(n, nr) {
		for kk := range k {
			d := dst[(p*k+kk)*nr : (p*k+kk+1)*nr]
			for j := range d {
				q := int8(lp.b[(p*k4+kk/4)*nr+j] >> (8 * (kk % 4)))
				d[j] = lp.scale[p*nr+j] * float32(q)
			}
		}
	}
}

// quantI8 is round(v/s) to nearest, ties to even, clamped to ±127; 0 when
// s is 0.
func quantI8(v, s float32) int8 {
	if s == 0 {
		return 0
	}
	return int8(max(-127, min(127, math.RoundToEven(float64(v)/float64(s)))))
}

// packRowI8 quantises one row of activations, which must be finite: it
// returns s = max|x|/127 and writes the bytes u = q + 128 (1…255) of
// q = round(x·(127/max|x|)) (the product in fp32, rounded to nearest even)
// as quads, dst[r] holding x[4r…4r+3] from the low byte up, bytes past
// len(x) 128 (zero). |q| ≤ 127 because the product is at most 127·(1+2⁻²³).
func packRowI8(dst []uint32, x []float32) float32 {
	m := maxAbs(x)
	if m == 0 {
		for r := range dst[:ceilDiv(len(x), 4)] {
			dst[r] = 0x80808080
		}
		return 0
	}
	quantRowI8(dst, x, 127/m)
	return m / 127
}

// maxAbs is max |x| (0 for empty x).
func maxAbs(x []float32) float32 {
	var m float32
	for _, v := range x {
		m = max(m, abs32(v))
	}
	return m
}

// quantRowI8 writes the bytes round(x·inv)+128 as quads, padding with 128.
func quantRowI8(dst []uint32, x []float32, inv float32) {
	for r := range dst[:ceilDiv(len(x), 4)] {
		var g uint32
		for t := range 4 {
			u := uint32(128)
			if i := 4*r + t; i < len(x) {
				u = uint32(int32(math.RoundToEven(float64(x[i]*inv))) + 128)
			}
			g |= u << (8 * t)
		}
		dst[r] = g
	}
}

// tileI8Generic is the int8 micro-kernel specification, VPDPBUSD's:
//
//	for i < 6, j < 64: c[i·ldc+j] = [c[i·ldc+j] +] Σ_{k4<kc4} Σ_{t<4} u8(a[i·lda+k4], t)·s8(b[k4·64+j], t)
//
// byte t of a group read unsigned from A and signed from B; the int32 sums
// are exact (|Σ| ≤ 4·kc4·255·128 < 2³¹ for the K of a ViT).
func tileI8Generic(kc4 int, a []uint32, lda int, b []uint32, c []int32, ldc int, acc bool) {
	var t [mr6][nr]int32
	if acc {
		for i := range mr6 {
			copy(t[i][:], c[i*ldc:i*ldc+nr])
		}
	}
	for k := range kc4 {
		bk := b[k*nr : k*nr+nr]
		for i := range mr6 {
			ag := a[i*lda+k]
			a0, a1, a2, a3 := int32(uint8(ag)), int32(uint8(ag>>8)), int32(uint8(ag>>16)), int32(uint8(ag>>24))
			ti := &t[i]
			for j, bg := range bk {
				ti[j] += a0*int32(int8(bg)) + a1*int32(int8(bg>>8)) + a2*int32(int8(bg>>16)) + a3*int32(int8(bg>>24))
			}
		}
	}
	for i := range mr6 {
		copy(c[i*ldc:i*ldc+nr], t[i][:])
	}
}

// dequantI8 turns a 6×64 int32 tile of Σ u·q_w into fp32: with
// u = q_x + 128, Σ q_x·q_w = Σ u·q_w − off with off = 128·Σ q_w, so
//
//	dst[i·64+j] = float32(src[i·64+j] − off[j]) · (sa[i]·sw[j])
func dequantI8(dst []float32, src []int32, sa, sw []float32, off []int32) {
	for i := range mr6 {
		d, s := dst[i*nr:(i+1)*nr], src[i*nr:(i+1)*nr]
		for j := range d {
			d[j] = float32(s[j]-off[j]) * (sa[i] * sw[j])
		}
	}
}
