#!/usr/bin/python3
"""Reference logits of `vitctl export`'s Hugging Face folders.

`vitctl export MODEL --out DIR` writes config.json, model.safetensors and
preprocessor_config.json for Hugging Face's ViTForImageClassification. This
script loads each exported folder into the plain-PyTorch, Hugging-Face-named
reference of gen_goldens.py (its state_dict keys are Hugging Face's, and
load_state_dict is strict: a missing, extra or mis-shaped tensor fails), reads
the safetensors file with gen_goldens.read_safetensors (json + numpy, no
safetensors package), and records its float64 logits on a real image.

The pixels follow the exported preprocessor_config.json as Hugging Face's
ViTImageProcessor does (PIL convert("RGB"), resize to size.height x
size.width with the resample filter, x rescale_factor, normalize), so they
are the tensor transformers would feed the exported model; vitctl's test
runs its own model on the same pixels.npy (internal/convert
TestExportGolden).

Writes testdata/golden/export/<model>/:
  pixels.npy   (1, C, H, W) float32
  logits.npy   (1, L) float32 (float64 reference)
  export.json  the SHA-256 of the exported config.json and model.safetensors
               the goldens belong to, the image, top-5 and the float32 run's
               largest logit difference from the float64 one

Run from the repo root (scripts/gen_export_goldens.sh builds vitctl and
exports the folders first):
    OMP_NUM_THREADS=1 /usr/bin/python3 scripts/gen_export_goldens.py EXPORTS_DIR
"""

import hashlib
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_goldens as gg  # noqa: E402  (reference ViTForImageClassification, safetensors reader)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MODELS = {  # model -> test image
    "fashion-vit": "testdata/images/fashion/0000_ankle_boot.png",
    "vit-tiny-in1k": "testdata/images/chelsea.png",
}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def pixels(image, pre):
    """ViTImageProcessor's steps, as transformers runs them on a PIL image."""
    assert pre["image_processor_type"] == "ViTImageProcessor", pre["image_processor_type"]
    img = Image.open(image).convert("RGB")
    if pre["do_resize"]:
        img = img.resize((pre["size"]["width"], pre["size"]["height"]), resample=pre["resample"])
    x = np.asarray(img, dtype=np.float32)
    if pre["do_rescale"]:
        x = x * np.float32(pre["rescale_factor"])
    if pre["do_normalize"]:
        x = (x - np.float32(pre["image_mean"])) / np.float32(pre["image_std"])
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)[None]).astype(np.float32))


def build(folder, dtype):
    with open(os.path.join(folder, "config.json")) as f:
        c = json.load(f)
    assert c["architectures"] == ["ViTForImageClassification"] and c["model_type"] == "vit"
    model = gg.ViTForImageClassification(c).to(dtype).eval()
    state = gg.read_safetensors(os.path.join(folder, "model.safetensors"))
    assert all(v.dtype == torch.float32 for v in state.values()), "export writes float32"
    model.load_state_dict({k: v.to(dtype) for k, v in state.items()}, strict=True)
    return model, c


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    torch.set_num_threads(1)
    rows = []
    for name, image in MODELS.items():
        folder = os.path.join(sys.argv[1], name)
        with open(os.path.join(folder, "preprocessor_config.json")) as f:
            pre = json.load(f)
        px = pixels(os.path.join(ROOT, image), pre)
        with torch.no_grad():
            m64, c = build(folder, torch.float64)
            logits = m64(px.double())["logits"]
            m32, _ = build(folder, torch.float32)
            l32 = m32(px)["logits"]
        out = os.path.join(ROOT, "testdata", "golden", "export", name)
        os.makedirs(out, exist_ok=True)
        np.save(os.path.join(out, "pixels.npy"), px.numpy())
        np.save(os.path.join(out, "logits.npy"), logits.float().numpy())
        top = torch.topk(logits[0], 5)
        info = {
            "config.json sha256": sha256(os.path.join(folder, "config.json")),
            "model.safetensors sha256": sha256(os.path.join(folder, "model.safetensors")),
            "image": image,
            "top5": [[c["id2label"][str(int(i))], round(float(v), 4)] for v, i in zip(top.values, top.indices)],
            "float32 vs float64 max |logit diff|": float(f"{(l32.double() - logits).abs().max():.2g}"),
        }
        with open(os.path.join(out, "export.json"), "w") as f:
            json.dump(info, f, indent=2)
            f.write("\n")
        print(name, json.dumps(info))
        rows.append(f"| `{name}` | `{image}` | {info['top5'][0][0]} ({info['top5'][0][1]}) | "
                    f"{info['float32 vs float64 max |logit diff|']:.1e} |")
    write_readme(rows)


def write_readme(rows):
    with open(os.path.join(ROOT, "testdata", "golden", "export", "README.md"), "w") as f:
        f.write("""# Export goldens

Made by `scripts/gen_export_goldens.sh` (do not edit; never regenerate from vitctl's logits): the
built-in models exported with `vitctl export`, loaded into the Hugging-Face-named PyTorch reference
of `scripts/gen_goldens.py` (strict `load_state_dict`, float64), run on the pixels Hugging Face's
ViTImageProcessor makes of a test image from the exported `preprocessor_config.json`.
`internal/convert` TestExportGolden checks that today's export has the SHA-256s in `export.json`
and that vitctl's logits on `pixels.npy` match `logits.npy`.

| model | image | top-1 (logit) | reference f32 vs f64 max\\|Δ\\| |
| --- | --- | --- | --- |
""" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
