#!/usr/bin/env python3
"""Goldens for position-embedding interpolation (any input size).

Loads testdata/models/vit-p16-gelu with the plain-PyTorch reference of
gen_goldens.py and runs it at other image sizes with the position embeddings
resized the way current Hugging Face interpolate_pos_encoding does: CLS entry
kept, the patch grid resized by torch.nn.functional.interpolate(mode="bicubic",
align_corners=False) to an explicit output size. Writes, per size HxW, under
testdata/golden/interp/: pos_HxW.npy (T, D), pixels_HxW.npy (B, C, H, W) and
logits_HxW.npy (B, L), computed in float64 and stored as float32.

Run from the repo root: /usr/bin/python3 scripts/gen_interp_goldens.py
"""
import json
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_goldens as gg  # noqa: E402

MODEL = "vit-p16-gelu"
SIZES = [(96, 96), (80, 48), (32, 32)]  # up, non-square, down


def interpolated_pos(pos, P, g, H, W):
    """pos (1, 1+g*g, D) -> (1, 1+gh*gw, D) for an HxW input."""
    D = pos.shape[-1]
    grid = pos[:, 1:].reshape(1, g, g, D).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=(H // P, W // P), mode="bicubic", align_corners=False)
    return torch.cat([pos[:, :1], grid.permute(0, 2, 3, 1).reshape(1, -1, D)], dim=1)


def main():
    torch.set_num_threads(1)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    mdir = os.path.join(root, "testdata", "models", MODEL)
    out = os.path.join(root, "testdata", "golden", "interp")
    with open(os.path.join(mdir, "config.json")) as f:
        c = json.load(f)
    c["id2label"] = {int(k): v for k, v in c["id2label"].items()}
    model = gg.ViTForImageClassification(c).eval()
    state = gg.read_safetensors(os.path.join(mdir, "model.safetensors"))
    model.load_state_dict({k: v.float() for k, v in state.items()})
    model = model.double()
    emb = model.vit.embeddings
    native = emb.position_embeddings.data.clone()
    P, g = c["patch_size"], c["image_size"] // c["patch_size"]
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    f32 = lambda t: np.ascontiguousarray(t.detach().numpy().astype(np.float32))
    for i, (H, W) in enumerate(SIZES):
        with torch.no_grad():
            pos = interpolated_pos(native, P, g, H, W)
            emb.position_embeddings = torch.nn.Parameter(pos)
            pixels = torch.randn(2, c["num_channels"], H, W, generator=torch.Generator().manual_seed(100 + i))
            logits = model(pixels.double())["logits"]
        tag = f"{H}x{W}"
        np.save(os.path.join(out, f"pos_{tag}.npy"), f32(pos[0]))
        np.save(os.path.join(out, f"pixels_{tag}.npy"), f32(pixels))
        np.save(os.path.join(out, f"logits_{tag}.npy"), f32(logits))
        print(f"{MODEL} at {tag}: T={pos.shape[1]}, logits {tuple(logits.shape)}")


if __name__ == "__main__":
    main()
