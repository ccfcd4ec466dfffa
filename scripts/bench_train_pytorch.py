#!/usr/bin/python3
"""PyTorch's time for one ViT-Ti/16 training step (all layers, AdamW), the
reference for vitctl's BenchmarkTrainStep (docs/finetune.md).

A plain-PyTorch ViT-Ti/16 (timm's vit_tiny_patch16_224 layout: D 192, 12
layers, 3 heads, MLP 768, erf GELU, CLS pooling, 5 classes) in float32 on
random weights and pixels: forward, cross-entropy with label smoothing 0.1,
backward, AdamW step. Prints the median wall and process CPU time per image
over the timed steps (after one warm-up step).

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 scripts/bench_train_pytorch.py --threads 2 --batch 32 --steps 3
"""

import argparse
import statistics
import sys
import time

import torch
from torch_blas import require_fast_blas
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, D, H, I):
        super().__init__()
        self.H = H
        self.norm1, self.norm2 = nn.LayerNorm(D, eps=1e-6), nn.LayerNorm(D, eps=1e-6)
        self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.fc1, self.fc2 = nn.Linear(D, I), nn.Linear(I, D)

    def forward(self, x):
        B, T, D = x.shape
        hd = D // self.H
        q, k, v = self.qkv(self.norm1(x)).view(B, T, 3, self.H, hd).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-1, -2) * hd ** -0.5, dim=-1)
        x = x + self.proj((a @ v).transpose(1, 2).reshape(B, T, D))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    def __init__(self, D=192, L=12, H=3, I=768, P=16, S=224, classes=5):
        super().__init__()
        self.patch = nn.Conv2d(3, D, P, P)
        self.cls = nn.Parameter(torch.zeros(1, 1, D))
        self.pos = nn.Parameter(torch.randn(1, (S // P) ** 2 + 1, D) * 0.02)
        self.blocks = nn.ModuleList(Block(D, H, I) for _ in range(L))
        self.norm = nn.LayerNorm(D, eps=1e-6)
        self.head = nn.Linear(D, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos
        for b in self.blocks:
            x = b(x)
        return self.head(self.norm(x[:, 0]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=3)
    a = ap.parse_args()
    print(f"BLAS: {require_fast_blas()}", file=sys.stderr)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    m = ViT()
    opt = torch.optim.AdamW(m.parameters(), lr=1e-4, weight_decay=0.05)
    x = torch.randn(a.batch, 3, 224, 224)
    y = torch.randint(0, 5, (a.batch,))
    wall, cpu = [], []
    for s in range(a.steps + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad()
        F.cross_entropy(m(x), y, label_smoothing=0.1).backward()
        opt.step()
        if s > 0:
            wall.append((time.perf_counter() - t0) / a.batch * 1e3)
            cpu.append((time.process_time() - c0) / a.batch * 1e3)
    print(f"pytorch {torch.__version__} threads={a.threads} batch={a.batch}: "
          f"wall {statistics.median(wall):.1f} ms/img, cpu {statistics.median(cpu):.1f} ms/img "
          f"(steps: {', '.join(f'{w:.1f}' for w in wall)})")


if __name__ == "__main__":
    main()
