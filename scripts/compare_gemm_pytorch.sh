#!/bin/sh
# Compares vitctl's GEMM (internal/kernels BenchmarkLinear) with PyTorch's
# fp32 linear layer (Debian python3-torch, OpenBLAS) on ViT-B/16's shapes,
# and a ViT-B/16 forward pass at batch 1 (BenchmarkViTB16, ms per image),
# at the same thread counts. Each row alternates the two engines ROUNDS
# times and prints medians and their ratio (higher favours vitctl): on a
# shared 2-vCPU host only side-by-side ratios mean much.
#
#   scripts/compare_gemm_pytorch.sh [impl] [threads...]    e.g.  avx512 1 2
#
# Environment: ROUNDS (default 3); SHAPES, a subset of the GEMM rows (default
# all four: qkv_197x2304x768 proj_197x768x768 fc1_197x3072x768
# fc2_197x768x3072); VIT=0 skips the ViT-B/16 rows.
set -eu
cd "$(dirname "$0")/.."
impl=${1:-avx512}
[ $# -gt 0 ] && shift
threads=${*:-1 2}
rounds=${ROUNDS:-3}
py=/usr/bin/python3
"$py" -c 'import torch' 2>/dev/null || { echo "compare_gemm: needs Debian's python3-torch (apt-get install python3-torch)" >&2; exit 1; }
# OpenBLAS on this CPU: pick the AVX-512 kernels; let idle threads sleep so
# they do not steal the other engine's core between calls.
export OPENBLAS_CORETYPE=Cooperlake OMP_WAIT_POLICY=PASSIVE

bin=$(mktemp -d)/kernels.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" ./internal/kernels

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

printf '%-20s %7s %12s %12s %7s\n' shape threads vitctl_GF/s torch_GF/s ratio
for shape in ${SHAPES:-qkv_197x2304x768 proj_197x768x768 fc1_197x3072x768 fc2_197x768x3072}; do
	dims=${shape#*_}
	m=${dims%%x*}; rest=${dims#*x}; n=${rest%%x*}; k=${rest#*x}
	for t in $threads; do
		v="" p=""
		for _ in $(seq "$rounds"); do
			v="$v $("$bin" -test.run '^$' -test.bench "^BenchmarkLinear/shape=$shape/impl=$impl/threads=$t\$" -test.benchtime 40x |
				awk '/GFLOP\/s/ {for (i = 1; i < NF; i++) if ($(i+1) == "GFLOP/s") print $i}')"
			p="$p $(OMP_NUM_THREADS=$t "$py" scripts/compare_gemm_pytorch.py "$m" "$n" "$k" --threads "$t")"
		done
		vm=$(echo "$v" | tr ' ' '\n' | grep . | median)
		pm=$(echo "$p" | tr ' ' '\n' | grep . | median)
		printf '%-20s %7s %12s %12s %7.2f\n' "$shape" "$t" "$vm" "$pm" "$(echo "$vm $pm" | awk '{print $1 / $2}')"
	done
done

[ "${VIT:-1}" = 0 ] && exit 0
printf '%-20s %7s %12s %12s %7s\n' model threads vitctl_ms torch_ms ratio
for t in $threads; do
	v="" p=""
	for _ in $(seq "$rounds"); do
		v="$v $("$bin" -test.run '^$' -test.bench "^BenchmarkViTB16/shape=vit_b16_224/precision=fp32/impl=$impl/threads=$t\$" -test.benchtime 5x |
			awk '/ms\/img/ {for (i = 1; i < NF; i++) if ($(i+1) == "ms/img") print $i}')"
		p="$p $(OMP_NUM_THREADS=$t "$py" scripts/compare_gemm_pytorch.py --vit --threads "$t" --iters 3 --rounds 3)"
	done
	vm=$(echo "$v" | tr ' ' '\n' | grep . | median)
	pm=$(echo "$p" | tr ' ' '\n' | grep . | median)
	printf '%-20s %7s %12s %12s %7.2f\n' vit_b16_224 "$t" "$vm" "$pm" "$(echo "$vm $pm" | awk '{print $2 / $1}')"
done
