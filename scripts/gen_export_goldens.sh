#!/bin/sh
# Regenerates testdata/golden/export (see scripts/gen_export_goldens.py): builds
# vitctl, exports the built-in models to Hugging Face folders in a temporary
# folder, and runs the PyTorch reference on them.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/vitctl" ./cmd/vitctl
for m in fashion-vit vit-tiny-in1k; do
	"$tmp/vitctl" export "$m" --out "$tmp/$m" >/dev/null 2>&1
done
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
/usr/bin/python3 scripts/gen_export_goldens.py "$tmp"
