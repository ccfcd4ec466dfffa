package cli

import (
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/vitctl/vitctl/internal/kernels"
)

// kernelFlags is --kernel, the GEMM implementation; empty keeps the choice
// made at start from VITCTL_KERNEL or the CPU's features.
type kernelFlags struct{ name string }

func (k *kernelFlags) register(f *pflag.FlagSet) {
	f.StringVar(&k.name, "kernel", "", "GEMM kernel: auto, generic, avx2 or avx512 (default: $VITCTL_KERNEL, else the best this CPU runs)")
}

// validate checks that this machine runs the kernel named, selecting nothing.
func (k *kernelFlags) validate() error {
	if err := kernels.EnvError(); err != nil {
		return usageError{err}
	}
	if k.name == "" || k.name == "auto" || slices.Contains(strings.Split(kernels.Available(), ", "), k.name) {
		return nil
	}
	return usagef("--kernel %q: this machine runs %s (or auto)", k.name, kernels.Available())
}

// apply selects the kernel for the run.
func (k *kernelFlags) apply() error {
	if k.name == "" {
		return nil
	}
	if err := kernels.Select(k.name); err != nil {
		return usagef("--kernel: %v (this machine runs: %s)", err, kernels.Available())
	}
	return nil
}
