package kernels

import (
	"fmt"
	"os"
	"strings"
)

// impl is one implementation of the kernels' inner loops. The generic one
// is the specification; the others must agree with it within the derived
// error bounds.
type impl struct {
	name string
	// tile computes c = [c +] a·b for a 6×kc block of A (row stride lda) and
	// a packed kc×64 panel of B, into a 6×64 tile of c (row stride ldc); pf
	// (possibly nil) is memory later calls will read, to prefetch.
	tile func(kc int, a []float32, lda int, b []float32, c []float32, ldc int, acc bool, pf []float32)
	// tile16 is tile for the first 16 columns only, for panels with no
	// more valid columns than that; the rest of the tile of c is left as
	// it was.
	tile16 func(kc int, a []float32, lda int, b []float32, c []float32, ldc int, acc bool)
	// epi writes dst[i·ldd+j] = act(src[i·lds+j] + bias[j]) + res[i·ldd+j]
	// for i < rows, j < cols; nil bias and res are skipped, dst may alias
	// res.
	epi func(dst []float32, ldd int, src []float32, lds int, bias, res []float32, rows, cols int, act Act)
	// expSum replaces x[j] by exp(scale·(x[j]−m)) and returns their sum.
	expSum func(x []float32, m, scale float32) float32
	// max returns the largest element of x (−Inf for empty x).
	max func(x []float32) float32
	// scale multiplies x by s.
	scale func(x []float32, s float32)
	// layerNorm is layerNormRow.
	layerNorm func(dst, x, gamma, beta []float32, eps float32)
}

var generic = &impl{
	name:   "generic",
	tile:   tileGeneric,
	tile16: tile16Generic,
	epi:    epiGeneric,
	expSum: expSumGeneric,
	max:    maxGeneric,
	scale:  scaleGeneric,

	layerNorm: layerNormRow,
}

// impls lists the implementations this build and CPU can run, best first.
var impls = append(asmImpls(), generic)

// cur is the implementation in use.
var cur = generic

// Names of every implementation this build knows, runnable or not.
var known = []string{"generic", "avx2", "avx512"}

func init() {
	cur = impls[0]
	if name := os.Getenv("VITCTL_KERNEL"); name != "" {
		if err := Select(name); err != nil {
			envErr = fmt.Errorf("VITCTL_KERNEL: %w", err)
		}
	}
}

var envErr error

// EnvError reports a VITCTL_KERNEL value that could not be honoured at
// start (the best available implementation is used instead), for the CLI
// to print.
func EnvError() error { return envErr }

// Select chooses the implementation: "auto" (the best this CPU runs),
// "generic" (pure Go), "avx2" or "avx512". It fails if the CPU or the build
// (-tags purego) cannot run the one named. Select is not safe to call while
// kernels are running.
func Select(name string) error {
	if name == "auto" || name == "" {
		cur = impls[0]
		return nil
	}
	for _, im := range impls {
		if im.name == name {
			cur = im
			return nil
		}
	}
	for _, k := range known {
		if k == name {
			return fmt.Errorf("kernel %q cannot run on this CPU or build (available: %s)", name, Available())
		}
	}
	return fmt.Errorf("unknown kernel %q (want auto or one of %s)", name, strings.Join(known, ", "))
}

// Selected names the implementation in use.
func Selected() string { return cur.name }

// Available lists the implementations this CPU and build can run, best first.
func Available() string {
	names := make([]string, len(impls))
	for i, im := range impls {
		names[i] = im.name
	}
	return strings.Join(names, ", ")
}
