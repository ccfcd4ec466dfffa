//go:build !purego

package jpeg

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly; tests turn it off to run the Go twins.
var useAVX2 = cpu.X86.HasAVX2

//go:noescape
func idct8AVX2(in *[64]int16, q *[64]uint16, dst *uint8, stride int)

//go:noescape
func idct4AVX2(in *[64]int16, q *[64]uint16, dst *uint8, stride int)

//go:noescape
func colsumAVX2(near, far *uint8, cs *int16, n int)

//go:noescape
func h2v2RowAVX2(cs *int16, out *uint8, n int)

//go:noescape
func yccAVX2(dst, y, cb, cr *uint8, n int)

func idct8(in *[64]int16, q *[64]uint16, dst []uint8, stride int) {
	if !useAVX2 {
		idct8Go(in, q, dst, stride)
		return
	}
	_ = dst[7*stride+7]
	idct8AVX2(in, q, &dst[0], stride)
}

func idct4(in *[64]int16, q *[64]uint16, dst []uint8, stride int) {
	if !useAVX2 {
		idct4Go(in, q, dst, stride)
		return
	}
	_ = dst[3*stride+3]
	idct4AVX2(in, q, &dst[0], stride)
}

// The row kernels run the assembly on whole groups of 16 and the Go twin
// on the rest.

func colsum(near, far []uint8, cs []int16) {
	n := len(near)
	far, cs = far[:n], cs[:n]
	m := 0
	if useAVX2 && n >= 16 {
		m = n &^ 15
		colsumAVX2(&near[0], &far[0], &cs[0], m)
	}
	colsumGo(near[m:], far[m:], cs[m:])
}

func h2v2Row(cs []int16, out []uint8) {
	n := len(out) / 2
	cs = cs[:n+2]
	m := 0
	if useAVX2 && n >= 16 {
		m = n &^ 15
		h2v2RowAVX2(&cs[0], &out[0], m)
	}
	h2v2RowGo(cs[m:], out[2*m:])
}

func yccToRGB(dst, y, cb, cr []uint8) {
	n := len(y)
	dst, cb, cr = dst[:3*n], cb[:n], cr[:n]
	m := 0
	if useAVX2 && n >= 16 {
		m = n &^ 15
		yccAVX2(&dst[0], &y[0], &cb[0], &cr[0], m)
	}
	yccToRGBGo(dst[3*m:], y[m:], cb[m:], cr[m:])
}
