//go:build !purego

#include "textflag.h"

// HSUM16 leaves the sum of Z's 16 lanes in X1's low lane (Z1, Z2 clobbered).
#define HSUM16(z) \
	VMOVAPS z, Z1; \
	VEXTRACTF32X8 $1, Z1, Y2; \
	VADDPS Y2, Y1, Y1; \
	VEXTRACTF128 $1, Y1, X2; \
	VADDPS X2, X1, X1; \
	VMOVHLPS X1, X2, X2; \
	VADDPS X2, X1, X1; \
	VMOVSHDUP X1, X2; \
	VADDSS X2, X1, X1

// K1 = the first min(n − AX, 16) lanes, from DX = n − AX (R12 = 0xffff).
#define LNMASK \
	CMPQ DX, $16; \
	JLE  2(PC); \
	MOVQ $16, DX; \
	BZHIQ DX, R12, R11; \
	KMOVW R11, K1

// func layerNormAVX512(dst, x, gamma, beta *float32, n int, eps float32)
//
// layerNormRow in AVX-512F: the mean, then the mean of squared deviations,
// each summed in 16 lanes; then dst = (x − mean)·inv·gamma + beta.
TEXT ·layerNormAVX512(SB), NOSPLIT, $0-44
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ gamma+16(FP), R8
	MOVQ beta+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ $0xffff, R12
	VPXORD Z20, Z20, Z20
	XORQ AX, AX
sum:
	MOVQ CX, DX
	SUBQ AX, DX
	JLE sumdone
	LNMASK
	VADDPS (SI)(AX*4), Z20, K1, Z20
	ADDQ $16, AX
	JMP sum
sumdone:
	HSUM16(Z20)
	CVTSQ2SS CX, X3
	VDIVSS X3, X1, X1
	VBROADCASTSS X1, Z21 // mean
	VPXORD Z20, Z20, Z20
	XORQ AX, AX
dev:
	MOVQ CX, DX
	SUBQ AX, DX
	JLE devdone
	LNMASK
	VMOVUPS.Z (SI)(AX*4), K1, Z4
	VSUBPS Z21, Z4, K1, Z4
	VFMADD231PS Z4, Z4, Z20
	ADDQ $16, AX
	JMP dev
devdone:
	HSUM16(Z20)
	VDIVSS X3, X1, X1
	VADDSS eps+40(FP), X1, X1
	VSQRTSS X1, X1, X1
	MOVL $0x3f800000, R11
	MOVQ R11, X2
	VDIVSS X1, X2, X1
	VBROADCASTSS X1, Z22 // 1/sqrt(var + eps)
	XORQ AX, AX
norm:
	MOVQ CX, DX
	SUBQ AX, DX
	JLE normdone
	LNMASK
	VMOVUPS.Z (SI)(AX*4), K1, Z4
	VSUBPS Z21, Z4, Z4
	VMULPS Z22, Z4, Z4
	VMOVUPS.Z (R9)(AX*4), K1, Z5
	VFMADD132PS.Z (R8)(AX*4), Z5, K1, Z4
	VMOVUPS Z4, K1, (DI)(AX*4)
	ADDQ $16, AX
	JMP norm
normdone:
	VZEROUPPER
	RET
