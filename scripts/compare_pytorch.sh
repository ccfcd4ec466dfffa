#!/bin/sh
# Side-by-side speed of vitctl and PyTorch on random-weight ViTs: for every
# row (shape × batch × threads) it runs `vitctl benchmark` and the same model
# in PyTorch (scripts/compare_pytorch.py) with the same thread count, one
# after the other, alternating which goes first, and prints the ratio per
# row. Interleaving row by row means both engines see the same machine
# state; on a shared machine that matters more than anything else.
#
# Usage: scripts/compare_pytorch.sh [options]
#   --shapes LIST      arch/patch@size items, e.g. vit-ti/8@224,vit-b/16@384
#                      (default: every --arch × --patch × --image-size)
#   --arch LIST        default vit-ti,vit-s,vit-b
#   --patch LIST       default 8,16,32
#   --image-size LIST  default 224
#   --batch LIST       default 1,8
#   --threads LIST     default 1,2
#   --time SECONDS     timed runs per row and engine, default 3
#   --min-runs N       timed runs per row and engine even past --time, default 3
#   --vitctl PATH      vitctl binary (default: built from this checkout)
#   --out DIR          keep both engines' CSV files and logs there
#
# Debian's python3-torch and OpenBLAS (libopenblas0-pthread) are installed
# when missing (apt-get, with sudo when not root): without OpenBLAS, torch
# runs on the reference BLAS, and the script stops. PyTorch runs with torch.set_num_threads(N) and OMP_NUM_THREADS
# and OPENBLAS_NUM_THREADS set to N (Debian's torch calls the system
# OpenBLAS, which otherwise starts a thread per core), OMP_WAIT_POLICY=PASSIVE
# so its idle threads do not spin, and OPENBLAS_CORETYPE=Cooperlake so
# OpenBLAS picks its AVX-512 kernels inside a VM that hides the CPU model.
# The CPU columns show the share of its threads' CPU time each engine got:
# well under 90 % means the machine was busy and that row is not a fair one.
set -eu

shapes="" archs="vit-ti,vit-s,vit-b" patches="8,16,32" sizes="224"
batches="1,8" threads="1,2" budget=3 minruns=3 vitctl="" out=""
while [ $# -gt 0 ]; do
	case "$1" in
	--shapes) shapes=$2 ;;
	--arch) archs=$2 ;;
	--patch) patches=$2 ;;
	--image-size) sizes=$2 ;;
	--batch) batches=$2 ;;
	--threads) threads=$2 ;;
	--time) budget=$2 ;;
	--min-runs) minruns=$2 ;;
	--vitctl) vitctl=$2 ;;
	--out) out=$2 ;;
	-h | --help)
		sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "compare_pytorch: unknown option $1 (see --help)" >&2
		exit 2
		;;
	esac
	[ $# -ge 2 ] || { echo "compare_pytorch: $1 needs a value" >&2; exit 2; }
	shift 2
done

here=$(cd "$(dirname "$0")" && pwd)
# python3-torch only needs a libblas.so.3, which without OpenBLAS is libblas3's
# reference BLAS (15x slower; scripts/torch_blas.py refuses to time it).
missing=""
for pkg in python3-torch libopenblas0-pthread; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
	echo "compare_pytorch: installing$missing" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -q
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
fi
(cd "$here" && /usr/bin/python3 -c 'from torch_blas import require_fast_blas; require_fast_blas()')

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$vitctl" ]; then
	(cd "$here/.." && go build -o "$tmp/vitctl" ./cmd/vitctl)
	vitctl=$tmp/vitctl
fi
dir=${out:-$tmp}
mkdir -p "$dir"
: >"$dir/vitctl.csv"
: >"$dir/pytorch.csv"

if [ -z "$shapes" ]; then
	for a in $(echo "$archs" | tr , ' '); do
		for p in $(echo "$patches" | tr , ' '); do
			for s in $(echo "$sizes" | tr , ' '); do
				shapes="$shapes $a/$p@$s"
			done
		done
	done
fi

run_vitctl() { # arch patch size batch threads
	"$vitctl" benchmark --arch "$1" --patch "$2" --image-size "$3" --batch "$4" --threads "$5" \
		--time "${budget}s" --min-runs "$minruns" -o csv 2>>"$dir/vitctl.log" | sed 1d >>"$dir/vitctl.csv"
}
run_torch() { # arch patch size batch threads
	OMP_NUM_THREADS=$5 OPENBLAS_NUM_THREADS=$5 OMP_WAIT_POLICY=PASSIVE OPENBLAS_CORETYPE=Cooperlake \
		/usr/bin/python3 "$here/compare_pytorch.py" measure --arch "$1" --patch "$2" --image-size "$3" \
		--batch "$4" --threads "$5" --time "$budget" --min-runs "$minruns" --header 2>>"$dir/pytorch.log" | sed 1d >>"$dir/pytorch.csv"
}

# Headers first, from one tiny run of each, so the files are plain CSV.
"$vitctl" benchmark --arch vit-ti --patch 32 --image-size 32 --batch 1 --threads 1 --time 1ms --warmup 0 --min-runs 1 \
	-o csv 2>/dev/null | head -1 >"$dir/vitctl.csv"
/usr/bin/python3 "$here/compare_pytorch.py" measure --arch vit-ti --patch 32 --image-size 32 --batch 1 --threads 1 \
	--time 0 --warmup 0 --min-runs 1 --header | head -1 >"$dir/pytorch.csv"

i=0
for shape in $(echo "$shapes" | tr , ' '); do
	a=${shape%%/*} rest=${shape#*/}
	p=${rest%@*} s=${rest#*@}
	for b in $(echo "$batches" | tr , ' '); do
		for t in $(echo "$threads" | tr , ' '); do
			echo "compare_pytorch: $a/$p@$s batch $b threads $t" >&2
			if [ $((i % 2)) -eq 0 ]; then
				run_vitctl "$a" "$p" "$s" "$b" "$t"
				run_torch "$a" "$p" "$s" "$b" "$t"
			else
				run_torch "$a" "$p" "$s" "$b" "$t"
				run_vitctl "$a" "$p" "$s" "$b" "$t"
			fi
			i=$((i + 1))
		done
	done
done
/usr/bin/python3 "$here/compare_pytorch.py" report "$dir/vitctl.csv" "$dir/pytorch.csv"
