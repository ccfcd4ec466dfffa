#!/bin/bash
# Classify a folder on shared storage with a Slurm job array of 16 tasks
# (docs/scale.md): task i takes shard i of 16 (--shard auto reads
# SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT) and appends its records
# to results/shard-i.jsonl. Resubmit the same script (or scontrol requeue)
# after a failure: --resume skips what each shard already finished.
#
#   mkdir -p results logs && sbatch deploy/slurm/classify-array.sh
#
#SBATCH --job-name=vitctl-classify
#SBATCH --array=0-15
#SBATCH --cpus-per-task=4
#SBATCH --mem=2G
#SBATCH --time=02:00:00
#SBATCH --requeue
#SBATCH --output=logs/%x-%A_%a.out
set -euo pipefail

vitctl classify -m /shared/models/vit-base.gguf -r --shard auto \
    --threads "$SLURM_CPUS_PER_TASK" --decoders "$SLURM_CPUS_PER_TASK" -k 5 \
    -o jsonl --out "results/shard-$SLURM_ARRAY_TASK_ID.jsonl" --resume /shared/images
