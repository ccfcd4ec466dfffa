#!/usr/bin/python3
"""Checkpoints without a classifier, and what PyTorch computes with them.

Two small random-weight backbones, the kind `vitctl embed` takes and
`vitctl classify` refuses:

- vit-p8-backbone: Hugging Face ViTModel (architectures ["ViTModel"]) as
  save_pretrained writes it: tensor names without the "vit." prefix, and the
  pooler (pooler.dense, add_pooling_layer=True), which feature extraction
  does not use; config.json keeps the two default LABEL_i entries Hugging
  Face writes into every config.
- timm-p8-backbone: timm VisionTransformer with num_classes=0 (head =
  Identity: no head tensors), 2 register tokens, token pooling.

The modules are gen_goldens.py's (Hugging Face modeling_vit) and
gen_family_goldens.py's (timm), in float64. For a batch of random pixels each
golden folder holds pixels.npy, embeddings.npy, block_NN.npy, attn_NN.npy
and final_norm.npy (B, T, D): the hidden states after the final LayerNorm,
from which the cls, mean and tokens features are taken; the timm one also
pre_logits.npy (B, D), what its Identity head returns (the class token after
the norm).

Run from the repo root:
    OMP_NUM_THREADS=1 /usr/bin/python3 scripts/gen_backbone_goldens.py
"""

import os
import shutil
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_family_goldens as fam  # noqa: E402
import gen_goldens as gg  # noqa: E402

BATCH = 3


class HFViTModel(nn.Module):
    """Hugging Face ViTModel with its pooler, keys as save_pretrained writes them."""

    def __init__(self, c):
        super().__init__()
        self.embeddings = gg.Embeddings(c)
        self.encoder = gg.Encoder(c)
        self.layernorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.pooler = gg.Dense(c["hidden_size"], c["hidden_size"])

    def forward(self, pixels):
        x = self.embeddings(pixels)
        out = {"embeddings": x, "blocks": [], "attn": []}
        for layer in self.encoder.layer:
            x, probs = layer(x)
            out["blocks"].append(x)
            out["attn"].append(probs)
        out["final_norm"] = self.layernorm(x)
        return out


def hf_backbone():
    c = gg.vit_config(image_size=32, patch_size=8, hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                      intermediate_size=96, layer_norm_eps=1e-12, labels=["LABEL_0", "LABEL_1"])
    c["architectures"] = ["ViTModel"]
    model = HFViTModel(c).eval()
    gg.init_weights(model, 3201)
    return model, c, c["image_size"]


def timm_backbone():
    a = dict(img_size=32, patch_size=8, embed_dim=40, depth=2, num_heads=4, reg_tokens=2)
    c = fam.timm_config("vit_tiny_backbone_random", [], "token", a, 32, 0.875)
    c["num_classes"] = 0
    c["pretrained_cfg"]["num_classes"] = 0
    del c["label_names"]
    model = fam.TimmViT(a, 1, "token").eval()
    model.head = nn.Identity()  # timm's num_classes=0
    fam.init_weights(model, 3202)
    return model, c, a["img_size"]


def write(name, model, c, size, root):
    mdir = os.path.join(root, "testdata", "models", name)
    gdir = os.path.join(root, "testdata", "golden", name)
    for d in (mdir, gdir):
        if os.path.exists(d):
            shutil.rmtree(d)
    os.makedirs(mdir)
    gg.write_json(os.path.join(mdir, "config.json"), c)
    if "model_type" in c:
        gg.write_json(os.path.join(mdir, "preprocessor_config.json"),
                      dict(gg.PREPROCESSOR, size={"height": size, "width": size}))
    state = model.state_dict()
    assert not any(k.startswith(("head", "classifier", "vit.")) for k in state), sorted(state)
    gg.write_safetensors(os.path.join(mdir, "model.safetensors"), state, "F32")
    gg.verify_checkpoint(mdir, state)
    pixels = torch.randn(BATCH, 3, size, size, generator=torch.Generator().manual_seed(len(name)))
    with torch.no_grad():
        ref = model.double()(pixels.double())
    os.makedirs(gdir)
    f32 = lambda t: np.ascontiguousarray(t.detach().numpy().astype(np.float32))
    np.save(os.path.join(gdir, "pixels.npy"), f32(pixels))
    np.save(os.path.join(gdir, "embeddings.npy"), f32(ref["embeddings"]))
    for i, (x, p) in enumerate(zip(ref["blocks"], ref["attn"])):
        np.save(os.path.join(gdir, f"block_{i:02d}.npy"), f32(x))
        np.save(os.path.join(gdir, f"attn_{i:02d}.npy"), f32(p))
    np.save(os.path.join(gdir, "final_norm.npy"), f32(ref["final_norm"]))
    if "logits" in ref:  # timm: the Identity head's output, the pooled features
        np.save(os.path.join(gdir, "pre_logits.npy"), f32(ref["logits"]))
    print(f"{name}: {len(state)} tensors, T={ref['final_norm'].shape[1]}, D={ref['final_norm'].shape[2]}")


def main():
    if sys.byteorder != "little":
        sys.exit("gen_backbone_goldens: needs a little-endian machine")
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    write("vit-p8-backbone", *hf_backbone(), root)
    write("timm-p8-backbone", *timm_backbone(), root)


if __name__ == "__main__":
    main()
