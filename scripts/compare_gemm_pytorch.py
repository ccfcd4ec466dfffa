"""Times PyTorch's fp32 linear layer (y = x·Wᵀ + b) on one GEMM shape.

Prints one line: the median GFLOP/s over --rounds rounds of --iters calls.
Run by compare_gemm_pytorch.sh, interleaved with vitctl's benchmark.
"""
import argparse
import statistics
import time

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("m", type=int)
    ap.add_argument("n", type=int)
    ap.add_argument("k", type=int)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(0)
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
