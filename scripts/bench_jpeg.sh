#!/usr/bin/env bash
# JPEG decoding speed side by side in one session: Pillow (Debian's
# python3-pil, libjpeg-turbo), vitctl's internal/imageio/jpeg and Go's
# image/jpeg, on a 1024×768 and a 4000×3000 photo, full size and 1/8 draft;
# then Pillow and vitctl from file bytes to a 224×224 bilinear resize (what
# classify does before normalising), exact and draft.
# Prints CPU ms per image (one core; medians for Pillow, means for Go's
# benchmarks) and wall ms. Usage: scripts/bench_jpeg.sh [rounds, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export OMP_WAIT_POLICY=PASSIVE
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
echo -e "impl\timage\tscale\tcpu_ms\twall_ms"
for r in $(seq "$rounds"); do
	/usr/bin/python3 scripts/bench_jpeg.py "$dir"
	VITCTL_JPEG_BENCH_DIR="$dir" GOMAXPROCS=1 go test ./internal/imageio/jpeg -run '^$' -bench Decode -benchtime 1s |
		awk '/^BenchmarkDecode/ { split($1, p, "/"); sub("src=", "", p[2]); sub("impl=", "", p[3]); sub("scale=1_", "1/", p[4]); sub("-[0-9]+$", "", p[4]);
			for (i = 1; i <= NF; i++) { if ($i == "cpu-ms/img") c = $(i-1); if ($i == "wall-ms/img") w = $(i-1) }
			print p[3] "\t" p[2] "\t" p[4] "\t" c "\t" w }'
	VITCTL_JPEG_BENCH_DIR="$dir" GOMAXPROCS=1 go test ./internal/imageio -run '^$' -bench LoadImage -benchtime 1s |
		awk '/^BenchmarkLoadImage/ { split($1, p, "/"); sub("src=", "", p[2]); sub("decode=", "", p[3]); sub("-[0-9]+$", "", p[3]);
			for (i = 1; i <= NF; i++) { if ($i == "cpu-ms/img") c = $(i-1); if ($i == "ns/op") w = $(i-1) / 1e6 }
			print "vitctl\t" p[2] "\t224 " p[3] "\t" c "\t" w }'
done
