package main

import "fmt"

// The 6×64 micro-kernels (fp32, bf16, int8) keep the tile's accumulators
// in Z0–Z23, row i in Z4i…Z4i+3, and load a row of the B panel into
// Z24–Z27; A's rows 0–2 are read from AX (row stride BX bytes), rows 3–5
// from R8 = AX + 3·BX.

// aRow is the address of A's row i at byte offset off.
func aRow(i, off int) string {
	base := "AX"
	if i >= 3 {
		base = "R8"
	}
	return fmt.Sprintf("%d(%s)%s", off, base, [3]string{"", "(BX*1)", "(BX*2)"}[i%3])
}

// cRow is the address of the tile's row i at byte offset off: rows 0–2
// from c, 3–5 from c3 = c + 3·ld.
func cRow(i, off int, c, c3, ld string) string {
	base := c
	if i >= 3 {
		base = c3
	}
	return fmt.Sprintf("%d(%s)%s", off, base, [3]string{"", "(" + ld + "*1)", "(" + ld + "*2)"}[i%3])
}

// zero24 clears the accumulators.
func zero24(a *asm) {
	for z := range 24 {
		a.ins("VPXORD Z%d, Z%d, Z%d", z, z, z)
	}
}

// load24 loads the accumulators from the tile at c (c3 = c + 3·ld) with
// mov; store24 stores them; add24 adds the tile to them with add.
func load24(a *asm, mov, c, c3, ld string) {
	for z := range 24 {
		a.ins("%s %s, Z%d", mov, cRow(z/4, 64*(z%4), c, c3, ld), z)
	}
}

func store24(a *asm, mov, c, c3, ld string) {
	for z := range 24 {
		a.ins("%s Z%d, %s", mov, z, cRow(z/4, 64*(z%4), c, c3, ld))
	}
}

func add24(a *asm, add, c, c3, ld string) {
	for z := range 24 {
		a.ins("%s %s, Z%d, Z%d", add, cRow(z/4, 64*(z%4), c, c3, ld), z, z)
	}
}

// tileArgs loads the arguments common to the 6×64 tiles: kc (CX), A (AX,
// row stride BX bytes, R8 = row 3), the B panel (SI), c (DI, row stride DX
// bytes).
func tileArgs(a *asm, kc string) {
	a.ins("MOVQ %s+0(FP), CX", kc)
	a.raw(`
		MOVQ a+8(FP), AX
		MOVQ lda+16(FP), BX
		SHLQ $2, BX
		MOVQ b+24(FP), SI
		MOVQ c+32(FP), DI
		MOVQ ldc+40(FP), DX
		SHLQ $2, DX
		LEAQ (AX)(BX*2), R8
		ADDQ BX, R8 // R8 = a + 3·lda
	`)
}

// fstep does one step k of the fp32 tile: B's row k at boff(SI) into
// Z24–Z27, each row's a[i][k] at aoff broadcast into Z28–Z31 in turn, 24
// FMAs.
func fstep(a *asm, aoff, boff int) {
	for j := range 4 {
		a.ins("VMOVUPS %d(SI), Z%d", boff+64*j, 24+j)
	}
	for i := range 6 {
		a.ins("VBROADCASTSS %s, Z%d", aRow(i, aoff), 28+i%4)
		for j := range 4 {
			a.ins("VFMADD231PS Z%d, Z%d, Z%d", 24+j, 28+i%4, 4*i+j)
		}
	}
}

func tileFile(a *asm) {
	a.text("tile6x64AVX512", "(kc int, a *float32, lda int, b *float32, c *float32, ldc int, acc bool, pf *float32)", 64, `
		Z0–Z23 hold the 6×64 accumulators (row i in Z4i…Z4i+3); each k loads
		one 64-float row of the B panel into Z24–Z27 and broadcasts the six
		a[i][k], so a step is 10 loads for 24 FMAs. Every 4 steps one cache line
		at pf is prefetched into L2: part of the B block the next calls read.`)
	a.ins("MOVQ pf+56(FP), R11")
	tileArgs(a, "kc")
	zero24(a)
	a.raw(`
		TESTQ CX, CX
		JEQ store
		MOVQ CX, R10
		SHRQ $2, R10 // steps of 4
		JEQ tail
	loop4:
		PREFETCHT1 (R11)
		ADDQ $64, R11
	`)
	for s := range 4 {
		fstep(a, 4*s, 256*s)
	}
	a.raw(`
		ADDQ $1024, SI
		ADDQ $16, AX
		ADDQ $16, R8
		DECQ R10
		JNZ loop4
	tail:
		ANDQ $3, CX
		JEQ store
	loop:
	`)
	fstep(a, 0, 0)
	a.raw(`
		ADDQ $256, SI
		ADDQ $4, AX
		ADDQ $4, R8
		DECQ CX
		JNZ loop
	`)
	putTile24(a, "store", "write", "acc+48(FP)")
	tile6x16AVX2(a)
	tileT6x64(a)
	tileT6x16AVX2(a)
	fmaProbe(a)
}

// tstep does step s (0–3) of the transposed tile: B's row s at bRow(s)
// into Z24–Z27, then a[s][i] for i < 6 broadcast from A's row s, six
// consecutive floats.
func tstep(a *asm, s int) {
	rows := [4]string{"(SI)", "(SI)(R10*1)", "(SI)(R10*2)", "(R12)"}
	arows := [4]string{"(AX)", "(AX)(BX*1)", "(AX)(BX*2)", "(R8)"}
	for j := range 4 {
		a.ins("VMOVUPS %d%s, Z%d", 64*j, rows[s], 24+j)
	}
	for i := range 6 {
		a.ins("VBROADCASTSS %d%s, Z%d", 4*i, arows[s], 28+i%4)
		for j := range 4 {
			a.ins("VFMADD231PS Z%d, Z%d, Z%d", 24+j, 28+i%4, 4*i+j)
		}
	}
}

// tileT6x64 is the 6×64 tile of a product whose A is read transposed, k
// steps lda floats apart with the tile's six rows side by side in each,
// and whose B rows are ldb floats apart: both operands of a weight
// gradient dyᵀ·x read where they lie, unpacked.
func tileT6x64(a *asm) {
	a.text("tileT6x64AVX512", "(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc bool)", 57, `
		Z0–Z23 hold the 6×64 accumulators as in tile6x64AVX512; step k
		broadcasts a[k·lda+i] for i < 6 and loads b[k·ldb…+63], four steps at a
		time (AX, SI at step 0; R8, R12 at step 3).`)
	stridedArgs(a)
	zero24(a)
	a.raw(`
		TESTQ CX, CX
		JEQ storeT
		MOVQ CX, R11
		SHRQ $2, R11 // steps of 4
		JEQ tailT
	loopT4:
		LEAQ (AX)(BX*2), R8
		ADDQ BX, R8
		LEAQ (SI)(R10*2), R12
		ADDQ R10, R12
	`)
	for s := range 4 {
		tstep(a, s)
	}
	a.raw(`
		LEAQ (AX)(BX*4), AX
		LEAQ (SI)(R10*4), SI
		DECQ R11
		JNZ loopT4
	tailT:
		ANDQ $3, CX
		JEQ storeT
	loopT:
	`)
	tstep(a, 0)
	a.raw(`
		ADDQ BX, AX
		ADDQ R10, SI
		DECQ CX
		JNZ loopT
	`)
	putTile24(a, "storeT", "writeT", "acc+56(FP)")
}

// putTile24 ends a 6×64 fp32 tile at label store: Z0–Z23 written to c (DI,
// row stride DX bytes), or added to it when the bool argument acc is set.
func putTile24(a *asm, store, write, acc string) {
	a.label(store)
	a.raw(`
		LEAQ (DI)(DX*2), R9
		ADDQ DX, R9 // R9 = c + 3·ldc
	`)
	a.ins("CMPB %s, $0", acc)
	a.ins("JEQ %s", write)
	add24(a, "VADDPS", "DI", "R9", "DX")
	a.label(write)
	store24(a, "VMOVUPS", "DI", "R9", "DX")
	a.raw(`
		VZEROUPPER
		RET
	`)
}

// tile6x16AVX2 keeps a 6×16 tile in Y0–Y11 (row i in Y2i, Y2i+1).
func tile6x16AVX2(a *asm) {
	a.text("tile6x16AVX2", "(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc bool, pf *float32)", 72, `
		Y0–Y11 hold a 6×16 tile (row i in Y2i, Y2i+1); B rows are ldb floats
		apart. Steps go four at a time, each four prefetching one cache line
		at pf into L2, as tile6x64AVX512 does.`)
	stridedArgs(a)
	a.raw(`
		MOVQ pf+64(FP), R11
		LEAQ (AX)(BX*2), R8
		ADDQ BX, R8
	`)
	for y := range 12 {
		a.ins("VXORPS Y%d, Y%d, Y%d", y, y, y)
	}
	a.raw(`
		MOVQ CX, R12
		SHRQ $2, R12
		JEQ tail2
	loop2:
		PREFETCHT1 (R11)
		ADDQ $64, R11
	`)
	for s := range 4 {
		ystep(a, 4*s)
	}
	a.raw(`
		ADDQ $16, AX
		ADDQ $16, R8
		DECQ R12
		JNZ loop2
	tail2:
		ANDQ $3, CX
		JEQ store2
	step2:
	`)
	ystep(a, 0)
	a.raw(`
		ADDQ $4, AX
		ADDQ $4, R8
		DECQ CX
		JNZ step2
	`)
	putTile12(a, "store2", "write2")
}

// stridedArgs loads the arguments of a tile whose B rows are ldb floats
// apart: kc in CX, a in AX, lda·4 in BX, b in SI, ldb·4 in R10, c in DI,
// ldc·4 in DX.
func stridedArgs(a *asm) {
	a.raw(`
		MOVQ kc+0(FP), CX
		MOVQ a+8(FP), AX
		MOVQ lda+16(FP), BX
		SHLQ $2, BX
		MOVQ b+24(FP), SI
		MOVQ ldb+32(FP), R10
		SHLQ $2, R10
		MOVQ c+40(FP), DI
		MOVQ ldc+48(FP), DX
		SHLQ $2, DX
	`)
}

// putTile12 ends a 6×16 fp32 tile at label store: Y0–Y11 written to c
// (DI, row stride DX bytes), or added to it when acc is set.
func putTile12(a *asm, store, write string) {
	a.label(store)
	a.raw(`
		LEAQ (DI)(DX*2), R9
		ADDQ DX, R9
		CMPB acc+56(FP), $0
	`)
	a.ins("JEQ %s", write)
	for y := range 12 {
		a.ins("VADDPS %s, Y%d, Y%d", cRow(y/2, 32*(y%2), "DI", "R9", "DX"), y, y)
	}
	a.label(write)
	for y := range 12 {
		a.ins("VMOVUPS Y%d, %s", y, cRow(y/2, 32*(y%2), "DI", "R9", "DX"))
	}
	a.raw(`
		VZEROUPPER
		RET
	`)
}

// ystep does one step of tile6x16AVX2: B's row at SI (then SI moves on
// ldb) into Y12–Y13, each row's a[i][k] at aoff broadcast into Y14 or Y15
// in turn, 12 FMAs.
func ystep(a *asm, aoff int) {
	a.ins("VMOVUPS (SI), Y12")
	a.ins("VMOVUPS 32(SI), Y13")
	a.ins("ADDQ R10, SI")
	for i := range 6 {
		b := 14 + i%2
		a.ins("VBROADCASTSS %s, Y%d", aRow(i, aoff), b)
		a.ins("VFMADD231PS Y12, Y%d, Y%d", b, 2*i)
		a.ins("VFMADD231PS Y13, Y%d, Y%d", b, 2*i+1)
	}
}

// tileT6x16AVX2 is tile6x16AVX2 for a product whose A is read transposed,
// as tileT6x64AVX512 reads it: step k broadcasts a[k·lda+i] for i < 6
// (AX, then AX moves on lda) and loads b[k·ldb…+15]. Like the AVX-512
// tileT it prefetches nothing: both operands stream in order.
func tileT6x16AVX2(a *asm) {
	a.text("tileT6x16AVX2", "(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc bool)", 57, `
		Y0–Y11 hold a 6×16 tile (row i in Y2i, Y2i+1), as in tile6x16AVX2;
		A's k steps are lda floats apart with the tile's six rows side by
		side in each, B's rows ldb floats apart. Steps go four at a time.`)
	stridedArgs(a)
	for y := range 12 {
		a.ins("VXORPS Y%d, Y%d, Y%d", y, y, y)
	}
	a.raw(`
		MOVQ CX, R12
		SHRQ $2, R12
		JEQ tailT2
	loopT2:
	`)
	for range 4 {
		tystep(a)
	}
	a.raw(`
		DECQ R12
		JNZ loopT2
	tailT2:
		ANDQ $3, CX
		JEQ storeT2
	stepT2:
	`)
	tystep(a)
	a.raw(`
		DECQ CX
		JNZ stepT2
	`)
	putTile12(a, "storeT2", "writeT2")
}

// tystep does one step of tileT6x16AVX2: B's row at SI into Y12–Y13, the
// six a[k·lda+i] at AX broadcast into Y14 or Y15 in turn, 12 FMAs; then SI
// and AX move on a row.
func tystep(a *asm) {
	a.ins("VMOVUPS (SI), Y12")
	a.ins("VMOVUPS 32(SI), Y13")
	a.ins("ADDQ R10, SI")
	for i := range 6 {
		b := 14 + i%2
		a.ins("VBROADCASTSS %d(AX), Y%d", 4*i, b)
		a.ins("VFMADD231PS Y12, Y%d, Y%d", b, 2*i)
		a.ins("VFMADD231PS Y13, Y%d, Y%d", b, 2*i+1)
	}
	a.ins("ADDQ BX, AX")
}

// fmaProbe prints BenchmarkFMAPeak's loops: fmaProbeAVX512, 24
// independent zmm FMAs an iteration, and fmaProbeAVX2, 12 independent ymm
// FMAs (as many as tile6x16AVX2 keeps, enough to cover the FMA latency of
// CPUs with two 256-bit or two 128-bit FMA units).
func fmaProbe(a *asm) {
	for _, w := range []struct {
		name, v, reg, zero string
		n, lanes           int
	}{{"fmaProbeAVX512", "Z", "zmm", "VPXORD", 24, 16}, {"fmaProbeAVX2", "Y", "ymm", "VPXOR", 12, 8}} {
		a.text(w.name, "(n int)", 8, fmt.Sprintf("n iterations of %d independent %s FMAs (%d flops): the core's fp32 peak.",
			w.n, w.reg, 2*w.n*w.lanes))
		a.ins("MOVQ n+0(FP), CX")
		for r := w.n; r < w.n+2; r++ {
			a.ins("%s %s%d, %s%d, %s%d", w.zero, w.v, r, w.v, r, w.v, r)
		}
		a.raw(`
		probe:
		`)
		for r := range w.n {
			a.ins("VFMADD231PS %s%d, %s%d, %s%d", w.v, w.n, w.v, w.n+1, w.v, r)
		}
		a.raw(`
			DECQ CX
			JNZ probe
			VZEROUPPER
			RET
		`)
	}
}
