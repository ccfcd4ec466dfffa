//go:build !amd64 || purego

package jpeg

func idct8(in *[64]int16, q *[64]uint16, dst []uint8, stride int) {
	idct8Go(in, q, dst, stride)
}

func idct4(in *[64]int16, q *[64]uint16, dst []uint8, stride int) {
	idct4Go(in, q, dst, stride)
}

func colsum(near, far []uint8, cs []int16) { colsumGo(near, far, cs) }

func h2v2Row(cs []int16, out []uint8) { h2v2RowGo(cs, out) }

func yccToRGB(dst, y, cb, cr []uint8) { yccToRGBGo(dst, y, cb, cr) }
