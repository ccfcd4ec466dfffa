package main

import "fmt"

// General-purpose register numbers as in ModRM and SIB (bit 3 in VEX's
// R, X, B), and their names.
const (
	rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi = 0, 1, 2, 3, 4, 5, 6, 7
	r8, r9                                 = 8, 9
)

var regNames = [...]string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9"}

// vex3 encodes the three-byte VEX prefix of an instruction of the 0F38
// map, W0, L0 (every AMX instruction): r, x and b extend ModRM.reg,
// SIB.index and the base register; vvvv is the third operand; pp selects
// the implied prefix (1: 66, 2: F3, 3: F2). R, X, B and vvvv are stored
// inverted (Intel SDM vol. 2, 2.3.5).
func vex3(r, x, b, vvvv int, pp byte) []byte {
	inv := func(v, n int) byte { return byte(^(v >> n) & 1) }
	return []byte{0xc4, inv(r, 3)<<7 | inv(x, 3)<<6 | inv(b, 3)<<5 | 0b00010, (^byte(vvvv)&15)<<3 | pp}
}

// ldtilecfg encodes LDTILECFG [base] (VEX.128.NP.0F38.W0 49 /0).
func ldtilecfg(base int) (string, []byte) {
	return fmt.Sprintf("ldtilecfg [%s]", regNames[base]), append(vex3(0, 0, base, 0, 0), 0x49, byte(base&7))
}

// tilerelease encodes TILERELEASE (VEX.128.NP.0F38.W0 49 C0).
func tilerelease() (string, []byte) { return "tilerelease", append(vex3(0, 0, 0, 0, 0), 0x49, 0xc0) }

// tilezero encodes TILEZERO tmm (VEX.128.F2.0F38.W0 49 11:rrr:000).
func tilezero(tmm int) (string, []byte) {
	return fmt.Sprintf("tilezero tmm%d", tmm), append(vex3(0, 0, 0, 0, 3), 0x49, 0xc0|byte(tmm)<<3)
}

// tileMem encodes TILELOADD tmm, [base+index+disp] (load, VEX.128.F2.0F38.W0
// 4B) or TILESTORED [base+index+disp], tmm (VEX.128.F3.0F38.W0 4B): the
// index register holds the row stride; disp is 0 or a disp8.
func tileMem(load bool, tmm, base, index, disp int) (string, []byte) {
	pp, mn := byte(2), "tilestored [%[2]s], tmm%[1]d"
	if load {
		pp, mn = 3, "tileloadd tmm%[1]d, [%[2]s]"
	}
	mem := fmt.Sprintf("%s+%s*1", regNames[base], regNames[index])
	code := append(vex3(0, index, base, 0, pp), 0x4b)
	mod := byte(0b00)
	if disp != 0 {
		mod = 0b01
		mem += fmt.Sprintf("+%d", disp)
	}
	code = append(code, mod<<6|byte(tmm)<<3|0b100, byte(index&7)<<3|byte(base&7))
	if disp != 0 {
		code = append(code, byte(disp))
	}
	return fmt.Sprintf(mn, tmm, mem), code
}

// tdp encodes TDPBF16PS (bf16, VEX.128.F3.0F38.W0 5C) or TDPBUSD (VEX.128.66.0F38.W0
// 5E) c, a, b: tile c += tile a · tile b.
func tdp(bf16 bool, c, a, b int) (string, []byte) {
	mn, pp, op := "tdpbusd", byte(1), byte(0x5e)
	if bf16 {
		mn, pp, op = "tdpbf16ps", 2, 0x5c
	}
	return fmt.Sprintf("%s tmm%d, tmm%d, tmm%d", mn, c, a, b), append(vex3(0, 0, 0, b, pp), op, 0xc0|byte(c)<<3|byte(a))
}

func amxFile(a *asm) {
	a.comment(`
		Go's assembler has no AMX instructions: they are encoded as BYTE
		directives (amx.go in _asm), the GNU as mnemonic beside them. A call
		computes nblk blocks of 32 rows × 32 columns as 2×2 tiles of 16×16
		accumulators, tmm0–tmm3, each step adding tmm4 (rows 0–15 of A) and
		tmm5 (rows 16–31) times tmm6 and tmm7 (columns 0–15 and 16–31 of B).
		Registers: AX, R8 the step's A tiles, BX lda in bytes, R14 and R15 the
		bytes from one step's A to the next's and from one block's to the
		next's; SI the step's B tiles, CX 256 (B's row stride); DI, R9 the
		block's C tiles, DX ldc in bytes; R10 steps left, R11 blocks left, R12
		b, R13 the block's A. (R14 is g in Go's register ABI: the wrapper of
		an ABI0 function restores it.)
		Tiles are not renamed: a load waits for the products still reading its
		tile, so each load comes just before its first use.`)
	for _, bf16 := range []bool{true, false} {
		name, ctype, doc := "amxI8Asm", "int32", "amxI8Generic in AMX (TDPBUSD: u8 A, s8 B, int32 sums)."
		if bf16 {
			name, ctype, doc = "amxBF16Asm", "float32", "amxBF16Generic in AMX (TDPBF16PS)."
		}
		a.text(name, "(cfg *amxConfig, nblk, steps int, a *uint32, lda, astep, ablk int, b *uint32, c *"+ctype+", ldc int, acc, two bool)", 82, doc)
		amxCall(a, bf16)
	}
	a.text("amxPeakAsm", "(cfg *amxConfig, n int)", 16, `
		n steps of the four TDPBF16PS of a call on zeroed tiles, without
		loads: BenchmarkAMXPeak's ceiling.`)
	a.ins("MOVQ cfg+0(FP), AX")
	a.encoded(ldtilecfg(rax))
	a.ins("MOVQ n+8(FP), CX")
	for t := range 8 {
		a.encoded(tilezero(t))
	}
	a.label("peak")
	for c := range 4 {
		a.encoded(tdp(true, c, 4+c/2, 6+c%2))
	}
	a.raw(`
		DECQ CX
		JNE peak
	`)
	a.encoded(tilerelease())
	a.ins("RET")
}

// amxCall prints the body of amxBF16Asm or amxI8Asm: load the tile
// configuration; per block, C from c (acc) or zero, the steps, C to c;
// release the tiles. two selects the loop over both row tiles.
func amxCall(a *asm, bf16 bool) {
	a.ins("MOVQ cfg+0(FP), AX")
	a.encoded(ldtilecfg(rax))
	a.raw(`
		MOVQ nblk+8(FP), R11
		MOVQ a+24(FP), R13
		MOVQ lda+32(FP), BX
		SHLQ $2, BX
		MOVQ astep+40(FP), R14
		SHLQ $2, R14
		MOVQ ablk+48(FP), R15
		SHLQ $2, R15
		MOVQ b+56(FP), R12
		MOVQ c+64(FP), DI
		MOVQ ldc+72(FP), DX
		SHLQ $2, DX
		MOVQ $256, CX
	block:
		MOVQ R13, AX
		MOVQ BX, R8
		SHLQ $4, R8
		ADDQ AX, R8
		MOVQ DX, R9
		SHLQ $4, R9
		ADDQ DI, R9
		MOVQ R12, SI
		MOVQ steps+16(FP), R10
		CMPB two+81(FP), $0
		JEQ one
	`)
	for _, two := range []bool{true, false} {
		sfx, cRegs := "2", []int{rdi, rdi, r9, r9}
		if !two {
			a.label("one")
			sfx, cRegs = "1", cRegs[:2]
		}
		a.raw(`
			CMPB acc+80(FP), $0
			JEQ zero` + sfx + `
		`)
		for t, base := range cRegs {
			a.encoded(tileMem(true, t, base, rdx, 64*(t%2)))
		}
		a.ins("JMP loop" + sfx)
		a.label("zero" + sfx)
		for t := range cRegs {
			a.encoded(tilezero(t))
		}
		a.label("loop" + sfx)
		a.encoded(tileMem(true, 4, rax, rbx, 0))
		a.encoded(tileMem(true, 6, rsi, rcx, 0))
		a.encoded(tdp(bf16, 0, 4, 6))
		a.encoded(tileMem(true, 7, rsi, rcx, 64))
		a.encoded(tdp(bf16, 1, 4, 7))
		if two {
			a.encoded(tileMem(true, 5, r8, rbx, 0))
			a.encoded(tdp(bf16, 2, 5, 6))
			a.encoded(tdp(bf16, 3, 5, 7))
		}
		a.ins("ADDQ R14, AX")
		if two {
			a.ins("ADDQ R14, R8")
		}
		a.raw(`
			ADDQ $4096, SI
			DECQ R10
			JNE loop` + sfx + `
		`)
		for t, base := range cRegs {
			a.encoded(tileMem(false, t, base, rdx, 64*(t%2)))
		}
		if two {
			a.ins("JMP next")
		}
	}
	a.raw(`
	next:
		ADDQ R15, R13
		MOVQ DX, R9
		SHLQ $5, R9
		ADDQ R9, DI
		DECQ R11
		JNE block
	`)
	a.encoded(tilerelease())
	a.ins("RET")
}
