#!/usr/bin/env python3
"""Writes testdata/convert/: independent PyTorch references for vitctl's
checkpoint readers and its f32 -> f16/bf16 rounding.

  rounding.safetensors  x (f32) with ties, subnormals and overflow, and
                        x.to(float16), x.to(bfloat16) as PyTorch rounds them
  views.bin             torch.save of non-contiguous views (transpose, slice
                        with storage offset, expand, shared storage)
  views.safetensors     the same tensors made contiguous: what views.bin must read as
  legacy.bin            the pre-1.6 (non-zip) torch.save format, which vitctl refuses
  train.pth.tar         a timm training checkpoint of views.bin's tensors: state_dict
                        under DataParallel's "module." names, state_dict_ema (doubled),
                        optimizer state, argparse args and a numpy metric beside them
  whole.pth             torch.save of a whole nn.Module (a pickled class, which vitctl
                        refuses unrun, saying how to save its state dict)
  beside.pth            {"model": <that module>, "epoch": 3}: the class inside a checkpoint
  timm-tiny/            a one-block timm VisionTransformer (D=8, one 8x8 patch, 2 classes)
                        as timm's train.py leaves it: config.json beside model_best.pth.tar,
                        whose "state_dict" (f16, DDP's "module." names) sits beside
                        "state_dict_ema" (bf16, torch.compile's "module._orig_mod." names),
                        an optimizer's state and the epoch

Run: /usr/bin/python3 scripts/gen_convert_fixtures.py  (needs python3-torch)
"""
import argparse
import json
import os
import struct

import numpy as np

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "testdata", "convert")
DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


def save_safetensors(path, tensors):
    """Minimal safetensors writer (the format is a JSON header and raw bytes)."""
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if t.dtype in (torch.float16, torch.bfloat16) else t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def rounding():
    g = torch.Generator().manual_seed(0)
    vals = [0.0, -0.0, 1.0, 65504.0, 65519.0, 65520.0, 1e5, -1e5, 3.4e38, 1e-10,
            2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -26, 2.0 ** -14 - 2.0 ** -25, 1.0 + 2.0 ** -11,
            1.0 + 3 * 2.0 ** -11, 1.0 + 2.0 ** -8, 1.0 + 3 * 2.0 ** -8]
    x = torch.tensor(vals, dtype=torch.float32)
    # Random bit patterns over the whole finite range, and exact midpoints.
    bits = torch.randint(-2 ** 31, 2 ** 31 - 1, (4000,), generator=g, dtype=torch.int64).to(torch.int32)
    r = bits.view(torch.float32)
    r = r[torch.isfinite(r)]
    hb = torch.randint(0, 0x7bff, (500,), generator=g).to(torch.int16)
    mid16 = (hb.view(torch.float16).float() + (hb + 1).view(torch.float16).float()) / 2
    bb = torch.randint(0, 0x7f7f, (500,), generator=g).to(torch.int16)
    midbf = (bb.view(torch.bfloat16).float() + (bb + 1).view(torch.bfloat16).float()) / 2
    y = torch.randn(2000, generator=g) * torch.logspace(-30, 30, 2000)
    x = torch.cat([x, -x, r, mid16, -mid16, midbf, y]).float()
    save_safetensors(os.path.join(OUT, "rounding.safetensors"),
                     {"x": x, "x_f16": x.to(torch.float16), "x_bf16": x.to(torch.bfloat16)})


def views():
    g = torch.Generator().manual_seed(1)
    base = torch.randn(6, 5, generator=g)
    big = torch.randn(40, generator=g)
    half = torch.randn(4, 3, generator=g).half()
    t = {
        "transposed": base.t(),                       # strides (1, 5)
        "sliced": big[7:19].view(3, 4),               # storage offset 7
        "strided": big[::3][:10],                     # stride 3
        "expanded": big[:4].view(4, 1).expand(4, 3),  # stride 0
        "shared": big[7:19],                          # same storage as "sliced"
        "half_t": half.t(),
        "plain": base,
    }
    torch.save(t, os.path.join(OUT, "views.bin"))
    save_safetensors(os.path.join(OUT, "views.safetensors"), {k: v.contiguous() for k, v in t.items()})
    torch.save({"w": base}, os.path.join(OUT, "legacy.bin"), _use_new_zipfile_serialization=False)


def training():
    t = torch.load(os.path.join(OUT, "views.bin"))
    p = torch.nn.Parameter(torch.zeros(3))
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = torch.ones(3)
    opt.step()  # a momentum buffer: a tensor outside the state dict
    torch.save({
        "epoch": 3, "arch": "vit_tiny_patch16_224",
        "state_dict": {"module." + k: v for k, v in t.items()},
        "optimizer": opt.state_dict(), "version": 2,
        "args": argparse.Namespace(model="vit_tiny_patch16_224", lr=0.1, epochs=3),
        "state_dict_ema": {"module." + k: v * 2 for k, v in t.items()},
        "metric": np.float64(71.5),
    }, os.path.join(OUT, "train.pth.tar"))


class TinyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 2)


def whole():
    torch.manual_seed(2)
    net = TinyNet()
    torch.save(net, os.path.join(OUT, "whole.pth"))
    torch.save({"model": net, "epoch": 3}, os.path.join(OUT, "beside.pth"))


def timm_tiny():
    """A timm-named state dict, made by hand: timm is not needed to name it."""
    g = torch.Generator().manual_seed(3)
    D, P, C = 8, 8, 2
    shapes = {
        "cls_token": (1, 1, D), "pos_embed": (1, 2, D),
        "patch_embed.proj.weight": (D, 3, P, P), "patch_embed.proj.bias": (D,),
        "blocks.0.norm1.weight": (D,), "blocks.0.norm1.bias": (D,),
        "blocks.0.attn.qkv.weight": (3 * D, D), "blocks.0.attn.qkv.bias": (3 * D,),
        "blocks.0.attn.proj.weight": (D, D), "blocks.0.attn.proj.bias": (D,),
        "blocks.0.norm2.weight": (D,), "blocks.0.norm2.bias": (D,),
        "blocks.0.mlp.fc1.weight": (4 * D, D), "blocks.0.mlp.fc1.bias": (4 * D,),
        "blocks.0.mlp.fc2.weight": (D, 4 * D), "blocks.0.mlp.fc2.bias": (D,),
        "norm.weight": (D,), "norm.bias": (D,), "head.weight": (C, D), "head.bias": (C,),
    }
    sd = {k: torch.randn(s, generator=g) * 0.1 for k, s in shapes.items()}
    folder = os.path.join(OUT, "timm-tiny")
    os.makedirs(folder, exist_ok=True)
    cfg = {
        "architecture": "vit_tiny_random", "num_classes": C, "num_features": D, "global_pool": "token",
        "label_names": ["cat", "dog"],
        "model_args": {"img_size": P, "patch_size": P, "embed_dim": D, "depth": 1, "num_heads": 2},
        "pretrained_cfg": {"input_size": [3, P, P], "interpolation": "bicubic", "crop_pct": 1.0, "crop_mode": "center",
                           "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "num_classes": C},
    }
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.AdamW([p])
    p.grad = torch.ones(2)
    opt.step()
    torch.save({
        "epoch": 9, "arch": "vit_tiny_random",
        "state_dict": {"module." + k: v.half() for k, v in sd.items()},
        "optimizer": opt.state_dict(), "version": 2,
        "state_dict_ema": {"module._orig_mod." + k: (v * 0.5).bfloat16() for k, v in sd.items()},
    }, os.path.join(folder, "model_best.pth.tar"))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    rounding()
    views()
    training()
    whole()
    timm_tiny()
