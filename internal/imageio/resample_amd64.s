//go:build !purego

#include "textflag.h"

// Pillow's rounding half, 1 << (PRECISION_BITS-1).
DATA half<>+0(SB)/4, $0x200000
GLOBL half<>(SB), RODATA|NOPTR, $4

// hrowAVX2's lane gathers: [6 7 0 1 2 3 . .] and [3 4 5 . . . . .].
DATA fold6<>+0(SB)/4, $6
DATA fold6<>+4(SB)/4, $7
DATA fold6<>+8(SB)/4, $0
DATA fold6<>+12(SB)/4, $1
DATA fold6<>+16(SB)/4, $2
DATA fold6<>+20(SB)/4, $3
DATA fold6<>+24(SB)/4, $0
DATA fold6<>+28(SB)/4, $0
GLOBL fold6<>(SB), RODATA|NOPTR, $32
DATA fold3<>+0(SB)/4, $3
DATA fold3<>+4(SB)/4, $4
DATA fold3<>+8(SB)/4, $5
DATA fold3<>+12(SB)/4, $0
DATA fold3<>+16(SB)/4, $0
DATA fold3<>+20(SB)/4, $0
DATA fold3<>+24(SB)/4, $0
DATA fold3<>+28(SB)/4, $0
GLOBL fold3<>(SB), RODATA|NOPTR, $32

// vrowAVX2's dword order after the packs: [0 4 1 5 2 6 3 7].
DATA unpack<>+0(SB)/4, $0
DATA unpack<>+4(SB)/4, $4
DATA unpack<>+8(SB)/4, $1
DATA unpack<>+12(SB)/4, $5
DATA unpack<>+16(SB)/4, $2
DATA unpack<>+20(SB)/4, $6
DATA unpack<>+24(SB)/4, $3
DATA unpack<>+28(SB)/4, $7
GLOBL unpack<>(SB), RODATA|NOPTR, $32

// func hrowAVX2(dst, src *uint8, off, k3 *int32, m, w int)
//
// hrowGo for w output pixels: window m bytes (a multiple of 24) from
// src+off[x], weights k3[x*m:]. Three accumulators take 24 bytes a step;
// lane i of the three together is byte i mod 24, channel i mod 3. The
// 24 lanes are folded to 12 (lanes i and i+12), 6 and 3 sums.
TEXT ·hrowAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ k3+24(FP), R9
	MOVQ m+32(FP), R10
	MOVQ w+40(FP), R11
	VPBROADCASTD half<>(SB), Y15
	VMOVDQU fold6<>(SB), Y14
	VMOVDQU fold3<>(SB), Y13

pixel:
	MOVLQSX (R8), AX
	LEAQ (SI)(AX*1), BX
	MOVQ R10, CX
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2

tap:
	VPMOVZXBD (BX), Y3
	VPMOVZXBD 8(BX), Y4
	VPMOVZXBD 16(BX), Y5
	VPMULLD (R9), Y3, Y3
	VPMULLD 32(R9), Y4, Y4
	VPMULLD 64(R9), Y5, Y5
	VPADDD Y3, Y0, Y0
	VPADDD Y4, Y1, Y1
	VPADDD Y5, Y2, Y2
	ADDQ $24, BX
	ADDQ $96, R9
	SUBQ $24, CX
	JNZ tap

	// T = lanes 0-7 + 12-19, U = lanes 8-11 + 20-23.
	VPERM2I128 $0x21, Y2, Y1, Y4
	VPADDD Y4, Y0, Y4
	VEXTRACTI128 $1, Y2, X5
	VPADDD X5, X1, X5
	// [U, T's high half] gathered to [T6 T7 U0 U1 U2 U3]: 6 sums.
	VPERM2I128 $0x30, Y4, Y5, Y6
	VPERMD Y6, Y14, Y6
	VPADDD Y6, Y4, Y4
	VPERMD Y4, Y13, Y6
	VPADDD Y6, Y4, Y4
	VPADDD Y15, Y4, Y4
	VPSRAD $22, Y4, Y4
	VPACKSSDW X4, X4, X4
	VPACKUSWB X4, X4, X4
	VMOVD X4, AX
	MOVW AX, (DI)
	SHRL $16, AX
	MOVB AX, 2(DI)

	ADDQ $3, DI
	ADDQ $4, R8
	DECQ R11
	JNZ pixel
	VZEROUPPER
	RET

// func vrowAVX2(dst, src *uint8, stride int, k *int32, n, w int)
//
// vrowGo for the first w bytes of dst (a multiple of 32), n taps: 32
// columns at a time in four accumulators of 8.
TEXT ·vrowAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ stride+16(FP), DX
	MOVQ k+24(FP), R8
	MOVQ n+32(FP), R10
	MOVQ w+40(FP), R11
	VPBROADCASTD half<>(SB), Y15
	VMOVDQU unpack<>(SB), Y14

column:
	VMOVDQA Y15, Y0
	VMOVDQA Y15, Y1
	VMOVDQA Y15, Y2
	VMOVDQA Y15, Y3
	MOVQ SI, BX
	MOVQ R8, R9
	MOVQ R10, CX

tap:
	VPBROADCASTD (R9), Y8
	VPMOVZXBD (BX), Y4
	VPMOVZXBD 8(BX), Y5
	VPMOVZXBD 16(BX), Y6
	VPMOVZXBD 24(BX), Y7
	VPMULLD Y8, Y4, Y4
	VPMULLD Y8, Y5, Y5
	VPMULLD Y8, Y6, Y6
	VPMULLD Y8, Y7, Y7
	VPADDD Y4, Y0, Y0
	VPADDD Y5, Y1, Y1
	VPADDD Y6, Y2, Y2
	VPADDD Y7, Y3, Y3
	ADDQ DX, BX
	ADDQ $4, R9
	DECQ CX
	JNZ tap

	VPSRAD $22, Y0, Y0
	VPSRAD $22, Y1, Y1
	VPSRAD $22, Y2, Y2
	VPSRAD $22, Y3, Y3
	VPACKSSDW Y1, Y0, Y0
	VPACKSSDW Y3, Y2, Y2
	VPACKUSWB Y2, Y0, Y0
	VPERMD Y0, Y14, Y0
	VMOVDQU Y0, (DI)

	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $32, R11
	JNZ column
	VZEROUPPER
	RET
