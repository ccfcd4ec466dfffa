//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

// features are read here and nowhere else, once at start. x/sys/cpu also
// checks that the OS saves the ymm and zmm state (XCR0). AMX needs besides
// CPUID that the OS saves the tile state (XCR0 bits 17 XTILECFG and 18
// XTILEDATA) and Linux's permission for this process (amxPermit, asked
// here, once).
var features = readFeatures()

func readFeatures() cpuFeatures {
	var f cpuFeatures
	x := &cpu.X86
	f.avx2 = x.HasAVX2 && x.HasFMA
	f.avx512 = x.HasAVX512F && x.HasAVX512DQ && x.HasAVX512BW && x.HasBMI2 && f.avx2
	f.avx512BF16 = x.HasAVX512F && x.HasAVX512BF16
	f.avx512VNNI = x.HasAVX512F && x.HasAVX512VNNI
	f.slowBF16 = vendor() == "GenuineIntel"
	f.amx = x.HasAMXTile && x.HasAMXBF16 && x.HasAMXInt8 && f.avx512BF16 && f.avx512VNNI &&
		x.HasOSXSAVE && xgetbv0()&(1<<17|1<<18) == 1<<17|1<<18 && amxPermit()
	return f
}

// vendor is CPUID leaf 0's vendor string ("GenuineIntel", "AuthenticAMD"),
// which x/sys/cpu does not report.
func vendor() string {
	_, b, c, d := cpuid(0, 0)
	var s [12]byte
	for i, r := range [3]uint32{b, d, c} {
		s[4*i], s[4*i+1], s[4*i+2], s[4*i+3] = byte(r), byte(r>>8), byte(r>>16), byte(r>>24)
	}
	return string(s[:])
}

// xgetbv0 returns XCR0, the state components the OS saves (amx_amd64.s).
func xgetbv0() uint64

// cpuid executes CPUID with EAX = leaf and ECX = sub.
func cpuid(leaf, sub uint32) (a, b, c, d uint32)
