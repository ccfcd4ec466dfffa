#!/usr/bin/python3
"""Reference checkpoints and per-stage goldens for the DeiT and timm families.

Writes small random-weight checkpoints under testdata/models/ and what an
independent plain-PyTorch implementation computes on a random pixel batch
under testdata/golden/, in the format of gen_goldens.py: pixels, embeddings
(after norm_pre when the model has one), block_NN, attn_NN, final_norm (or,
for fc_norm models, fc_norm.npy (B, D): the pooled features after fc_norm),
logits. Float64 reference, float32 files.

- Hugging Face DeiT: DeiTForImageClassification and
  DeiTForImageClassificationWithTeacher, modules named as in modeling_deit
  (state_dict() has Hugging Face's keys), with DeiTImageProcessor's
  preprocessor_config.json (resize 36x36, center crop 32).
- timm VisionTransformer: modules named as in timm/models/vision_transformer.py
  (cls_token, reg_token, pos_embed, patch_embed.proj, norm_pre, blocks.N.*,
  norm, fc_norm, head) with the config.json timm's push_to_hub writes
  (architecture, num_classes, global_pool, model_args, pretrained_cfg,
  label_names).

Also DeiT interpolation goldens at a non-square and a square size
(testdata/golden/deit-interp/: pos, pixels, logits per size), as
gen_interp_goldens.py does for ViT, with both prefix tokens kept.

Run from the repo root (Debian's python3-torch and python3-numpy):
    OMP_NUM_THREADS=1 /usr/bin/python3 scripts/gen_family_goldens.py
"""

import math
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_goldens as gg  # noqa: E402  (HF ViT layer modules, file writers)

BATCH = 3
IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


# ---------------------------------------------------------------------------
# Hugging Face DeiT. The encoder layers are ViT's, module for module, so
# gen_goldens' Encoder gives them the same keys (deit.encoder.layer.N...).

class DeiTEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        D = c["hidden_size"]
        n = (c["image_size"] // c["patch_size"]) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, D))
        self.distillation_token = nn.Parameter(torch.zeros(1, 1, D))
        self.patch_embeddings = gg.PatchEmbeddings(c)
        self.position_embeddings = nn.Parameter(torch.zeros(1, n + 2, D))

    def forward(self, pixels, pos=None):  # [CLS; DIST; patches] + pos: (B, N+2, D)
        x = self.patch_embeddings(pixels)
        B = x.shape[0]
        x = torch.cat([self.cls_token.expand(B, -1, -1), self.distillation_token.expand(B, -1, -1), x], dim=1)
        return x + (self.position_embeddings if pos is None else pos)


class DeiTModel(nn.Module):  # add_pooling_layer=False, as both classifiers build it
    def __init__(self, c):
        super().__init__()
        self.embeddings = DeiTEmbeddings(c)
        self.encoder = gg.Encoder(c)
        self.layernorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])


class DeiTClassifier(nn.Module):
    """DeiTForImageClassification (teacher=False): one classifier on token 0.
    DeiTForImageClassificationWithTeacher (teacher=True): cls_classifier on
    token 0, distillation_classifier on token 1, logits their mean."""

    def __init__(self, c, teacher):
        super().__init__()
        D, L = c["hidden_size"], len(c["id2label"])
        self.teacher = teacher
        self.deit = DeiTModel(c)
        if teacher:
            self.cls_classifier = nn.Linear(D, L)
            self.distillation_classifier = nn.Linear(D, L)
        else:
            self.classifier = nn.Linear(D, L)

    def forward(self, pixels, pos=None):
        x = self.deit.embeddings(pixels, pos)
        out = {"embeddings": x, "blocks": [], "attn": []}
        for layer in self.deit.encoder.layer:
            x, probs = layer(x)
            out["blocks"].append(x)
            out["attn"].append(probs)
        x = self.deit.layernorm(x)
        out["final_norm"] = x
        if self.teacher:
            out["logits"] = (self.cls_classifier(x[:, 0]) + self.distillation_classifier(x[:, 1])) / 2
        else:
            out["logits"] = self.classifier(x[:, 0])
        return out


def deit_config(arch, **kw):
    c = gg.vit_config(**kw)
    c["model_type"] = "deit"
    c["architectures"] = [arch]
    return c


# ---------------------------------------------------------------------------
# timm VisionTransformer (Block: pre-norm, fused qkv, optional LayerScale).

class LayerScale(nn.Module):
    def __init__(self, D):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(D))

    def forward(self, x):
        return x * self.gamma


class TimmAttention(nn.Module):
    def __init__(self, D, H, qkv_bias):
        super().__init__()
        self.H, self.hd = H, D // H
        self.qkv = nn.Linear(D, 3 * D, bias=qkv_bias)
        self.proj = nn.Linear(D, D)

    def forward(self, x):  # qkv rows: [q; k; v], heads contiguous in each
        B, N, D = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.H, self.hd).permute(2, 0, 3, 1, 4)
        probs = ((q * self.hd**-0.5) @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((probs @ v).transpose(1, 2).reshape(B, N, D)), probs


class Mlp(nn.Module):
    def __init__(self, D, I, act):
        super().__init__()
        self.fc1 = nn.Linear(D, I)
        self.fc2 = nn.Linear(I, D)
        self.act = {"gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
                    "quick_gelu": lambda x: x * torch.sigmoid(1.702 * x)}[act]

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class TimmBlock(nn.Module):
    def __init__(self, a):
        super().__init__()
        D = a["embed_dim"]
        self.norm1 = nn.LayerNorm(D, eps=1e-6)
        self.attn = TimmAttention(D, a["num_heads"], a.get("qkv_bias", True))
        self.ls1 = LayerScale(D) if a.get("init_values") else nn.Identity()
        self.norm2 = nn.LayerNorm(D, eps=1e-6)
        self.mlp = Mlp(D, int(D * a.get("mlp_ratio", 4.0)), a.get("act_layer", "gelu"))
        self.ls2 = LayerScale(D) if a.get("init_values") else nn.Identity()

    def forward(self, x):
        y, probs = self.attn(self.norm1(x))
        x = x + self.ls1(y)
        return x + self.ls2(self.mlp(self.norm2(x))), probs


class PatchEmbed(nn.Module):
    def __init__(self, a):
        super().__init__()
        P = a["patch_size"]
        self.proj = nn.Conv2d(3, a["embed_dim"], P, stride=P, bias=not a.get("pre_norm", False))


class TimmViT(nn.Module):
    """VisionTransformer; distilled=True is VisionTransformerDistilled (timm's
    DeiT): a dist_token after CLS, head_dist on it, eval logits the mean."""

    def __init__(self, a, num_classes, global_pool, distilled=False):
        super().__init__()
        D = a["embed_dim"]
        self.class_token = a.get("class_token", True)
        self.distilled = distilled
        self.reg = a.get("reg_tokens", 0)
        self.no_embed_class = a.get("no_embed_class", False)
        self.global_pool = global_pool
        self.prefix = int(self.class_token) + int(distilled) + self.reg
        n = (a["img_size"] // a["patch_size"]) ** 2
        self.patch_embed = PatchEmbed(a)
        if self.class_token:
            self.cls_token = nn.Parameter(torch.zeros(1, 1, D))
        if distilled:
            self.dist_token = nn.Parameter(torch.zeros(1, 1, D))
        if self.reg:
            self.reg_token = nn.Parameter(torch.zeros(1, self.reg, D))
        self.pos_embed = nn.Parameter(torch.zeros(1, n if self.no_embed_class else n + self.prefix, D))
        self.norm_pre = nn.LayerNorm(D, eps=1e-6) if a.get("pre_norm") else nn.Identity()
        self.blocks = nn.Sequential(*[TimmBlock(a) for _ in range(a["depth"])])
        fc = a.get("fc_norm")
        use_fc_norm = global_pool == "avg" if fc is None else fc
        self.norm = nn.Identity() if use_fc_norm else nn.LayerNorm(D, eps=1e-6)
        self.fc_norm = nn.LayerNorm(D, eps=1e-6) if use_fc_norm else nn.Identity()
        self.use_fc_norm = use_fc_norm
        self.head = nn.Linear(D, num_classes)
        if distilled:
            self.head_dist = nn.Linear(D, num_classes)

    def forward(self, pixels):
        x = self.patch_embed.proj(pixels).flatten(2).transpose(1, 2)
        B = x.shape[0]
        prefix = ([self.cls_token.expand(B, -1, -1)] if self.class_token else []) + \
                 ([self.dist_token.expand(B, -1, -1)] if self.distilled else []) + \
                 ([self.reg_token.expand(B, -1, -1)] if self.reg else [])
        if self.no_embed_class:  # position embeddings for the patches only, then the prefix
            x = torch.cat(prefix + [x + self.pos_embed], dim=1)
        else:
            x = torch.cat(prefix + [x], dim=1) + self.pos_embed
        x = self.norm_pre(x)
        out = {"embeddings": x, "blocks": [], "attn": []}
        for blk in self.blocks:
            x, probs = blk(x)
            out["blocks"].append(x)
            out["attn"].append(probs)
        x = self.norm(x)
        if not self.use_fc_norm:
            out["final_norm"] = x
        h = x
        x = x[:, 0] if self.global_pool == "token" else x[:, self.prefix:].mean(dim=1)
        x = self.fc_norm(x)
        if self.use_fc_norm:
            out["fc_norm"] = x
        out["logits"] = self.head(x)
        if self.distilled:
            out["logits"] = (out["logits"] + self.head_dist(h[:, 1])) / 2
        return out


def timm_config(arch, labels, global_pool, model_args, input_size, crop_pct):
    return {
        "architecture": arch,
        "num_classes": len(labels),
        "num_features": model_args["embed_dim"],
        "global_pool": global_pool,
        "model_args": model_args,
        "pretrained_cfg": {
            "tag": "random", "custom_load": False, "input_size": [3, input_size, input_size],
            "fixed_input_size": True, "interpolation": "bicubic", "crop_pct": crop_pct,
            "crop_mode": "center", "mean": IMAGENET_MEAN, "std": IMAGENET_STD,
            "num_classes": len(labels), "pool_size": None, "first_conv": "patch_embed.proj",
            "classifier": "head",
        },
        "label_names": labels,
    }


# ---------------------------------------------------------------------------

DEIT_PREPROCESSOR = {
    "crop_size": {"height": 32, "width": 32}, "do_center_crop": True, "do_normalize": True,
    "do_rescale": True, "do_resize": True, "image_mean": IMAGENET_MEAN,
    "image_processor_type": "DeiTImageProcessor", "image_std": IMAGENET_STD, "resample": 3,
    "rescale_factor": 1 / 255, "size": {"height": 36, "width": 36},
}

L = gg.LABELS
MODELS = [
    dict(name="deit-p8-distilled", seed=2801, family="deit", teacher=False, files=("safetensors",),
         covers="DeiTForImageClassification: CLS + distillation token (T = patches + 2), classifier on CLS; "
                "DeiTImageProcessor resize 36x36 + center crop 32",
         config=deit_config("DeiTForImageClassification", image_size=32, patch_size=8, hidden_size=48,
                            num_hidden_layers=2, num_attention_heads=3, intermediate_size=96,
                            labels=L[:10])),
    dict(name="deit-p8-teacher", seed=2802, family="deit", teacher=True, files=("safetensors", "bin"),
         covers="DeiTForImageClassificationWithTeacher: cls_classifier on token 0, distillation_classifier on "
                "token 1, logits averaged; eps 1e-6, no qkv bias",
         config=deit_config("DeiTForImageClassificationWithTeacher", image_size=32, patch_size=8,
                            hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                            intermediate_size=128, layer_norm_eps=1e-6, qkv_bias=False, labels=L[2:12])),
    dict(name="timm-p8-reg-ls", seed=2803, family="timm", files=("safetensors",),
         covers="timm: class token + 4 register tokens, no_embed_class, LayerScale (init_values), token pooling, "
                "final norm; crop_pct 0.875",
         config=timm_config("vit_tiny_reg4_random", L[:10], "token",
                            dict(img_size=32, patch_size=8, embed_dim=48, depth=2, num_heads=4,
                                 reg_tokens=4, no_embed_class=True, init_values=1e-5), 32, 0.875)),
    dict(name="timm-p8-avg-fcnorm-prenorm", seed=2804, family="timm", files=("safetensors", "bin"),
         covers="timm: global_pool avg + fc_norm (no final norm), norm_pre with a bias-free patch projection, "
                "no qkv bias, mlp_ratio 3; also as pytorch_model.bin",
         config=timm_config("vit_tiny_gap_random", L[1:11], "avg",
                            dict(img_size=40, patch_size=8, embed_dim=60, depth=2, num_heads=5,
                                 pre_norm=True, qkv_bias=False, mlp_ratio=3.0), 40, 0.9)),
    dict(name="timm-p8-noclass-avg", seed=2805, family="timm", files=("safetensors",),
         covers="timm: no class token (class_token False), global_pool avg with fc_norm False (final norm on "
                "every token, then the mean)",
         config=timm_config("vit_tiny_nocls_random", L[:7], "avg",
                            dict(img_size=32, patch_size=8, embed_dim=32, depth=2, num_heads=2,
                                 class_token=False, fc_norm=False), 32, 1.0)),
]

MODELS.append(
    dict(name="timm-p8-deit-distilled", seed=2806, family="timm", distilled=True, files=("safetensors",),
         covers="timm VisionTransformerDistilled (deit_*_distilled_*): dist_token after CLS, head_dist on it, "
                "eval logits the mean of both heads; act gelu_tanh",
         config=timm_config("deit_tiny_distilled_random", L[3:12], "token",
                            dict(img_size=24, patch_size=8, embed_dim=36, depth=2, num_heads=3,
                                 act_layer="gelu_tanh"), 24, 0.875)))

DEIT_INTERP = dict(model="deit-p8-teacher", sizes=[(48, 24), (40, 40)])


def init_weights(model, seed):
    """Seeded values no bug can ignore: matrices ~ N(0, 1/fan_in) (qkv wider so
    attention is far from uniform), biases ~ N(0, 0.2^2), LayerNorm weights
    ~ 1 + N(0, 0.2^2), LayerScale gammas ~ 0.5 + N(0, 0.2^2), tokens and
    position embeddings ~ N(0, 0.5^2)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            r = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if name.endswith(".gamma"):
                p.copy_(0.5 + 0.2 * r)
            elif p.dim() == 1 and name.endswith("weight"):  # LayerNorm
                p.copy_(1 + 0.2 * r)
            elif name.endswith("bias"):
                p.copy_(0.2 * r)
            elif p.dim() >= 2 and name.endswith("weight"):
                wide = any(s in name for s in (".qkv.", ".query.", ".key."))
                p.copy_(r * (1.5 if wide else 1.0) / math.sqrt(p[0].numel()))
            else:
                p.copy_(0.5 * r)


def write_checkpoint(spec, model, folder):
    os.makedirs(folder)
    gg.write_json(os.path.join(folder, "config.json"), spec["config"])
    if spec["family"] == "deit":
        gg.write_json(os.path.join(folder, "preprocessor_config.json"), DEIT_PREPROCESSOR)
    state = model.state_dict()
    if "safetensors" in spec["files"]:
        gg.write_safetensors(os.path.join(folder, "model.safetensors"), state, "F32")
    if "bin" in spec["files"]:
        torch.save(state, os.path.join(folder, "pytorch_model.bin"))
    if "safetensors" in spec["files"]:
        gg.verify_checkpoint(folder, state)
    else:
        got = torch.load(os.path.join(folder, "pytorch_model.bin"))
        assert sorted(got) == sorted(state) and all(torch.equal(got[k], state[k]) for k in state), folder


def save_goldens(folder, pixels, out):
    gg.save_goldens(folder, pixels, {**out, "final_norm": out.get("final_norm", out.get("fc_norm"))})
    if "fc_norm" in out:  # no per-token final norm: the pooled features instead
        os.remove(os.path.join(folder, "final_norm.npy"))
        np.save(os.path.join(folder, "fc_norm.npy"), np.ascontiguousarray(out["fc_norm"].numpy().astype(np.float32)))


def build(spec):
    c = spec["config"]
    if spec["family"] == "deit":
        return DeiTClassifier(c, spec["teacher"]).eval(), c["image_size"]
    a = c["model_args"]
    return TimmViT(a, c["num_classes"], c["global_pool"], spec.get("distilled", False)).eval(), a["img_size"]


def generate(spec, root):
    model, size = build(spec)
    init_weights(model, spec["seed"])
    mdir = os.path.join(root, "testdata", "models", spec["name"])
    gdir = os.path.join(root, "testdata", "golden", spec["name"])
    for d in (mdir, gdir):
        if os.path.exists(d):
            shutil.rmtree(d)
    write_checkpoint(spec, model, mdir)
    pixels = torch.randn(BATCH, 3, size, size, generator=torch.Generator().manual_seed(spec["seed"] + 1))
    with torch.no_grad():
        ref = model.double()(pixels.double())
        f32 = model.float()(pixels)
    save_goldens(gdir, pixels, ref)
    d = (f32["logits"].double() - ref["logits"]).abs().max().item()
    print(f"{spec['name']:28s} T={ref['embeddings'].shape[1]:3d}  f32 vs f64 logits max|Δ| {d:.2e}")
    return model


def deit_interp(model, c, root):
    out = os.path.join(root, "testdata", "golden", "deit-interp")
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    model = model.double()
    P, g = c["patch_size"], c["image_size"] // c["patch_size"]
    native = model.deit.embeddings.position_embeddings.detach()
    D = native.shape[-1]
    f32 = lambda t: np.ascontiguousarray(t.detach().numpy().astype(np.float32))
    for i, (H, W) in enumerate(DEIT_INTERP["sizes"]):
        grid = native[:, 2:].reshape(1, g, g, D).permute(0, 3, 1, 2)
        grid = F.interpolate(grid, size=(H // P, W // P), mode="bicubic", align_corners=False)
        pos = torch.cat([native[:, :2], grid.permute(0, 2, 3, 1).reshape(1, -1, D)], dim=1)
        pixels = torch.randn(2, 3, H, W, generator=torch.Generator().manual_seed(200 + i))
        with torch.no_grad():
            logits = model(pixels.double(), pos)["logits"]
        tag = f"{H}x{W}"
        np.save(os.path.join(out, f"pos_{tag}.npy"), f32(pos[0]))
        np.save(os.path.join(out, f"pixels_{tag}.npy"), f32(pixels))
        np.save(os.path.join(out, f"logits_{tag}.npy"), f32(logits))
        print(f"{DEIT_INTERP['model']} at {tag}: T={pos.shape[1]}")


def main():
    if sys.byteorder != "little":
        sys.exit("gen_family_goldens: needs a little-endian machine")
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for spec in MODELS:
        model = generate(spec, root)
        if spec["name"] == DEIT_INTERP["model"]:
            deit_interp(model, spec["config"], root)


if __name__ == "__main__":
    main()
