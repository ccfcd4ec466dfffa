#!/bin/sh
# Train the embedded demo model (scripts/train_fashion.py) with Debian's
# PyTorch, installing the Debian packages it needs when they are missing.
# Usage: scripts/train_fashion.sh [--epochs N] [--out DIR] ...
set -eu
debs="python3-torch python3-numpy dataset-fashion-mnist"
missing=""
for p in $debs; do
	dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing$missing" >&2
	sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get install -y --no-install-recommends $missing >&2
fi
exec /usr/bin/python3 "$(dirname "$0")/train_fashion.py" "$@"
