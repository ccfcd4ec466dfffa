#!/usr/bin/env python3
"""Pixel goldens for vitctl's image pipeline, made with Pillow.

Copies the public-domain photos shipped by Debian's python3-skimage into
testdata/images/, writes small odd-format files derived from them into
testdata/images/formats/, and for each image stores what the Hugging Face
reference computes before normalisation:

    Image.open -> ImageOps.exif_transpose -> convert("RGB")
    -> resize((W, H), resample)   (skipped for "native" goldens)
    -> uint8 -> float64 * (1/255) -> float32, HWC -> CHW

as float32 .npy arrays (3, H, W) under testdata/pixels/, listed in
testdata/pixels/manifest.tsv. Normalisation is a per-channel affine map done
in float32 and is tested separately.

Two deliberate departures from Pillow 9.4 bugs are spelled out where the
goldens are made (reference_rgb): TIFF orientation is applied once, not
twice; and 16-bit grayscale PNG/TIFF, which Pillow reads as mode "I" and
convert("RGB") clips above 255 to white, keep their high byte, as Pillow
itself does for 16-bit RGB, RGBA and LA.

Run through scripts/gen_pixel_goldens.sh, which installs what is missing.
"""
import os
import shutil
import struct
import sys
import zlib

import numpy as np
from PIL import Image, ImageOps
from PIL.PngImagePlugin import PngInfo

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
IMAGES = os.path.join(ROOT, "testdata", "images")
FORMATS = os.path.join(IMAGES, "formats")
PIXELS = os.path.join(ROOT, "testdata", "pixels")
SKIMAGE = "/usr/lib/python3/dist-packages/skimage/data"
PHOTOS = ["chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg", "camera.png"]

NEAREST, LANCZOS, BILINEAR, BICUBIC, BOX, HAMMING = 0, 1, 2, 3, 4, 5
# Files Pillow reads but vitctl refuses with an error (x/image/bmp reads
# no bare DIB); they stay in formats/ for the error tests.
UNSUPPORTED = {"bmp_bare.dib"}
FILTER_NAMES = {0: "nearest", 1: "lanczos", 2: "bilinear", 3: "bicubic", 4: "box", 5: "hamming"}


def copy_photos():
    os.makedirs(IMAGES, exist_ok=True)
    for name in PHOTOS:
        shutil.copyfile(os.path.join(SKIMAGE, name), os.path.join(IMAGES, name))


def png16(path, arr, color_type):
    """Writes a 16-bit PNG (Pillow cannot save 16-bit RGB, RGBA or LA)."""
    h, w = arr.shape[:2]
    raw = arr.astype(">u2").reshape(h, -1).tobytes()
    stride = len(raw) // h
    data = b"".join(b"\x00" + raw[y * stride:(y + 1) * stride] for y in range(h))

    def chunk(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(data, 9)))
        f.write(chunk(b"IEND", b""))


def gif_offset_frame(path, pal, canvas, box, transparency=None):
    """Writes a GIF whose only frame covers part of the canvas (Pillow never
    writes one): uncompressed LZW, a clear code every 250 literals keeps
    codes 9 bits wide."""
    w, h = canvas
    x0, y0, x1, y1 = box
    pix = np.asarray(pal)[: y1 - y0, : x1 - x0].tobytes()
    codes = []
    for i in range(0, len(pix), 250):
        codes += [256] + list(pix[i:i + 250])
    codes.append(257)
    acc = nbits = 0
    data = bytearray()
    for c in codes:
        acc |= c << nbits
        nbits += 9
        while nbits >= 8:
            data.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits:
        data.append(acc)
    table = bytes(pal.getpalette()[:768]).ljust(768, b"\0")
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", w, h, 0xF7, 0, 0) + table)
    if transparency is not None:
        out += bytes([0x21, 0xF9, 4, 1, 0, 0, transparency, 0])
    out += b"\x2c" + struct.pack("<HHHHB", x0, y0, x1 - x0, y1 - y0, 0) + b"\x08"
    for i in range(0, len(data), 255):
        out += bytes([len(data[i:i + 255])]) + data[i:i + 255]
    out += b"\x00\x3b"
    with open(path, "wb") as f:
        f.write(out)


def associate_alpha(src, dst):
    """Copies a little-endian RGBA TIFF, marking its alpha as associated
    (ExtraSamples = 1), which Pillow will not write itself."""
    d = bytearray(open(src, "rb").read())
    ifd = struct.unpack_from("<I", d, 4)[0]
    for i in range(struct.unpack_from("<H", d, ifd)[0]):
        e = ifd + 2 + 12 * i
        if struct.unpack_from("<H", d, e)[0] == 338:
            struct.pack_into("<H", d, e + 8, 1)
    open(dst, "wb").write(d)


def exif(orientation):
    e = Image.Exif()
    e[0x0112] = orientation
    return e.tobytes()


def make_formats():
    """Small files covering the decoders' colour models and options."""
    os.makedirs(FORMATS, exist_ok=True)
    out = lambda name: os.path.join(FORMATS, name)
    src = Image.open(os.path.join(SKIMAGE, "coffee.png")).convert("RGB")
    # 61x41: odd sizes exercise the chroma edge handling of every decoder.
    rgb = src.resize((61, 41), Image.Resampling.LANCZOS)
    rgb.save(out("png_rgb.png"))
    gray = rgb.convert("L")
    gray.save(out("png_gray.png"))
    rgb.convert("1").save(out("png_bilevel.png"))
    rng = np.random.default_rng(7)
    alpha = Image.fromarray(rng.integers(0, 256, (41, 61), dtype=np.uint8))
    rgba = rgb.copy()
    rgba.putalpha(alpha)
    rgba.save(out("png_rgba.png"))
    la = gray.copy()
    la.putalpha(alpha)
    la.save(out("png_gray_alpha.png"))
    pal = rgb.quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    pal.save(out("png_palette.png"))
    pal.save(out("png_palette_trns.png"), transparency=3)
    rgb.save(out("png_rgb_trns.png"), transparency=tuple(int(v) for v in rgb.getpixel((0, 0))))
    # 16-bit: 8-bit values spread over the full range plus low-byte noise.
    a8 = np.asarray(rgb).astype(np.uint16)
    noise = rng.integers(0, 256, a8.shape, dtype=np.uint16)
    a16 = a8 * 256 + noise
    png16(out("png_rgb16.png"), a16, 2)
    al16 = np.asarray(alpha).astype(np.uint16) * 257
    png16(out("png_rgba16.png"), np.dstack([a16, al16]), 6)
    g16 = np.asarray(gray).astype(np.uint16) * 256 + noise[..., 0]
    png16(out("png_gray_alpha16.png"), np.dstack([g16, al16]), 4)
    Image.fromarray(g16, mode="I;16").save(out("png_gray16.png"))
    rgb.save(out("png_orient6.png"), exif=exif(6))
    # ImageMagick's way: the EXIF block as hex in a text chunk.
    raw = exif(3).hex()  # tobytes() starts with "Exif\0\0"
    info = PngInfo()
    info.add_text("Raw profile type exif", "\nexif\n%8d\n" % (len(raw) // 2) +
                  "\n".join(raw[i:i + 72] for i in range(0, len(raw), 72)) + "\n", zip=True)
    rgb.save(out("png_orient3_rawprofile.png"), pnginfo=info)
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
                  'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
                  'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="8"/></rdf:RDF></x:xmpmeta>')
    rgb.save(out("png_orient8_xmp.png"), pnginfo=info)

    pal.save(out("gif_palette.gif"))
    pal.save(out("gif_trns.gif"), transparency=5)
    gif_offset_frame(out("gif_offset.gif"), pal, (61, 41), (10, 5, 50, 35))
    gif_offset_frame(out("gif_offset_trns.gif"), pal, (61, 41), (10, 5, 50, 35), transparency=9)
    frames = [pal, rgb.transpose(Image.Transpose.FLIP_LEFT_RIGHT).quantize(colors=64)]
    frames[0].save(out("gif_anim.gif"), save_all=True, append_images=frames[1:], duration=100, loop=0)

    rgb.save(out("bmp_rgb24.bmp"))
    pal.save(out("bmp_pal8.bmp"))
    gray.save(out("bmp_gray8.bmp"))
    rgba.save(out("bmp_rgba32.bmp"))
    rgb.convert("1").save(out("bmp_bilevel.bmp"))
    # Pillow saves a .dib as a bare DIB: the info header, no "BM" file header.
    rgb.save(out("bmp_bare.dib"))

    rgb.save(out("tiff_rgb.tif"))
    rgb.save(out("tiff_lzw.tif"), compression="tiff_lzw")
    rgb.save(out("tiff_deflate.tif"), compression="tiff_adobe_deflate")
    rgb.save(out("tiff_packbits.tif"), compression="packbits")
    gray.save(out("tiff_gray.tif"))
    rgba.save(out("tiff_rgba.tif"))
    associate_alpha(out("tiff_rgba.tif"), out("tiff_rgba_associated.tif"))
    pal.save(out("tiff_palette.tif"))
    # CMYK: Pillow's convert("RGB") composites the black (cmyk2rgb: R =
    # (255-K) - C*(255-K)/255), which the goldens hold; LZW with the
    # horizontal predictor, which vitctl undoes on the CMYK samples itself.
    rgb.convert("CMYK").save(out("tiff_cmyk.tif"))
    rgb.convert("CMYK").save(out("tiff_cmyk_predictor.tif"), compression="tiff_lzw", tiffinfo={317: 2})
    Image.fromarray(g16, mode="I;16").save(out("tiff_gray16.tif"))
    rgb.save(out("tiff_orient6.tif"), tiffinfo={0x0112: 6})

    rgb.save(out("webp_lossless.webp"), lossless=True)
    rgba.save(out("webp_lossless_alpha.webp"), lossless=True)
    rgb.save(out("webp_lossy.webp"), quality=80)
    rgba.save(out("webp_lossy_alpha.webp"), quality=80)
    rgb.save(out("webp_orient8.webp"), quality=80, exif=exif(8))

    # JPEG: the chroma subsamplings, progressive, grayscale, CMYK (Pillow
    # writes Adobe-inverted CMYK) and every EXIF orientation, on a larger
    # odd-sized photo crop so the IDCT and upsampling have texture to differ on.
    big = src.resize((151, 101), Image.Resampling.LANCZOS)
    for ss, name in [(0, "444"), (1, "422"), (2, "420")]:
        big.save(out(f"jpeg_{name}.jpg"), quality=90, subsampling=ss)
    big.save(out("jpeg_progressive.jpg"), quality=90, progressive=True)
    big.convert("L").save(out("jpeg_gray.jpg"), quality=90)
    big.convert("CMYK").save(out("jpeg_cmyk.jpg"), quality=90)
    for o in range(2, 9):
        rgb.save(out(f"jpeg_orient{o}.jpg"), quality=90, exif=exif(o))


def reference_rgb(path):
    """Image.open -> exif_transpose -> convert("RGB"), as HF's load_image."""
    im = Image.open(path)
    if im.format == "TIFF":
        # Pillow 9.4's TIFF loader applies the Orientation tag itself when it
        # loads the pixels, yet getexif() still reports it, so exif_transpose
        # rotates a second time (an orientation-6 TIFF comes out turned by
        # 180 degrees). vitctl applies the tag once, as the loader does.
        im.load()
    else:
        im = ImageOps.exif_transpose(im)
    if im.mode in ("I", "I;16", "I;16B", "I;16L"):
        im = Image.fromarray((np.asarray(im).astype(np.uint32) >> 8).astype(np.uint8), mode="L")
    return im.convert("RGB")


def golden(im, size, resample):
    if size is not None:
        im = im.resize(size, resample=resample)
    a = np.asarray(im, dtype=np.uint8).astype(np.float64) * (1 / 255)
    return np.ascontiguousarray(a.astype(np.float32).transpose(2, 0, 1))


def main():
    copy_photos()
    make_formats()
    os.makedirs(PIXELS, exist_ok=True)
    for f in os.listdir(PIXELS):
        if f.endswith(".npy"):
            os.remove(os.path.join(PIXELS, f))
    jobs = []  # (image path relative to testdata/images, (W, H) or None, resample)
    jobs += [(name, (224, 224), BILINEAR) for name in PHOTOS]
    jobs += [(name, (224, 224), BICUBIC) for name in ("chelsea.png", "rocket.jpg", "camera.png")]
    jobs += [(name, (160, 96), BICUBIC) for name in ("coffee.png", "rocket.jpg")]
    jobs += [("chelsea.png", (100, 70), r) for r in (NEAREST, LANCZOS, BOX, HAMMING)]
    # Upscaling (support not stretched) on one small file.
    jobs += [("formats/png_rgb.png", (96, 80), r) for r in (BILINEAR, BICUBIC)]
    for name in sorted(os.listdir(FORMATS)):
        if name in UNSUPPORTED:
            continue
        rel = "formats/" + name
        jobs += [(rel, None, BILINEAR), (rel, (40, 30), BICUBIC)]
    rows = ["golden\timage\twidth\theight\tresample"]
    for rel, size, resample in jobs:
        im = reference_rgb(os.path.join(IMAGES, rel))
        stem = rel.replace("/", "_").rsplit(".", 1)[0] + "_" + rel.rsplit(".", 1)[1]
        if size is None:
            gname, w, h = f"{stem}_native.npy", 0, 0
        else:
            w, h = size
            gname = f"{stem}_{w}x{h}_{FILTER_NAMES[resample]}.npy"
        np.save(os.path.join(PIXELS, gname), golden(im, size, resample))
        rows.append(f"{gname}\t{rel}\t{w}\t{h}\t{resample}")
    with open(os.path.join(PIXELS, "manifest.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    print(f"wrote {len(jobs)} goldens to {os.path.relpath(PIXELS)}", file=sys.stderr)


if __name__ == "__main__":
    main()
