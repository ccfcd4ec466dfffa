package main

// cpuFile prints cpu_amd64.s: what cpu_amd64.go needs besides x/sys/cpu to
// read the CPU's and the OS's features (CPUID's vendor string, XCR0 for
// AMX's tile state).
func cpuFile(a *asm) {
	a.text("cpuid", "(leaf, sub uint32) (a, b, c, d uint32)", 24, "")
	a.raw(`
		MOVL leaf+0(FP), AX
		MOVL sub+4(FP), CX
		CPUID
		MOVL AX, a+8(FP)
		MOVL BX, b+12(FP)
		MOVL CX, c+16(FP)
		MOVL DX, d+20(FP)
		RET
	`)
	a.text("xgetbv0", "() uint64", 8, "XCR0, the state components the OS saves (XGETBV with ECX = 0).")
	a.ins("MOVL $0, CX")
	a.encoded("xgetbv", []byte{0x0f, 0x01, 0xd0})
	a.raw(`
		SHLQ $32, DX
		ORQ DX, AX
		MOVQ AX, ret+0(FP)
		RET
	`)
}
