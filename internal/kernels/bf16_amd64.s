//go:build !purego

#include "textflag.h"
#include "tile_amd64.h"

// Go's assembler has no VDPBF16PS (AVX512_BF16), so each form used is
// encoded with BYTE directives; the bytes are GNU as's for the mnemonic
// in the comment above each. VDPBF16PS zA, zB, zC adds, in each fp32 lane
// of zA, hi(zB)·hi(zC) and then lo(zB)·lo(zC) for the lane's two bf16
// halves (Intel SDM order; DAZ, FTZ, round to nearest even).
// vdpbf16ps zmm0,zmm24,zmm28
#define VDP_0_24_28 BYTE $0x62; BYTE $0x92; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xc4
// vdpbf16ps zmm1,zmm25,zmm28
#define VDP_1_25_28 BYTE $0x62; BYTE $0x92; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xcc
// vdpbf16ps zmm2,zmm26,zmm28
#define VDP_2_26_28 BYTE $0x62; BYTE $0x92; BYTE $0x2e; BYTE $0x40; BYTE $0x52; BYTE $0xd4
// vdpbf16ps zmm3,zmm27,zmm28
#define VDP_3_27_28 BYTE $0x62; BYTE $0x92; BYTE $0x26; BYTE $0x40; BYTE $0x52; BYTE $0xdc
// vdpbf16ps zmm4,zmm24,zmm29
#define VDP_4_24_29 BYTE $0x62; BYTE $0x92; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xe5
// vdpbf16ps zmm5,zmm25,zmm29
#define VDP_5_25_29 BYTE $0x62; BYTE $0x92; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xed
// vdpbf16ps zmm6,zmm26,zmm29
#define VDP_6_26_29 BYTE $0x62; BYTE $0x92; BYTE $0x2e; BYTE $0x40; BYTE $0x52; BYTE $0xf5
// vdpbf16ps zmm7,zmm27,zmm29
#define VDP_7_27_29 BYTE $0x62; BYTE $0x92; BYTE $0x26; BYTE $0x40; BYTE $0x52; BYTE $0xfd
// vdpbf16ps zmm8,zmm24,zmm30
#define VDP_8_24_30 BYTE $0x62; BYTE $0x12; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xc6
// vdpbf16ps zmm9,zmm25,zmm30
#define VDP_9_25_30 BYTE $0x62; BYTE $0x12; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xce
// vdpbf16ps zmm10,zmm26,zmm30
#define VDP_10_26_30 BYTE $0x62; BYTE $0x12; BYTE $0x2e; BYTE $0x40; BYTE $0x52; BYTE $0xd6
// vdpbf16ps zmm11,zmm27,zmm30
#define VDP_11_27_30 BYTE $0x62; BYTE $0x12; BYTE $0x26; BYTE $0x40; BYTE $0x52; BYTE $0xde
// vdpbf16ps zmm12,zmm24,zmm31
#define VDP_12_24_31 BYTE $0x62; BYTE $0x12; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xe7
// vdpbf16ps zmm13,zmm25,zmm31
#define VDP_13_25_31 BYTE $0x62; BYTE $0x12; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xef
// vdpbf16ps zmm14,zmm26,zmm31
#define VDP_14_26_31 BYTE $0x62; BYTE $0x12; BYTE $0x2e; BYTE $0x40; BYTE $0x52; BYTE $0xf7
// vdpbf16ps zmm15,zmm27,zmm31
#define VDP_15_27_31 BYTE $0x62; BYTE $0x12; BYTE $0x26; BYTE $0x40; BYTE $0x52; BYTE $0xff
// vdpbf16ps zmm16,zmm24,zmm28
#define VDP_16_24_28 BYTE $0x62; BYTE $0x82; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xc4
// vdpbf16ps zmm17,zmm25,zmm28
#define VDP_17_25_28 BYTE $0x62; BYTE $0x82; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xcc
// vdpbf16ps zmm18,zmm26,zmm28
#define VDP_18_26_28 BYTE $0x62; BYTE $0x82; BYTE $0x2e; BYTE $0x40; BYTE $0x52; BYTE $0xd4
// vdpbf16ps zmm19,zmm27,zmm28
#define VDP_19_27_28 BYTE $0x62; BYTE $0x82; BYTE $0x26; BYTE $0x40; BYTE $0x52; BYTE $0xdc
// vdpbf16ps zmm20,zmm24,zmm29
#define VDP_20_24_29 BYTE $0x62; BYTE $0x82; BYTE $0x3e; BYTE $0x40; BYTE $0x52; BYTE $0xe5
// vdpbf16ps zmm21,zmm25,zmm29
#define VDP_21_25_29 BYTE $0x62; BYTE $0x82; BYTE $0x36; BYTE $0x40; BYTE $0x52; BYTE $0xed
// vdpbf16ps zmm22,zmm26,zmm29
#define VDP_22_26_29 BYTE $0x62; BYTE $0x82; BYTE $0x2e; BYTE $0x40; BYTE $0x52; BYTE $0xf5
// vdpbf16ps zmm23,zmm27,zmm29
#define VDP_23_27_29 BYTE $0x62; BYTE $0x82; BYTE $0x26; BYTE $0x40; BYTE $0x52; BYTE $0xfd

// BF16STEP does one pair row k2: it loads the 64 B pairs of the row at
// boff(SI) into Z24–Z27, broadcasts each row's A pair at aoff from its row
// pointer and adds the 24 dot products into Z0–Z23.
#define BF16STEP(aoff, b0, b1, b2, b3) \
	VMOVUPS b0(SI), Z24; \
	VMOVUPS b1(SI), Z25; \
	VMOVUPS b2(SI), Z26; \
	VMOVUPS b3(SI), Z27; \
	VBROADCASTSS aoff(AX), Z28; \
	VBROADCASTSS aoff(AX)(BX*1), Z29; \
	VBROADCASTSS aoff(AX)(BX*2), Z30; \
	VBROADCASTSS aoff(R8), Z31; \
	VDP_0_24_28; VDP_1_25_28; VDP_2_26_28; VDP_3_27_28; \
	VDP_4_24_29; VDP_5_25_29; VDP_6_26_29; VDP_7_27_29; \
	VDP_8_24_30; VDP_9_25_30; VDP_10_26_30; VDP_11_27_30; \
	VDP_12_24_31; VDP_13_25_31; VDP_14_26_31; VDP_15_27_31; \
	VBROADCASTSS aoff(R8)(BX*1), Z28; \
	VBROADCASTSS aoff(R8)(BX*2), Z29; \
	VDP_16_24_28; VDP_17_25_28; VDP_18_26_28; VDP_19_27_28; \
	VDP_20_24_29; VDP_21_25_29; VDP_22_26_29; VDP_23_27_29

// func tileBF16AVX512(kc2 int, a *uint32, lda int, b *uint32, c *float32, ldc int, acc bool)
//
// tileBF16Generic for the whole 6×64 tile: Z0–Z23 hold the accumulators
// (row i in Z4i…Z4i+3), started from c when acc is set, else from zero.
TEXT ·tileBF16AVX512(SB), NOSPLIT, $0-49
	MOVQ kc2+0(FP), CX
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
	LOAD24(VMOVUPS, DI, R10, DX)
body:
	MOVQ CX, R11
	SHRQ $1, R11 // steps of 2 pairs
	JEQ tail
loop2:
	BF16STEP(0, 0, 64, 128, 192)
	BF16STEP(4, 256, 320, 384, 448)
	ADDQ $8, AX
	ADDQ $8, R8
	ADDQ $512, SI
	DECQ R11
	JNE loop2
tail:
	TESTQ $1, CX
	JEQ store
	BF16STEP(0, 0, 64, 128, 192)
store:
	STORE24(VMOVUPS, DI, R10, DX)
	VZEROUPPER
	RET

// vcvtne2ps2bf16 zmm0, zmm2, zmm1: Z0's low 16 words from Z1, high from Z2
#define VCVTNE2PS2BF16_Z0_Z2_Z1 BYTE $0x62; BYTE $0xf2; BYTE $0x6f; BYTE $0x48; BYTE $0x72; BYTE $0xc1

// func cvtBF16AVX512(dst *uint32, src *float32, n int)
//
// Rounds 2n floats of src to bf16 pairs in dst, 32 floats a step (n is a
// multiple of 16): round to nearest even, NaN made quiet, denormal inputs
// read as zero (DAZ).
TEXT ·cvtBF16AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX
	JEQ done
loop:
	VMOVUPS 0(SI), Z1
	VMOVUPS 64(SI), Z2
	VCVTNE2PS2BF16_Z0_Z2_Z1
	VMOVUPS Z0, 0(DI)
	ADDQ $128, SI
	ADDQ $64, DI
	DECQ CX
	JNE loop
done:
	VZEROUPPER
	RET

// func roundBF16AVX512(dst, src *float32, n int)
//
// roundRowBF16 for n floats, 16 a step (n a multiple of 16), in integer
// lanes as toBF16 does: b + 0x7fff + (b>>16 & 1), the low half cleared;
// NaN keeps its high half with the quiet bit set. Denormals are rounded
// like any other value (no DAZ).
TEXT ·roundBF16AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX
	JEQ rdone
	MOVL $1, AX
	VPBROADCASTD AX, Z4
	MOVL $0x7fff, AX
	VPBROADCASTD AX, Z5
	MOVL $0xffff0000, AX
	VPBROADCASTD AX, Z6
	MOVL $0x00400000, AX
	VPBROADCASTD AX, Z7
rloop:
	VMOVUPS (SI), Z0
	VPSRLD $16, Z0, Z1
	VPANDD Z4, Z1, Z1
	VPADDD Z5, Z1, Z1
	VPADDD Z0, Z1, Z1
	VPANDD Z6, Z1, Z1
	VCMPPS $3, Z0, Z0, K1 // unordered: NaN
	VPORD Z7, Z0, Z2
	VPANDD Z6, Z2, Z2
	VMOVDQU32 Z2, K1, Z1
	VMOVUPS Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNE rloop
rdone:
	VZEROUPPER
	RET
