package kernels

import "math"

// Scalar float32 versions of the vectorised functions: each is the loop
// body the assembly implements, instruction for instruction where the
// hardware allows (fma below is the fused multiply-add).

func fma(a, b, c float32) float32 { return float32(math.FMA(float64(a), float64(b), float64(c))) }

// exp32 is exp(x) to about 1 ulp: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 in
// two parts), a degree-7 Taylor polynomial for e^r, then p·2ⁿ
// (VSCALEFPS). Arguments are clamped to [-104, 88.8].
func exp32(x float32) float32 {
	x = max(min(x, expHi), expLo)
	n := float32(math.RoundToEven(float64(x * log2e)))
	r := fma(n, -ln2Hi, x)
	r = fma(n, -ln2Lo, r)
	p := float32(expC7)
	p = fma(p, r, expC6)
	p = fma(p, r, expC5)
	p = fma(p, r, expC4)
	p = fma(p, r, expC3)
	p = fma(p, r, 0.5)
	p = fma(p, r, 1)
	p = fma(p, r, 1)
	return float32(math.Ldexp(float64(p), int(n)))
}

const (
	expHi = 88.8
	expLo = -104
	log2e = 1.44269504
	ln2Hi = 0.693145752
	ln2Lo = 1.42860677e-06
	expC7 = 1.0 / 5040
	expC6 = 1.0 / 720
	expC5 = 1.0 / 120
	expC4 = 1.0 / 24
	expC3 = 1.0 / 6
)

// erfcxC are the coefficients of erfc(z)·exp(z²) ≈ t·Σ c_i tⁱ with
// t = 1/(1 + 0.4z), a weighted least-squares fit on z ∈ [0, 10] (max
// relative error 2.3e-8 in float64).
var erfcxC = [10]float32{0.225713205, 0.224824472, 0.216021466, 0.124343495, 0.288026841, -0.315010252, 0.585281077, -0.527871633, 0.210632251, -0.031960917}

// geluErf32 is x·Φ(x) = x·erfc(−x/√2)/2, computed as x·(1 − h) for x ≥ 0
// and x·h otherwise, h = erfc(|x|/√2)/2 = exp(−x²/2)·erfcx(|x|/√2)/2. The
// exponent x²/2 is split into its rounded value and the fma-exact rest, so
// the tail keeps its relative accuracy. Measured error ≤ 3.1·2⁻²⁴·|x|.
func geluErf32(x float32) float32 {
	z := min(abs32(x)*sqrt1_2, 10)
	t := 1 / fma(z, 0.4, 1)
	p := erfcxC[9]
	for i := 8; i >= 0; i-- {
		p = fma(p, t, erfcxC[i])
	}
	p *= t
	xx := x * x
	z2 := 0.5 * xx
	lo := 0.5 * fma(x, x, -xx)
	e := exp32(-z2)
	e = fma(-lo, e, e)
	h := 0.5 * e * p
	if x >= 0 {
		h = 1 - h
	}
	return x * h
}

const (
	sqrt1_2   = 0.707106781
	geluTanhC = -2 * 0.7978845608 // −2·√(2/π)
)

// geluTanh32 is x/2·(1 + tanh(u)) = x/(1 + exp(−2u)),
// u = √(2/π)·x·(1 + 0.044715·x²).
func geluTanh32(x float32) float32 {
	u := geluTanhC * x * fma(0.044715*x, x, 1)
	return x / (1 + exp32(u))
}

// quickGELU32 is x·sigmoid(1.702x) = x/(1 + exp(−1.702x)).
func quickGELU32(x float32) float32 { return x / (1 + exp32(-1.702*x)) }

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// act32 applies a to one value.
func act32(a Act, v float32) float32 {
	switch a {
	case ActGELU:
		return geluErf32(v)
	case ActGELUTanh:
		return geluTanh32(v)
	case ActReLU:
		return max(v, 0)
	case ActQuickGELU:
		return quickGELU32(v)
	}
	return v
}
