"""PyTorch side of scripts/compare_pytorch.sh.

measure: time one random-weight ViT in PyTorch the way `vitctl benchmark`
         times it (untimed warm-up, then timed forward passes until a time
         budget is spent, at least --min-runs) and print one CSV row with
         vitctl's column names.
report:  join vitctl's and PyTorch's CSV rows and print the ratio per row.

The model is a plain PyTorch ViT written here (no torchvision or timm
needed), the same computation as vitctl's: Conv2d patch embedding, CLS token
and position embeddings, pre-norm blocks with a fused qkv Linear, softmax
attention, exact GELU MLP, final LayerNorm and a 1000-class head on CLS.
"""

import argparse
import csv
import math
import resource
import sys
import time

ARCHS = {  # name: (hidden_size, layers, heads, intermediate_size)
    "vit-ti": (192, 12, 3, 768),
    "vit-s": (384, 12, 6, 1536),
    "vit-b": (768, 12, 12, 3072),
    "vit-l": (1024, 24, 16, 4096),
}
CLASSES = 1000


def build(arch, patch, size):
    import torch
    from torch import nn

    D, L, H, I = ARCHS[arch]

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(D, eps=1e-12), nn.LayerNorm(D, eps=1e-12)
            self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
            self.fc1, self.fc2 = nn.Linear(D, I), nn.Linear(I, D)

        def forward(self, x):
            B, T, _ = x.shape
            hd = D // H
            # (B, T, 3D) -> 3 × (B, H, T, hd)
            q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, H, hd).permute(2, 0, 3, 1, 4)
            a = torch.softmax((q @ k.transpose(-2, -1)) * hd**-0.5, dim=-1)
            x = x + self.proj((a @ v).transpose(1, 2).reshape(B, T, D))
            return x + self.fc2(nn.functional.gelu(self.fc1(self.ln2(x))))

    class ViT(nn.Module):
        def __init__(self):
            super().__init__()
            T = (size // patch) ** 2 + 1
            self.embed = nn.Conv2d(3, D, patch, stride=patch)
            self.cls = nn.Parameter(torch.randn(1, 1, D) * 0.02)
            self.pos = nn.Parameter(torch.randn(1, T, D) * 0.02)
            self.blocks = nn.Sequential(*[Block() for _ in range(L)])
            self.norm = nn.LayerNorm(D, eps=1e-12)
            self.head = nn.Linear(D, CLASSES)

        def forward(self, px):
            x = self.embed(px).flatten(2).transpose(1, 2)  # (B, Np, D)
            x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
            x = self.blocks(x)
            return self.head(self.norm(x[:, 0]))

    torch.manual_seed(0)
    return ViT().eval()


def quantile(s, q):
    """q-quantile of sorted s, interpolating at rank q·(n−1) like vitctl."""
    r = q * (len(s) - 1)
    i = int(r)
    if i + 1 >= len(s):
        return s[-1]
    return s[i] + (r - i) * (s[i + 1] - s[i])


def cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def measure(a):
    import torch

    from torch_blas import require_fast_blas

    print(f"BLAS: {require_fast_blas()}", file=sys.stderr)
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    t0 = time.perf_counter()
    m = build(a.arch, a.patch, a.image_size)
    load = time.perf_counter() - t0
    px = torch.rand(a.batch, 3, a.image_size, a.image_size) * 2 - 1
    with torch.inference_mode():
        cpu0 = cpu_seconds()
        start = time.perf_counter()
        while True:  # warm-up: at least one run
            m(px)
            if time.perf_counter() - start >= a.warmup:
                break
        samples = []
        while len(samples) < max(a.min_runs, 1) or sum(samples) < a.time:
            t = time.perf_counter()
            m(px)
            samples.append(time.perf_counter() - t)
        share = (cpu_seconds() - cpu0) / ((time.perf_counter() - start) * a.threads)
    s = sorted(samples)
    mean = sum(s) / len(s)
    row = {
        "engine": "pytorch " + torch.__version__,
        "arch": a.arch,
        "patch": a.patch,
        "image_size": a.image_size,
        "tokens": (a.image_size // a.patch) ** 2 + 1,
        "batch": a.batch,
        "threads": torch.get_num_threads(),
        "params": sum(p.numel() for p in m.parameters()),
        "load_seconds": f"{load:.4f}",
        "runs": len(s),
        "latency_p50_ms": f"{quantile(s, 0.5) * 1e3:.3f}",
        "latency_p90_ms": f"{quantile(s, 0.9) * 1e3:.3f}",
        "per_image_p50_ms": f"{quantile(s, 0.5) * 1e3 / a.batch:.3f}",
        "per_image_p90_ms": f"{quantile(s, 0.9) * 1e3 / a.batch:.3f}",
        "images_per_second": f"{a.batch / mean:.3f}",
        "cpu_share": f"{share:.3f}",
    }
    w = csv.DictWriter(sys.stdout, fieldnames=list(row), lineterminator="\n")
    if a.header:
        w.writeheader()
    w.writerow(row)


def pct(row):
    """CPU share as a percentage: below ~90 % the engine waited for a CPU."""
    return f"{100 * float(row.get('cpu_share') or 0):.0f} %"


def report(a):
    def load(path):
        with open(path, newline="") as f:
            return {key(r): r for r in csv.DictReader(f) if r.get("arch") != "arch"}

    def key(r):
        return tuple(r[k] for k in ("arch", "patch", "image_size", "batch", "threads"))

    ours, theirs = load(a.vitctl_csv), load(a.torch_csv)
    for k in ours.keys() ^ theirs.keys():
        who = "PyTorch" if k in ours else "vitctl"
        print(f"warning: no {who} result for {'/'.join(k)} (see the .log files with --out)", file=sys.stderr)
    engine = next(iter(theirs.values()), {}).get("engine", "pytorch")
    kernel = next(iter(ours.values()), {}).get("kernel", "?")
    print(f"vitctl (kernel {kernel}) vs {engine}; ratio = PyTorch p50 ÷ vitctl p50 per image (> 1: vitctl faster)")
    print()
    print("| arch | patch | size | tokens | batch | threads | vitctl ms/img | vitctl img/s | vitctl CPU | PyTorch ms/img | PyTorch img/s | PyTorch CPU | ratio |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for k, r in ours.items():
        t = theirs.get(k)
        if t is None:
            continue
        if r["params"] != t["params"]:
            print(f"warning: {k}: vitctl counts {r['params']} parameters, PyTorch {t['params']}", file=sys.stderr)
        ratio = float(t["per_image_p50_ms"]) / float(r["per_image_p50_ms"])
        print(f"| {r['arch']} | {r['patch']} | {r['image_size']} | {r['tokens']} | {r['batch']} | {r['threads']} "
              f"| {float(r['per_image_p50_ms']):.1f} | {float(r['images_per_second']):.2f} | {pct(r)} "
              f"| {float(t['per_image_p50_ms']):.1f} | {float(t['images_per_second']):.2f} | {pct(t)} | {ratio:.2f} |")
    if ours:
        logs = [math.log(float(theirs[k]["per_image_p50_ms"]) / float(r["per_image_p50_ms"])) for k, r in ours.items() if k in theirs]
        if logs:
            print(f"\ngeometric mean ratio over {len(logs)} rows: {math.exp(sum(logs) / len(logs)):.2f}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure", help="time one row in PyTorch and print it as CSV")
    m.add_argument("--arch", choices=sorted(ARCHS), required=True)
    m.add_argument("--patch", type=int, required=True)
    m.add_argument("--image-size", type=int, required=True)
    m.add_argument("--batch", type=int, required=True)
    m.add_argument("--threads", type=int, required=True)
    m.add_argument("--time", type=float, default=3.0, help="seconds of timed runs")
    m.add_argument("--warmup", type=float, default=0.5, help="seconds of untimed warm-up (at least one run)")
    m.add_argument("--min-runs", type=int, default=3)
    m.add_argument("--header", action="store_true", help="print the CSV header first")
    r = sub.add_parser("report", help="print vitctl's and PyTorch's rows side by side")
    r.add_argument("vitctl_csv")
    r.add_argument("torch_csv")
    a = p.parse_args()
    if a.cmd == "measure":
        if a.image_size % a.patch:
            p.error(f"--image-size {a.image_size} is not a multiple of --patch {a.patch}")
        measure(a)
    else:
        report(a)


if __name__ == "__main__":
    main()
