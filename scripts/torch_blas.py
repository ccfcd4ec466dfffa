"""Which BLAS Debian's PyTorch runs its matrix products on, for the timing scripts.

Debian's python3-torch calls the system's libblas.so.3, which is whatever
update-alternatives points it at: OpenBLAS when libopenblas0-pthread (or
another OpenBLAS package) is installed, else the reference BLAS of libblas3,
which runs a ViT-Ti/16 forward pass 15x slower (590 ms instead of 38 ms on
one AMD EPYC core, 2026-12-07). A timing against that would say nothing
about PyTorch, so the timing scripts stop instead.
"""

import sys


def blas_library():
    """The path of the BLAS library this process has loaded, or "" if none."""
    import torch

    torch.ones(8, 8) @ torch.ones(8, 8)  # loads the BLAS if nothing has yet
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "blas" in line.split()[-1]}
    for p in sorted(paths):
        if "libblas" in p or "openblas" in p or "blis" in p or "mkl" in p:
            return p
    return ""


def require_fast_blas():
    """Exit with a message when PyTorch would run on the reference BLAS."""
    lib = blas_library()
    if "/blas/libblas.so" in lib:  # Debian's libblas3: the reference BLAS
        sys.exit(
            f"PyTorch's BLAS is the reference implementation ({lib}): its matrix "
            "products would run about 15x slower than with OpenBLAS, and the timing "
            "would not be PyTorch's. Install OpenBLAS (apt-get install "
            "libopenblas0-pthread) and run again."
        )
    return lib
