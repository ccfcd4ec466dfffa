package main

import "fmt"

// keysFile prints attention's fp32 packing of K: keys in registers, one
// per register, transposed into registers of one value of each key, each
// stored as part of a row of the packed panel.
func keysFile(a *asm) {
	a.text("keysAVX512", "(dst, src *float32, ld, hd int)", 32, `
		keysGeneric for hd a multiple of 16 (hd > 0), 16 values a step: 16
		values of each of the 16 keys (row stride ld floats) into Z0–Z15, the
		16×16 floats transposed (transpose16), value kk of the
		16 keys stored nr floats after value kk−1's.`)
	keys16(a, "hd", 64, "VMOVUPS", func(r int) { a.ins("VMOVUPS (AX), Z%d", r) })

	a.text("keysAVX2", "(dst, src *float32, ld, hd int)", 32, `
		keysGeneric for 8 of the 16 keys and hd a multiple of 8 (hd > 0), 8
		values a step: Yi holds values 0–3 of key i in its low lane and of
		key i+4 in its high lane, Y4+i values 4–7 (i < 4); a 4×4 transpose in
		each lane of Y0–Y3 (VUNPCKL/HPS, VSHUFPS) leaves value kk of keys
		0–3 in Ykk's low lane and of keys 4–7 in its high one, and so for
		Y4–Y7; value kk of the 8 keys stored nr floats after value kk−1's.`)
	a.raw(`
		MOVQ dst+0(FP), DI
		MOVQ src+8(FP), SI
		MOVQ ld+16(FP), DX
		MOVQ hd+24(FP), CX
		SHRQ $3, CX
		SHLQ $2, DX
	k2step:
		MOVQ SI, AX
		LEAQ (SI)(DX*4), R8
	`)
	for i := range 4 {
		a.ins("VMOVUPS (AX), X%d", i)
		a.ins("VINSERTF128 $1, (R8), Y%d, Y%d", i, i)
		a.ins("VMOVUPS 16(AX), X%d", 4+i)
		a.ins("VINSERTF128 $1, 16(R8), Y%d, Y%d", 4+i, 4+i)
		if i < 3 {
			a.ins("ADDQ DX, AX")
			a.ins("ADDQ DX, R8")
		}
	}
	for _, y := range []int{0, 4} {
		t := 8 + y
		a.ins("VUNPCKLPS Y%d, Y%d, Y%d", y+1, y, t)
		a.ins("VUNPCKHPS Y%d, Y%d, Y%d", y+1, y, t+1)
		a.ins("VUNPCKLPS Y%d, Y%d, Y%d", y+3, y+2, t+2)
		a.ins("VUNPCKHPS Y%d, Y%d, Y%d", y+3, y+2, t+3)
		a.ins("VSHUFPS $0x44, Y%d, Y%d, Y%d", t+2, t, y)
		a.ins("VSHUFPS $0xee, Y%d, Y%d, Y%d", t+2, t, y+1)
		a.ins("VSHUFPS $0x44, Y%d, Y%d, Y%d", t+3, t+1, y+2)
		a.ins("VSHUFPS $0xee, Y%d, Y%d, Y%d", t+3, t+1, y+3)
	}
	for kk := range 8 {
		a.ins("VMOVUPS Y%d, %d(DI)", kk, 4*nr*kk)
	}
	a.raw(`
		ADDQ $32, SI
		ADDQ $2048, DI
		DECQ CX
		JNE k2step
		VZEROUPPER
		RET
	`)
}

// keys16 prints the loop of a 16-key packer (keysAVX512, keysBF16AVX512):
// count (the argument at 24(FP)) ÷ 16 steps, each loading the 16 keys from
// SI, ld floats apart, with load(r) leaving key r's step in Zr (AX at the
// key's start), transposing them (transpose16) and storing group g of the
// 16 keys with store nr 32-bit groups after group g−1's; src advances
// srcStep bytes a step, dst 16 pair rows of a panel.
func keys16(a *asm, count string, srcStep int, store string, load func(r int)) {
	a.raw(fmt.Sprintf(`
		MOVQ dst+0(FP), DI
		MOVQ src+8(FP), SI
		MOVQ ld+16(FP), DX
		MOVQ %s+24(FP), CX
		SHRQ $4, CX
		SHLQ $2, DX
	kstep:
		MOVQ SI, AX
	`, count))
	for r := range 16 {
		load(r)
		if r < 15 {
			a.ins("ADDQ DX, AX")
		}
	}
	transpose16(a)
	for g := range 16 {
		a.ins("%s Z%d, %d(DI)", store, g, 4*nr*g)
	}
	a.raw(fmt.Sprintf(`
		ADDQ $%d, SI
		ADDQ $%d, DI
		DECQ CX
		JNE kstep
		VZEROUPPER
		RET
	`, srcStep, 16*4*nr))
}
