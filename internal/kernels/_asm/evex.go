package main

import "fmt"

// evex512 encodes a register-only AVX-512 instruction of the 0F38 map,
// W0, 512-bit, in Intel operand order dst, src1 (EVEX.vvvv), src2
// (ModRM.rm), registers zmm0–zmm31; pp selects the implied prefix (1: 66,
// 2: F3, 3: F2). Intel SDM vol. 2, 2.7 (EVEX encoding): R, X, B, R' and
// V' extend the register numbers to 5 bits and are stored inverted, as is
// vvvv.
func evex512(op byte, pp byte, dst, src1, src2 int) []byte {
	bit := func(r, n int) byte { return byte(r>>n) & 1 }
	p0 := (1-bit(dst, 3))<<7 | (1-bit(src2, 4))<<6 | (1-bit(src2, 3))<<5 | (1-bit(dst, 4))<<4 | 0b10 // map 0F38
	p1 := byte(0)<<7 | (^byte(src1)&15)<<3 | 1<<2 | pp                                               // W0, vvvv, fixed 1, pp
	p2 := byte(0b10)<<5 | (1-bit(src1, 4))<<3                                                        // L'L = 512, V'
	modrm := 0b11<<6 | byte(dst&7)<<3 | byte(src2&7)
	return []byte{0x62, p0, p1, p2, op, modrm}
}

// vdpbf16ps encodes VDPBF16PS zmm dst, zmm src1, zmm src2 (AVX512_BF16):
// EVEX.512.F3.0F38.W0 52 /r.
func vdpbf16ps(dst, src1, src2 int) (string, []byte) {
	return fmt.Sprintf("vdpbf16ps zmm%d,zmm%d,zmm%d", dst, src1, src2), evex512(0x52, 2, dst, src1, src2)
}

// vcvtne2ps2bf16 encodes VCVTNE2PS2BF16 zmm dst, zmm src1, zmm src2: the
// low 16 words of dst from src2, the high from src1. EVEX.512.F2.0F38.W0
// 72 /r.
func vcvtne2ps2bf16(dst, src1, src2 int) (string, []byte) {
	return fmt.Sprintf("vcvtne2ps2bf16 zmm%d,zmm%d,zmm%d", dst, src1, src2), evex512(0x72, 3, dst, src1, src2)
}
