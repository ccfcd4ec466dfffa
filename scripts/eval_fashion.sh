#!/bin/sh
# Score the demo model on the Fashion-MNIST test set (scripts/eval_fashion.py)
# with Debian's PyTorch and, given --vitctl, with vitctl; installs missing debs.
# Usage: scripts/eval_fashion.sh [--vitctl BIN [-m MODEL.gguf]] [--samples DIR]
set -eu
debs="python3-torch python3-numpy python3-pil dataset-fashion-mnist"
missing=""
for p in $debs; do
	dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing$missing" >&2
	sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get install -y --no-install-recommends $missing >&2
fi
exec /usr/bin/python3 "$(dirname "$0")/eval_fashion.py" "$@"
