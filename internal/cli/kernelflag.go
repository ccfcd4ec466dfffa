package cli

import "github.com/vitctl/vitctl/internal/kernels"

// kernelHelp is the help line of every --kernel flag.
const kernelHelp = "GEMM kernel: auto, generic, avx2 or avx512 (default: $VITCTL_KERNEL, else the best this CPU runs)"

// selectKernel applies a --kernel flag; empty keeps the choice made at
// start from VITCTL_KERNEL or the CPU's features.
func selectKernel(name string) error {
	if err := kernels.EnvError(); err != nil {
		return usageError{err}
	}
	if name == "" {
		return nil
	}
	if err := kernels.Select(name); err != nil {
		return usagef("--kernel: %v (this machine runs: %s)", err, kernels.Available())
	}
	return nil
}
