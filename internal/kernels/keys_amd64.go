//go:build !purego

package kernels

// keysAVX512 is keysGeneric for hd a multiple of 16 (hd > 0).
//
//go:noescape
func keysAVX512(dst, src *float32, ld, hd int)

// keysAVX2 is keysGeneric for the first 8 of the 16 keys, hd a multiple
// of 8 (hd > 0).
//
//go:noescape
func keysAVX2(dst, src *float32, ld, hd int)

// checkKeys panics unless dst and src hold what keysGeneric writes and
// reads.
func checkKeys(dst, src []float32, ld, hd int) {
	if len(dst) < (hd-1)*nr+16 || len(src) < 15*ld+hd {
		panic("kernels: keys: slice too short")
	}
}

func keys512(dst, src []float32, ld, hd int) {
	if hd <= 0 {
		return
	}
	checkKeys(dst, src, ld, hd)
	m := hd &^ 15 // values the assembly does
	if m > 0 {
		keysAVX512(&dst[0], &src[0], ld, m)
	}
	if m < hd {
		keysGeneric(dst[m*nr:], src[m:], ld, hd-m)
	}
}

func keys2(dst, src []float32, ld, hd int) {
	if hd <= 0 {
		return
	}
	checkKeys(dst, src, ld, hd)
	m := hd &^ 7
	if m > 0 {
		keysAVX2(&dst[0], &src[0], ld, m)
		keysAVX2(&dst[8], &src[8*ld], ld, m)
	}
	if m < hd {
		keysGeneric(dst[m*nr:], src[m:], ld, hd-m)
	}
}
