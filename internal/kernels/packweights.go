package kernels

// PackBPrecision is PackB for weights stored in precision p: the bits of
// PackB(w, n, k).To(p), made one 64-column panel at a time, so a bf16 or
// int8 matrix never has a whole fp32 packed copy (ViT-B/16's would be
// 340 MB of memory touched once and thrown away).
func PackBPrecision(w []float32, n, k int, p Precision) *PackedB {
	if len(w) < n*k {
		panic("kernels: PackBPrecision: weight shorter than n*k")
	}
	return packStack([][]float32{w[:n*k]}, n, k, p)
}

// PackBStack packs the matrices of parts, each (nᵢ, k) row-major with
// len(parts[i]) a multiple of k, stacked along N (a query, key and value
// projection as one product), in precision p: the bits of
// PackBPrecision on their concatenation, without making it.
func PackBStack(parts [][]float32, k int, p Precision) *PackedB {
	if k <= 0 {
		panic("kernels: PackBStack: k must be positive")
	}
	n := 0
	for _, q := range parts {
		if len(q)%k != 0 {
			panic("kernels: PackBStack: a part's length is not a multiple of k")
		}
		n += len(q) / k
	}
	return packStack(parts, n, k, p)
}

// packStack packs the n rows of k values of parts (k = 0: no values) in
// precision p, one panel at a time.
func packStack(parts [][]float32, n, k int, p Precision) *PackedB {
	rs := stackRows{parts: parts, k: k}
	w := &PackedB{N: n, K: k}
	np := ceilDiv(n, nr)
	var panel []float32 // the fp32 panel a low precision is made from
	switch p {
	case FP32:
		w.w = make([]float32, np*nr*k)
		prefault(w.w)
	case BF16, INT8:
		w.lp = &lowPrec{p: p}
		switch {
		case p == BF16 && bf16OnFP32():
			w.lp.wide = make([]float32, np*nr*k)
			prefault(w.lp.wide)
		default:
			w.lp.b = make([]uint32, np*nr*ceilDiv(k, p.group()))
			prefault(w.lp.b)
		}
		if p == INT8 {
			w.lp.scale, w.lp.off = make([]float32, np*nr), make([]int32, np*nr)
		}
		panel = make([]float32, nr*k)
	default:
		panic("kernels: PackBStack: unknown precision " + p.String())
	}
	for q := range np {
		rows := min(nr, n-q*nr)
		src := rs.block(q*nr, rows)
		if p == FP32 {
			packB(w.w[q*nr*k:(q+1)*nr*k], src, k, rows, k)
			continue
		}
		packB(panel, src, k, rows, k)
		w.lp.setPanel(q, panel, k)
	}
	return w
}

// setPanel stores panel q of lp from its fp32 panel of packB (k rows of nr).
func (lp *lowPrec) setPanel(q int, panel []float32, k int) {
	if lp.wide != nil {
		roundRowBF16(lp.wide[q*nr*k:(q+1)*nr*k], panel)
		return
	}
	kg := ceilDiv(k, lp.p.group())
	b := lp.b[q*kg*nr : (q+1)*kg*nr]
	if lp.p == BF16 {
		packBF16(b, panel, nr, k)
		return
	}
	one := &lowPrec{p: INT8, b: b, scale: lp.scale[q*nr : (q+1)*nr], off: lp.off[q*nr : (q+1)*nr]}
	packI8(one, panel, nr, k)
}

// stackRows are the rows of matrices stacked along N, k values each.
type stackRows struct {
	parts  [][]float32
	k      int
	gather []float32 // a block that spans parts, copied together
}

// block returns rows j0… (n of them) contiguous: in place when one part
// holds them all, else copied into gather.
func (s *stackRows) block(j0, n int) []float32 {
	k := s.k
	if k == 0 {
		return nil
	}
	for i, p := range s.parts {
		if rows := len(p) / k; j0 >= rows {
			j0 -= rows
			continue
		} else if j0+n <= rows {
			return p[j0*k : (j0+n)*k]
		}
		s.gather = grow(s.gather, n*k)
		g := s.gather[:0]
		for _, p := range s.parts[i:] {
			take := min(len(p)/k-j0, n-len(g)/k)
			g = append(g, p[j0*k:(j0+take)*k]...)
			j0 = 0
			if len(g) == n*k {
				break
			}
		}
		return g
	}
	panic("kernels: PackBStack: rows out of range")
}
