//go:build purego

package cli

// genericKernels says the tests run on the generic Go kernels (-tags
// purego), several times slower than the assembly ones.
const genericKernels = true
