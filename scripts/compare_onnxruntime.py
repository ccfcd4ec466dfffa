"""Export side of scripts/compare_onnxruntime.sh.

export: write a random-weight ViT as an ONNX file (opset 17) with
        torch.onnx.export, for ONNX Runtime to time (scripts/ort_bench.js).
report: read every run's CSV file (rROUND-ENGINE-PRECISION-tTHREADS.csv)
        from a directory and print one table row per engine × precision ×
        threads, with the ratio to vitctl fp32 at the same thread count.

The model is the plain PyTorch ViT of scripts/compare_pytorch.py (build()),
the same computation as vitctl's --arch/--patch models: Conv2d patch
embedding, CLS token and position embeddings, pre-norm blocks with a fused
qkv Linear, softmax attention, exact GELU MLP, final LayerNorm and a
1000-class head on CLS. The weights are random (seed 0); speed does not
depend on their values. The batch dimension is fixed in the graph, so ONNX
Runtime can plan its buffers for exactly the shape it is timed at.
"""

import argparse
import csv
import glob
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_pytorch import ARCHS, build  # noqa: E402


def export(a):
    import torch

    m = build(a.arch, a.patch, a.image_size)
    px = torch.rand(a.batch, 3, a.image_size, a.image_size) * 2 - 1
    with torch.no_grad():
        torch.onnx.export(m, (px,), a.out, opset_version=17, input_names=["pixel_values"],
                          output_names=["logits"], do_constant_folding=True)
    params = sum(p.numel() for p in m.parameters())
    print(f"{a.out}: {a.arch}/{a.patch}@{a.image_size} batch {a.batch}, {params} parameters, "
          f"torch {torch.__version__}", file=sys.stderr)


def report(a):
    runs = {}  # (engine, precision, threads) -> [row, ...] over rounds
    label = {}
    for path in sorted(glob.glob(os.path.join(a.dir, "r*-*-*-t*.csv"))):
        m = re.fullmatch(r"r(\d+)-(\w+)-(\w+)-t(\d+)\.csv", os.path.basename(path))
        if not m:
            continue
        with open(path, newline="") as f:
            rows = [r for r in csv.DictReader(f)]
        if not rows:
            print(f"warning: {path} holds no result (see the .log files with --out)", file=sys.stderr)
            continue
        r = rows[-1]
        engine, prec, threads = m.group(2), m.group(3), int(m.group(4))
        if r.get("precision") and r["precision"] != prec:
            print(f"warning: {path} ran at {r['precision']}", file=sys.stderr)
        runs.setdefault((engine, prec, threads), []).append(r)
        if engine == "vitctl":
            label[engine] = f"vitctl (kernel {r.get('kernel', '?')})"
        else:
            label[engine] = r.get("engine", engine)
    order = {"vitctl": 0, "onnxruntime": 1, "pytorch": 2}
    prec_order = {"fp32": 0, "bf16": 1, "int8": 2}
    keys = sorted(runs, key=lambda k: (k[2], order.get(k[0], 9), prec_order.get(k[1], 9)))

    def p50(k):
        return statistics.median(float(r["per_image_p50_ms"]) for r in runs[k])

    print("engines: " + ", ".join(label[e] for e in sorted(label, key=lambda e: order.get(e, 9))))
    print("ms/img: median over rounds of each run's p50 (p90); range: lowest–highest round p50;")
    print("CPU: lowest CPU share of a run; ratio: p50 ÷ vitctl fp32 p50 at the same threads (> 1: vitctl fp32 faster)")
    print()
    print("| engine | precision | threads | rounds | runs/round | median ms/img | p90 ms/img | range p50 | CPU | ratio |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for k in keys:
        rs = runs[k]
        base = ("vitctl", "fp32", k[2])
        ratio = f"{p50(k) / p50(base):.2f}" if base in runs else "–"
        lo = min(float(r["per_image_p50_ms"]) for r in rs)
        hi = max(float(r["per_image_p50_ms"]) for r in rs)
        cpu = min(float(r.get("cpu_share") or 0) for r in rs)
        nruns = "–".join(sorted({r["runs"] for r in rs}, key=int))
        p90 = statistics.median(float(r["per_image_p90_ms"]) for r in rs)
        print(f"| {k[0]} | {k[1]} | {k[2]} | {len(rs)} | {nruns} | {p50(k):.1f} | {p90:.1f} "
              f"| {lo:.1f}–{hi:.1f} | {100 * cpu:.0f} % | {ratio} |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export", help="write one random-weight ViT as ONNX")
    e.add_argument("--arch", choices=sorted(ARCHS), required=True)
    e.add_argument("--patch", type=int, required=True)
    e.add_argument("--image-size", type=int, required=True)
    e.add_argument("--batch", type=int, default=1)
    e.add_argument("--out", required=True, help="ONNX file to write")
    r = sub.add_parser("report", help="print every run in a directory as one table")
    r.add_argument("dir")
    a = p.parse_args()
    if a.cmd == "report":
        report(a)
        return
    if a.image_size % a.patch:
        p.error(f"--image-size {a.image_size} is not a multiple of --patch {a.patch}")
    export(a)


if __name__ == "__main__":
    main()
