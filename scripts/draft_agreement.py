#!/usr/bin/env python3
"""Makes the large JPEGs for scripts/draft_agreement.sh and compares its
two classify runs.

  draft_agreement.py make DIR      write DIR/{1024x768,4000x3000}/*.jpg
  draft_agreement.py compare A B   top-1 agreement of two -o jsonl files

Photos: every 8th of ../shared/datasets/flowers5 (128×128 originals,
upscaled, so blurrier than camera photos) and scikit-image's photos
(astronaut, chelsea, coffee, motorcycle, rocket, ...), resized with Lanczos
to each size and saved by Pillow at quality 90 (4:2:0).
"""
import glob
import json
import os
import sys

from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FLOWERS = os.path.join(ROOT, "..", "shared", "datasets", "flowers5")
SKIMAGE = "/usr/lib/python3/dist-packages/skimage/data"
SKIMAGE_PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png",
                  "rocket.jpg", "hubble_deep_field.jpg", "immunohistochemistry.png", "retina.jpg",
                  "page.png", "grass.png", "gravel.png", "brick.png"]
SIZES = {"1024x768": (1024, 768), "4000x3000": (4000, 3000)}


def sources():
    flowers = sorted(glob.glob(os.path.join(FLOWERS, "*", "*.jpg")))[::8]
    photos = [os.path.join(SKIMAGE, n) for n in SKIMAGE_PHOTOS if os.path.exists(os.path.join(SKIMAGE, n))]
    return flowers + photos


def make(out):
    srcs = sources()
    for name, size in SIZES.items():
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        # 12 MP files are 1-2 MB each: a quarter of the set is enough.
        for i, src in enumerate(srcs if name == "1024x768" else srcs[::4]):
            im = Image.open(src).convert("RGB").resize(size, Image.Resampling.LANCZOS)
            stem = os.path.basename(os.path.dirname(src)) + "_" + os.path.splitext(os.path.basename(src))[0]
            im.save(os.path.join(d, f"{i:04d}_{stem}.jpg"), quality=90)
        print(f"{d}: {len(os.listdir(d))} JPEGs", file=sys.stderr)


def top1(path):
    out = {}
    for line in open(path):
        r = json.loads(line)
        out[r["path"]] = (r["top_k"][0]["index"], r["top_k"][0]["logit"])
    return out


def compare(a, b):
    ra, rb = top1(a), top1(b)
    same = sum(ra[p][0] == rb[p][0] for p in ra)
    dl = max(abs(ra[p][1] - rb[p][1]) for p in ra)
    print(f"{same}/{len(ra)} top-1 equal ({100 * same / len(ra):.1f} %), max |Δ top logit| {dl:.3f}")


if __name__ == "__main__":
    {"make": lambda: make(sys.argv[2]), "compare": lambda: compare(sys.argv[2], sys.argv[3])}[sys.argv[1]]()
