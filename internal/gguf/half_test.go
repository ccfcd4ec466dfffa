package gguf

import (
	"math"
	"math/rand/v2"
	"testing"
)

// finite returns the non-negative finite values of a 16-bit format in
// increasing pattern order.
func finite(dec func(uint16) float32, expMask uint16) ([]float64, []uint16) {
	var tab []float64
	var pats []uint16
	for p := uint16(0); p < 0x8000; p++ {
		if p&expMask == expMask {
			continue
		}
		tab = append(tab, float64(dec(p)))
		pats = append(pats, p)
	}
	return tab, pats
}

// search finds the nearest pattern by bisection over the sorted table, so
// the reference stays cheap; ties break to the even pattern.
func search(x float32, tab []float64, pats []uint16, inf uint16, halfUlpMax float64) uint16 {
	v := math.Abs(float64(x))
	sign := uint16(0)
	if math.Signbit(float64(x)) {
		sign = 0x8000
	}
	if v >= tab[len(tab)-1]+halfUlpMax {
		return sign | inf
	}
	i := 0
	for lo, hi := 0, len(tab)-1; lo <= hi; {
		m := (lo + hi) / 2
		if tab[m] <= v {
			i, lo = m, m+1
		} else {
			hi = m - 1
		}
	}
	if i+1 < len(tab) {
		dl, dh := v-tab[i], tab[i+1]-v
		if dh < dl || dh == dl && pats[i]&1 == 1 {
			i++
		}
	}
	return sign | pats[i]
}

func TestF16RoundTrip(t *testing.T) {
	for p := 0; p < 1<<16; p++ {
		h := uint16(p)
		f := F16ToF32(h)
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 {
			if f == f {
				t.Fatalf("F16ToF32(%#04x) = %v, want NaN", h, f)
			}
			continue
		}
		if got := F32ToF16(f); got != h {
			t.Fatalf("F32ToF16(F16ToF32(%#04x)=%v) = %#04x", h, f, got)
		}
	}
}

func TestBF16RoundTrip(t *testing.T) {
	for p := 0; p < 1<<16; p++ {
		h := uint16(p)
		f := BF16ToF32(h)
		if f != f {
			continue
		}
		if got := F32ToBF16(f); got != h {
			t.Fatalf("F32ToBF16(BF16ToF32(%#04x)=%v) = %#04x", h, f, got)
		}
	}
}

func TestRoundNearestEven(t *testing.T) {
	f16tab, f16pats := finite(F16ToF32, 0x7c00)
	bftab, bfpats := finite(BF16ToF32, 0x7f80)
	cases := []float32{0, 1, 65504, 65519.99, 65520, 1e-8, 2.98e-8, 2.9802322e-08, 5.96e-8, 6.1e-5, 1.00048828125, 1.000732421875}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		cases = append(cases, math.Float32frombits(r.Uint32()))
	}
	// Exact midpoints between neighbours, where ties-to-even decides.
	for i := 0; i+1 < len(f16tab); i += 97 {
		cases = append(cases, float32((f16tab[i]+f16tab[i+1])/2))
	}
	for i := 0; i+1 < len(bftab); i += 89 {
		cases = append(cases, float32((bftab[i]+bftab[i+1])/2))
	}
	for _, x := range cases {
		if x != x {
			continue
		}
		for _, neg := range []bool{false, true} {
			if neg {
				x = -x
			}
			if got, want := F32ToF16(x), search(x, f16tab, f16pats, 0x7c00, 16); got != want {
				t.Fatalf("F32ToF16(%g) = %#04x, want %#04x", x, got, want)
			}
			// bf16's largest finite is 0x7f7f; half an ulp there is 2^119.
			if got, want := F32ToBF16(x), search(x, bftab, bfpats, 0x7f80, 0x1p119); got != want {
				t.Fatalf("F32ToBF16(%g) = %#04x, want %#04x", x, got, want)
			}
		}
	}
}

func TestNaN(t *testing.T) {
	nan := float32(math.NaN())
	if F32ToF16(nan)&0x7fff != 0x7e00 || F32ToBF16(nan) != 0x7fc0 {
		t.Fatalf("NaN: f16 %#04x bf16 %#04x", F32ToF16(nan), F32ToBF16(nan))
	}
	if F32ToF16(float32(math.Inf(-1))) != 0xfc00 || F32ToBF16(float32(math.Inf(1))) != 0x7f80 {
		t.Fatal("Inf not kept")
	}
}
