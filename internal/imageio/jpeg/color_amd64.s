//go:build !purego

#include "textflag.h"

// Chroma upsampling (upsample.go) and colour conversion (color.go), 16
// samples or pixels per step; the Go stubs do the tails with the twins.

DATA c128<>+0(SB)/4, $0x80
DATA c128<>+4(SB)/4, $0x80
DATA c128<>+8(SB)/4, $0x80
DATA c128<>+12(SB)/4, $0x80
DATA c128<>+16(SB)/4, $0x80
DATA c128<>+20(SB)/4, $0x80
DATA c128<>+24(SB)/4, $0x80
DATA c128<>+28(SB)/4, $0x80
GLOBL c128<>(SB), RODATA|NOPTR, $32
DATA half<>+0(SB)/4, $0x8000
DATA half<>+4(SB)/4, $0x8000
DATA half<>+8(SB)/4, $0x8000
DATA half<>+12(SB)/4, $0x8000
DATA half<>+16(SB)/4, $0x8000
DATA half<>+20(SB)/4, $0x8000
DATA half<>+24(SB)/4, $0x8000
DATA half<>+28(SB)/4, $0x8000
GLOBL half<>(SB), RODATA|NOPTR, $32
DATA crR<>+0(SB)/4, $0x166e9
DATA crR<>+4(SB)/4, $0x166e9
DATA crR<>+8(SB)/4, $0x166e9
DATA crR<>+12(SB)/4, $0x166e9
DATA crR<>+16(SB)/4, $0x166e9
DATA crR<>+20(SB)/4, $0x166e9
DATA crR<>+24(SB)/4, $0x166e9
DATA crR<>+28(SB)/4, $0x166e9
GLOBL crR<>(SB), RODATA|NOPTR, $32
DATA cbB<>+0(SB)/4, $0x1c5a2
DATA cbB<>+4(SB)/4, $0x1c5a2
DATA cbB<>+8(SB)/4, $0x1c5a2
DATA cbB<>+12(SB)/4, $0x1c5a2
DATA cbB<>+16(SB)/4, $0x1c5a2
DATA cbB<>+20(SB)/4, $0x1c5a2
DATA cbB<>+24(SB)/4, $0x1c5a2
DATA cbB<>+28(SB)/4, $0x1c5a2
GLOBL cbB<>(SB), RODATA|NOPTR, $32
DATA cbGn<>+0(SB)/4, $0xffffa7e6
DATA cbGn<>+4(SB)/4, $0xffffa7e6
DATA cbGn<>+8(SB)/4, $0xffffa7e6
DATA cbGn<>+12(SB)/4, $0xffffa7e6
DATA cbGn<>+16(SB)/4, $0xffffa7e6
DATA cbGn<>+20(SB)/4, $0xffffa7e6
DATA cbGn<>+24(SB)/4, $0xffffa7e6
DATA cbGn<>+28(SB)/4, $0xffffa7e6
GLOBL cbGn<>(SB), RODATA|NOPTR, $32
DATA crGn<>+0(SB)/4, $0xffff492e
DATA crGn<>+4(SB)/4, $0xffff492e
DATA crGn<>+8(SB)/4, $0xffff492e
DATA crGn<>+12(SB)/4, $0xffff492e
DATA crGn<>+16(SB)/4, $0xffff492e
DATA crGn<>+20(SB)/4, $0xffff492e
DATA crGn<>+24(SB)/4, $0xffff492e
DATA crGn<>+28(SB)/4, $0xffff492e
GLOBL crGn<>(SB), RODATA|NOPTR, $32
DATA m1rg<>+0(SB)/1, $0x0
DATA m1rg<>+1(SB)/1, $0x8
DATA m1rg<>+2(SB)/1, $0x80
DATA m1rg<>+3(SB)/1, $0x1
DATA m1rg<>+4(SB)/1, $0x9
DATA m1rg<>+5(SB)/1, $0x80
DATA m1rg<>+6(SB)/1, $0x2
DATA m1rg<>+7(SB)/1, $0xa
DATA m1rg<>+8(SB)/1, $0x80
DATA m1rg<>+9(SB)/1, $0x3
DATA m1rg<>+10(SB)/1, $0xb
DATA m1rg<>+11(SB)/1, $0x80
DATA m1rg<>+12(SB)/1, $0x4
DATA m1rg<>+13(SB)/1, $0xc
DATA m1rg<>+14(SB)/1, $0x80
DATA m1rg<>+15(SB)/1, $0x5
DATA m1rg<>+16(SB)/1, $0x0
DATA m1rg<>+17(SB)/1, $0x8
DATA m1rg<>+18(SB)/1, $0x80
DATA m1rg<>+19(SB)/1, $0x1
DATA m1rg<>+20(SB)/1, $0x9
DATA m1rg<>+21(SB)/1, $0x80
DATA m1rg<>+22(SB)/1, $0x2
DATA m1rg<>+23(SB)/1, $0xa
DATA m1rg<>+24(SB)/1, $0x80
DATA m1rg<>+25(SB)/1, $0x3
DATA m1rg<>+26(SB)/1, $0xb
DATA m1rg<>+27(SB)/1, $0x80
DATA m1rg<>+28(SB)/1, $0x4
DATA m1rg<>+29(SB)/1, $0xc
DATA m1rg<>+30(SB)/1, $0x80
DATA m1rg<>+31(SB)/1, $0x5
GLOBL m1rg<>(SB), RODATA|NOPTR, $32
DATA m1b<>+0(SB)/1, $0x80
DATA m1b<>+1(SB)/1, $0x80
DATA m1b<>+2(SB)/1, $0x0
DATA m1b<>+3(SB)/1, $0x80
DATA m1b<>+4(SB)/1, $0x80
DATA m1b<>+5(SB)/1, $0x1
DATA m1b<>+6(SB)/1, $0x80
DATA m1b<>+7(SB)/1, $0x80
DATA m1b<>+8(SB)/1, $0x2
DATA m1b<>+9(SB)/1, $0x80
DATA m1b<>+10(SB)/1, $0x80
DATA m1b<>+11(SB)/1, $0x3
DATA m1b<>+12(SB)/1, $0x80
DATA m1b<>+13(SB)/1, $0x80
DATA m1b<>+14(SB)/1, $0x4
DATA m1b<>+15(SB)/1, $0x80
DATA m1b<>+16(SB)/1, $0x80
DATA m1b<>+17(SB)/1, $0x80
DATA m1b<>+18(SB)/1, $0x0
DATA m1b<>+19(SB)/1, $0x80
DATA m1b<>+20(SB)/1, $0x80
DATA m1b<>+21(SB)/1, $0x1
DATA m1b<>+22(SB)/1, $0x80
DATA m1b<>+23(SB)/1, $0x80
DATA m1b<>+24(SB)/1, $0x2
DATA m1b<>+25(SB)/1, $0x80
DATA m1b<>+26(SB)/1, $0x80
DATA m1b<>+27(SB)/1, $0x3
DATA m1b<>+28(SB)/1, $0x80
DATA m1b<>+29(SB)/1, $0x80
DATA m1b<>+30(SB)/1, $0x4
DATA m1b<>+31(SB)/1, $0x80
GLOBL m1b<>(SB), RODATA|NOPTR, $32
DATA m2rg<>+0(SB)/1, $0xd
DATA m2rg<>+1(SB)/1, $0x80
DATA m2rg<>+2(SB)/1, $0x6
DATA m2rg<>+3(SB)/1, $0xe
DATA m2rg<>+4(SB)/1, $0x80
DATA m2rg<>+5(SB)/1, $0x7
DATA m2rg<>+6(SB)/1, $0xf
DATA m2rg<>+7(SB)/1, $0x80
DATA m2rg<>+8(SB)/1, $0x80
DATA m2rg<>+9(SB)/1, $0x80
DATA m2rg<>+10(SB)/1, $0x80
DATA m2rg<>+11(SB)/1, $0x80
DATA m2rg<>+12(SB)/1, $0x80
DATA m2rg<>+13(SB)/1, $0x80
DATA m2rg<>+14(SB)/1, $0x80
DATA m2rg<>+15(SB)/1, $0x80
DATA m2rg<>+16(SB)/1, $0xd
DATA m2rg<>+17(SB)/1, $0x80
DATA m2rg<>+18(SB)/1, $0x6
DATA m2rg<>+19(SB)/1, $0xe
DATA m2rg<>+20(SB)/1, $0x80
DATA m2rg<>+21(SB)/1, $0x7
DATA m2rg<>+22(SB)/1, $0xf
DATA m2rg<>+23(SB)/1, $0x80
DATA m2rg<>+24(SB)/1, $0x80
DATA m2rg<>+25(SB)/1, $0x80
DATA m2rg<>+26(SB)/1, $0x80
DATA m2rg<>+27(SB)/1, $0x80
DATA m2rg<>+28(SB)/1, $0x80
DATA m2rg<>+29(SB)/1, $0x80
DATA m2rg<>+30(SB)/1, $0x80
DATA m2rg<>+31(SB)/1, $0x80
GLOBL m2rg<>(SB), RODATA|NOPTR, $32
DATA m2b<>+0(SB)/1, $0x80
DATA m2b<>+1(SB)/1, $0x5
DATA m2b<>+2(SB)/1, $0x80
DATA m2b<>+3(SB)/1, $0x80
DATA m2b<>+4(SB)/1, $0x6
DATA m2b<>+5(SB)/1, $0x80
DATA m2b<>+6(SB)/1, $0x80
DATA m2b<>+7(SB)/1, $0x7
DATA m2b<>+8(SB)/1, $0x80
DATA m2b<>+9(SB)/1, $0x80
DATA m2b<>+10(SB)/1, $0x80
DATA m2b<>+11(SB)/1, $0x80
DATA m2b<>+12(SB)/1, $0x80
DATA m2b<>+13(SB)/1, $0x80
DATA m2b<>+14(SB)/1, $0x80
DATA m2b<>+15(SB)/1, $0x80
DATA m2b<>+16(SB)/1, $0x80
DATA m2b<>+17(SB)/1, $0x5
DATA m2b<>+18(SB)/1, $0x80
DATA m2b<>+19(SB)/1, $0x80
DATA m2b<>+20(SB)/1, $0x6
DATA m2b<>+21(SB)/1, $0x80
DATA m2b<>+22(SB)/1, $0x80
DATA m2b<>+23(SB)/1, $0x7
DATA m2b<>+24(SB)/1, $0x80
DATA m2b<>+25(SB)/1, $0x80
DATA m2b<>+26(SB)/1, $0x80
DATA m2b<>+27(SB)/1, $0x80
DATA m2b<>+28(SB)/1, $0x80
DATA m2b<>+29(SB)/1, $0x80
DATA m2b<>+30(SB)/1, $0x80
DATA m2b<>+31(SB)/1, $0x80
GLOBL m2b<>(SB), RODATA|NOPTR, $32
DATA w8<>+0(SB)/2, $0x8
DATA w8<>+2(SB)/2, $0x8
DATA w8<>+4(SB)/2, $0x8
DATA w8<>+6(SB)/2, $0x8
DATA w8<>+8(SB)/2, $0x8
DATA w8<>+10(SB)/2, $0x8
DATA w8<>+12(SB)/2, $0x8
DATA w8<>+14(SB)/2, $0x8
DATA w8<>+16(SB)/2, $0x8
DATA w8<>+18(SB)/2, $0x8
DATA w8<>+20(SB)/2, $0x8
DATA w8<>+22(SB)/2, $0x8
DATA w8<>+24(SB)/2, $0x8
DATA w8<>+26(SB)/2, $0x8
DATA w8<>+28(SB)/2, $0x8
DATA w8<>+30(SB)/2, $0x8
GLOBL w8<>(SB), RODATA|NOPTR, $32
DATA w7<>+0(SB)/2, $0x7
DATA w7<>+2(SB)/2, $0x7
DATA w7<>+4(SB)/2, $0x7
DATA w7<>+6(SB)/2, $0x7
DATA w7<>+8(SB)/2, $0x7
DATA w7<>+10(SB)/2, $0x7
DATA w7<>+12(SB)/2, $0x7
DATA w7<>+14(SB)/2, $0x7
DATA w7<>+16(SB)/2, $0x7
DATA w7<>+18(SB)/2, $0x7
DATA w7<>+20(SB)/2, $0x7
DATA w7<>+22(SB)/2, $0x7
DATA w7<>+24(SB)/2, $0x7
DATA w7<>+26(SB)/2, $0x7
DATA w7<>+28(SB)/2, $0x7
DATA w7<>+30(SB)/2, $0x7
GLOBL w7<>(SB), RODATA|NOPTR, $32

// func colsumAVX2(near, far *uint8, cs *int16, n int)
TEXT ·colsumAVX2(SB), NOSPLIT, $0-32
	MOVQ near+0(FP), SI
	MOVQ far+8(FP), DX
	MOVQ cs+16(FP), DI
	MOVQ n+24(FP), CX
colsum:
	VPMOVZXBW (SI), Y0
	VPMOVZXBW (DX), Y1
	VPADDW Y0, Y0, Y2
	VPADDW Y0, Y2, Y2
	VPADDW Y1, Y2, Y2
	VMOVDQU Y2, (DI)
	ADDQ $16, SI
	ADDQ $16, DX
	ADDQ $32, DI
	SUBQ $16, CX
	JNZ colsum
	VZEROUPPER
	RET

// func h2v2RowAVX2(cs *int16, out *uint8, n int)
TEXT ·h2v2RowAVX2(SB), NOSPLIT, $0-24
	MOVQ cs+0(FP), SI
	MOVQ out+8(FP), DI
	MOVQ n+16(FP), CX
	VMOVDQU w8<>(SB), Y14
	VMOVDQU w7<>(SB), Y15
h2v2:
	VMOVDQU (SI), Y0
	VMOVDQU 2(SI), Y1
	VMOVDQU 4(SI), Y2
	VPADDW Y1, Y1, Y3
	VPADDW Y1, Y3, Y3
	VPADDW Y0, Y3, Y4
	VPADDW Y14, Y4, Y4
	VPSRLW $4, Y4, Y4
	VPADDW Y2, Y3, Y5
	VPADDW Y15, Y5, Y5
	VPSRLW $4, Y5, Y5
	VPSLLW $8, Y5, Y5
	VPOR Y5, Y4, Y4
	VMOVDQU Y4, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $16, CX
	JNZ h2v2
	VZEROUPPER
	RET

// CONV8: pixels OFF..OFF+7 to int32 R, G, B in YR, YG, YB (unclamped).
#define CONV8(OFF, YR, YG, YB) \
	VPMOVZXBD OFF(SI), Y6 \
	VPMOVZXBD OFF(DX), Y7 \
	VPSUBD Y13, Y7, Y7 \
	VPMOVZXBD OFF(R8), Y8 \
	VPSUBD Y13, Y8, Y8 \
	VPMULLD crR<>(SB), Y8, YR \
	VPADDD Y14, YR, YR \
	VPSRAD $16, YR, YR \
	VPADDD Y6, YR, YR \
	VPMULLD cbGn<>(SB), Y7, YG \
	VPMULLD crGn<>(SB), Y8, Y15 \
	VPADDD Y15, YG, YG \
	VPADDD Y14, YG, YG \
	VPSRAD $16, YG, YG \
	VPADDD Y6, YG, YG \
	VPMULLD cbB<>(SB), Y7, YB \
	VPADDD Y14, YB, YB \
	VPSRAD $16, YB, YB \
	VPADDD Y6, YB, YB

// func yccAVX2(dst, y, cb, cr *uint8, n int)
TEXT ·yccAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ cb+16(FP), DX
	MOVQ cr+24(FP), R8
	MOVQ n+32(FP), CX
	VMOVDQU c128<>(SB), Y13
	VMOVDQU half<>(SB), Y14
ycc:
	CONV8(0, Y0, Y1, Y2)
	CONV8(8, Y3, Y4, Y5)
	// Saturate to bytes: Y0 = R0-7 G0-7 | R8-15 G8-15, Y2 = B0-7 ×2 | B8-15 ×2.
	VPACKSSDW Y3, Y0, Y0
	VPERMQ $0xD8, Y0, Y0
	VPACKSSDW Y4, Y1, Y1
	VPERMQ $0xD8, Y1, Y1
	VPACKSSDW Y5, Y2, Y2
	VPERMQ $0xD8, Y2, Y2
	VPACKUSWB Y1, Y0, Y0
	VPACKUSWB Y2, Y2, Y2
	// Interleave: per lane, 16 bytes of RGB triples, then 8 more.
	VPSHUFB m1rg<>(SB), Y0, Y6
	VPSHUFB m1b<>(SB), Y2, Y7
	VPOR Y7, Y6, Y6
	VPSHUFB m2rg<>(SB), Y0, Y8
	VPSHUFB m2b<>(SB), Y2, Y7
	VPOR Y7, Y8, Y8
	VMOVDQU X6, (DI)
	MOVQ X8, 16(DI)
	VEXTRACTI128 $1, Y6, X6
	VMOVDQU X6, 24(DI)
	VEXTRACTI128 $1, Y8, X8
	MOVQ X8, 40(DI)
	ADDQ $16, SI
	ADDQ $16, DX
	ADDQ $16, R8
	ADDQ $48, DI
	SUBQ $16, CX
	JNZ ycc
	VZEROUPPER
	RET
