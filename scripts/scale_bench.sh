#!/bin/bash
# Sharded-run throughput (docs/scale.md): for each P, runs P shard
# processes of one folder at once (--shard i/P, one compute thread and one
# decoder each) and prints the records, the wall time, img/s, the CPU
# seconds all shards used, and the input MB per CPU second (decoding speed
# per core when the model is negligible).
#
#   scripts/scale_bench.sh VITCTL FOLDER [MODEL] [P...]
#
# MODEL is a .gguf file or a built-in name; without it the built-in 28×28
# fashion-vit is used, whose forward pass is negligible next to decoding and
# resizing.
set -euo pipefail
V=$1 DIR=$2 MODEL=${3:-fashion-vit} ; shift 2; [ $# -gt 0 ] && shift
PS=${*:-1 2}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
MB=$(find "$DIR" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.2f", s/1e6}')
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg); $DIR: $MB MB; model $MODEL"
printf '%3s %8s %8s %8s %8s %10s\n' P records wall_s img/s cpu_s MB/cpu_s
for P in $PS; do
  rm -f "$W"/*
  t0=$(date +%s.%N)
  for ((i = 0; i < P; i++)); do
    /usr/bin/time -f '%U %S' -o "$W/t$i" "$V" classify ${MODEL:+-m "$MODEL"} -r --shard "$i/$P" \
      --threads 1 --decoders 1 -o jsonl --out "$W/s$i.jsonl" "$DIR" 2>/dev/null &
  done
  wait
  t1=$(date +%s.%N)
  recs=$(cat "$W"/s*.jsonl | wc -l)
  cpu=$(cat "$W"/t* | awk '{s += $1 + $2} END {print s}')
  awk -v p="$P" -v r="$recs" -v a="$t0" -v b="$t1" -v c="$cpu" -v mb="$MB" \
    'BEGIN {printf "%3d %8d %8.2f %8.1f %8.2f %10.2f\n", p, r, b - a, r / (b - a), c, mb / c}'
done
