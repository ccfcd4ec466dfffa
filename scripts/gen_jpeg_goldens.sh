#!/usr/bin/env bash
# Regenerates testdata/jpeg: test JPEGs (Pillow, cjpeg, jpegtran) and the
# pixels Pillow decodes from them. Installs Debian's Pillow and
# libjpeg-turbo-progs when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
need=()
"$PY" -c 'import PIL' 2>/dev/null || need+=(python3-pil)
command -v cjpeg >/dev/null && command -v jpegtran >/dev/null || need+=(libjpeg-turbo-progs)
if ((${#need[@]})); then
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
exec "$PY" scripts/gen_jpeg_goldens.py "$@"
