//go:build !purego

package kernels

// tile6x64AVX512 is tileGeneric for the whole 6×64 tile in AVX-512F.
//
//go:noescape
func tile6x64AVX512(kc int, a *float32, lda int, b *float32, c *float32, ldc int, acc bool, pf *float32)

// tile6x16AVX2 is tileGeneric for 16 of the 64 columns in AVX2+FMA, with
// B rows ldb floats apart; every 4 steps it prefetches a cache line at pf
// (pfSpan(kc) floats in all) into L2.
//
//go:noescape
func tile6x16AVX2(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc bool, pf *float32)

// tileT6x64AVX512 is tileTGeneric in AVX-512F.
//
//go:noescape
func tileT6x64AVX512(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc bool)

func tileTAVX512(kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, acc bool) {
	checkTileT(kc, a, lda, b, ldb, c, ldc)
	tileT6x64AVX512(kc, unsafeData(a), lda, unsafeData(b), ldb, &c[0], ldc, acc)
}

// tileT6x16AVX2 is tileTGeneric for 16 of the 64 columns in AVX2+FMA.
//
//go:noescape
func tileT6x16AVX2(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc bool)

// tileTAVX2 is the transposed 6×64 tile as four 6×16 calls, each reading
// all of A's kc steps and its 16 columns of B.
func tileTAVX2(kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, acc bool) {
	checkTileT(kc, a, lda, b, ldb, c, ldc)
	for j := 0; j < nr; j += 16 {
		var bj *float32
		if kc > 0 {
			bj = &b[j]
		}
		tileT6x16AVX2(kc, unsafeData(a), lda, bj, ldb, &c[j], ldc, acc)
	}
}

// checkTileT panics unless the slices hold what a tileT call reads and
// writes.
func checkTileT(kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if kc > 0 && (len(a) < (kc-1)*lda+mr6 || len(b) < (kc-1)*ldb+nr) || len(c) < (mr6-1)*ldc+nr {
		panic("kernels: tileT: slice too short")
	}
}

// checkTile panics unless the slices hold what a tile call reads and writes.
func checkTile(kc int, a []float32, lda int, b, c []float32, ldc int) {
	if kc > 0 && len(a) < (mr6-1)*lda+kc || len(b) < kc*nr || len(c) < (mr6-1)*ldc+nr {
		panic("kernels: tile: slice too short")
	}
}

func tileAVX512(kc int, a []float32, lda int, b, c []float32, ldc int, acc bool, pf []float32) {
	checkTile(kc, a, lda, b, c, ldc)
	p := unsafeData(b) // prefetching what is read anyway costs nothing
	if n := pfSpan(kc); n > 0 && len(pf) >= n {
		p = &pf[0]
	}
	tile6x64AVX512(kc, unsafeData(a), lda, unsafeData(b), &c[0], ldc, acc, p)
}

// tile16AVX2 is tile16Generic in AVX2+FMA.
func tile16AVX2(kc int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
	checkTile(kc, a, lda, b, c, ldc)
	p := unsafeData(b)
	tile6x16AVX2(kc, unsafeData(a), lda, p, nr, &c[0], ldc, acc, p)
}

// tileAVX2 is the 6×64 tile as four 6×16 calls; the first prefetches pf,
// the rest B itself (what they read anyway).
func tileAVX2(kc int, a []float32, lda int, b, c []float32, ldc int, acc bool, pf []float32) {
	checkTile(kc, a, lda, b, c, ldc)
	p := unsafeData(b)
	if n := pfSpan(kc); n > 0 && len(pf) >= n {
		p = &pf[0]
	}
	for j := 0; j < nr; j += 16 {
		var bj *float32
		if kc > 0 {
			bj = &b[j]
		}
		tile6x16AVX2(kc, unsafeData(a), lda, bj, nr, &c[j], ldc, acc, p)
		p = bj
	}
}

// unsafeData is &s[0], or nil for an empty s (then kc is 0 and the
// assembly reads nothing).
func unsafeData(s []float32) *float32 {
	if len(s) == 0 {
		return nil
	}
	return &s[0]
}

// fmaProbeAVX512 runs n iterations of 24 independent FMAs on zmm
// registers, 768 flops each; BenchmarkFMAPeak uses it to measure the peak.
//
//go:noescape
func fmaProbeAVX512(n int)

// fmaProbeAVX2 is fmaProbeAVX512 on 12 ymm registers, 192 flops an
// iteration: the peak of the avx2 kernels.
//
//go:noescape
func fmaProbeAVX2(n int)
