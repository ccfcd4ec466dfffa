//go:build !purego

#include "textflag.h"

// Go's assembler has no AMX mnemonics: the instructions are spelled in
// bytes, as GNU as 2.44 encodes them for exactly these registers.
#define LDTILECFG_AX BYTE $0xc4; BYTE $0xe2; BYTE $0x78; BYTE $0x49; BYTE $0x00
#define TILERELEASE BYTE $0xc4; BYTE $0xe2; BYTE $0x78; BYTE $0x49; BYTE $0xc0
#define TILEZERO_01 \
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xc0; \
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xc8
#define TILEZERO_23 \
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xd0; \
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xd8
// tileloadd tmm0, [rdi+rdx]; tileloadd tmm1, [rdi+rdx+64]
#define LOAD_C01 \
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x04; BYTE $0x17; \
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x4c; BYTE $0x17; BYTE $0x40
// tileloadd tmm2, [r9+rdx]; tileloadd tmm3, [r9+rdx+64]
#define LOAD_C23 \
	BYTE $0xc4; BYTE $0xc2; BYTE $0x7b; BYTE $0x4b; BYTE $0x14; BYTE $0x11; \
	BYTE $0xc4; BYTE $0xc2; BYTE $0x7b; BYTE $0x4b; BYTE $0x5c; BYTE $0x11; BYTE $0x40
// tilestored [rdi+rdx], tmm0; tilestored [rdi+rdx+64], tmm1
#define STORE_C01 \
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7a; BYTE $0x4b; BYTE $0x04; BYTE $0x17; \
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7a; BYTE $0x4b; BYTE $0x4c; BYTE $0x17; BYTE $0x40
// tilestored [r9+rdx], tmm2; tilestored [r9+rdx+64], tmm3
#define STORE_C23 \
	BYTE $0xc4; BYTE $0xc2; BYTE $0x7a; BYTE $0x4b; BYTE $0x14; BYTE $0x11; \
	BYTE $0xc4; BYTE $0xc2; BYTE $0x7a; BYTE $0x4b; BYTE $0x5c; BYTE $0x11; BYTE $0x40
// tileloadd tmm4, [rax+rbx]
#define LOAD_A0 BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x24; BYTE $0x18
// tileloadd tmm5, [r8+rbx]
#define LOAD_A1 BYTE $0xc4; BYTE $0xc2; BYTE $0x7b; BYTE $0x4b; BYTE $0x2c; BYTE $0x18
// tileloadd tmm6, [rsi+rcx]
#define LOAD_B0 BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x34; BYTE $0x0e
// tileloadd tmm7, [rsi+rcx+64]
#define LOAD_B1 BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x4b; BYTE $0x7c; BYTE $0x0e; BYTE $0x40
// A dot product tmmC += tmmA·tmmB is c4 e2 (vvvv = ~B | pp) op modrm(C, A):
// v6/v7 select B = tmm6/tmm7 and the pp of TDPBF16PS (2) or TDPBUSD (1).
#define DP(v, op, modrm) BYTE $0xc4; BYTE $0xe2; BYTE v; BYTE op; BYTE modrm
// tmm0 += tmm4·tmm6, tmm1 += tmm4·tmm7, tmm2 += tmm5·tmm6, tmm3 += tmm5·tmm7
#define DP_0(v6, v7, op) DP(v6, op, $0xc4)
#define DP_1(v6, v7, op) DP(v7, op, $0xcc)
#define DP_2(v6, v7, op) DP(v6, op, $0xd5)
#define DP_3(v6, v7, op) DP(v7, op, $0xdd)

// AMXCALL is the body of amxBF16Asm and amxI8Asm:
//   AX, R8: the step's A tiles (rows 0 and 16 of the block), BX: lda in bytes
//   SI: the step's B tiles, CX: 256 (B's row stride)
//   DI, R9: the block's C tiles (rows 0 and 16), DX: ldc in bytes
//   R10: steps left, R11: blocks left, R12: b, R13: the block's A
// Tiles are not renamed: a load waits for the dot products still reading
// its tile, so each load comes just before its first use.
#define AMXCALL(v6, v7, op) \
	MOVQ cfg+0(FP), AX; \
	LDTILECFG_AX; \
	MOVQ nblk+8(FP), R11; \
	MOVQ a+24(FP), R13; \
	MOVQ lda+32(FP), BX; \
	SHLQ $2, BX; \
	MOVQ b+40(FP), R12; \
	MOVQ c+48(FP), DI; \
	MOVQ ldc+56(FP), DX; \
	SHLQ $2, DX; \
	MOVQ $256, CX; \
block: \
	MOVQ R13, AX; \
	MOVQ BX, R8; \
	SHLQ $4, R8; \
	ADDQ AX, R8; \
	MOVQ DX, R9; \
	SHLQ $4, R9; \
	ADDQ DI, R9; \
	MOVQ R12, SI; \
	MOVQ steps+16(FP), R10; \
	CMPB two+65(FP), $0; \
	JEQ one; \
	CMPB acc+64(FP), $0; \
	JEQ zero2; \
	LOAD_C01; \
	LOAD_C23; \
	JMP loop2; \
zero2: \
	TILEZERO_01; \
	TILEZERO_23; \
loop2: \
	LOAD_A0; \
	LOAD_B0; \
	DP_0(v6, v7, op); \
	LOAD_B1; \
	DP_1(v6, v7, op); \
	LOAD_A1; \
	DP_2(v6, v7, op); \
	DP_3(v6, v7, op); \
	ADDQ $64, AX; \
	ADDQ $64, R8; \
	ADDQ $4096, SI; \
	DECQ R10; \
	JNE loop2; \
	STORE_C01; \
	STORE_C23; \
	JMP next; \
one: \
	CMPB acc+64(FP), $0; \
	JEQ zero1; \
	LOAD_C01; \
	JMP loop1; \
zero1: \
	TILEZERO_01; \
loop1: \
	LOAD_A0; \
	LOAD_B0; \
	DP_0(v6, v7, op); \
	LOAD_B1; \
	DP_1(v6, v7, op); \
	ADDQ $64, AX; \
	ADDQ $4096, SI; \
	DECQ R10; \
	JNE loop1; \
	STORE_C01; \
next: \
	MOVQ BX, R8; \
	SHLQ $5, R8; \
	ADDQ R8, R13; \
	MOVQ DX, R9; \
	SHLQ $5, R9; \
	ADDQ R9, DI; \
	DECQ R11; \
	JNE block; \
	TILERELEASE

// func amxBF16Asm(cfg *amxConfig, nblk, steps int, a *uint32, lda int, b *uint32, c *float32, ldc int, acc, two bool)
TEXT ·amxBF16Asm(SB), NOSPLIT, $0-66
	AMXCALL($0x4a, $0x42, $0x5c)
	RET

// func amxI8Asm(cfg *amxConfig, nblk, steps int, a *uint32, lda int, b *uint32, c *int32, ldc int, acc, two bool)
TEXT ·amxI8Asm(SB), NOSPLIT, $0-66
	AMXCALL($0x49, $0x41, $0x5e)
	RET

// func amxPeakAsm(cfg *amxConfig, n int)
//
// n steps of the four TDPBF16PS of a call on zeroed tiles, without loads:
// BenchmarkAMXPeak's ceiling.
TEXT ·amxPeakAsm(SB), NOSPLIT, $0-16
	MOVQ cfg+0(FP), AX
	LDTILECFG_AX
	MOVQ n+8(FP), CX
	TILEZERO_01
	TILEZERO_23
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xe0 // tilezero tmm4
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xe8 // tilezero tmm5
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xf0 // tilezero tmm6
	BYTE $0xc4; BYTE $0xe2; BYTE $0x7b; BYTE $0x49; BYTE $0xf8 // tilezero tmm7
peak:
	DP_0($0x4a, $0x42, $0x5c)
	DP_1($0x4a, $0x42, $0x5c)
	DP_2($0x4a, $0x42, $0x5c)
	DP_3($0x4a, $0x42, $0x5c)
	DECQ CX
	JNE peak
	TILERELEASE
	RET

// func xgetbv0() uint64 (cpu_amd64.go)
TEXT ·xgetbv0(SB), NOSPLIT, $0-8
	MOVL $0, CX
	BYTE $0x0f; BYTE $0x01; BYTE $0xd0 // XGETBV
	SHLQ $32, DX
	ORQ DX, AX
	MOVQ AX, ret+0(FP)
	RET
