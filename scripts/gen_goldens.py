#!/usr/bin/python3
"""Reference checkpoints and per-stage goldens for vitctl's model tests.

Builds small random-weight ViTForImageClassification checkpoints in the exact
Hugging Face folder layout (config.json, preprocessor_config.json,
model.safetensors or its shards, pytorch_model.bin) and records what an
independent implementation computes on a random pixel batch: embeddings, the
output of every encoder layer, the final LayerNorm, the attention
probabilities of every layer and the logits.

The reference is written here in plain PyTorch modules that follow Hugging
Face's modeling_vit (module and parameter names included, so state_dict() has
the Hugging Face keys). It runs in float64; goldens are stored as float32.
Every model is also run through torchvision's VisionTransformer with the
weights mapped in, and the run fails unless the two agree.

Runs on Debian's python3-torch, python3-torchvision and python3-numpy; use
scripts/gen_goldens.sh, which installs them when missing. Output is
byte-identical from run to run (fixed seeds, one thread).

    scripts/gen_goldens.sh                     # rewrite testdata/models and testdata/golden
    scripts/gen_goldens.sh --vit-base DIR      # also a ViT-B/16-shaped model + goldens in DIR
"""

import argparse
import functools
import json
import math
import os
import shutil
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torchvision.models.vision_transformer import VisionTransformer

BATCH = 3
COMMAND = "scripts/gen_goldens.sh"

LABELS = [
    "tabby cat", "golden retriever", "goldfish", "espresso", "mountain bike",
    "lighthouse", "daisy", "violin", "pizza", "school bus", "red fox", "sailboat",
]


def vit_config(**kw):
    """A config.json for ViTForImageClassification with Hugging Face's defaults."""
    labels = kw.pop("labels")
    c = {
        "architectures": ["ViTForImageClassification"],
        "attention_probs_dropout_prob": 0.0,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "initializer_range": 0.02,
        "layer_norm_eps": 1e-12,
        "model_type": "vit",
        "num_channels": 3,
        "qkv_bias": True,
        "torch_dtype": "float32",
    }
    c.update(kw)
    c["encoder_stride"] = c["patch_size"]
    c["id2label"] = {str(i): n for i, n in enumerate(labels)}
    c["label2id"] = {n: i for i, n in enumerate(labels)}
    return c


# Each model changes a few options from the Hugging Face defaults; together
# they cover every config field that changes the numbers.
MODELS = [
    dict(name="vit-p16-gelu", seed=1601, storage="f32", shards=1,
         covers="patch 16 (4x4 grid), gelu (erf), eps 1e-12, qkv_bias, 2 layers; the HF default config in miniature",
         config=vit_config(image_size=64, patch_size=16, hidden_size=64, num_hidden_layers=2,
                           num_attention_heads=4, intermediate_size=128, labels=LABELS[:10])),
    dict(name="vit-p8-h6-eps6", seed=806, storage="f32", shards=1,
         covers="patch 8, 6 heads (hd 8), 3 layers, eps 1e-6, gelu; torchvision's own config",
         config=vit_config(image_size=32, patch_size=8, hidden_size=48, num_hidden_layers=3,
                           num_attention_heads=6, intermediate_size=96, layer_norm_eps=1e-6,
                           labels=LABELS[2:12])),
    dict(name="vit-p8-relu-noqkvbias", seed=808, storage="f32", shards=1,
         covers="qkv_bias false (no query/key/value bias tensors), relu, odd sizes (5x5 grid, T 26, hd 15, I 100)",
         config=vit_config(image_size=40, patch_size=8, hidden_size=60, num_hidden_layers=2,
                           num_attention_heads=4, intermediate_size=100, hidden_act="relu",
                           qkv_bias=False, labels=LABELS[:7])),
    dict(name="vit-p16-gelunew-bf16", seed=1616, storage="bf16", shards=1,
         covers="weights stored in bf16 (safetensors BF16, bf16 pytorch_model.bin; reference = bf16 upcast), gelu_new (tanh)",
         config=vit_config(image_size=48, patch_size=16, hidden_size=64, num_hidden_layers=2,
                           num_attention_heads=8, intermediate_size=192, hidden_act="gelu_new",
                           torch_dtype="bfloat16", labels=LABELS)),
    dict(name="vit-p8-quickgelu-sharded", seed=888, storage="f32", shards=2,
         covers="sharded safetensors (2 shards + model.safetensors.index.json, no .bin), quick_gelu, eps 1e-6",
         config=vit_config(image_size=32, patch_size=8, hidden_size=96, num_hidden_layers=2,
                           num_attention_heads=6, intermediate_size=192, hidden_act="quick_gelu",
                           layer_norm_eps=1e-6, labels=LABELS[1:11])),
    dict(name="vit-p8-f16", seed=816, storage="f16", shards=1,
         covers="weights stored in f16 (safetensors F16, f16 pytorch_model.bin; reference = f16 upcast), gelu_pytorch_tanh",
         config=vit_config(image_size=16, patch_size=8, hidden_size=32, num_hidden_layers=2,
                           num_attention_heads=2, intermediate_size=64, hidden_act="gelu_pytorch_tanh",
                           torch_dtype="float16", labels=LABELS[:10])),
]

VIT_BASE = dict(name="vit-base-patch16-224-random", seed=224, storage="f32", shards=1, bin=False,
                covers="ViT-B/16 shapes (opt-in, not committed)",
                config=vit_config(image_size=224, patch_size=16, hidden_size=768, num_hidden_layers=12,
                                  num_attention_heads=12, intermediate_size=3072,
                                  labels=[f"class {i}" for i in range(1000)]))

PREPROCESSOR = {
    "do_normalize": True,
    "do_rescale": True,
    "do_resize": True,
    "image_mean": [0.5, 0.5, 0.5],
    "image_processor_type": "ViTImageProcessor",
    "image_std": [0.5, 0.5, 0.5],
    "resample": 2,
    "rescale_factor": 1 / 255,
}

# Hugging Face's ACT2FN entries for the activations vitctl supports.
ACTIVATIONS = {
    "gelu": F.gelu,  # exact, erf form
    "gelu_new": lambda x: 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "relu": F.relu,
    "quick_gelu": lambda x: x * torch.sigmoid(1.702 * x),
}

STORAGE = {  # storage -> (torch dtype, safetensors dtype)
    "f32": (torch.float32, "F32"),
    "bf16": (torch.bfloat16, "BF16"),
    "f16": (torch.float16, "F16"),
}


# ---------------------------------------------------------------------------
# The reference: Hugging Face's ViTForImageClassification, module for module.
# Dropout is 0 and head masks are absent, so both are left out.

class Dense(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.dense = nn.Linear(n_in, n_out)


class PatchEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        P = c["patch_size"]
        self.projection = nn.Conv2d(c["num_channels"], c["hidden_size"], kernel_size=P, stride=P)

    def forward(self, pixels):  # (B, C, H, W) -> (B, N, D)
        return self.projection(pixels).flatten(2).transpose(1, 2)


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        D, T = c["hidden_size"], tokens(c)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, D))
        self.position_embeddings = nn.Parameter(torch.zeros(1, T, D))
        self.patch_embeddings = PatchEmbeddings(c)

    def forward(self, pixels):  # -> (B, T, D)
        x = self.patch_embeddings(pixels)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        return x + self.position_embeddings


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        D = c["hidden_size"]
        self.H = c["num_attention_heads"]
        self.hd = D // self.H
        self.query = nn.Linear(D, D, bias=c["qkv_bias"])
        self.key = nn.Linear(D, D, bias=c["qkv_bias"])
        self.value = nn.Linear(D, D, bias=c["qkv_bias"])

    def forward(self, x):  # (B, T, D) -> context (B, T, D), probs (B, H, T, T)
        B, T, D = x.shape
        split = lambda t: t.view(B, T, self.H, self.hd).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        # Hugging Face's eager path takes the softmax in float32; here it is
        # taken in the working dtype, so the float64 reference stays float64.
        probs = torch.softmax(q @ k.transpose(-1, -2) * self.hd**-0.5, dim=-1)
        return (probs @ v).transpose(1, 2).reshape(B, T, D), probs


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = SelfAttention(c)
        self.output = Dense(c["hidden_size"], c["hidden_size"])


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        D, I, eps = c["hidden_size"], c["intermediate_size"], c["layer_norm_eps"]
        self.attention = Attention(c)
        self.intermediate = Dense(D, I)
        self.output = Dense(I, D)
        self.layernorm_before = nn.LayerNorm(D, eps=eps)
        self.layernorm_after = nn.LayerNorm(D, eps=eps)
        self.act = ACTIVATIONS[c["hidden_act"]]

    def forward(self, x):  # pre-norm block: (B, T, D) -> (B, T, D), probs
        ctx, probs = self.attention.attention(self.layernorm_before(x))
        x = x + self.attention.output.dense(ctx)
        h = self.act(self.intermediate.dense(self.layernorm_after(x)))
        return x + self.output.dense(h), probs


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"]))


class ViTModel(nn.Module):  # without the pooler, as ViTForImageClassification builds it
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)
        self.layernorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])


class ViTForImageClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.vit = ViTModel(c)
        self.classifier = nn.Linear(c["hidden_size"], len(c["id2label"]))

    def forward(self, pixels):
        """Returns every stage: embeddings, blocks, attn, final_norm, logits."""
        x = self.vit.embeddings(pixels)
        out = {"embeddings": x, "blocks": [], "attn": []}
        for layer in self.vit.encoder.layer:
            x, probs = layer(x)
            out["blocks"].append(x)
            out["attn"].append(probs)
        x = self.vit.layernorm(x)
        out["final_norm"] = x
        out["logits"] = self.classifier(x[:, 0, :])
        return out


def tokens(c):
    return (c["image_size"] // c["patch_size"]) ** 2 + 1


def hf_keys(c):
    """The state-dict keys of a Hugging Face ViTForImageClassification, spelled out."""
    keys = ["vit.embeddings.cls_token", "vit.embeddings.position_embeddings",
            "vit.embeddings.patch_embeddings.projection.weight",
            "vit.embeddings.patch_embeddings.projection.bias"]
    for i in range(c["num_hidden_layers"]):
        p = f"vit.encoder.layer.{i}."
        for m in ["attention.attention.query", "attention.attention.key", "attention.attention.value"]:
            keys += [p + m + ".weight"] + ([p + m + ".bias"] if c["qkv_bias"] else [])
        for m in ["attention.output.dense", "intermediate.dense", "output.dense",
                  "layernorm_before", "layernorm_after"]:
            keys += [p + m + ".weight", p + m + ".bias"]
    keys += ["vit.layernorm.weight", "vit.layernorm.bias", "classifier.weight", "classifier.bias"]
    return keys


def init_weights(model, seed):
    """Fills every parameter with seeded random values that no bug can ignore:
    linear and conv weights ~ N(0, 1/fan_in) (query and key wider, so the
    attention is far from uniform), biases ~ N(0, 0.2^2), LayerNorm weights
    ~ 1 + N(0, 0.2^2), CLS and position embeddings ~ N(0, 0.5^2)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            r = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if "layernorm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * r)
            elif name.endswith("bias"):
                p.copy_(0.2 * r)
            elif p.dim() >= 2 and name.endswith("weight"):
                gain = 1.5 if (".query." in name or ".key." in name) else 1.0
                p.copy_(r * gain / math.sqrt(p[0].numel()))
            else:  # cls_token, position_embeddings
                p.copy_(0.5 * r)


# ---------------------------------------------------------------------------
# Hugging Face checkpoint files.

def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def write_safetensors(path, tensors, st_dtype):
    """The safetensors format: u64 LE header size, JSON header (name ->
    dtype, shape, data_offsets into the data section; padded with spaces to 8
    bytes), then each tensor's raw little-endian bytes, C order."""
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": st_dtype, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    return off


def write_checkpoint(spec, model, folder):
    c = spec["config"]
    dtype, st_dtype = STORAGE[spec["storage"]]
    os.makedirs(folder)
    write_json(os.path.join(folder, "config.json"), c)
    pre = dict(PREPROCESSOR, size={"height": c["image_size"], "width": c["image_size"]})
    write_json(os.path.join(folder, "preprocessor_config.json"), pre)

    state = model.to(dtype).state_dict()  # keeps the OrderedDict's _metadata, as save_pretrained does
    model.float()
    if list(state) != hf_keys(c):
        sys.exit(f"{spec['name']}: state-dict keys differ from Hugging Face's")
    if spec["shards"] == 1:
        write_safetensors(os.path.join(folder, "model.safetensors"), state, st_dtype)
        if spec.get("bin", True):
            torch.save(state, os.path.join(folder, "pytorch_model.bin"))
        verify_checkpoint(folder, state)
        return
    # Split on layer boundaries: embeddings and the first half of the layers first.
    n = spec["shards"]
    files = [f"model-{i + 1:05d}-of-{n:05d}.safetensors" for i in range(n)]
    L = c["num_hidden_layers"]

    def shard(key):
        if key.startswith("vit.encoder.layer."):
            return min(n - 1, int(key.split(".")[3]) * n // L)
        return 0 if key.startswith("vit.embeddings.") else n - 1

    weight_map = {k: files[shard(k)] for k in state}
    total = 0
    for i, fname in enumerate(files):
        part = {k: v for k, v in state.items() if shard(k) == i}
        total += write_safetensors(os.path.join(folder, fname), part, st_dtype)
    write_json(os.path.join(folder, "model.safetensors.index.json"),
               {"metadata": {"total_size": total}, "weight_map": weight_map})
    verify_checkpoint(folder, state)


def read_safetensors(path):
    """Reads a file back, checking the header covers the data with no hole."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header, data, out, end = json.loads(buf[8:8 + n]), buf[8 + n:], {}, 0
    header.pop("__metadata__", None)
    np_dtype = {"F32": np.float32, "F16": np.float16, "BF16": np.int16}
    for name, h in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        a, b = h["data_offsets"]
        assert a == end, f"{path}: hole or overlap before {name}"
        t = torch.from_numpy(np.frombuffer(data[a:b], np_dtype[h["dtype"]]).copy()).reshape(h["shape"])
        out[name] = t.view(torch.bfloat16) if h["dtype"] == "BF16" else t
        end = b
    assert end == len(data), f"{path}: {len(data) - end} bytes after the last tensor"
    return out


def verify_checkpoint(folder, state):
    """Reads every weight file back and compares it with the state dict."""
    shards = {}
    for fname in sorted(os.listdir(folder)):
        path = os.path.join(folder, fname)
        if fname.endswith(".safetensors"):
            got = read_safetensors(path)
            shards.update(got)
        elif fname.endswith(".bin"):
            got = torch.load(path)
            assert sorted(got) == sorted(state), f"{path}: tensor names differ"
        else:
            continue
        for k, v in got.items():
            assert v.dtype == state[k].dtype and torch.equal(v, state[k]), f"{path}: {k} differs"
    assert sorted(shards) == sorted(state), f"{folder}: safetensors names differ"


# ---------------------------------------------------------------------------
# The cross-check: torchvision's VisionTransformer with the same weights.

def torchvision_twin(c, state):
    D, L = c["hidden_size"], c["num_hidden_layers"]
    tv = VisionTransformer(c["image_size"], c["patch_size"], L, c["num_attention_heads"], D,
                           c["intermediate_size"], num_classes=len(c["id2label"]),
                           norm_layer=functools.partial(nn.LayerNorm, eps=c["layer_norm_eps"]))
    if c["hidden_act"] != "gelu":  # torchvision's MLP is Linear, GELU, Dropout, Linear, Dropout
        act = ACTIVATIONS[c["hidden_act"]]
        for blk in tv.encoder.layers:
            blk.mlp[1] = LambdaModule(act)
    m = {
        "class_token": state["vit.embeddings.cls_token"],
        "conv_proj.weight": state["vit.embeddings.patch_embeddings.projection.weight"],
        "conv_proj.bias": state["vit.embeddings.patch_embeddings.projection.bias"],
        "encoder.pos_embedding": state["vit.embeddings.position_embeddings"],
        "encoder.ln.weight": state["vit.layernorm.weight"],
        "encoder.ln.bias": state["vit.layernorm.bias"],
        "heads.head.weight": state["classifier.weight"],
        "heads.head.bias": state["classifier.bias"],
    }
    for i in range(L):
        h, t = f"vit.encoder.layer.{i}.", f"encoder.layers.encoder_layer_{i}."
        qkv = [h + "attention.attention." + x for x in ("query", "key", "value")]
        m[t + "self_attention.in_proj_weight"] = torch.cat([state[k + ".weight"] for k in qkv])
        m[t + "self_attention.in_proj_bias"] = (
            torch.cat([state[k + ".bias"] for k in qkv]) if c["qkv_bias"]
            else torch.zeros(3 * D, dtype=state[qkv[0] + ".weight"].dtype))
        for a, b in [("self_attention.out_proj", "attention.output.dense"), ("ln_1", "layernorm_before"),
                     ("ln_2", "layernorm_after"), ("mlp.0", "intermediate.dense"), ("mlp.3", "output.dense")]:
            m[t + a + ".weight"] = state[h + b + ".weight"]
            m[t + a + ".bias"] = state[h + b + ".bias"]
    tv.load_state_dict(m, strict=True)
    return tv.eval()


class LambdaModule(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def run_torchvision(tv, pixels):
    """Runs tv and returns the same stages as the reference (no attention:
    torchvision does not return the probabilities)."""
    out = {"blocks": []}
    hooks = [tv.encoder.layers.register_forward_pre_hook(lambda m, a: out.__setitem__("embeddings", a[0])),
             tv.encoder.ln.register_forward_hook(lambda m, a, o: out.__setitem__("final_norm", o))]
    for blk in tv.encoder.layers:
        hooks.append(blk.register_forward_hook(lambda m, a, o: out["blocks"].append(o)))
    out["logits"] = tv(pixels)
    for h in hooks:
        h.remove()
    return out


# ---------------------------------------------------------------------------

def max_delta(a, b):
    """max |a - b| over every stage two runs share."""
    d = 0.0
    for k in a:
        if k in b:
            xs, ys = (a[k], b[k]) if isinstance(a[k], list) else ([a[k]], [b[k]])
            d = max([d] + [(x.double() - y.double()).abs().max().item() for x, y in zip(xs, ys)])
    return d


def save_goldens(folder, pixels, out):
    os.makedirs(folder)
    f32 = lambda t: np.ascontiguousarray(t.detach().numpy().astype(np.float32))
    np.save(os.path.join(folder, "pixels.npy"), f32(pixels))
    np.save(os.path.join(folder, "embeddings.npy"), f32(out["embeddings"]))
    for i, (x, a) in enumerate(zip(out["blocks"], out["attn"])):
        np.save(os.path.join(folder, f"block_{i:02d}.npy"), f32(x))
        np.save(os.path.join(folder, f"attn_{i:02d}.npy"), f32(a))
    np.save(os.path.join(folder, "final_norm.npy"), f32(out["final_norm"]))
    np.save(os.path.join(folder, "logits.npy"), f32(out["logits"]))


def generate(spec, model_dir, golden_dir, batch):
    """Writes one checkpoint and its goldens; returns the figures for the record."""
    c = spec["config"]
    model = ViTForImageClassification(c).eval()
    init_weights(model, spec["seed"])
    for d in (model_dir, golden_dir):
        if os.path.exists(d):
            shutil.rmtree(d)
    write_checkpoint(spec, model, model_dir)  # rounds the weights to the stored dtype in place
    g = torch.Generator().manual_seed(spec["seed"] + 1)
    pixels = torch.randn(batch, c["num_channels"], c["image_size"], c["image_size"], generator=g)

    with torch.no_grad():
        ref = model.double()(pixels.double())
        save_goldens(golden_dir, pixels, ref)
        state = {k: v.clone() for k, v in model.state_dict().items()}
        out32 = model.float()(pixels)
        tv = torchvision_twin(c, state)
        tv_out = run_torchvision(tv.double(), pixels.double())

    fig = {
        "f32_vs_f64_logits": max_delta({"logits": out32["logits"]}, ref),
        "f32_vs_f64_all": max_delta(out32, ref),
        "torchvision_vs_ref": max_delta(tv_out, ref),
    }
    if fig["torchvision_vs_ref"] > 1e-10:
        sys.exit(f"{spec['name']}: torchvision and the reference disagree: max|Δ| {fig['torchvision_vs_ref']:.3g}")
    return fig


def tv_note(c):
    """What the torchvision twin needed to match this config."""
    notes = ([f"its GELU swapped for {c['hidden_act']}"] if c["hidden_act"] != "gelu" else []) + \
        (["zero qkv bias"] if not c["qkv_bias"] else [])
    return f" ({', '.join(notes)})" if notes else ""


def report(spec, fig):
    tv = "torchvision agrees" + tv_note(spec["config"])
    print(f"{spec['name']:26s} f32 vs f64 max|Δ|: logits {fig['f32_vs_f64_logits']:.2e}, "
          f"all stages {fig['f32_vs_f64_all']:.2e}; {tv}: max|Δ| {fig['torchvision_vs_ref']:.2e}")


def write_readme(path, figs):
    lines = [
        "# Goldens",
        "",
        "Made by `scripts/gen_goldens.py` (do not edit; never regenerate from vitctl's output). Command, from the repo root:",
        "",
        f"    {COMMAND}",
        "",
        "It installs Debian's python3-torch, python3-torchvision and python3-numpy when missing and rewrites",
        "`testdata/models/` and this folder byte for byte. The reference follows Hugging Face's modeling_vit",
        "in plain PyTorch, runs in float64 and is stored as float32; every model is cross-checked",
        "against torchvision's VisionTransformer with the weights mapped in (the script fails if they differ).",
        "",
        f"Each `<model>/` holds, for a batch of B={BATCH} random-normal pixel tensors:",
        "`pixels.npy` (B,C,H,W), `embeddings.npy` (B,T,D) after CLS + position embeddings,",
        "`block_NN.npy` (B,T,D) output of encoder layer NN, `attn_NN.npy` (B,H,T,T) its attention",
        "probabilities, `final_norm.npy` (B,T,D), `logits.npy` (B,L). The checkpoint is `../models/<model>/`.",
        "",
        "| model | covers | f32 run vs f64 max\\|Δ\\| (logits / all stages) | torchvision vs reference max\\|Δ\\| |",
        "| --- | --- | --- | --- |",
    ]
    for spec in MODELS:
        f = figs[spec["name"]]
        lines.append(f"| `{spec['name']}` | {spec['covers']} | {f['f32_vs_f64_logits']:.1e} / {f['f32_vs_f64_all']:.1e} "
                     f"| {f['torchvision_vs_ref']:.1e}{tv_note(spec['config'])} |")
    lines += [
        "",
        "Opt-in, not committed: `scripts/gen_goldens.sh --vit-base DIR` also writes a ViT-B/16-shaped random",
        "checkpoint to `DIR/model/` (model.safetensors, 346 MB) and its goldens (B=2) to `DIR/golden/`",
        "(add `--only-vit-base` to skip the small models; about a minute).",
        "",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    help="repository root whose testdata/ is rewritten (default: this script's repo)")
    ap.add_argument("--vit-base", metavar="DIR",
                    help="also write a ViT-B/16-shaped checkpoint and goldens into DIR (346 MB; not committed)")
    ap.add_argument("--only-vit-base", action="store_true", help="skip the small models")
    args = ap.parse_args()

    if sys.byteorder != "little":
        sys.exit("gen_goldens: needs a little-endian machine (safetensors and .npy bytes are written raw)")
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, numpy {np.__version__}")

    if not args.only_vit_base:
        figs = {}
        for spec in MODELS:
            name = spec["name"]
            figs[name] = generate(spec, os.path.join(args.root, "testdata", "models", name),
                                  os.path.join(args.root, "testdata", "golden", name), BATCH)
            report(spec, figs[name])
        write_readme(os.path.join(args.root, "testdata", "golden", "README.md"), figs)
    if args.vit_base:
        fig = generate(VIT_BASE, os.path.join(args.vit_base, "model"), os.path.join(args.vit_base, "golden"), 2)
        report(VIT_BASE, fig)


if __name__ == "__main__":
    main()
