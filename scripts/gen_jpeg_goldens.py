#!/usr/bin/env python3
"""Pixel goldens for vitctl's JPEG decoder (internal/imageio/jpeg), made with
Pillow (which decodes with libjpeg-turbo, islow IDCT, fancy upsampling).

Encodes small crops of the repository's photos with Pillow and with
libjpeg-turbo's cjpeg/jpegtran (Debian's libjpeg-turbo-progs) into
testdata/jpeg/, covering: 4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1 sampling, odd and
tiny sizes (chroma 1 or 2 samples wide, where libjpeg stops interpolating),
baseline and progressive, restart intervals, non-interleaved sequential
scans, optimized Huffman tables, grayscale, RGB-coded, Adobe CMYK and YCCK files,
low and high quality. For each file it stores what Pillow decodes,
np.asarray(Image.open(f)) in the file's own mode (L, RGB or CMYK, no
conversion), and for some Image.draft("RGB", size) at 1/2, 1/4 and 1/8
scale. Goldens are PNGs (CMYK packed into RGBA's four channels), listed in
testdata/jpeg/manifest.tsv: golden, jpeg, scale, mode.

Also writes files vitctl must refuse (arithmetic coding, 12-bit, lossless)
listed in testdata/jpeg/refuse.tsv.

Run through scripts/gen_jpeg_goldens.sh, which installs what is missing.
"""
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageOps

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
IMAGES = os.path.join(ROOT, "testdata", "images")
OUT = os.path.join(ROOT, "testdata", "jpeg")


def photo(name, w, h, box=None):
    im = Image.open(os.path.join(IMAGES, name)).convert("RGB")
    if box:
        im = im.crop(box)
    return im.resize((w, h), Image.Resampling.LANCZOS)


def cjpeg(src, dst, *args, tmp):
    ppm = os.path.join(tmp, "in.ppm")
    src.save(ppm)
    subprocess.run(["cjpeg", *args, "-outfile", dst, ppm], check=True)


def scans_file(tmp, text):
    p = os.path.join(tmp, "scans.txt")
    with open(p, "w") as f:
        f.write(text)
    return p


def make_files(tmp):
    """Returns [(jpeg name, [draft scales])]."""
    files = []
    out = lambda n: os.path.join(OUT, n)
    coffee = photo("coffee.png", 61, 43)
    cat = photo("chelsea.png", 99, 67)
    astro = photo("astronaut.png", 73, 73, box=(100, 0, 400, 300))

    # Pillow's encoder (libjpeg-turbo underneath), the common chroma layouts.
    for ss, n in [(0, "444"), (1, "422"), (2, "420")]:
        coffee.save(out(f"pil_{n}.jpg"), quality=90, subsampling=ss)
        files.append((f"pil_{n}.jpg", []))
        cat.save(out(f"cat_{n}.jpg"), quality=85, subsampling=ss)
        files.append((f"cat_{n}.jpg", [2, 4, 8]))
    cat.save(out("cat_progressive.jpg"), quality=85, progressive=True)
    files.append(("cat_progressive.jpg", [2, 4, 8]))
    astro.save(out("astro_q20.jpg"), quality=20)
    astro.save(out("astro_q100_444.jpg"), quality=100, subsampling=0)
    files += [("astro_q20.jpg", [2]), ("astro_q100_444.jpg", [2, 8])]
    coffee.convert("L").save(out("pil_gray.jpg"), quality=90)
    cat.convert("L").save(out("cat_gray_progressive.jpg"), quality=85, progressive=True)
    coffee.convert("CMYK").save(out("pil_cmyk.jpg"), quality=90)
    cat.convert("CMYK").save(out("cat_cmyk.jpg"), quality=85)
    files += [("pil_gray.jpg", []), ("cat_gray_progressive.jpg", [4]), ("pil_cmyk.jpg", []),
              ("cat_cmyk.jpg", [2])]
    # YCCK: the same coded data with the Adobe marker's transform set to 2,
    # so libjpeg converts the first three components from YCbCr.
    cmyk = bytearray(open(out("pil_cmyk.jpg"), "rb").read())
    adobe = cmyk.index(b"Adobe")  # APP14 payload: "Adobe", version, flags0, flags1, transform
    assert cmyk[adobe - 4:adobe - 2] == b"\xff\xee" and cmyk[adobe + 11] == 0
    cmyk[adobe + 11] = 2
    open(out("pil_ycck.jpg"), "wb").write(bytes(cmyk))
    files.append(("pil_ycck.jpg", []))

    # Odd and tiny sizes: partial MCUs, chroma 1-2 samples wide or tall.
    for w, h in [(1, 1), (2, 2), (3, 11), (4, 3), (5, 4), (7, 5), (17, 9), (33, 1), (1, 33)]:
        im = photo("coffee.png", w, h)
        for ss, n in [(1, "422"), (2, "420")]:
            name = f"tiny_{w}x{h}_{n}.jpg"
            im.save(out(name), quality=90, subsampling=ss)
            files.append((name, []))

    # cjpeg: 4:4:0 and 4:1:1, restart intervals, scan layouts.
    jobs = [
        ("cj_440.jpg", cat, ["-quality", "85", "-sample", "1x2,1x1,1x1"], [2, 4, 8]),
        ("cj_440_odd.jpg", coffee, ["-quality", "90", "-sample", "1x2,1x1,1x1"], []),
        ("cj_411.jpg", coffee, ["-quality", "90", "-sample", "4x1,1x1,1x1"], [2]),
        ("cj_422v.jpg", coffee, ["-quality", "90", "-sample", "2x2,2x1,1x1"], []),
        ("cj_restart_rows.jpg", cat, ["-quality", "85", "-restart", "1"], []),
        ("cj_restart_blocks.jpg", coffee, ["-quality", "90", "-restart", "5B"], []),
        ("cj_progressive.jpg", cat, ["-quality", "85", "-progressive"], [2]),
        ("cj_progressive_restart.jpg", coffee, ["-quality", "90", "-progressive", "-restart", "3B"], []),
        ("cj_progressive_444.jpg", astro, ["-quality", "90", "-progressive", "-sample", "1x1"], []),
        ("cj_progressive_gray.jpg", coffee, ["-quality", "90", "-progressive", "-grayscale"], []),
        ("cj_optimize.jpg", coffee, ["-quality", "75", "-optimize"], []),
        ("cj_rgb.jpg", coffee, ["-quality", "90", "-rgb"], []),
        ("cj_gray_restart.jpg", cat, ["-quality", "85", "-grayscale", "-restart", "2B"], [8]),
        ("cj_noninterleaved.jpg", coffee, ["-quality", "90", "-scans",
                                           scans_file(tmp, "0;\n1;\n2;\n")], []),
    ]
    for name, src, args, scales in jobs:
        cjpeg(src, out(name), *args, tmp=tmp)
        files.append((name, scales))

    # jpegtran: a progressive script with successive approximation on every
    # band, applied to a Pillow baseline file (lossless transcoding).
    script = scans_file(tmp, "0 1 2: 0 0 0 2;\n0: 1 5 0 2;\n2: 1 63 0 1;\n1: 1 63 0 1;\n"
                        "0: 6 63 0 2;\n0: 1 63 2 1;\n0 1 2: 0 0 2 1;\n0 1 2: 0 0 1 0;\n"
                        "2: 1 63 1 0;\n1: 1 63 1 0;\n0: 1 63 1 0;\n")
    subprocess.run(["jpegtran", "-scans", script, "-outfile", out("jt_successive.jpg"),
                    out("pil_420.jpg")], check=True)
    files.append(("jt_successive.jpg", []))

    # Progressive files that stop short of full precision (jpegtran takes
    # scan scripts that send only part of the coefficients, as a cut-off
    # download of a progressive file looks): libjpeg smooths their blocks
    # from the neighbours' DC values (5x5 blocks; the DC too when a component
    # has no AC data). Small and 4:2:0 sources reach the window's clamping
    # at iMCU-row and right edges.
    partial = [
        ("jt_dc_only.jpg", "cat_420.jpg", "0 1 2: 0 0 0 0;\n", [2, 8]),
        ("jt_dc_approx.jpg", "cat_422.jpg", "0 1 2: 0 0 0 2;\n", []),
        ("jt_low_ac.jpg", "cat_420.jpg", "0 1 2: 0 0 0 0;\n0: 1 5 0 0;\n", [4]),
        ("jt_unrefined.jpg", "cat_444.jpg", "0 1 2: 0 0 0 1;\n0: 1 63 0 2;\n1: 1 63 0 1;\n"
         "2: 1 63 0 1;\n0: 1 63 2 1;\n", []),
        ("jt_partial_tiny.jpg", "tiny_17x9_420.jpg", "0 1 2: 0 0 0 0;\n0: 1 2 0 1;\n", []),
        ("jt_partial_narrow.jpg", "tiny_3x11_422.jpg", "0 1 2: 0 0 0 0;\n", []),
        ("jt_partial_gray.jpg", "pil_gray.jpg", "0: 0 0 0 1;\n0: 1 9 0 0;\n", [2]),
    ]
    for name, src, text, scales in partial:
        subprocess.run(["jpegtran", "-scans", scans_file(tmp, text), "-outfile", out(name),
                        out(src)], check=True)
        files.append((name, scales))
    return files


def make_refused(tmp):
    out = lambda n: os.path.join(OUT, n)
    src = photo("coffee.png", 16, 16)
    cjpeg(src, out("refuse_arithmetic.jpg"), "-arithmetic", tmp=tmp)
    base = open(out("pil_444.jpg"), "rb").read()
    # The same file with its SOF0 changed: 12-bit samples, then lossless.
    i = base.index(b"\xff\xc0")
    twelve = bytearray(base)
    twelve[i + 4] = 12
    open(out("refuse_12bit.jpg"), "wb").write(bytes(twelve))
    lossless = bytearray(base)
    lossless[i + 1] = 0xC3
    open(out("refuse_lossless.jpg"), "wb").write(bytes(lossless))
    return ["refuse_arithmetic.jpg", "refuse_12bit.jpg", "refuse_lossless.jpg"]


def pipeline_goldens():
    """Draft decoding as vitctl's --decode draft does it: Image.draft("RGB",
    the resize size in the file's stored orientation), exif_transpose,
    convert("RGB"), resize. Listed in testdata/jpeg/pipeline.tsv."""
    rows = ["golden\timage\twidth\theight\tresample"]
    for rel, (w, h), resample in [("rocket.jpg", (112, 112), Image.Resampling.BILINEAR),
                                  ("rocket.jpg", (100, 52), Image.Resampling.BICUBIC),
                                  ("formats/jpeg_orient6.jpg", (20, 30), Image.Resampling.BILINEAR),
                                  ("formats/jpeg_420.jpg", (18, 12), Image.Resampling.BICUBIC)]:
        im = Image.open(os.path.join(IMAGES, rel))
        turned = im.getexif().get(0x0112, 1) >= 5
        im.draft("RGB", (h, w) if turned else (w, h))
        im = ImageOps.exif_transpose(im).convert("RGB").resize((w, h), resample=resample)
        name = "pipeline_" + rel.replace("/", "_").rsplit(".", 1)[0] + f"_{w}x{h}.png"
        im.save(os.path.join(OUT, name), optimize=True)
        rows.append(f"{name}\t{rel}\t{w}\t{h}\t{int(resample)}")
    with open(os.path.join(OUT, "pipeline.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")


def save_golden(im, name):
    if im.mode == "CMYK":
        im = Image.frombytes("RGBA", im.size, im.tobytes())
    im.save(os.path.join(OUT, name), optimize=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    with tempfile.TemporaryDirectory() as tmp:
        files = make_files(tmp)
        refused = make_refused(tmp)
    rows = ["golden\tjpeg\tscale\tmode"]
    for name, scales in files:
        stem = name.rsplit(".", 1)[0]
        im = Image.open(os.path.join(OUT, name))
        im.load()
        save_golden(im, f"{stem}.png")
        rows.append(f"{stem}.png\t{name}\t1\t{im.mode}")
        for s in scales:
            im = Image.open(os.path.join(OUT, name))
            w, h = im.size
            im.draft("RGB", (w // s, h // s))
            assert im.size == ((w + s - 1) // s, (h + s - 1) // s), (name, s, im.size)
            im.load()
            save_golden(im, f"{stem}_draft{s}.png")
            rows.append(f"{stem}_draft{s}.png\t{name}\t{s}\t{im.mode}")
    with open(os.path.join(OUT, "manifest.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    pipeline_goldens()
    for name in refused:
        try:
            Image.open(os.path.join(OUT, name)).load()
            print(f"note: Pillow decodes {name}", file=sys.stderr)
        except Exception as e:  # noqa: BLE001 - Pillow's errors vary by case
            print(f"{name}: Pillow: {e}", file=sys.stderr)
    print(f"wrote {len(rows) - 1} goldens to {os.path.relpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
