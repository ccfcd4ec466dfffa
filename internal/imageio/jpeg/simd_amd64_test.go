//go:build !purego

package jpeg

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestIDCT8AVX2MatchesGo runs the assemblies (8×8 and 4×4) and their Go twins on random
// blocks: typical coefficients, sparse ones, and the whole int16 × uint16
// range (where int32 arithmetic wraps), and requires equal bytes.
func TestIDCT8AVX2MatchesGo(t *testing.T) {
	if !cpu.X86.HasAVX2 {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const stride = 13
	for i := range 20000 {
		var in [64]int16
		var q [64]uint16
		for k := range 64 {
			switch i % 3 {
			case 0: // photo-like: falling magnitudes, 8-bit tables
				in[k] = int16(rng.IntN(2*(1024>>(k/8))+1) - 1024>>(k/8))
				q[k] = uint16(1 + rng.IntN(255))
			case 1: // sparse
				if rng.IntN(8) == 0 {
					in[k] = int16(rng.IntN(401) - 200)
				}
				q[k] = uint16(1 + rng.IntN(99))
			default: // anything
				in[k] = int16(rng.Uint32())
				q[k] = uint16(rng.Uint32())
			}
		}
		for _, size := range []int{8, 4} {
			want := make([]uint8, 8*stride)
			got := make([]uint8, 8*stride)
			for j := range got {
				want[j], got[j] = 0x5a, 0x5a // bytes between rows stay untouched
			}
			if size == 8 {
				idct8Go(&in, &q, want, stride)
				idct8AVX2(&in, &q, &got[0], stride)
			} else {
				idct4Go(&in, &q, want, stride)
				idct4AVX2(&in, &q, &got[0], stride)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("block %d, %d×%d: assembly\n%v\nGo\n%v", i, size, size, got, want)
			}
		}
	}
}

// TestRowKernelsAVX2MatchGo compares colsum, h2v2Row and yccToRGB with and
// without assembly on random rows of every length up to 100 (tails
// included), and checks nothing past the output is written.
func TestRowKernelsAVX2MatchGo(t *testing.T) {
	if !cpu.X86.HasAVX2 {
		t.Skip("no AVX2")
	}
	defer func() { useAVX2 = cpu.X86.HasAVX2 }()
	rng := rand.New(rand.NewPCG(3, 4))
	bytesOf := func(n int) []uint8 {
		b := make([]uint8, n)
		for i := range b {
			b[i] = uint8(rng.Uint32())
		}
		return b
	}
	for n := 1; n <= 100; n++ {
		a, b, c := bytesOf(n), bytesOf(n), bytesOf(n)
		var cs [2][]int16
		var up, rgb [2][]uint8
		for i, asm := range []bool{false, true} {
			useAVX2 = asm
			cs[i] = make([]int16, n+3)
			colsum(a, b, cs[i][1:n+1])
			cs[i][0], cs[i][n+1] = cs[i][1], cs[i][n]
			up[i] = make([]uint8, 2*n+1)
			h2v2Row(cs[i][:n+2], up[i][:2*n])
			rgb[i] = make([]uint8, 3*n+1)
			yccToRGB(rgb[i][:3*n], a, b, c)
		}
		if !slices.Equal(cs[0], cs[1]) || !bytes.Equal(up[0], up[1]) || !bytes.Equal(rgb[0], rgb[1]) {
			t.Fatalf("n=%d: assembly and Go differ:\ncolsum %v\n       %v\nh2v2 %v\n     %v\nycc %v\n    %v", n, cs[1], cs[0], up[1], up[0], rgb[1], rgb[0])
		}
	}
}

// TestPillowGoldensGo runs the goldens through the Go twins.
func TestPillowGoldensGo(t *testing.T) {
	useAVX2 = false
	defer func() { useAVX2 = cpu.X86.HasAVX2 }()
	TestPillowGoldens(t)
}
