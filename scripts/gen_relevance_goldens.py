#!/usr/bin/python3
"""Goldens for vitctl's gradient-weighted attention maps (internal/attention,
internal/model's AttentionGrads).

An independent reference in plain PyTorch (autograd, float64): the ViT of
gen_grad_goldens.py, run on the small random models it committed under
testdata/grad/, with every layer's attention probabilities A kept and the
gradient of one class logit with respect to them, dA. For each model and
image 0 of its pixels.npy it writes testdata/relevance/<model>/:

  probs.npy            (L, H, T, T) A
  class<K>/grads.npy   (L, H, T, T) d logit_K / d A
  class<K>/relevance.npy     (GH, GW) Chefer, Gur & Wolf 2021, the
      gradient-weighted rule for ViTs: R = I; per layer
      Abar = mean_heads((dA * A)+), R = R + Abar @ R
  class<K>/grad_rollout.npy  (GH, GW) jacobgil/vit-explain's grad_rollout:
      per layer clamp(mean_heads(A * dA), 0), the lowest DISCARD of its
      entries zeroed (never entry (0, 0)), identity added, rows normalised,
      multiplied through the layers
  meta.json            the classes (the predicted one first), DISCARD, the
                       patch grid, prefix tokens, pooling

The maps are row 0 (CLS) at the patch columns, or for models that pool the
patch tokens the mean of the patch rows. Run with
scripts/gen_relevance_goldens.sh after scripts/gen_grad_goldens.sh.
"""

import json
import os
import shutil
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_grad_goldens as ref  # noqa: E402

torch.set_default_dtype(torch.float64)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata")
OUT = os.path.join(ROOT, "relevance")
MODELS = ["cls-gelu", "avg-fcnorm-ls-tanh", "cls-relu-noembedclass"]
DISCARD = 0.3


def load(path):
    return torch.from_numpy(np.load(path).astype(np.float64))


def run(c, p, pixels, cls):
    """Forward and back from logit cls; returns (logits, [A], [dA]) per layer, (H, T, T)."""
    kept = []
    plain = ref.attention

    def keeping(qkv, B, T, H):
        D = qkv.shape[-1] // 3
        hd = D // H
        q, k, v = qkv.view(B, T, 3, H, hd).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-1, -2) / hd ** 0.5, dim=-1)
        a.retain_grad()
        kept.append(a)
        return (a @ v).transpose(1, 2).reshape(B * T, D)

    ref.attention = keeping
    try:
        logits = ref.forward(c, p, pixels)
    finally:
        ref.attention = plain
    if cls is None:
        return logits[0], None, None
    logits[0, cls].backward()
    return logits[0], [a.detach()[0] for a in kept], [a.grad[0] for a in kept]


def patch_map(m, Pf, pooled):
    if pooled:
        return m[Pf:, Pf:].mean(0)
    return m[0, Pf:]


def relevance(A, dA):
    T = A[0].shape[-1]
    R = torch.eye(T)
    for a, g in zip(A, dA):
        R = R + (g * a).clamp(min=0).mean(0) @ R
    return R


def discard(m, ratio):
    flat = m.flatten().clone()
    cand = flat[1:]
    n = int(np.floor(ratio * cand.numel()))
    if n > 0:
        idx = torch.argsort(cand, stable=True)[:n]
        cand[idx] = 0
    flat[1:] = cand
    return flat.view_as(m)


def grad_rollout(A, dA, ratio):
    T = A[0].shape[-1]
    acc = torch.eye(T)
    for a, g in zip(A, dA):
        f = discard((a * g).mean(0).clamp(min=0), ratio)
        f = f + torch.eye(T)
        f = f / f.sum(-1, keepdim=True)
        acc = f @ acc
    return acc


def save(path, t):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, t.detach().numpy().astype(np.float32))


def gen(name):
    src = os.path.join(ROOT, "grad", name)
    with open(os.path.join(src, "config.json")) as f:
        c = json.load(f)
    p = {n: load(os.path.join(src, "params", n + ".npy")).requires_grad_() for n in ref.shapes(c)}
    pixels = load(os.path.join(src, "pixels.npy"))[:1]
    logits, _, _ = run(c, p, pixels, None)
    top = int(torch.argmax(logits))
    classes = [top, (top + 2) % len(c["Labels"])]
    Pf = ref.prefix_tokens(c)
    pooled = bool(c.get("NoClassToken")) or c.get("Pooling") == "avg"
    g = c["image_size"] // c["patch_size"]
    d = os.path.join(OUT, name)
    for k in classes:
        _, A, dA = run(c, p, pixels, k)
        kd = os.path.join(d, "class%d" % k)
        save(os.path.join(d, "probs.npy"), torch.stack(A))
        save(os.path.join(kd, "grads.npy"), torch.stack(dA))
        save(os.path.join(kd, "relevance.npy"), patch_map(relevance(A, dA), Pf, pooled).view(g, g))
        save(os.path.join(kd, "grad_rollout.npy"), patch_map(grad_rollout(A, dA, DISCARD), Pf, pooled).view(g, g))
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(dict(classes=classes, heads=c["num_attention_heads"], discard_ratio=DISCARD, grid=[g, g], prefix_tokens=Pf, pooled=pooled), f, indent=1)


def main():
    torch.set_num_threads(1)
    shutil.rmtree(OUT, ignore_errors=True)
    for name in MODELS:
        gen(name)
    print("wrote", os.path.normpath(OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
