#!/bin/sh
# Regenerates testdata/relevance (see scripts/gen_relevance_goldens.py), installing
# Debian's PyTorch and NumPy first when missing.
set -eu
missing=""
for p in python3-torch python3-numpy; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "gen_grad_goldens: installing$missing" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -q
	# shellcheck disable=SC2086 # word splitting wanted: one package per word
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
fi
# One thread everywhere, so every run gives the same bytes.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
exec /usr/bin/python3 "$(dirname "$0")/gen_relevance_goldens.py" "$@"
