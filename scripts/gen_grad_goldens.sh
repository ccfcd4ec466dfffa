#!/bin/sh
# Regenerates testdata/grad (see scripts/gen_grad_goldens.py) with Debian's
# PyTorch and NumPy (scripts/gen_goldens.sh installs them when missing).
set -eu
# One thread everywhere, so every run gives the same bytes.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
exec /usr/bin/python3 "$(dirname "$0")/gen_grad_goldens.py" "$@"
