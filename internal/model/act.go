package model

import (
	"fmt"

	"github.com/vitctl/vitctl/internal/kernels"
)

// ActivationOf maps a Hugging Face hidden_act name to a kernel activation.
func ActivationOf(name string) (kernels.Act, error) {
	switch name {
	case "gelu":
		return kernels.ActGELU, nil
	case "gelu_new", "gelu_pytorch_tanh", "gelu_fast":
		return kernels.ActGELUTanh, nil
	case "relu":
		return kernels.ActReLU, nil
	case "quick_gelu":
		return kernels.ActQuickGELU, nil
	}
	return 0, fmt.Errorf("config: hidden_act %q is not supported (want gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu or quick_gelu)", name)
}
