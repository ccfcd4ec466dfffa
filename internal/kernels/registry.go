package kernels

// The amd64 assembly (*_amd64.s) is generated; TestGeneratedAssembly
// checks that it is up to date.
//go:generate go -C _asm run . -out ..

import (
	"fmt"
	"strings"
)

// impl is one implementation of the kernels: the micro-kernels and row
// operations of the precisions it has, and the register tile they share.
// The generic one is the specification; the others must agree with it
// within the derived error bounds.
type impl struct {
	name string
	ok   bool // this CPU and build run it
	// slow: it runs, but slower than an entry further down for the same
	// precisions, so auto takes that one.
	slow bool
	// mr×nr is the register tile of its GEMM micro-kernels: the drivers
	// cut the output into tiles of mr rows. nr is the packed panel width
	// for every implementation, so packed weights do not depend on the one
	// selected.
	mr, nr int
	fp32   *fp32Kernels // nil: none
	bf16   *bf16Kernels
	int8   *int8Kernels
}

// fp32Kernels are an implementation's fp32 GEMM micro-kernels and the row
// operations; every precision's GEMM epilogue, attention and LayerNorm
// run on the selected fp32 ones.
type fp32Kernels struct {
	// tile computes c = [c +] a·b for an mr×kc block of A (row stride lda)
	// and a packed kc×nr panel of B, into an mr×nr tile of c (row stride
	// ldc); pf (possibly nil) is memory later calls will read, to prefetch.
	tile func(kc int, a []float32, lda int, b []float32, c []float32, ldc int, acc bool, pf []float32)
	// tile16 is tile for the first 16 columns only, for panels with no
	// more valid columns than that; the rest of the tile of c is left as
	// it was.
	tile16 func(kc int, a []float32, lda int, b []float32, c []float32, ldc int, acc bool)
	// tileT computes an mr×nr tile c = [c +] aᵀ·b, a's kc steps lda
	// apart with the tile's rows side by side in each (tileTGeneric): the
	// weight gradient's product.
	tileT func(kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, acc bool)
	// packT says tileT runs best on packed operands (a: mr floats a step,
	// b: nr), which the weight gradient then copies a block at a time;
	// else it reads them in place.
	packT bool
	// epi writes dst[i·ldd+j] = act(src[i·lds+j] + bias[j]) + res[i·ldd+j]
	// for i < rows, j < cols, rounded to bf16 last when act has
	// actRoundBF16; nil bias and res are skipped, dst may alias res.
	epi func(dst []float32, ldd int, src []float32, lds int, bias, res []float32, rows, cols int, act Act)
	// sumRows is sumRowsGeneric (the column sums of a bias gradient).
	sumRows func(dst, src []float32, lds, rows, cols int)
	// expSum replaces x[j] by exp(scale·(x[j]−m)) and returns their sum.
	expSum func(x []float32, m, scale float32) float32
	// max returns the largest element of x (−Inf for empty x).
	max func(x []float32) float32
	// scale multiplies x by s.
	scale func(x []float32, s float32)
	// layerNorm is layerNormRow; layerNormStats is layerNormRowStats.
	layerNorm      func(dst, x, gamma, beta []float32, eps float32)
	layerNormStats func(dst, x, gamma, beta []float32, eps float32) (mean, rstd float32)
	// layerNorm2 is layerNorm on the two rows of n floats at 0 and ld of
	// dst and x, with its bits (nil: none; normRows then calls layerNorm
	// twice).
	layerNorm2 func(dst, x []float32, n, ld int, gamma, beta []float32, eps float32)
	// geluGrad is geluGradGeneric; e is scratch as long as pre, which
	// the assembly does not need.
	geluGrad func(dx, dy, pre, post, e []float32)
	// keys is keysGeneric: attention's packing of K (packK), for every
	// precision that packs it as fp32.
	keys func(dst, src []float32, ld, hd int)
}

// bf16Kernels are an implementation's bf16 GEMM micro-kernel and the
// packing of activations it reads; tileBF16Generic and packRowBF16 are
// their specification. Or, where round is set instead, the bf16 weights
// widened to fp32 and the activations rounded by round run on the
// implementation's fp32 tiles (linearViaFP32): the same exact products of
// bf16 values, summed in fp32 in the fp32 tile's order, for CPUs whose
// VDPBF16PS is slower than their FMA.
type bf16Kernels struct {
	// tile computes an mr×nr fp32 tile of c from kc2 groups of mr bf16
	// rows of A (row stride lda groups) and a packed bf16 panel of B,
	// continuing from c's values when acc is set.
	tile func(kc2 int, a []uint32, lda int, b []uint32, c []float32, ldc int, acc bool)
	pack func(dst []uint32, x []float32)
	// pairs and keys are pairRowsBF16 and keysBF16: bf16 attention's
	// packing of V and K.
	pairs pairsFunc
	keys  keysFunc
	// expPairs is expPairsGeneric: bf16 attention's E, rounded as it is
	// made.
	expPairs func(dst []uint32, x []float32, m, scale float32) float32
	// round is roundRowBF16; expRound is expSumRoundGeneric, whose sum has
	// the bits of its implementation's fp32 expSum, for m at least the
	// maximum of x (softmax's; AVX2's rounds only exponentials up to 1).
	round    func(dst, x []float32)
	expRound func(x []float32, m, scale float32) float32
	// amx, when set, is an AMX call (amxBF16Generic): products of at least
	// amxMinRows rows run on AMX tiles (amxGemm), fewer on tile.
	amx func(s amxShape, nblk, steps int, a []uint32, l amxA, b []uint32, c []float32, ldc int, acc bool)
}

// pairsFunc and keysFunc are pairRowsBF16's and keysBF16's signatures.
type (
	pairsFunc func(dst []uint32, ldd int, src []float32, lds, rows, n int)
	keysFunc  func(dst []uint32, src []float32, ld, hd int)
)

// int8Kernels are bf16Kernels for u8 activations and s8 weights into
// int32, and the conversion of an int32 tile to fp32; tileI8Generic,
// packRowI8 and dequantI8 are their specification.
type int8Kernels struct {
	tile    func(kc4 int, a []uint32, lda int, b []uint32, c []int32, ldc int, acc bool)
	pack    func(dst []uint32, x []float32) float32
	dequant func(dst []float32, src []int32, sa, sw []float32, off []int32)
	// amx is bf16Kernels.amx for int8 (amxI8Generic).
	amx func(s amxShape, nblk, steps int, a []uint32, l amxA, b []uint32, c []int32, ldc int, acc bool)
}

var generic = &impl{
	name: "generic", ok: true, mr: mr6, nr: nr,
	fp32: &fp32Kernels{
		tile: tileGeneric, tile16: tile16Generic, tileT: tileTGeneric, epi: epiGeneric, sumRows: sumRowsGeneric,
		expSum: expSumGeneric, max: maxGeneric, scale: scaleGeneric, layerNorm: layerNormRow, layerNormStats: layerNormRowStats, geluGrad: geluGradGeneric,
		keys: keysGeneric,
	},
	bf16: bf16ViaFP32,
	int8: &int8Kernels{tile: tileI8Generic, pack: packRowI8, dequant: dequantI8},
}

// bf16ViaFP32 runs bf16 weights on an implementation's fp32 tiles, the
// activations rounded in Go: the generic via-fp32 kernel set. generic runs
// it rather than the bf16 tiles in Go (tileBF16Generic and its kin, the
// specification the assembly is tested against): in Go the products of
// bf16 pairs took 1.6 times as long as those of fp32 (ViT-Ti/16, one
// thread: 1,032 against 640 ms).
var bf16ViaFP32 = &bf16Kernels{round: roundRowBF16, expRound: expSumRoundGeneric}

// registry is every implementation this build knows, best first: the one
// table of kernels. The assembly kernel sets are nil, and features false,
// where the build has no assembly (-tags purego, other architectures).
var registry = []*impl{
	{name: "amx", ok: features.amx, mr: mr6, nr: nr, bf16: bf16AMX, int8: int8AMX},
	{name: "avx512bf16", ok: features.avx512BF16, slow: features.slowBF16, mr: mr6, nr: nr, bf16: bf16AVX512},
	{name: "avx512vnni", ok: features.avx512VNNI, mr: mr6, nr: nr, int8: int8AVX512},
	{name: "avx512", ok: features.avx512, mr: mr6, nr: nr, fp32: fp32AVX512, bf16: bf16ViaAVX512, int8: int8AVX512BW},
	{name: "avx2", ok: features.avx2, mr: mr6, nr: nr, fp32: fp32AVX2, bf16: bf16ViaAVX2, int8: int8AVX2},
	generic,
}

// cpuFeatures is what the kernels need to know about the CPU and the OS,
// read once at start (cpu_amd64.go).
type cpuFeatures struct {
	avx2       bool // AVX2 and FMA
	avx512     bool // AVX-512F, DQ (VEXTRACTF32X8), BW (int8 on VPMADDWD), BMI2 (BZHI for tail masks), and avx2 for narrow panels
	avx512BF16 bool // AVX512_BF16 (VDPBF16PS)
	avx512VNNI bool // AVX512_VNNI (VPDPBUSD)
	// amx: AMX tiles with BF16 and INT8 (TDPBF16PS, TDPBUSD), the OS
	// saving the tile state and letting this process use it; the AMX
	// kernel sets pack activations with the AVX-512 code, so amx implies
	// avx512BF16 and avx512VNNI.
	amx bool
	// slowBF16: VDPBF16PS runs at about half the fp32 FMA rate in FLOPs
	// (Intel), against twice it on AMD's Zen 4 and 5 (CPU-NOTES).
	slowBF16 bool
}

// amx reports whether im runs precision p's products on AMX tiles.
func (im *impl) amx(p Precision) bool {
	switch p {
	case BF16:
		return im.bf16 != nil && im.bf16.amx != nil
	case INT8:
		return im.int8 != nil && im.int8.amx != nil
	}
	return false
}

// has reports whether im has kernels for precision p.
func (im *impl) has(p Precision) bool {
	switch p {
	case FP32:
		return im.fp32 != nil
	case BF16:
		return im.bf16 != nil
	case INT8:
		return im.int8 != nil
	}
	return false
}

// impls lists the implementations this CPU and build run for precision p,
// best first.
func impls(p Precision) []*impl {
	var l []*impl
	for _, im := range registry {
		if im.ok && im.has(p) {
			l = append(l, im)
		}
	}
	return l
}

// best is the implementation auto chooses for precision p: the first that
// runs and is not slow (generic runs them all).
func best(p Precision) *impl {
	for _, im := range impls(p) {
		if !im.slow {
			return im
		}
	}
	return generic // not reached: generic runs every precision and is not slow
}

// sel holds, per precision, the implementation in use.
var sel = [...]*impl{FP32: best(FP32), BF16: best(BF16), INT8: best(INT8)}

// cur is the fp32 implementation in use; its row operations and epilogue
// serve every precision.
func cur() *impl { return sel[FP32] }

// Select chooses the implementation: "auto" (the best this CPU runs for
// each precision) or the name of one in Known. A named one is used for
// every precision it has kernels for, the best for the others; "generic"
// makes every kernel pure Go. Select fails for a name the CPU or the build
// (-tags purego) cannot run, and is not safe to call while kernels are
// running.
func Select(name string) error {
	im, err := lookup(name)
	if err != nil {
		return err
	}
	for p := range sel {
		if im != nil && im.has(Precision(p)) {
			sel[p] = im
		} else {
			sel[p] = best(Precision(p))
		}
	}
	return nil
}

// Check reports the error Select(name) would return, selecting nothing.
func Check(name string) error {
	_, err := lookup(name)
	return err
}

// lookup finds the implementation named, nil for auto, or says why it
// cannot run.
func lookup(name string) (*impl, error) {
	if name == "auto" || name == "" {
		return nil, nil
	}
	for _, im := range registry {
		if im.name != name {
			continue
		}
		if !im.ok {
			return nil, fmt.Errorf("kernel %q cannot run on this CPU or build (available: %s)", name, Available())
		}
		return im, nil
	}
	return nil, fmt.Errorf("unknown kernel %q (want auto or one of %s)", name, strings.Join(Known(), ", "))
}

// Selected names the fp32 implementation in use.
func Selected() string { return cur().name }

// SelectedFor names the implementation Linear uses for weights in p, and
// for bf16 whether it runs them on its fp32 tiles ("avx512 via fp32").
func SelectedFor(p Precision) string { return sel[p].path(p) }

// path is im's name, with " via fp32" when it runs bf16 weights on its
// fp32 tiles.
func (im *impl) path(p Precision) string {
	if p == BF16 && im.bf16.viaFP32() {
		return im.name + " via fp32"
	}
	return im.name
}

// viaFP32 reports whether k runs on the fp32 tiles.
func (k *bf16Kernels) viaFP32() bool { return k != nil && k.round != nil }

// Known lists every implementation this build knows, runnable or not.
func Known() []string {
	names := make([]string, len(registry))
	for i, im := range registry {
		names[i] = im.name
	}
	return names
}

// Available lists the implementations this CPU and build run, best first.
func Available() string {
	var names []string
	for _, im := range registry {
		if im.ok {
			names = append(names, im.name)
		}
	}
	return strings.Join(names, ", ")
}
