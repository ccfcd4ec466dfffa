//go:build !purego

#include "textflag.h"

// Constants of exp32, geluErf32, geluTanh32 and quickGELU32 (mathf.go), as float32 bits.
DATA actC<>+0(SB)/4, $0x42b1999a // expHi = 88.8
DATA actC<>+4(SB)/4, $0xc2d00000 // expLo = -104.0
DATA actC<>+8(SB)/4, $0x3fb8aa3b // log2e = 1.44269504
DATA actC<>+12(SB)/4, $0x3f317200 // ln2Hi = 0.693145752
DATA actC<>+16(SB)/4, $0x35bfbe8e // ln2Lo = 1.42860677e-06
DATA actC<>+20(SB)/4, $0x39500d01 // C7 = 0.0001984126984126984
DATA actC<>+24(SB)/4, $0x3ab60b61 // C6 = 0.001388888888888889
DATA actC<>+28(SB)/4, $0x3c088889 // C5 = 0.008333333333333333
DATA actC<>+32(SB)/4, $0x3d2aaaab // C4 = 0.041666666666666664
DATA actC<>+36(SB)/4, $0x3e2aaaab // C3 = 0.16666666666666666
DATA actC<>+40(SB)/4, $0x3f000000 // half = 0.5
DATA actC<>+44(SB)/4, $0x3f800000 // one = 1.0
DATA actC<>+48(SB)/4, $0x3f3504f3 // sqrt1_2 = 0.707106781
DATA actC<>+52(SB)/4, $0x41200000 // ten = 10.0
DATA actC<>+56(SB)/4, $0x3ecccccd // p04 = 0.4
DATA actC<>+60(SB)/4, $0x3e67215d // e0 = 0.225713205
DATA actC<>+64(SB)/4, $0x3e663863 // e1 = 0.224824472
DATA actC<>+68(SB)/4, $0x3e5d34bb // e2 = 0.216021466
DATA actC<>+72(SB)/4, $0x3dfea7cd // e3 = 0.124343495
DATA actC<>+76(SB)/4, $0x3e937841 // e4 = 0.288026841
DATA actC<>+80(SB)/4, $0xbea14906 // e5 = -0.315010252
DATA actC<>+84(SB)/4, $0x3f15d4fb // e6 = 0.585281077
DATA actC<>+88(SB)/4, $0xbf072298 // e7 = -0.527871633
DATA actC<>+92(SB)/4, $0x3e57affb // e8 = 0.210632251
DATA actC<>+96(SB)/4, $0xbd02e973 // e9 = -0.031960917
DATA actC<>+100(SB)/4, $0x3d372713 // c044715 = 0.044715
DATA actC<>+104(SB)/4, $0xbfcc422a // tanhC = -1.5957691216
DATA actC<>+108(SB)/4, $0xbfd9db23 // m1702 = -1.702
DATA actC<>+112(SB)/4, $0x7fffffff // abs mask
GLOBL actC<>(SB), RODATA|NOPTR, $116

// LOADC broadcasts the constants kept in registers: Z8–Z22.
#define LOADC \
	VBROADCASTSS actC<>+0(SB), Z8; \
	VBROADCASTSS actC<>+4(SB), Z9; \
	VBROADCASTSS actC<>+8(SB), Z10; \
	VBROADCASTSS actC<>+12(SB), Z11; \
	VBROADCASTSS actC<>+16(SB), Z12; \
	VBROADCASTSS actC<>+20(SB), Z13; \
	VBROADCASTSS actC<>+24(SB), Z14; \
	VBROADCASTSS actC<>+28(SB), Z15; \
	VBROADCASTSS actC<>+32(SB), Z16; \
	VBROADCASTSS actC<>+36(SB), Z17; \
	VBROADCASTSS actC<>+40(SB), Z18; \
	VBROADCASTSS actC<>+44(SB), Z19; \
	VBROADCASTSS actC<>+48(SB), Z20; \
	VBROADCASTSS actC<>+52(SB), Z21; \
	VBROADCASTSS actC<>+56(SB), Z22

// EXP(x, n, p) replaces x by exp(x) as exp32 does; n and p are clobbered.
#define EXP(x, n, p) \
	VMINPS x, Z8, x; \
	VMAXPS x, Z9, x; \
	VMULPS Z10, x, n; \
	VRNDSCALEPS $0, n, n; \
	VFNMADD231PS Z11, n, x; \
	VFNMADD231PS Z12, n, x; \
	VMOVAPS Z13, p; \
	VFMADD213PS Z14, x, p; \
	VFMADD213PS Z15, x, p; \
	VFMADD213PS Z16, x, p; \
	VFMADD213PS Z17, x, p; \
	VFMADD213PS Z18, x, p; \
	VFMADD213PS Z19, x, p; \
	VFMADD213PS Z19, x, p; \
	VSCALEFPS n, p, x

// ACT applies act (R10) to Z1 (Z0 = 0, K2 and Z2–Z7 clobbered).
#define ACT(gelu, tanh, relu, quick, done) \
	CMPQ R10, $1; \
	JEQ gelu; \
	CMPQ R10, $2; \
	JEQ tanh; \
	CMPQ R10, $3; \
	JEQ relu; \
	CMPQ R10, $4; \
	JEQ quick; \
	JMP done; \
	gelu:; \
	VPANDD.BCST actC<>+112(SB), Z1, Z2; \
	VMULPS Z20, Z2, Z2; \
	VMINPS Z2, Z21, Z2; \
	VFMADD213PS Z19, Z22, Z2; \
	VDIVPS Z2, Z19, Z3; \
	VBROADCASTSS actC<>+96(SB), Z4; \
	VFMADD213PS.BCST actC<>+92(SB), Z3, Z4; \
	VFMADD213PS.BCST actC<>+88(SB), Z3, Z4; \
	VFMADD213PS.BCST actC<>+84(SB), Z3, Z4; \
	VFMADD213PS.BCST actC<>+80(SB), Z3, Z4; \
	VFMADD213PS.BCST actC<>+76(SB), Z3, Z4; \
	VFMADD213PS.BCST actC<>+72(SB), Z3, Z4; \
	VFMADD213PS.BCST actC<>+68(SB), Z3, Z4; \
	VFMADD213PS.BCST actC<>+64(SB), Z3, Z4; \
	VFMADD213PS.BCST actC<>+60(SB), Z3, Z4; \
	VMULPS Z3, Z4, Z4; \
	VMULPS Z1, Z1, Z5; \
	VMOVAPS Z5, Z6; \
	VFMSUB231PS Z1, Z1, Z6; \
	VMULPS Z18, Z5, Z5; \
	VMULPS Z18, Z6, Z6; \
	VSUBPS Z5, Z0, Z5; \
	EXP(Z5, Z7, Z2); \
	VFNMADD231PS Z5, Z6, Z5; \
	VMULPS Z18, Z5, Z5; \
	VMULPS Z4, Z5, Z5; \
	VSUBPS Z5, Z19, Z6; \
	VCMPPS $13, Z0, Z1, K2; \
	VMOVAPS Z6, K2, Z5; \
	VMULPS Z5, Z1, Z1; \
	JMP done; \
	tanh:; \
	VMULPS.BCST actC<>+100(SB), Z1, Z2; \
	VFMADD213PS Z19, Z1, Z2; \
	VMULPS.BCST actC<>+104(SB), Z1, Z3; \
	VMULPS Z2, Z3, Z3; \
	EXP(Z3, Z4, Z5); \
	VADDPS Z19, Z3, Z3; \
	VDIVPS Z3, Z1, Z1; \
	JMP done; \
	relu:; \
	VMAXPS Z1, Z0, Z1; \
	JMP done; \
	quick:; \
	VMULPS.BCST actC<>+108(SB), Z1, Z3; \
	EXP(Z3, Z4, Z5); \
	VADDPS Z19, Z3, Z3; \
	VDIVPS Z3, Z1, Z1

// MASK sets K1 to the first min(DX, 16) lanes (R12 = 0xffff).
#define MASK \
	CMPQ DX, $16; \
	JLE  2(PC); \
	MOVQ $16, DX; \
	BZHIQ DX, R12, R11; \
	KMOVW R11, K1

// func epiAVX512(dst *float32, ldd int, src *float32, lds int, bias, res *float32, rows, cols int, act Act)
//
// For each of rows rows and cols columns: dst = act(src + bias) + res, res
// with dst's row stride ldd; 16 columns at a time, the last ones masked.
TEXT ·epiAVX512(SB), NOSPLIT, $0-65
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R13
	SHLQ $2, R13
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R14
	SHLQ $2, R14
	MOVQ bias+32(FP), R8
	MOVQ res+40(FP), R9
	MOVQ rows+48(FP), BX
	MOVBQZX act+64(FP), R10
	MOVQ $0xffff, R12
	VPXORD Z0, Z0, Z0
	LOADC
	TESTQ BX, BX
	JEQ epidone
row:
	XORQ AX, AX
col:
	MOVQ cols+56(FP), DX
	SUBQ AX, DX
	JLE nextrow
	MASK
	VMOVUPS.Z (SI)(AX*4), K1, Z1
	TESTQ R8, R8
	JEQ nobias
	VADDPS.Z (R8)(AX*4), Z1, K1, Z1
nobias:
	ACT(gelu, tanh, relu, quick, actdone)
actdone:
	TESTQ R9, R9
	JEQ nores
	VADDPS.Z (R9)(AX*4), Z1, K1, Z1
nores:
	VMOVUPS Z1, K1, (DI)(AX*4)
	ADDQ $16, AX
	JMP col
nextrow:
	ADDQ R13, DI
	ADDQ R14, SI
	TESTQ R9, R9
	JEQ 2(PC)
	ADDQ R13, R9
	DECQ BX
	JNZ row
epidone:
	VZEROUPPER
	RET

// func expSumAVX512(x *float32, n int, m, scale float32) float32
TEXT ·expSumAVX512(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS m+16(FP), Z24
	VBROADCASTSS scale+20(FP), Z25
	VPXORD Z26, Z26, Z26
	MOVQ $0xffff, R12
	LOADC
	XORQ AX, AX
expl:
	MOVQ CX, DX
	SUBQ AX, DX
	JLE expdone
	MASK
	VMOVUPS.Z (SI)(AX*4), K1, Z1
	VSUBPS Z24, Z1, Z1
	VMULPS Z25, Z1, Z1
	EXP(Z1, Z2, Z3)
	VMOVUPS Z1, K1, (SI)(AX*4)
	VADDPS Z1, Z26, K1, Z26
	ADDQ $16, AX
	JMP expl
expdone:
	VMOVAPS Z26, Z1
	VEXTRACTF32X8 $1, Z1, Y2
	VADDPS Y2, Y1, Y1
	VEXTRACTF128 $1, Y1, X2
	VADDPS X2, X1, X1
	VMOVHLPS X1, X2, X2
	VADDPS X2, X1, X1
	VMOVSHDUP X1, X2
	VADDSS X2, X1, X1
	VMOVSS X1, ret+24(FP)
	VZEROUPPER
	RET

// func maxAVX512(x *float32, n int) float32
TEXT ·maxAVX512(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVL $0xff800000, R11 // -Inf
	MOVQ R11, X1
	VBROADCASTSS X1, Z26
	MOVQ $0xffff, R12
	XORQ AX, AX
maxl:
	MOVQ CX, DX
	SUBQ AX, DX
	JLE maxdone
	MASK
	VMAXPS (SI)(AX*4), Z26, K1, Z26
	ADDQ $16, AX
	JMP maxl
maxdone:
	VMOVAPS Z26, Z1
	VEXTRACTF32X8 $1, Z1, Y2
	VMAXPS Y2, Y1, Y1
	VEXTRACTF128 $1, Y1, X2
	VMAXPS X2, X1, X1
	VMOVHLPS X1, X2, X2
	VMAXPS X2, X1, X1
	VMOVSHDUP X1, X2
	VMAXSS X2, X1, X1
	VMOVSS X1, ret+16(FP)
	VZEROUPPER
	RET

// func scaleAVX512(x *float32, n int, s float32)
TEXT ·scaleAVX512(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS s+16(FP), Z24
	MOVQ $0xffff, R12
	XORQ AX, AX
scl:
	MOVQ CX, DX
	SUBQ AX, DX
	JLE scdone
	MASK
	VMULPS.Z (SI)(AX*4), Z24, K1, Z1
	VMOVUPS Z1, K1, (SI)(AX*4)
	ADDQ $16, AX
	JMP scl
scdone:
	VZEROUPPER
	RET
