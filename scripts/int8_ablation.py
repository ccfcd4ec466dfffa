#!/usr/bin/python3
"""Where int8's error comes from, and what would lower it: an independent reference.

vitctl's int8 (docs/precision.md) quantises each encoder block's four Linear
layers (qkv, proj, fc1, fc2): weights per output row, symmetric, round to
nearest even, scale max|w|/127; activations per token (row), symmetric, scale
max|x|/127; int32 sums, dequantised per row and column. This script
fake-quantises the built-in model's network in plain PyTorch that way (and in
variants of it), runs it on photos and compares each variant's logits with the
same network in fp32: top-1 agreement, top-5 set agreement, max and mean
|delta logit| over all logits of all images.

The network is scripts/gen_zoo_goldens.py's: the plain-PyTorch timm ViT of
gen_family_goldens.py over ../shared/models/vit-tiny-in1k with the tensors
vitctl's built-in model holds in f16 rounded to f16, in float32; pixels by
timm's evaluation transform (gen_zoo_goldens.pixels).

Variants (names for the command line; default: all):
  sym          vitctl's scheme (weights and activations)
  w-only       int8 weights, fp32 activations
  a-only       fp32 weights, int8 activations
  asym         activations asymmetric per token: u8 with a zero point,
               scale (max - min)/255 (what VPDPBUSD/TDPBUSD take as u8)
  asym-fc2     asymmetric only for fc2's input (the GELU output)
  smooth       SmoothQuant-style channel scales (alpha 0.5) folded into
               LayerNorm's gamma and beta and the columns of qkv and fc1,
               from the weights alone (|beta| + 3|gamma| as the range)
  smooth-cal   the same with ranges calibrated on 16 of the photos
  w-mse        weights with each row's clipping ratio (1.00, 0.98, ... 0.70)
               chosen by least squares instead of max|w|

Run from the repo root (216 photos, about 2 minutes per variant on 2 cores):
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 scripts/int8_ablation.py [--every 20] [VARIANT ...]
"""

import argparse
import copy
import glob
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_zoo_goldens as zg  # noqa: E402  (the built-in model's network and pixels)


def quant_rows(w, clip=1.0):
    """Per-row symmetric int8 of w (dequantised), scale clip*max|w|/127."""
    s = w.abs().amax(dim=1, keepdim=True) * clip / 127
    q = torch.round(w / torch.where(s > 0, s, torch.ones_like(s))).clamp(-127, 127)
    return torch.where(s > 0, q * s, torch.zeros_like(w))


def quant_rows_mse(w):
    """quant_rows with each row's clipping ratio chosen by least squares."""
    best, err = None, None
    for clip in [1.0 - 0.02 * i for i in range(16)]:
        q = quant_rows(w, clip)
        e = ((q - w) ** 2).sum(dim=1, keepdim=True)
        if best is None:
            best, err = q, e
        else:
            better = e < err
            best, err = torch.where(better, q, best), torch.where(better, e, err)
    return best


def act_sym(x):
    m = x.abs().amax(dim=-1, keepdim=True)
    return torch.where(m > 0, torch.round(x * (127 / m)) * (m / 127), x)


def act_asym(x):
    lo = x.amin(dim=-1, keepdim=True).clamp(max=0)
    hi = x.amax(dim=-1, keepdim=True).clamp(min=0)
    s = (hi - lo) / 255
    s = torch.where(s > 0, s, torch.ones_like(s))
    z = torch.round(-lo / s)
    return ((torch.round(x / s) + z).clamp(0, 255) - z) * s


class FakeQuantLinear(nn.Module):
    def __init__(self, lin, act, weights):
        super().__init__()
        self.w = weights(lin.weight.data) if weights else lin.weight.data.clone()
        self.b = None if lin.bias is None else lin.bias.data.clone()
        self.act = act

    def forward(self, x):
        return nn.functional.linear(self.act(x) if self.act else x, self.w, self.b)


def calibrate(model, x):
    """max |LayerNorm output| per channel of norm1 and norm2 of each block."""
    ranges, hooks = {}, []
    for i, blk in enumerate(model.blocks):
        for key, ln in (("norm1", blk.norm1), ("norm2", blk.norm2)):
            def hook(_m, _i, out, k=(i, key)):
                v = out.abs().amax(dim=(0, 1))
                ranges[k] = torch.maximum(ranges.get(k, v), v)
            hooks.append(ln.register_forward_hook(hook))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return ranges


def smooth(model, alpha, ranges=None):
    """Divide LayerNorm's outputs by s per channel and multiply the next
    Linear's columns by s: the same function, activations flatter."""
    for i, blk in enumerate(model.blocks):
        for key, ln, lin in (("norm1", blk.norm1, blk.attn.qkv), ("norm2", blk.norm2, blk.mlp.fc1)):
            g, b = ln.weight.data, ln.bias.data
            a = ranges[(i, key)] if ranges else b.abs() + 3 * g.abs()
            wm = lin.weight.data.abs().amax(dim=0)
            s = a.clamp(min=1e-5) ** alpha / wm.clamp(min=1e-5) ** (1 - alpha)
            ln.weight.data, ln.bias.data = g / s, b / s
            lin.weight.data = lin.weight.data * s[None, :]


def variant(base, calib, name):
    m = copy.deepcopy(base)
    acts = dict(qkv=act_sym, proj=act_sym, fc1=act_sym, fc2=act_sym)
    weights = quant_rows
    if name == "w-only":
        acts = dict.fromkeys(acts)
    elif name == "a-only":
        weights = None
    elif name == "asym":
        acts = dict.fromkeys(acts, act_asym)
    elif name == "asym-fc2":
        acts["fc2"] = act_asym
    elif name == "smooth":
        smooth(m, 0.5)
    elif name == "smooth-cal":
        smooth(m, 0.5, calibrate(m, calib))
    elif name == "w-mse":
        weights = quant_rows_mse
    for blk in m.blocks:
        blk.attn.qkv = FakeQuantLinear(blk.attn.qkv, acts["qkv"], weights)
        blk.attn.proj = FakeQuantLinear(blk.attn.proj, acts["proj"], weights)
        blk.mlp.fc1 = FakeQuantLinear(blk.mlp.fc1, acts["fc1"], weights)
        blk.mlp.fc2 = FakeQuantLinear(blk.mlp.fc2, acts["fc2"], weights)
    return m


def logits(model, x):
    with torch.no_grad():
        return torch.cat([model(x[i:i + 32])["logits"] for i in range(0, len(x), 32)])


VARIANTS = ["sym", "w-only", "a-only", "asym", "asym-fc2", "smooth", "smooth-cal", "w-mse"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--checkpoint", default=os.path.join(root, "..", "shared", "models", "vit-tiny-in1k"))
    ap.add_argument("--photos", default=os.path.join(root, "..", "shared", "datasets", "flowers5"))
    ap.add_argument("--every", type=int, default=20, help="take every N-th photo in name order")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("variants", nargs="*", metavar="VARIANT", help="any of " + ", ".join(VARIANTS))
    args = ap.parse_args()
    for v in args.variants:
        if v not in VARIANTS:
            ap.error(f"unknown variant {v!r}: want one of {', '.join(VARIANTS)}")
    torch.set_num_threads(args.threads)
    _, model16, cfg = zg.build(args.checkpoint)
    model = model16.float()
    files = sorted(glob.glob(os.path.join(args.photos, "*", "*.jpg")))[::args.every]
    if not files:
        sys.exit(f"no .jpg photos in the class folders of {args.photos}")
    x = torch.cat([zg.pixels(f, cfg) for f in files])
    ref = logits(model, x)
    print(f"{len(files)} photos (every {args.every}th of {args.photos}), vs fp32 of the same network")
    print("| variant | top-1 = fp32 | top-5 set = fp32 | max |Δ logit| | mean |Δ logit| |")
    print("|---|--:|--:|--:|--:|")
    for name in args.variants or VARIANTS:
        out = logits(variant(model, x[::max(1, len(x) // 16)][:16], name), x)
        top1 = (out.argmax(1) == ref.argmax(1)).double().mean().item()
        top5 = np.mean([set(a.tolist()) == set(b.tolist()) for a, b in zip(out.topk(5).indices, ref.topk(5).indices)])
        d = (out - ref).abs()
        print(f"| {name} | {100 * top1:.2f} % | {100 * top5:.2f} % | {d.max():.3f} | {d.mean():.4f} |", flush=True)


if __name__ == "__main__":
    main()
