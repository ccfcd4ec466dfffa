package model

import (
	"fmt"
	"math"
)

// CheckFinite returns an error when x holds NaN or Inf, counting them and
// naming the first: "holds 2 NaN or Inf values (first NaN at element 7)",
// "holds 1 NaN or Inf value (…)".
// One NaN weight turns every output into NaN, so loaders refuse it instead.
func CheckFinite(x []float32) error {
	for i, v := range x {
		// All exponent bits set: Inf or NaN. The scan runs at memory speed
		// (ViT-B's 86M weights in ~30 ms, 13 GB/s, BenchmarkCheckFinite),
		// a small part of loading them.
		if math.Float32bits(v)&0x7f800000 == 0x7f800000 {
			return nonFinite(x, i)
		}
	}
	return nil
}

// nonFinite counts the NaN and Inf values of x from first, the first one.
func nonFinite(x []float32, first int) error {
	bad := 0
	for _, v := range x[first:] {
		if math.Float32bits(v)&0x7f800000 == 0x7f800000 {
			bad++
		}
	}
	noun := "values"
	if bad == 1 {
		noun = "value"
	}
	return fmt.Errorf("holds %d NaN or Inf %s (first %v at element %d)", bad, noun, x[first], first)
}
