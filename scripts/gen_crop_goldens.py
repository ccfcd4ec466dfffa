#!/usr/bin/python3
"""Pixel goldens for resize-then-center-crop (timm's and DeiT's eval transforms).

For each case, with Pillow and torchvision (Debian's python3-pil and
python3-torchvision):

    Image.open -> convert("RGB")
    -> torchvision.transforms.Resize(s, interpolation)   (timm: s = floor(size / crop_pct),
       or Resize((h, w)) for Hugging Face DeiT's fixed size)
    -> torchvision.transforms.CenterCrop(size)
    -> uint8 -> float64 * (1/255) -> float32, HWC -> CHW

This is timm's transforms_imagenet_eval up to ToTensor (which divides in
float32; vitctl rescales as Hugging Face does, so the goldens keep its
units, as gen_pixel_goldens.py does). Writes testdata/pixels/crop/*.npy and
manifest.tsv (golden, image, shortest, resize_w, resize_h, crop_w, crop_h,
resample). Run from the repo root: /usr/bin/python3 scripts/gen_crop_goldens.py
"""
import os
import shutil

import numpy as np
from PIL import Image
from torchvision import transforms
from torchvision.transforms import InterpolationMode

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "testdata", "pixels", "crop")
MODES = {2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC}

# image, shortest side (0: fixed resize), resize w, h, crop w, h, PIL filter id
CASES = [
    ("astronaut.png", 256, 0, 0, 224, 224, 3),  # timm crop_pct 0.875, square image
    ("chelsea.png", 248, 0, 0, 224, 224, 3),    # crop_pct 0.9, landscape: long side int(248*451/300)
    ("chelsea.png", 236, 0, 0, 223, 223, 2),    # odd margins 131 and 13: offsets 66 and 6 (half to even)
    ("rocket.jpg", 40, 0, 0, 32, 32, 3),        # strong downscale, portrait or landscape JPEG
    ("coffee.png", 0, 256, 256, 224, 224, 3),   # Hugging Face DeiT: size 256x256, crop_size 224
]


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    rows = ["golden\timage\tshortest\tresize_w\tresize_h\tcrop_w\tcrop_h\tresample"]
    for image, s, rw, rh, cw, ch, rs in CASES:
        img = Image.open(os.path.join(ROOT, "testdata", "images", image)).convert("RGB")
        size = s if s else (rh, rw)
        img = transforms.Resize(size, interpolation=MODES[rs])(img)
        img = transforms.CenterCrop((ch, cw))(img)
        x = (np.asarray(img).astype(np.float64) * (1 / 255)).astype(np.float32).transpose(2, 0, 1)
        name = f"{image.replace('.', '_')}_{s or f'{rw}x{rh}'}_crop{cw}x{ch}_{rs}.npy"
        np.save(os.path.join(OUT, name), np.ascontiguousarray(x))
        rows.append(f"{name}\t{image}\t{s}\t{rw}\t{rh}\t{cw}\t{ch}\t{rs}")
        print(name, x.shape)
    with open(os.path.join(OUT, "manifest.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
