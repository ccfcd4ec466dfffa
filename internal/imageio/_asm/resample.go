package main

// half is Pillow's rounding half, 1 << (PRECISION_BITS-1), and the
// fixed-point sums are shifted by PRECISION_BITS (Resample.c).
const (
	precisionBits = 22
	half          = 1 << (precisionBits - 1)
)

// resampleFile prints resample_amd64.s: the row kernels of imageio's
// Pillow-exact resampler (resample.go's hrowGo and vrowGo).
func resampleFile(a *asm) {
	a.comment("Pillow's rounding half, 1 << (PRECISION_BITS-1).")
	a.table32("half", half)
	// hrow folds 24 lanes (three YMM of 8, byte i of the window in lane i)
	// to per-channel sums: lanes i and i+12 first, which leaves T (lanes
	// 0-7) and U (lanes 8-11), then [T6 T7 U0 U1 U2 U3] onto T0-T5, then
	// lanes 3-5 onto 0-2.
	a.comment("hrowAVX2's lane gathers: [6 7 0 1 2 3 . .] and [3 4 5 . . . . .].")
	a.table32("fold6", 6, 7, 0, 1, 2, 3, 0, 0)
	a.table32("fold3", 3, 4, 5, 0, 0, 0, 0, 0)
	a.comment("vrowAVX2's dword order after the packs: [0 4 1 5 2 6 3 7].")
	a.table32("unpack", 0, 4, 1, 5, 2, 6, 3, 7)

	a.text("hrowAVX2", "(dst, src *uint8, off, k3 *int32, m, w int)", 48, `
		hrowGo for w output pixels: window m bytes (a multiple of 24) from
		src+off[x], weights k3[x*m:]. Three accumulators take 24 bytes a step;
		lane i of the three together is byte i mod 24, channel i mod 3. The
		24 lanes are folded to 12 (lanes i and i+12), 6 and 3 sums.`)
	a.args("dst:DI", "src:SI", "off:R8", "k3:R9", "m:R10", "w:R11")
	a.raw(`
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
	tap:`)
	for i := range 3 {
		a.ins("VPMOVZXBD %d(BX), Y%d", 8*i, 3+i)
	}
	for i := range 3 {
		a.ins("VPMULLD %d(R9), Y%d, Y%d", 32*i, 3+i, 3+i)
	}
	for i := range 3 {
		a.ins("VPADDD Y%d, Y%d, Y%d", 3+i, i, i)
	}
	a.raw(`
		ADDQ $24, BX
		ADDQ $96, R9
		SUBQ $24, CX
		JNZ tap
	`)
	a.note("T = lanes 0-7 + 12-19, U = lanes 8-11 + 20-23.")
	a.raw(`
		VPERM2I128 $0x21, Y2, Y1, Y4
		VPADDD Y4, Y0, Y4
		VEXTRACTI128 $1, Y2, X5
		VPADDD X5, X1, X5
	`)
	a.note("[U, T's high half] gathered to [T6 T7 U0 U1 U2 U3]: 6 sums, then 3.")
	a.raw(`
		VPERM2I128 $0x30, Y4, Y5, Y6
		VPERMD Y6, Y14, Y6
		VPADDD Y6, Y4, Y4
		VPERMD Y4, Y13, Y6
		VPADDD Y6, Y4, Y4
		VPADDD Y15, Y4, Y4
	`)
	a.ins("VPSRAD $%d, Y4, Y4", precisionBits)
	a.raw(`
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
	`)

	a.text("vrowAVX2", "(dst, src *uint8, stride int, k *int32, n, w int)", 48, `
		vrowGo for the first w bytes of dst (a multiple of 32), n taps: 32
		columns at a time in four accumulators of 8.`)
	a.args("dst:DI", "src:SI", "stride:DX", "k:R8", "n:R10", "w:R11")
	a.raw(`
		VPBROADCASTD half<>(SB), Y15
		VMOVDQU unpack<>(SB), Y14
	column:`)
	for i := range 4 {
		a.ins("VMOVDQA Y15, Y%d", i)
	}
	a.raw(`
		MOVQ SI, BX
		MOVQ R8, R9
		MOVQ R10, CX
	tap:
		VPBROADCASTD (R9), Y8
	`)
	for i := range 4 {
		a.ins("VPMOVZXBD %d(BX), Y%d", 8*i, 4+i)
	}
	for i := range 4 {
		a.ins("VPMULLD Y8, Y%d, Y%d", 4+i, 4+i)
	}
	for i := range 4 {
		a.ins("VPADDD Y%d, Y%d, Y%d", 4+i, i, i)
	}
	a.raw(`
		ADDQ DX, BX
		ADDQ $4, R9
		DECQ CX
		JNZ tap
	`)
	for i := range 4 {
		a.ins("VPSRAD $%d, Y%d, Y%d", precisionBits, i, i)
	}
	a.raw(`
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
	`)
}
