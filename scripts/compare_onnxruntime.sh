#!/bin/sh
# Side-by-side speed of vitctl, ONNX Runtime and PyTorch on one random-weight
# ViT (default ViT-B/16 at 224, batch 1). Every round runs, for each thread
# count, all engines one after the other, rotating which goes first, so they
# all see the same machine state:
#   vitctl       `vitctl benchmark` at --precision fp32, bf16 and int8
#   onnxruntime  scripts/ort_bench.js (npm onnxruntime-node, CPU execution
#                provider) on an ONNX export of the PyTorch model; session
#                options intraOpNumThreads N, interOpNumThreads 1,
#                graphOptimizationLevel "all", executionMode "sequential"
#   pytorch      scripts/compare_pytorch.py measure (Debian's python3-torch,
#                same environment as scripts/compare_pytorch.sh)
# Each run: untimed warm-up, then timed runs until --time is spent and at
# least --min-runs. The table shows, per engine × precision × threads, the
# median over rounds of each run's p50 and p90 ms per image, the range of
# the rounds' p50, the lowest CPU share seen (well under 90 %: the engine
# waited for a CPU, that row is not a fair one) and the ratio of its p50 to
# vitctl fp32's at the same thread count (> 1: vitctl fp32 faster).
#
# Usage: scripts/compare_onnxruntime.sh [options]
#   --arch NAME        default vit-b
#   --patch N          default 16
#   --image-size N     default 224
#   --batch N          default 1
#   --threads LIST     default 1,2
#   --rounds N         default 3
#   --time SECONDS     timed runs per engine and run, default 5
#   --min-runs N       default 20
#   --no-pytorch       leave PyTorch out
#   --max-load X       before starting, wait (up to --wait seconds) for the
#                      1-minute load average to drop below X, default 1
#   --wait SECONDS     default 300; the load is printed either way
#   --vitctl PATH      vitctl binary (default: built from this checkout)
#   --ort-dir DIR      where onnxruntime-node is (or gets) npm-installed,
#                      default /tmp/ort (never inside the repository)
#   --out DIR          keep the ONNX file, every run's CSV and the logs there
#
# Needs Node.js (20 here), npm, Go and /usr/bin/python3 with torch (Debian's
# python3-torch; torch.onnx.export needs no onnx package) and, for the
# PyTorch column, OpenBLAS (libopenblas0-pthread; on the reference BLAS the
# script stops: scripts/torch_blas.py).
set -eu

arch=vit-b patch=16 size=224 batch=1 threads=1,2 rounds=3 budget=5 minruns=20
pytorch=1 maxload=1 wait=300 vitctl="" ortdir=/tmp/ort out=""
while [ $# -gt 0 ]; do
	case "$1" in
	--no-pytorch) pytorch=0; shift; continue ;;
	-h | --help)
		sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	esac
	[ $# -ge 2 ] || { echo "compare_onnxruntime: $1 needs a value" >&2; exit 2; }
	case "$1" in
	--arch) arch=$2 ;;
	--patch) patch=$2 ;;
	--image-size) size=$2 ;;
	--batch) batch=$2 ;;
	--threads) threads=$2 ;;
	--rounds) rounds=$2 ;;
	--time) budget=$2 ;;
	--min-runs) minruns=$2 ;;
	--max-load) maxload=$2 ;;
	--wait) wait=$2 ;;
	--vitctl) vitctl=$2 ;;
	--ort-dir) ortdir=$2 ;;
	--out) out=$2 ;;
	*)
		echo "compare_onnxruntime: unknown option $1 (see --help)" >&2
		exit 2
		;;
	esac
	shift 2
done

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dir=${out:-$tmp}
mkdir -p "$dir"

if [ ! -d "$ortdir/node_modules/onnxruntime-node" ]; then
	echo "compare_onnxruntime: npm-installing onnxruntime-node into $ortdir" >&2
	mkdir -p "$ortdir"
	(cd "$ortdir" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund onnxruntime-node >&2)
fi
if [ "$pytorch" -eq 1 ]; then # PyTorch on the reference BLAS: stop (scripts/torch_blas.py)
	(cd "$here" && /usr/bin/python3 -c 'from torch_blas import require_fast_blas; require_fast_blas()')
fi
if [ -z "$vitctl" ]; then
	(cd "$here/.." && go build -o "$tmp/vitctl" ./cmd/vitctl)
	vitctl=$tmp/vitctl
fi
model=$dir/$arch-$patch-$size-b$batch.onnx
if [ ! -s "$model" ]; then
	/usr/bin/python3 "$here/compare_onnxruntime.py" export --arch "$arch" --patch "$patch" \
		--image-size "$size" --batch "$batch" --out "$model" 2>>"$dir/export.log"
fi

load1() { cut -d' ' -f1 /proc/loadavg; }
waited=0
while awk -v l="$(load1)" -v m="$maxload" 'BEGIN { exit !(l >= m) }' && [ "$waited" -lt "$wait" ]; do
	[ "$waited" -eq 0 ] && echo "compare_onnxruntime: load $(load1) >= $maxload, waiting up to ${wait}s" >&2
	sleep 10
	waited=$((waited + 10))
done
echo "start: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)" >"$dir/load.txt"

run_vitctl() { # round threads
	for prec in fp32 bf16 int8; do
		"$vitctl" benchmark --arch "$arch" --patch "$patch" --image-size "$size" --batch "$batch" \
			--threads "$2" --precision "$prec" --time "${budget}s" --min-runs "$minruns" -o csv \
			>"$dir/r$1-vitctl-$prec-t$2.csv" 2>>"$dir/vitctl.log"
	done
}
run_ort() {
	NODE_PATH=$ortdir/node_modules node "$here/ort_bench.js" --model "$model" --threads "$2" \
		--time "$budget" --min-runs "$minruns" --header >"$dir/r$1-onnxruntime-fp32-t$2.csv" 2>>"$dir/ort.log"
}
run_pytorch() {
	[ "$pytorch" -eq 1 ] || return 0
	OMP_NUM_THREADS=$2 OPENBLAS_NUM_THREADS=$2 OMP_WAIT_POLICY=PASSIVE OPENBLAS_CORETYPE=Cooperlake \
		/usr/bin/python3 "$here/compare_pytorch.py" measure --arch "$arch" --patch "$patch" --image-size "$size" \
		--batch "$batch" --threads "$2" --time "$budget" --min-runs "$minruns" --header \
		>"$dir/r$1-pytorch-fp32-t$2.csv" 2>>"$dir/pytorch.log"
}

i=0
r=1
while [ "$r" -le "$rounds" ]; do
	for t in $(echo "$threads" | tr , ' '); do
		case $((i % 3)) in
		0) order="vitctl ort pytorch" ;;
		1) order="pytorch vitctl ort" ;;
		*) order="ort pytorch vitctl" ;;
		esac
		echo "compare_onnxruntime: round $r threads $t: $order (load $(load1))" >&2
		for e in $order; do "run_$e" "$r" "$t"; done
		i=$((i + 1))
	done
	r=$((r + 1))
done
echo "end:   $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)" >>"$dir/load.txt"

cat "$dir/load.txt"
echo "$arch/$patch@$size batch $batch, $rounds rounds, --time $budget s, --min-runs $minruns"
/usr/bin/python3 "$here/compare_onnxruntime.py" report "$dir"
