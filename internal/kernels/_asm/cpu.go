package main

// cpuFile prints cpu_amd64.s: what cpu_amd64.go needs besides x/sys/cpu to
// read the CPU's and the OS's features (CPUID's vendor string).
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
}
