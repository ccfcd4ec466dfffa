package kernels

// Attention's products in bf16 on bf16 tiles (attJob's attBF16 mode): the
// operands packed as bf16 pairs, as a bf16 Linear packs its activations
// and weights, and the products on the same tiles: the 6×64 register tile,
// or AMX calls for T ≥ amxMinRows.

// growA sizes s.att.a for n rows, padded to whole row tiles, of Q's or E's
// pairs, whichever row is longer.
func (j *attJob) growA(a *attScratch, n int) {
	a.a = grow(a.a, ceilDiv(n, j.bf.mr)*j.bf.mr*max(ceilDiv(j.hd, 2), ceilDiv(j.T, 2)))
}

// productBF16 computes c = A·B, (n, N) with row stride ldc, for A the n
// rows of kg bf16 pairs in a (row stride kg, zero rows up to a whole row
// tile) and B packed panels of kg pair rows (the layout of packBF16), on
// j.bf's AMX calls (j.amx) or its bf16 tile. Each row of c is summed the
// same way whatever n and the row's place among the n, so the bits do not
// depend on how the queries are split into blocks: the AMX calls' order
// (amxBF16Generic) is the same for every row of a block and its tail.
func (j *attJob) productBF16(s *attScratch, n, N, kg int, a, b []uint32, c []float32, ldc int) {
	im := j.bf
	if j.amx {
		s.c = grow(s.c, n*nr)
		for q := 0; q*nr < N; q++ {
			cols := min(nr, N-q*nr)
			amxProduct(im.bf16.amx, n, kg, a, amxRowsA(kg), 0, b[q*kg*nr:(q+1)*kg*nr], s.c, cols)
			copyBlock(c[q*nr:], ldc, s.c, nr, n, cols)
		}
		return
	}
	mr := im.mr
	s.c = grow(s.c, mr*nr)
	for q := 0; q*nr < N; q++ {
		bp, cols := b[q*kg*nr:(q+1)*kg*nr], min(nr, N-q*nr)
		for r := 0; r < n; r += mr {
			if r+mr <= n && cols == nr { // a whole tile: straight to c
				im.bf16.tile(kg, a[r*kg:], kg, bp, c[r*ldc+q*nr:], ldc, false)
				continue
			}
			im.bf16.tile(kg, a[r*kg:], kg, bp, s.c, nr, false)
			copyBlock(c[r*ldc+q*nr:], ldc, s.c, nr, min(mr, n-r), cols)
		}
	}
}

// copyBlock copies rows × cols of src (row stride lds) to dst (row stride ldd).
func copyBlock(dst []float32, ldd int, src []float32, lds, rows, cols int) {
	for i := range rows {
		copy(dst[i*ldd:i*ldd+cols], src[i*lds:i*lds+cols])
	}
}

// packKBF16 packs K, T rows of hd values with row stride ld, as bf16
// panels of nr keys for Q·Kᵀ, packBF16's layout of W = K: pair row g of
// panel q holds at dst[(q·kg+g)·nr+j] values 2g (low half) and 2g+1 (high
// half, zero past hd) of key q·nr+j, keys past T zero, kg = ⌈hd/2⌉
// (packKeys, keys packing 16 keys at a time).
func packKBF16(dst []uint32, k []float32, ld, T, hd int, keys keysFunc, tail []float32) {
	packKeys(dst, k, ld, T, hd, ceilDiv(hd, 2), keys, tail)
}

// packVBF16 packs V, T rows of hd values with row stride ld, as bf16
// panels of nr columns for E·V: pair row g of panel q holds at
// dst[(q·kg+g)·nr+j] column q·nr+j of rows 2g (low half) and 2g+1 (high
// half, zero past T), columns past hd zero, kg = ⌈T/2⌉; two is scratch
// of 2·nr floats.
func packVBF16(dst []uint32, v []float32, ld, T, hd int, pairs pairsFunc, two []float32) {
	kg := ceilDiv(T, 2)
	for q := 0; q*nr < hd; q++ {
		d, cols := dst[q*kg*nr:(q+1)*kg*nr], min(nr, hd-q*nr)
		pairs(d, nr, v[q*nr:], ld, T/2, cols)
		if T%2 == 1 {
			pairLast(d[T/2*nr:], v[(T-1)*ld+q*nr:], cols, pairs, two)
		}
		if cols < nr {
			for g := range kg {
				clear(d[g*nr+cols : (g+1)*nr])
			}
		}
	}
}

// pairLast writes the pairs of the n values of lo and zeros to dst,
// through pairs, as every other pair row is written.
func pairLast(dst []uint32, lo []float32, n int, pairs pairsFunc, two []float32) {
	copy(two, lo[:n])
	clear(two[nr:])
	pairs(dst, nr, two, nr, 1, n)
}

// widenBF16 writes the bf16 values of the pairs src, low half first, to
// dst, exactly; len(dst) values.
func widenBF16(dst []float32, src []uint32) {
	for i := range dst {
		dst[i] = fromBF16(uint16(src[i/2] >> (16 * (i % 2))))
	}
}
