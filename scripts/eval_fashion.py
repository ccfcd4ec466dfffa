#!/usr/bin/python3
"""Score the Fashion-MNIST demo model with PyTorch and, optionally, with vitctl.

PyTorch runs testdata/models/fashion-vit (Hugging Face layout, the reference)
on all 10,000 test images. Given --vitctl, the test images are written as PNG
files to a temporary folder, `vitctl classify -o jsonl` is run on them, and
both accuracies, their difference, the top-1 agreement and the largest logit
difference are printed. The exit status is 1 when the accuracies differ by
more than --tolerance (percentage points) or vitctl failed on any image.

--samples DIR writes the committed sample images instead: the first three
test images of each class as 8-bit grey PNG (NNNN_label.png) and labels.csv.

Usage:
  scripts/eval_fashion.sh
  scripts/eval_fashion.sh --vitctl ./vitctl [-m fashion-vit.gguf] [--batch 64]
  scripts/eval_fashion.sh --samples testdata/images/fashion
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

sys.dont_write_bytecode = True  # no __pycache__ in scripts/ from the import below
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_fashion as tf  # noqa: E402 (also sets OPENBLAS_NUM_THREADS before torch loads)
import torch  # noqa: E402

PER_CLASS = 3


def slug(label):
    """File-name form of a label: "T-shirt/top" -> "t-shirt_top"."""
    return label.lower().replace("/", "_").replace(" ", "_")


def write_samples(out, images, labels, names):
    """The first PER_CLASS test images of each class, as grey PNG, and labels.csv."""
    os.makedirs(out, exist_ok=True)
    picked = sorted(i for c in range(len(names)) for i in np.flatnonzero(labels == c)[:PER_CLASS])
    with open(os.path.join(out, "labels.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "test_index", "label_id", "label"])
        for i in picked:
            name = f"{i:04d}_{slug(names[labels[i]])}.png"
            Image.fromarray(images[i], mode="L").save(os.path.join(out, name))
            w.writerow([name, i, labels[i], names[labels[i]]])
    print(f"wrote {len(picked)} images and labels.csv to {out}")


@torch.no_grad()
def torch_logits(model, pixels, batch=500):
    return torch.cat([model(torch.from_numpy(pixels[i:i + batch])) for i in range(0, len(pixels), batch)]).numpy()


def run_vitctl(args, images):
    """Classify the images with vitctl: (logits (N, L) with NaN where missing, errors)."""
    with tempfile.TemporaryDirectory(prefix="fashion-eval-") as tmp:
        paths = []
        for i, img in enumerate(images):
            p = os.path.join(tmp, f"{i:05d}.png")
            Image.fromarray(img, mode="L").save(p)
            paths.append(p)
        cmd = [args.vitctl, "classify", "-o", "jsonl", "-k", str(args.num_labels)]
        if args.model_file:
            cmd += ["-m", args.model_file]
        if args.batch:
            cmd += ["--batch", str(args.batch)]
        cmd.append("-")
        print("running:", " ".join(cmd), f"< {len(paths)} paths", file=sys.stderr)
        start = time.monotonic()
        proc = subprocess.run(cmd, input="\n".join(paths) + "\n", capture_output=True, text=True)
        seconds = time.monotonic() - start
        if proc.stderr.strip():
            print(proc.stderr.rstrip()[-2000:], file=sys.stderr)
        logits, errors = parse_jsonl(proc.stdout, {p: i for i, p in enumerate(paths)}, args.num_labels)
        if proc.returncode not in (0, 1):
            errors.append(f"vitctl exited with status {proc.returncode}")
        print(f"vitctl: {len(paths)} images in {seconds:.1f}s ({len(paths) / seconds:.0f} img/s)", file=sys.stderr)
        return logits, errors


def parse_jsonl(out, index_of, num_labels):
    """vitctl's JSONL -> logits (N, L), NaN for images without a result, and error strings."""
    logits = np.full((len(index_of), num_labels), np.nan)
    errors, seen = [], set()
    for n, line in enumerate(out.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            path = obj["path"]
            i = index_of[path] if path in index_of else index_of[os.path.abspath(path)]
        except (ValueError, KeyError, TypeError) as e:
            errors.append(f"output line {n}: cannot use {line[:120]!r}: {e!r}")
            continue
        if i in seen:
            errors.append(f"{path}: reported twice")
        seen.add(i)
        if "error" in obj:
            errors.append(f"{path}: {obj['error']}")
            continue
        for entry in obj.get("top_k", []):
            logits[i, entry["index"]] = entry["logit"]
    missing = len(index_of) - len(seen)
    if missing:
        errors.append(f"{missing} images have no result in vitctl's output")
    return logits, errors


def report(y, ref, got, tolerance):
    """Print the comparison; True when vitctl matches PyTorch within tolerance."""
    n = len(y)
    complete = ~np.isnan(got).any(axis=1)
    ref_top, got_top = ref.argmax(1), np.where(complete, np.nan_to_num(got, nan=-np.inf).argmax(1), -1)
    acc_ref, acc_got = (ref_top == y).mean() * 100, (got_top == y).mean() * 100
    agree = int((ref_top == got_top).sum())
    print(f"PyTorch accuracy: {acc_ref:.2f} % ({int((ref_top == y).sum())}/{n})")
    print(f"vitctl accuracy:  {acc_got:.2f} % ({int((got_top == y).sum())}/{n})")
    print(f"difference:       {acc_got - acc_ref:+.2f} percentage points (tolerance {tolerance})")
    print(f"top-1 agreement:  {agree}/{n}")
    if complete.any():
        print(f"max |logit diff|: {np.abs(got[complete] - ref[complete]).max():.3g}  "
              f"(mean {np.abs(got[complete] - ref[complete]).mean():.3g})")
    for i in np.flatnonzero(ref_top != got_top)[:10]:
        print(f"  test image {i}: PyTorch says {ref_top[i]}, vitctl {got_top[i] if got_top[i] >= 0 else 'nothing'}")
    return abs(acc_got - acc_ref) <= tolerance


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--data", default=tf.DATA_DIR, help="folder with the Fashion-MNIST *-ubyte.gz files")
    ap.add_argument("--model", default=tf.OUT_DIR, help="the reference model, Hugging Face folder")
    ap.add_argument("--vitctl", help="vitctl binary to compare against PyTorch")
    ap.add_argument("-m", dest="model_file", default="fashion-vit",
                    help="model for vitctl: a file or built-in name (default: the built-in fashion-vit)")
    ap.add_argument("--batch", type=int, help="vitctl --batch")
    ap.add_argument("--tolerance", type=float, default=0.1, help="allowed accuracy difference, percentage points")
    ap.add_argument("--samples", metavar="DIR", help="write the sample images and labels.csv to DIR and stop")
    ap.add_argument("--threads", type=int, default=1, help="PyTorch threads")
    args = ap.parse_args()

    images, y = tf.load_split(args.data, "t10k")
    if args.samples:
        write_samples(args.samples, images, y, tf.LABELS)
        return
    model, _, pp, names = tf.load_model(args.model)
    torch.set_num_threads(args.threads)
    args.num_labels = len(names)
    ref = torch_logits(model, tf.preprocess(images, pp))
    if not args.vitctl:
        print(f"PyTorch accuracy: {(ref.argmax(1) == y).mean() * 100:.2f} % ({int((ref.argmax(1) == y).sum())}/{len(y)})")
        return
    got, errors = run_vitctl(args, images)
    for e in errors[:20]:
        print("error:", e, file=sys.stderr)
    ok = report(y, ref, got, args.tolerance)
    sys.exit(0 if ok and not errors else 1)


if __name__ == "__main__":
    main()
