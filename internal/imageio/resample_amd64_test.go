//go:build !purego

package imageio

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"

	"github.com/vitctl/vitctl/internal/prep"
)

// TestResampleRowsAVX2 runs the row kernels and their Go twins on random
// rows with the taps of real resizes (shrinking and enlarging, every
// filter, windows moved back from the row's end) and requires equal bytes.
func TestResampleRowsAVX2(t *testing.T) {
	if !cpu.X86.HasAVX2 {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, f := range []prep.Resample{prep.Box, prep.Bilinear, prep.Hamming, prep.Bicubic, prep.Lanczos} {
		for _, sz := range [][2]int{{1024, 224}, {4000, 224}, {375, 224}, {97, 224}, {9, 31}, {224, 224 + 37}} {
			in, out := sz[0], sz[1]
			t.Run(fmt.Sprintf("%v/%d_to_%d", f, in, out), func(t *testing.T) {
				bounds, kk, ksize := coeffs(in, out, 0, out, filters[f])
				src := make([]uint8, 3*in)
				for i := range src {
					src[i] = uint8(rng.IntN(256))
				}
				if rng.IntN(2) == 0 { // extremes, where negative lobes clip
					for i := range src {
						src[i] = 255 * uint8(rng.IntN(2))
					}
				}
				if win, ok := newWindows(in, out, bounds, kk, ksize); ok {
					want, got := make([]uint8, 3*out), make([]uint8, 3*out)
					hrowGo(want, src, win)
					hrow(got, src, win)
					if !bytes.Equal(got, want) {
						t.Errorf("hrow differs from hrowGo")
					}
				}
				// vrow: columns of a (in, 3*out+5) image, one row per tap set.
				cols := 3*out + 5
				img := make([]uint8, in*cols)
				for i := range img {
					img[i] = uint8(rng.IntN(256))
				}
				want, got := make([]uint8, cols), make([]uint8, cols)
				for yy := range out {
					ymin, n := bounds[2*yy], bounds[2*yy+1]
					k := kk[yy*ksize:][:n]
					vrowGo(want, img[ymin*cols:], cols, k)
					vrow(got, img[ymin*cols:], cols, k)
					if !bytes.Equal(got, want) {
						t.Fatalf("vrow differs from vrowGo at output row %d", yy)
					}
				}
			})
		}
	}
}

// TestPixelParityGo runs the Pillow goldens on the Go twins.
func TestPixelParityGo(t *testing.T) {
	defer func(u bool) { useAVX2 = u }(useAVX2)
	useAVX2 = false
	TestPixelParity(t)
}
