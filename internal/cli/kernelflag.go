package cli

import (
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/vitctl/vitctl/internal/kernels"
)

// kernelEnv names the environment variable that chooses the kernels when
// no --kernel flag is given.
const kernelEnv = "VITCTL_KERNEL"

// kernelFlags is --kernel, the kernel implementation; empty takes
// $VITCTL_KERNEL, and neither the best this CPU runs for each precision.
type kernelFlags struct{ name string }

func (k *kernelFlags) register(f *pflag.FlagSet) {
	f.StringVar(&k.name, "kernel", "", "kernels: auto or one of "+strings.Join(kernels.Known(), ", ")+
		" (default: $"+kernelEnv+", else the best this CPU runs for each precision)")
}

// choice is the implementation asked for and where: the flag, else the
// environment.
func (k *kernelFlags) choice() (name, from string) {
	if k.name != "" {
		return strings.ToLower(k.name), "--kernel"
	}
	return strings.ToLower(os.Getenv(kernelEnv)), "$" + kernelEnv
}

// validate checks that this machine runs the kernel asked for, selecting
// nothing.
func (k *kernelFlags) validate() error {
	name, from := k.choice()
	if err := kernels.Check(name); err != nil {
		return usagef("%s: %v", from, err)
	}
	return nil
}

// apply selects the kernel for the run.
func (k *kernelFlags) apply() error {
	name, from := k.choice()
	if err := kernels.Select(name); err != nil {
		return usagef("%s: %v", from, err)
	}
	return nil
}
