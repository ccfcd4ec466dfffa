"""Makes 150 640x480 JPEGs (quality 90) from the photos in testdata/images,
for docs/scale.md's decoding figures (scripts/scale_bench.sh):

    python3 scripts/gen_scale_jpegs.py OUTDIR

Each is a random crop of a photo upscaled 1-1.5x past 640x480, half of them
mirrored; Random(0), so the set is the same every time.
"""
import glob
import os
import random
import sys

from PIL import Image


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = random.Random(0)
    paths = sorted(glob.glob("testdata/images/*.png")) + ["testdata/images/rocket.jpg"]
    srcs = [Image.open(p).convert("RGB") for p in paths]
    for i in range(150):
        im = srcs[i % len(srcs)]
        s = max(640 / im.width, 480 / im.height) * rng.uniform(1.0, 1.5)
        big = im.resize((int(im.width * s) + 1, int(im.height * s) + 1), Image.BICUBIC)
        x, y = rng.randint(0, big.width - 640), rng.randint(0, big.height - 480)
        crop = big.crop((x, y, x + 640, y + 480))
        if rng.random() < 0.5:
            crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
        crop.save(os.path.join(out, f"{i:03d}.jpg"), quality=90)


if __name__ == "__main__":
    main(sys.argv[1])
