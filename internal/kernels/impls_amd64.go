//go:build !purego

package kernels

// The assembly kernel sets of the registry.
var (
	fp32AVX512 = &fp32Kernels{
		tile: tileAVX512, tile16: tile16AVX2, tileT: tileTAVX512, epi: epi512, sumRows: sumRows512,
		expSum: expSum512, max: max512, scale: scale512, layerNorm: layerNorm512, layerNormStats: layerNormStats512, layerNorm2: layerNormTwo512, geluGrad: geluGrad512,
		keys: keys512,
	}
	fp32AVX2 = &fp32Kernels{
		tile: tileAVX2, tile16: tile16AVX2, tileT: tileTAVX2, packT: true, epi: epi2, sumRows: sumRows2,
		expSum: expSum2, max: max2, scale: scale2, layerNorm: layerNorm2x, layerNormStats: layerNormStats2x, layerNorm2: layerNormTwo2, geluGrad: geluGrad2,
		keys: keys2,
	}
	bf16AVX512    = &bf16Kernels{tile: tileBF16AVX512Go, pack: packRowBF16AVX512, pairs: pairRowsBF16AVX512, keys: keysBF16AVX512Go, expPairs: expPairs512}
	bf16ViaAVX512 = &bf16Kernels{round: roundRowBF16AVX512, expRound: expSumRound512}
	bf16ViaAVX2   = &bf16Kernels{round: roundRowBF16AVX2, expRound: expSumRound2}
	int8AVX512    = &int8Kernels{tile: tileI8AVX512Go, pack: packRowI8AVX512, dequant: dequantI8AVX512Go}
)
