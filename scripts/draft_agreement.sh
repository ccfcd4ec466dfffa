#!/usr/bin/env bash
# --decode draft against exact decoding on large JPEGs: top-1 agreement,
# images/s and CPU ms per image of `vitctl classify` with the real ViT-Ti/16
# (ImageNet, the default model) on 2 threads, for a 1024×768 and a 4000×3000
# folder made from real photos by scripts/draft_agreement.py. Given several
# vitctl binaries (say, two commits), each folder and mode runs them one
# after the other, interleaved; agreement is the first binary's. On a shared
# machine the CPU time says more than images/s.
# Usage: scripts/draft_agreement.sh [vitctl ...] (default bin/vitctl)
set -euo pipefail
cd "$(dirname "$0")/.."
vitctls=("$@")
if [ ${#vitctls[@]} -eq 0 ]; then
	vitctls=(bin/vitctl)
	[ -x bin/vitctl ] || make build
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"${vitctls[0]}" convert ../shared/models/vit-tiny-in1k --out "$dir/vit-ti.gguf" >/dev/null
/usr/bin/python3 scripts/draft_agreement.py make "$dir"
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for size in 1024x768 4000x3000; do
	n=$(ls "$dir/$size" | wc -l)
	for mode in exact draft; do
		for i in "${!vitctls[@]}"; do
			/usr/bin/time -o "$dir/time" -f "%e %U %S" "${vitctls[$i]}" classify -m "$dir/vit-ti.gguf" --threads 2 -k 1 -o jsonl \
				--decode "$mode" "$dir/$size" >"$dir/$size.$mode.$i.jsonl" 2>/dev/null
			read -r wall user sys <"$dir/time"
			echo "$size $mode ${vitctls[$i]}: $n images, $(echo "$n / $wall" | bc -l | xargs printf '%.1f') images/s," \
				"$(echo "1000 * ($user + $sys) / $n" | bc -l | xargs printf '%.1f') CPU ms per image"
		done
	done
	echo -n "$size draft vs exact: "
	/usr/bin/python3 scripts/draft_agreement.py compare "$dir/$size.exact.0.jsonl" "$dir/$size.draft.0.jsonl"
done
echo "# $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
