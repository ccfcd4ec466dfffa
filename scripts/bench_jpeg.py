#!/usr/bin/env python3
"""JPEG decoding speed, Pillow side: makes the benchmark JPEGs (a
scikit-image photo upscaled to 1024×768 and 4000×3000, Pillow quality 90,
4:2:0) in the given folder and prints Pillow's decode times, full size and
draft 1/8, and decode + bilinear resize to 224×224 (exact, and draft as
Image.draft("RGB", (224, 224)) picks it), as CPU milliseconds per image
(median) on one core.

Used by scripts/bench_jpeg.sh, which runs Go's side in the same session.
"""
import io
import os
import statistics
import sys
import time

from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SIZES = [(1024, 768), (4000, 3000)]


def make(folder):
    src = Image.open(os.path.join(ROOT, "testdata", "images", "astronaut.png")).convert("RGB")
    for w, h in SIZES:
        src.resize((w, h), Image.Resampling.BICUBIC).save(os.path.join(folder, f"photo_{w}x{h}.jpg"), quality=90)


def decode(data, scale):
    im = Image.open(io.BytesIO(data))
    if scale > 1:
        im.draft("RGB", (im.size[0] // scale, im.size[1] // scale))
    im.load()


def to224(data, draft):
    im = Image.open(io.BytesIO(data))
    if draft:
        im.draft("RGB", (224, 224))
    im.convert("RGB").resize((224, 224), Image.Resampling.BILINEAR)


def timed(label, fn, n):
    cpu, wall = [], []
    for _ in range(n):
        c, t = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - t)
    print(f"{label}\t{statistics.median(cpu) * 1e3:.2f}\t{statistics.median(wall) * 1e3:.2f}")


def main():
    folder = sys.argv[1]
    make(folder)
    for w, h in SIZES:
        data = open(os.path.join(folder, f"photo_{w}x{h}.jpg"), "rb").read()
        for scale in (1, 8):
            n = max(5, int(2e7 / (w * h / scale / scale)))
            n = min(n, 60)
            timed(f"pillow\tphoto_{w}x{h}\t1/{scale}", lambda: decode(data, scale), n)
        for mode in ("exact", "draft"):
            n = 60 if w * h < 4e6 or mode == "draft" else 5
            timed(f"pillow\tphoto_{w}x{h}\t224 {mode}", lambda: to224(data, mode == "draft"), n)


if __name__ == "__main__":
    main()
