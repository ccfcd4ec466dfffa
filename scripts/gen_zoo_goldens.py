#!/usr/bin/python3
"""Reference logits of the built-in vit-tiny-in1k on the photos in testdata/images/.

An independent reference for what `vitctl classify` (no -m) prints: the timm
VisionTransformer of gen_family_goldens.py in plain PyTorch, float64, over
the float32 weights of ../shared/models/vit-tiny-in1k with the tensors that
`vitctl convert --dtype f16` stores in f16 (every weight of two or more
dimensions except cls_token, pos_embed and reg_token) rounded to f16 and
back, exactly as the built-in model holds them.

Pixels: timm's evaluation transform for this checkpoint's pretrained_cfg
(input 224, bicubic, crop_pct 0.9, mean = std = 0.5), done with Pillow as
torchvision does it on PIL images: ImageOps.exif_transpose, convert("RGB"),
resize the shorter side to floor(224 / 0.9) = 248 and the longer to
int(248 * long / short) with Image.BICUBIC, center crop 224 at offsets
round((in - 224) / 2), ToTensor (/255 in float32), Normalize. This is what
vitctl convert records for timm's crop_pct (vitctl convert --info shows
"resize shorter side to 248 (bicubic), center crop 224x224").

Writes testdata/golden/vit-tiny-in1k/:
  photos.json      photo order, top-1 and margin with the f16 weights and with
                   the f32 ones, and the largest logit difference between them
  logits_f16.npy   (N, 1000) float32: the golden for the built-in model
  logits_f32.npy   (N, 1000) float32: the same network with the f32 weights

Run from the repo root:
    OMP_NUM_THREADS=1 /usr/bin/python3 scripts/gen_zoo_goldens.py [--checkpoint DIR]
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import torch
from PIL import Image, ImageOps

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_family_goldens as fam  # noqa: E402  (plain-PyTorch timm VisionTransformer)
import gen_goldens as gg  # noqa: E402  (safetensors reader)

PHOTOS = ["astronaut.png", "camera.png", "chelsea.png", "coffee.png", "rocket.jpg"]
F32_ONLY = ("cls_token", "pos_embed", "reg_token")  # vitctl convert keeps these f32


def build(ckpt):
    with open(os.path.join(ckpt, "config.json")) as f:
        c = json.load(f)
    state = gg.read_safetensors(os.path.join(ckpt, "model.safetensors"))
    D = state["cls_token"].shape[-1]
    P = state["patch_embed.proj.weight"].shape[-1]
    n = state["pos_embed"].shape[1] - 1
    a = dict(img_size=P * math.isqrt(n), patch_size=P, embed_dim=D, num_heads=c["model_args"]["num_heads"],
             depth=len({k.split(".")[1] for k in state if k.startswith("blocks.")}),
             mlp_ratio=state["blocks.0.mlp.fc1.weight"].shape[0] / D)
    model = fam.TimmViT(a, c["num_classes"], c["global_pool"]).eval()
    model.load_state_dict(state)
    f16 = {k: v.half().float() if v.dim() >= 2 and k not in F32_ONLY else v for k, v in state.items()}
    model16 = fam.TimmViT(a, c["num_classes"], c["global_pool"]).eval()
    model16.load_state_dict(f16)
    return model.double(), model16.double(), c["pretrained_cfg"]


def pixels(path, cfg):
    size = cfg["input_size"][-1]
    assert cfg["interpolation"] == "bicubic" and cfg.get("crop_mode", "center") == "center"
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im).convert("RGB")
    scale = math.floor(size / cfg["crop_pct"])
    w, h = im.size
    if w <= h:
        nw, nh = scale, int(scale * h / w)
    else:
        nw, nh = int(scale * w / h), scale
    im = im.resize((nw, nh), resample=Image.BICUBIC)
    top, left = int(round((nh - size) / 2.0)), int(round((nw - size) / 2.0))
    im = im.crop((left, top, left + size, top + size))
    x = torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1).float() / 255
    mean = torch.tensor(cfg["mean"], dtype=torch.float32)[:, None, None]
    std = torch.tensor(cfg["std"], dtype=torch.float32)[:, None, None]
    return ((x - mean) / std)[None]


def top(logits):
    v, i = torch.topk(logits, 2)
    return int(i[0]), float(v[0] - v[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--checkpoint", default=os.path.join(root, "..", "shared", "models", "vit-tiny-in1k"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    model32, model16, cfg = build(args.checkpoint)
    out = os.path.join(root, "testdata", "golden", "vit-tiny-in1k")
    os.makedirs(out, exist_ok=True)
    l16, l32, summary = [], [], {"photos": [], "checkpoint_sha256": "9b8202b8caf5c3c0e38499b64889081240d8b9d725c2b44ec4a00ffde93b70a0"}
    for photo in PHOTOS:
        x = pixels(os.path.join(root, "testdata", "images", photo), cfg).double()
        with torch.no_grad():
            a, b = model16(x)["logits"][0], model32(x)["logits"][0]
        (t16, m16), (t32, m32) = top(a), top(b)
        d = float((a - b).abs().max())
        summary["photos"].append(dict(photo=photo, top1=t16, margin=m16, top1_f32=t32, margin_f32=m32,
                                      f16_vs_f32_max_delta=d))
        print(f"{photo:14s} top1 {t16} (margin {m16:.3f}), f32 weights top1 {t32}; logits max|Δ| f16 vs f32 {d:.2e}")
        l16.append(a.numpy().astype(np.float32))
        l32.append(b.numpy().astype(np.float32))
    np.save(os.path.join(out, "logits_f16.npy"), np.stack(l16))
    np.save(os.path.join(out, "logits_f32.npy"), np.stack(l32))
    gg.write_json(os.path.join(out, "photos.json"), summary)


if __name__ == "__main__":
    main()
