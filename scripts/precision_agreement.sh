#!/usr/bin/env bash
# bf16 and int8 against fp32 on real photos: `vitctl classify -k 1000` of the
# built-in ImageNet ViT-Ti/16 (or -m MODEL) at each precision over a folder
# (default ../shared/datasets/flowers5, 4,317 photos), then the agreement
# table of scripts/precision_agreement.py.
# Usage: scripts/precision_agreement.sh [vitctl] [folder] [vitctl flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
vitctl=${1:-bin/vitctl}
folder=${2:-../shared/datasets/flowers5}
shift $(($# < 2 ? $# : 2))
if [ "$vitctl" = bin/vitctl ] && [ ! -x bin/vitctl ]; then make build; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) $vitctl classify $* on $folder"
for p in fp32 bf16 int8; do
	"$vitctl" classify "$@" --precision "$p" -r -k 1000 -o jsonl --out "$dir/$p.jsonl" "$folder" 2>&1 | tail -1
done
/usr/bin/python3 scripts/precision_agreement.py "$dir/fp32.jsonl" bf16="$dir/bf16.jsonl" int8="$dir/int8.jsonl"
