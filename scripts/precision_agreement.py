#!/usr/bin/env python3
"""Agreement of vitctl's bf16 and int8 with its fp32 on the same images.

Reads JSONL files of `vitctl classify -k 1000 -o jsonl` (every logit of
every image), the first fp32, and prints a Markdown row per other file:
top-1 and top-5 agreement with fp32, and the largest and mean |Δ logit|
over all logits of all images. Standard library only.

Usage: precision_agreement.py FP32.jsonl NAME=OTHER.jsonl ...
"""
import json
import sys


def load(path):
    out = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if "top_k" not in r:
                continue  # an error record
            out[r["path"]] = {t["index"]: t["logit"] for t in r["top_k"]}
    return out


def ranked(logits, k):
    return sorted(logits, key=lambda i: -logits[i])[:k]


def compare(ref, other):
    paths = sorted(set(ref) & set(other))
    top1 = top5 = 0
    dmax = dsum = 0.0
    n = 0
    for p in paths:
        a, b = ref[p], other[p]
        top1 += ranked(a, 1) == ranked(b, 1)
        top5 += set(ranked(a, 5)) == set(ranked(b, 5))
        for i, v in a.items():
            d = abs(v - b[i])
            dmax = max(dmax, d)
            dsum += d
            n += 1
    return len(paths), top1, top5, dmax, dsum / max(n, 1)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    ref = load(sys.argv[1])
    print("| precision | images | top-1 = fp32 | top-5 set = fp32 | max \\|Δ logit\\| | mean \\|Δ logit\\| |")
    print("|---|--:|--:|--:|--:|--:|")
    for arg in sys.argv[2:]:
        name, path = arg.split("=", 1)
        n, t1, t5, dmax, dmean = compare(ref, load(path))
        print(f"| {name} | {n} | {t1} ({100 * t1 / n:.2f} %) | {t5} ({100 * t5 / n:.2f} %) | {dmax:.3f} | {dmean:.4f} |")


if __name__ == "__main__":
    main()
