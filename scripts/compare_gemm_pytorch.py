"""Times PyTorch's fp32 linear layer (y = x·Wᵀ + b) on one GEMM shape, or
with --vit a ViT-B/16 forward pass at batch 1 (the same operations as
internal/kernels BenchmarkViTB16: patch embedding, 12 pre-norm encoder
blocks with exact GELU, final LayerNorm).

Prints one line: the median GFLOP/s (with --vit: ms per image) over
--rounds rounds of --iters calls. Run by compare_gemm_pytorch.sh,
interleaved with vitctl's benchmarks.
"""
import argparse
import statistics
import sys
import time

import torch
from torch_blas import require_fast_blas


def vit_b16(g):
    """A ViT-B/16 encoder of random weights, as plain tensor operations."""
    T, D, H, I = 197, 768, 12, 3072

    def rnd(*shape):
        return (torch.rand(*shape, generator=g) * 2 - 1) * 0.04

    layers = [dict(qkv=rnd(3 * D, D), qkv_b=rnd(3 * D), out=rnd(D, D), out_b=rnd(D),
                   up=rnd(I, D), up_b=rnd(I), down=rnd(D, I), down_b=rnd(D),
                   ln1=(rnd(D), rnd(D)), ln2=(rnd(D), rnd(D))) for _ in range(12)]
    patch, patch_b = rnd(D, 3 * 16 * 16), rnd(D)
    pixels = rnd(T - 1, 3 * 16 * 16)
    F = torch.nn.functional

    def forward():
        x = torch.zeros(T, D)
        x[1:] = F.linear(pixels, patch, patch_b)
        for ly in layers:
            h = F.layer_norm(x, (D,), *ly["ln1"], eps=1e-12)
            qkv = F.linear(h, ly["qkv"], ly["qkv_b"]).view(T, 3, H, D // H).permute(1, 2, 0, 3)
            p = torch.softmax(qkv[0] @ qkv[1].transpose(-1, -2) * 0.125, dim=-1)
            ctx = (p @ qkv[2]).transpose(0, 1).reshape(T, D)
            x = x + F.linear(ctx, ly["out"], ly["out_b"])
            h = F.layer_norm(x, (D,), *ly["ln2"], eps=1e-12)
            x = x + F.linear(F.gelu(F.linear(h, ly["up"], ly["up_b"])), ly["down"], ly["down_b"])
        return F.layer_norm(x, (D,), *layers[0]["ln1"], eps=1e-12)

    return forward


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("m", type=int, nargs="?", default=0)
    ap.add_argument("n", type=int, nargs="?", default=0)
    ap.add_argument("k", type=int, nargs="?", default=0)
    ap.add_argument("--vit", action="store_true", help="time a ViT-B/16 forward pass instead")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    print(f"BLAS: {require_fast_blas()}", file=sys.stderr)
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(0)
    if a.vit:
        forward = vit_b16(g)
        times = []
        with torch.inference_mode():
            forward()
            for _ in range(a.rounds):
                t0 = time.perf_counter()
                for _ in range(a.iters):
                    forward()
                times.append((time.perf_counter() - t0) / a.iters * 1e3)
        print(f"{statistics.median(times):.1f}")
        return
    x = torch.rand(a.m, a.k, generator=g) * 2 - 1
    w = torch.rand(a.n, a.k, generator=g) * 2 - 1
    b = torch.rand(a.n, generator=g) * 2 - 1
    y = torch.empty(a.m, a.n)
    flops = 2.0 * a.m * a.n * a.k
    rates = []
    with torch.inference_mode():
        torch.addmm(b, x, w.t(), out=y)  # warm-up: threads, buffers
        for _ in range(a.rounds):
            t0 = time.perf_counter()
            for _ in range(a.iters):
                torch.addmm(b, x, w.t(), out=y)
            rates.append(flops * a.iters / (time.perf_counter() - t0) / 1e9)
    print(f"{statistics.median(rates):.1f}")


if __name__ == "__main__":
    main()
