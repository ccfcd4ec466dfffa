package jpeg

import (
	"math/rand/v2"
	"testing"
)

// TestIDCT2Low checks idct2Low against idct2 on blocks whose coefficients
// after zigzag index idct2LowLast are zero, with the extreme values a
// baseline block can hold and random ones.
func TestIDCT2Low(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var q [64]uint16
	for i := range q {
		q[i] = uint16(1 + rng.IntN(255))
	}
	for n := range 20000 {
		var blk [64]int16
		for _, z := range zigzag[:idct2LowLast+1] {
			switch {
			case n < 64:
				blk[z] = int16([]int{0, 1, -1, 2047, -2048, 32767, -32768, 5}[(n>>uint(z&3))&7])
			case rng.IntN(3) > 0:
				blk[z] = int16(rng.IntN(4096) - 2048)
			}
		}
		var want, got [2 * 3]uint8
		idct2(&blk, &q, want[:], 3)
		idct2Low(&blk, &q, got[:], 3)
		if got != want {
			t.Fatalf("block %v: idct2Low %v, idct2 %v", blk[:17], got, want)
		}
	}
}

// TestClearCoefficients checks that a block cleared up to its last coded
// coefficient has no AC coefficient left (its DC term is written by every
// block).
func TestClearCoefficients(t *testing.T) {
	for _, last := range []int{0, 1, 5, 16, 17, 63} {
		var blk [64]int16
		for _, z := range zigzag[:last+1] {
			blk[z] = 7
		}
		clearCoefficients(&blk, last)
		blk[0] = 0
		if blk != ([64]int16{}) {
			t.Errorf("last %d: %v left", last, blk)
		}
	}
}
