//go:build !purego

package kernels

// amxBF16Asm and amxI8Asm are amxBF16Generic and amxI8Generic in AMX
// (TDPBF16PS, TDPBUSD), with two the shape's rows1 > 0. Each call loads
// its tile configuration and releases the tiles before it returns: a
// goroutine may move to another thread between calls.
//
//go:noescape
func amxBF16Asm(cfg *amxConfig, nblk, steps int, a *uint32, lda, astep, ablk int, b *uint32, c *float32, ldc int, acc, two bool)

//go:noescape
func amxI8Asm(cfg *amxConfig, nblk, steps int, a *uint32, lda, astep, ablk int, b *uint32, c *int32, ldc int, acc, two bool)

// amxPeakAsm runs n steps of the bf16 call's four dot products on zeroed
// tiles, no loads (BenchmarkAMXPeak).
//
//go:noescape
func amxPeakAsm(cfg *amxConfig, n int)

func amxBF16(s amxShape, nblk, steps int, a []uint32, l amxA, b []uint32, c []float32, ldc int, acc bool) {
	amxCheck(s, nblk, steps, len(a), l, len(b), len(c), ldc)
	cfg := s.config()
	amxBF16Asm(&cfg, nblk, steps, &a[0], l.row, l.step, l.block, &b[0], &c[0], ldc, acc, s.rows1 > 0)
}

func amxI8(s amxShape, nblk, steps int, a []uint32, l amxA, b []uint32, c []int32, ldc int, acc bool) {
	amxCheck(s, nblk, steps, len(a), l, len(b), len(c), ldc)
	cfg := s.config()
	amxI8Asm(&cfg, nblk, steps, &a[0], l.row, l.step, l.block, &b[0], &c[0], ldc, acc, s.rows1 > 0)
}

// The AMX kernel sets of the registry: activations packed by the AVX-512
// code, products of fewer than amxMinRows rows on the AVX-512 tiles.
var (
	bf16AMX = &bf16Kernels{tile: tileBF16AVX512Go, pack: packRowBF16AVX512, pairs: pairRowsBF16AVX512, keys: keysBF16AVX512Go, expPairs: expPairs512, amx: amxBF16}
	int8AMX = &int8Kernels{tile: tileI8AVX512Go, pack: packRowI8AVX512, dequant: dequantI8AVX512Go, amx: amxI8}
)
