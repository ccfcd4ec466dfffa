#!/usr/bin/env bash
# Regenerates testdata/images (the derived odd-format files) and the Pillow
# pixel goldens under testdata/pixels. Installs Debian's Pillow, NumPy and
# scikit-image (for its public-domain photos) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
need=()
"$PY" -c 'import PIL' 2>/dev/null || need+=(python3-pil)
"$PY" -c 'import numpy' 2>/dev/null || need+=(python3-numpy)
[ -d /usr/lib/python3/dist-packages/skimage/data ] || need+=(python3-skimage)
if ((${#need[@]})); then
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
exec "$PY" scripts/gen_pixel_goldens.py "$@"
