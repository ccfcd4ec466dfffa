#!/usr/bin/env python3
"""Reference predictions for the real photos in testdata/images/.

For every test model (testdata/models/*/ with a model.safetensors or shards)
and every photo, runs the Hugging Face pipeline in Pillow + PyTorch: open,
ImageOps.exif_transpose, convert("RGB"), resize to the model's size with its
resample filter, rescale by 1/255, normalise with its mean/std (in float32,
as ViTImageProcessor does), then the plain-PyTorch reference model of
gen_goldens.py in float64. Writes testdata/golden/photos.json:
{model: {photo: {"top1": class, "logits": [...]}}}.

Run from the repo root: /usr/bin/python3 scripts/gen_photo_goldens.py
"""
import glob
import json
import os
import sys

import numpy as np
import torch
from PIL import Image, ImageOps

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_goldens as gg  # noqa: E402

PHOTOS = ["astronaut.png", "camera.png", "chelsea.png", "coffee.png", "rocket.jpg"]


def load_state(mdir):
    state = {}
    for path in sorted(glob.glob(os.path.join(mdir, "*.safetensors"))):
        state.update(gg.read_safetensors(path))
    return {k: v.float() for k, v in state.items()}


def pixels(path, pre):
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im).convert("RGB")
    size = pre["size"]
    im = im.resize((size["width"], size["height"]), resample=pre["resample"])
    # ViTImageProcessor: rescale in float64, back to float32, then normalise.
    x = (np.asarray(im).astype(np.float64) * pre["rescale_factor"]).astype(np.float32)
    mean = np.array(pre["image_mean"], dtype=np.float32)
    std = np.array(pre["image_std"], dtype=np.float32)
    x = (x - mean) / std
    return torch.from_numpy(x.transpose(2, 0, 1).copy())[None]


def main():
    torch.set_num_threads(1)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = {}
    for mdir in sorted(glob.glob(os.path.join(root, "testdata", "models", "*"))):
        name = os.path.basename(mdir)
        with open(os.path.join(mdir, "config.json")) as f:
            c = json.load(f)
        if c.get("model_type") != "vit" or "ViTModel" in c.get("architectures", []) or \
                not glob.glob(os.path.join(mdir, "*.safetensors")):
            continue
        with open(os.path.join(mdir, "preprocessor_config.json")) as f:
            pre = json.load(f)
        c["id2label"] = {int(k): v for k, v in c["id2label"].items()}
        model = gg.ViTForImageClassification(c).eval()
        model.load_state_dict(load_state(mdir))
        model = model.double()
        out[name] = {}
        for photo in PHOTOS:
            with torch.no_grad():
                logits = model(pixels(os.path.join(root, "testdata", "images", photo), pre).double())["logits"][0]
            top = torch.topk(logits, 2).values
            out[name][photo] = {"top1": int(logits.argmax()), "margin": float(top[0] - top[1]),
                                "logits": [float(np.float32(v)) for v in logits]}
            print(f"{name} {photo}: top1 {out[name][photo]['top1']} margin {out[name][photo]['margin']:.4f}")
    with open(os.path.join(root, "testdata", "golden", "photos.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
