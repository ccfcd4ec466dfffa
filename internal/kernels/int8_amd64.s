//go:build !purego

#include "textflag.h"
#include "tile_amd64.h"

// I8STEP does one quad row k4: it loads the 64 weight quads of the row at
// boff(SI) into Z24–Z27, broadcasts each row's activation quad at aoff from
// its row pointer and adds the 24 four-byte dot products into Z0–Z23.
// VPDPBUSD Zs8, Zu8, Zacc reads the first source as signed bytes and the
// second as unsigned.
#define I8STEP(aoff, b0, b1, b2, b3) \
	VMOVDQU32 b0(SI), Z24; \
	VMOVDQU32 b1(SI), Z25; \
	VMOVDQU32 b2(SI), Z26; \
	VMOVDQU32 b3(SI), Z27; \
	VPBROADCASTD aoff(AX), Z28; \
	VPBROADCASTD aoff(AX)(BX*1), Z29; \
	VPBROADCASTD aoff(AX)(BX*2), Z30; \
	VPBROADCASTD aoff(R8), Z31; \
	VPDPBUSD Z24, Z28, Z0; \
	VPDPBUSD Z25, Z28, Z1; \
	VPDPBUSD Z26, Z28, Z2; \
	VPDPBUSD Z27, Z28, Z3; \
	VPDPBUSD Z24, Z29, Z4; \
	VPDPBUSD Z25, Z29, Z5; \
	VPDPBUSD Z26, Z29, Z6; \
	VPDPBUSD Z27, Z29, Z7; \
	VPDPBUSD Z24, Z30, Z8; \
	VPDPBUSD Z25, Z30, Z9; \
	VPDPBUSD Z26, Z30, Z10; \
	VPDPBUSD Z27, Z30, Z11; \
	VPDPBUSD Z24, Z31, Z12; \
	VPDPBUSD Z25, Z31, Z13; \
	VPDPBUSD Z26, Z31, Z14; \
	VPDPBUSD Z27, Z31, Z15; \
	VPBROADCASTD aoff(R8)(BX*1), Z28; \
	VPBROADCASTD aoff(R8)(BX*2), Z29; \
	VPDPBUSD Z24, Z28, Z16; \
	VPDPBUSD Z25, Z28, Z17; \
	VPDPBUSD Z26, Z28, Z18; \
	VPDPBUSD Z27, Z28, Z19; \
	VPDPBUSD Z24, Z29, Z20; \
	VPDPBUSD Z25, Z29, Z21; \
	VPDPBUSD Z26, Z29, Z22; \
	VPDPBUSD Z27, Z29, Z23

// func tileI8AVX512(kc4 int, a *uint32, lda int, b *uint32, c *int32, ldc int, acc bool)
//
// tileI8Generic for the whole 6×64 tile: Z0–Z23 hold the int32
// accumulators (row i in Z4i…Z4i+3), started from c when acc is set.
TEXT ·tileI8AVX512(SB), NOSPLIT, $0-49
	MOVQ kc4+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), BX
	SHLQ $2, BX
	MOVQ b+24(FP), SI
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), DX
	SHLQ $2, DX
	LEAQ (AX)(BX*2), R8
	ADDQ BX, R8 // R8 = a + 3·lda
	LEAQ (DI)(DX*2), R10
	ADDQ DX, R10 // R10 = c + 3·ldc
	MOVBLZX acc+48(FP), R9
	TESTQ R9, R9
	JNE load
	ZERO24
	JMP body
load:
	LOAD24(VMOVDQU32, DI, R10, DX)
body:
	MOVQ CX, R11
	SHRQ $1, R11 // steps of 2 quads
	JEQ tail
loop2:
	I8STEP(0, 0, 64, 128, 192)
	I8STEP(4, 256, 320, 384, 448)
	ADDQ $8, AX
	ADDQ $8, R8
	ADDQ $512, SI
	DECQ R11
	JNE loop2
tail:
	TESTQ $1, CX
	JEQ store
	I8STEP(0, 0, 64, 128, 192)
store:
	STORE24(VMOVDQU32, DI, R10, DX)
	VZEROUPPER
	RET

// func maxAbsAVX512(x *float32, n int) float32
//
// maxAbs for n a multiple of 16 (n > 0).
TEXT ·maxAbsAVX512(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $4, CX
	VPXORD Z0, Z0, Z0
	MOVL $0x7fffffff, AX
	VPBROADCASTD AX, Z1
maxloop:
	VPANDD (SI), Z1, Z2
	VMAXPS Z2, Z0, Z0
	ADDQ $64, SI
	DECQ CX
	JNE maxloop
	VEXTRACTF64X4 $1, Z0, Y2
	VMAXPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X2
	VMAXPS X2, X0, X0
	VPSHUFD $0x4e, X0, X2
	VMAXPS X2, X0, X0
	VPSHUFD $0xb1, X0, X2
	VMAXPS X2, X0, X0
	VZEROUPPER
	MOVSS X0, ret+16(FP)
	RET

// func quantI8AVX512(dst *uint32, x *float32, n int, inv float32)
//
// quantRowI8 for n a multiple of 16: q = x·inv rounded to nearest even
// (VCVTPS2DQ with {rn-sae}), saturated to int8, +128 as XOR 0x80.
TEXT ·quantI8AVX512(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX
	JEQ qdone
	VBROADCASTSS inv+24(FP), Z1
	MOVL $0x80808080, AX
	VPBROADCASTD AX, X3
qloop:
	VMULPS (SI), Z1, Z2
	VCVTPS2DQ.RN_SAE Z2, Z2
	VPMOVSDB Z2, X2
	VPXOR X3, X2, X2
	VMOVDQU X2, (DI)
	ADDQ $64, SI
	ADDQ $16, DI
	DECQ CX
	JNE qloop
qdone:
	VZEROUPPER
	RET

// func dequantI8AVX512(dst *float32, src *int32, sa *float32, sw *float32, off *int32)
//
// dequantI8 for the 6×64 tile: dst = float32(src − off[j])·(sa[i]·sw[j]).
TEXT ·dequantI8AVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ sa+16(FP), AX
	MOVQ sw+24(FP), BX
	MOVQ off+32(FP), DX
	VMOVUPS 0(BX), Z4
	VMOVUPS 64(BX), Z5
	VMOVUPS 128(BX), Z6
	VMOVUPS 192(BX), Z7
	VMOVDQU32 0(DX), Z8
	VMOVDQU32 64(DX), Z9
	VMOVDQU32 128(DX), Z10
	VMOVDQU32 192(DX), Z11
	MOVQ $6, CX
dqloop:
	VBROADCASTSS (AX), Z12
	VMULPS Z4, Z12, Z13
	VMULPS Z5, Z12, Z14
	VMULPS Z6, Z12, Z15
	VMULPS Z7, Z12, Z16
	VMOVDQU32 0(SI), Z0
	VMOVDQU32 64(SI), Z1
	VMOVDQU32 128(SI), Z2
	VMOVDQU32 192(SI), Z3
	VPSUBD Z8, Z0, Z0
	VPSUBD Z9, Z1, Z1
	VPSUBD Z10, Z2, Z2
	VPSUBD Z11, Z3, Z3
	VCVTDQ2PS Z0, Z0
	VCVTDQ2PS Z1, Z1
	VCVTDQ2PS Z2, Z2
	VCVTDQ2PS Z3, Z3
	VMULPS Z13, Z0, Z0
	VMULPS Z14, Z1, Z1
	VMULPS Z15, Z2, Z2
	VMULPS Z16, Z3, Z3
	VMOVUPS Z0, 0(DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ $4, AX
	ADDQ $256, SI
	ADDQ $256, DI
	DECQ CX
	JNE dqloop
	VZEROUPPER
	RET
