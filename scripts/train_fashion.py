#!/usr/bin/python3
"""Train vitctl's embedded demo model: a small ViT on Fashion-MNIST.

The network is Hugging Face's ViTForImageClassification (modeling_vit), written
out in plain PyTorch because `transformers` is not packaged in Debian: the
module tree is the same, so state_dict() has the Hugging Face key names and the
saved folder (config.json, preprocessor_config.json, model.safetensors) loads
with ViTForImageClassification.from_pretrained and with `vitctl convert`.

Inputs are what ViTImageProcessor would produce for the PNG of a test image
opened with Pillow and convert("RGB"): grey replicated to three channels,
resize to 28x28 (a no-op here), rescale by 1/255, normalise with the training
set's mean and std. So the model takes any RGB photo as well.

Usage: scripts/train_fashion.sh [--epochs N] [--out DIR]
"""

import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

import numpy as np

# torch runs its own OpenMP threads; OpenBLAS threads on top of them
# oversubscribe the cores and make each step several times slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402
from torch import nn

DATA_DIR = "/usr/share/datasets/fashion-mnist"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO, "testdata", "models", "fashion-vit")

LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

# Hugging Face ViTConfig fields; the defaults of ViTConfig where not chosen here.
CONFIG = {
    "hidden_size": 64,
    "num_hidden_layers": 6,
    "num_attention_heads": 4,
    "intermediate_size": 256,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "image_size": 28,
    "patch_size": 7,
    "num_channels": 3,
    "qkv_bias": True,
    "encoder_stride": 7,
}


# ---------------------------------------------------------------- data

def load_idx(path):
    """Read an IDX file (the MNIST container), gzipped: uint8 array."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    if magic >> 8 != 0x08:  # 0x08 = unsigned byte
        raise ValueError(f"{path}: not a uint8 IDX file (magic {magic:#x})")
    ndim = magic & 0xFF
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_split(data_dir, split):
    """split "train" or "t10k": images (N, 28, 28) uint8, labels (N,) int64."""
    x = load_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"))
    y = load_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"))
    return x, y.astype(np.int64)


def dataset_mean_std(train_images):
    """Mean and std of the training pixels in [0, 1], rounded as stored."""
    x = train_images.astype(np.float64) / 255
    return round(float(x.mean()), 4), round(float(x.std()), 4)


def preprocessor_config(mean, std):
    c = CONFIG["num_channels"]
    return {
        "do_normalize": True,
        "do_rescale": True,
        "do_resize": True,
        "image_mean": [mean] * c,
        "image_processor_type": "ViTImageProcessor",
        "image_std": [std] * c,
        "resample": 2,
        "rescale_factor": 1 / 255,
        "size": {"height": CONFIG["image_size"], "width": CONFIG["image_size"]},
    }


def preprocess(images, pp):
    """ViTImageProcessor's arithmetic on grey uint8 (N, H, W) -> (N, 3, H, W) f32.

    Resize is the identity (the images are already 28x28 and Pillow returns a
    copy for an equal size). Rescale multiplies in float64 and casts to float32;
    normalise subtracts and divides in float32, as transformers' image_transforms
    do. Grey is replicated first, as Pillow's convert("RGB") does.
    """
    size = pp["size"]
    if images.shape[1:] != (size["height"], size["width"]):
        raise ValueError(f"images are {images.shape[1:]}, expected {size}; resize is not implemented here")
    x = (images.astype(np.float64) * pp["rescale_factor"]).astype(np.float32)
    x = np.repeat(x[:, None], len(pp["image_mean"]), axis=1)
    mean = np.array(pp["image_mean"], np.float32)[None, :, None, None]
    std = np.array(pp["image_std"], np.float32)[None, :, None, None]
    return (x - mean) / std


# ---------------------------------------------------------------- model
# Module names and nesting follow modeling_vit so the parameter names match.

class ViTPatchEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        p = c["patch_size"]
        self.projection = nn.Conv2d(c["num_channels"], c["hidden_size"], kernel_size=p, stride=p)

    def forward(self, pixels):  # (B, C, H, W) -> (B, N, D), patches in row-major order
        return self.projection(pixels).flatten(2).transpose(1, 2)


class ViTEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        n = (c["image_size"] // c["patch_size"]) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, c["hidden_size"]))
        self.position_embeddings = nn.Parameter(torch.zeros(1, n + 1, c["hidden_size"]))
        self.patch_embeddings = ViTPatchEmbeddings(c)
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, pixels):  # -> (B, T, D), T = N + 1, CLS first
        x = self.patch_embeddings(pixels)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        return self.dropout(x + self.position_embeddings)


class ViTSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, self.heads = c["hidden_size"], c["num_attention_heads"]
        self.query = nn.Linear(d, d, bias=c["qkv_bias"])
        self.key = nn.Linear(d, d, bias=c["qkv_bias"])
        self.value = nn.Linear(d, d, bias=c["qkv_bias"])
        self.dropout = nn.Dropout(c["attention_probs_dropout_prob"])

    def split(self, x):  # (B, T, D) -> (B, H, T, hd)
        b, t, d = x.shape
        return x.view(b, t, self.heads, d // self.heads).transpose(1, 2)

    def forward(self, x):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = q @ k.transpose(-1, -2) * q.shape[-1] ** -0.5  # (B, H, T, T)
        probs = self.dropout(scores.softmax(dim=-1))
        ctx = probs @ v  # (B, H, T, hd)
        return ctx.transpose(1, 2).reshape(x.shape)


class ViTSelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, x):  # the residual is added by ViTLayer
        return self.dropout(self.dense(x))


class ViTAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = ViTSelfAttention(c)
        self.output = ViTSelfOutput(c)

    def forward(self, x):
        return self.output(self.attention(x))


class ViTIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        if c["hidden_act"] != "gelu":
            raise ValueError(f"hidden_act {c['hidden_act']!r}: only gelu (erf form) is implemented")
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])
        self.intermediate_act_fn = nn.GELU()  # exact erf form, as Hugging Face "gelu"

    def forward(self, x):
        return self.intermediate_act_fn(self.dense(x))


class ViTOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["intermediate_size"], c["hidden_size"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, x, residual):
        return self.dropout(self.dense(x)) + residual


class ViTLayer(nn.Module):
    """Pre-norm block: x + attn(ln1(x)), then h + mlp(ln2(h))."""

    def __init__(self, c):
        super().__init__()
        self.attention = ViTAttention(c)
        self.intermediate = ViTIntermediate(c)
        self.output = ViTOutput(c)
        self.layernorm_before = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.layernorm_after = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, x):
        h = self.attention(self.layernorm_before(x)) + x
        return self.output(self.intermediate(self.layernorm_after(h)), h)


class ViTEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(ViTLayer(c) for _ in range(c["num_hidden_layers"]))

    def forward(self, x):
        for block in self.layer:
            x = block(x)
        return x


class ViTModel(nn.Module):
    """ViTModel(add_pooling_layer=False), as ViTForImageClassification builds it."""

    def __init__(self, c):
        super().__init__()
        self.embeddings = ViTEmbeddings(c)
        self.encoder = ViTEncoder(c)
        self.layernorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, pixels):
        return self.layernorm(self.encoder(self.embeddings(pixels)))


class ViTForImageClassification(nn.Module):
    def __init__(self, c, num_labels):
        super().__init__()
        self.vit = ViTModel(c)
        self.classifier = nn.Linear(c["hidden_size"], num_labels)
        self.init_weights(c["initializer_range"])

    def init_weights(self, std):
        """ViTPreTrainedModel._init_weights: truncated normal, zero biases."""
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                nn.init.trunc_normal_(m.weight, std=std)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        emb = self.vit.embeddings
        nn.init.trunc_normal_(emb.position_embeddings, std=std)
        nn.init.trunc_normal_(emb.cls_token, std=std)

    def forward(self, pixels):  # (B, C, H, W) -> logits (B, L), from the CLS token
        return self.classifier(self.vit(pixels)[:, 0])


# ---------------------------------------------------------------- safetensors

def save_safetensors(path, tensors):
    """Write {name: tensor} as safetensors: u64 LE header size, JSON header, data."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous().cpu()
        raw = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)  # the data starts 8-byte aligned, as the reference writer pads
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for raw in blobs:
            f.write(raw)


def load_safetensors(path):
    """Read an F32-only safetensors file into {name: tensor}."""
    with open(path, "rb") as f:
        data = f.read()
    n, = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    base, out = 8 + n, {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {info['dtype']}, only F32 is supported")
        start, end = info["data_offsets"]
        arr = np.frombuffer(data[base + start:base + end], "<f4").reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def load_model(folder):
    """Build the model from a Hugging Face folder: (model, config, preprocessor config)."""
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(folder, "preprocessor_config.json")) as f:
        pp = json.load(f)
    labels = [cfg["id2label"][str(i)] for i in range(len(cfg["id2label"]))]
    model = ViTForImageClassification(cfg, len(labels))
    model.load_state_dict(load_safetensors(os.path.join(folder, "model.safetensors")), strict=True)
    return model.eval(), cfg, pp, labels


# ---------------------------------------------------------------- training

@torch.no_grad()
def accuracy(model, x, y, batch=1000):
    """Top-1 accuracy and the predictions, in eval mode."""
    model.eval()
    pred = torch.cat([model(x[i:i + batch]).argmax(1) for i in range(0, len(x), batch)])
    return (pred == y).double().mean().item(), pred


def hflip(xb):
    """Mirror a random half of the batch left-right (garments are symmetric)."""
    flip = torch.rand(xb.shape[0]) < 0.5
    return torch.where(flip[:, None, None, None], xb.flip(3), xb)


def train(args):
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    xtr, ytr = load_split(args.data, "train")
    xte, yte = load_split(args.data, "t10k")
    mean, std = dataset_mean_std(xtr)
    pp = preprocessor_config(mean, std)
    xtr_t, ytr_t = torch.from_numpy(preprocess(xtr, pp)), torch.from_numpy(ytr)
    xte_t, yte_t = torch.from_numpy(preprocess(xte, pp)), torch.from_numpy(yte)

    model = ViTForImageClassification(CONFIG, len(LABELS))
    n_params = sum(p.numel() for p in model.parameters())
    print(f"parameters: {n_params}  mean {mean} std {std}", file=sys.stderr)

    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2 or "embeddings" in n and "projection" not in n]
    decay = [p for n, p in model.named_parameters() if not any(p is q for q in no_decay)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)
    steps_per_epoch = len(xtr_t) // args.batch
    total, warmup = args.epochs * steps_per_epoch, steps_per_epoch // 2
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, 0.5 * (1 + math.cos(math.pi * min(s, total) / total))))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)

    start = time.monotonic()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr_t))
        running = 0.0
        for step in range(steps_per_epoch):
            idx = perm[step * args.batch:(step + 1) * args.batch]
            xb = hflip(xtr_t[idx]) if args.augment else xtr_t[idx]
            loss = loss_fn(model(xb), ytr_t[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            running += loss.item()
        print(f"epoch {epoch + 1}/{args.epochs}  loss {running / steps_per_epoch:.4f}  "
              f"{time.monotonic() - start:.0f}s", file=sys.stderr)
    train_seconds = time.monotonic() - start

    acc, _ = accuracy(model, xte_t, yte_t)
    print(f"test accuracy: {acc:.4f} ({round(acc * len(yte))}/{len(yte)})  training {train_seconds:.0f}s")
    return model, pp, acc, n_params, train_seconds


def save(model, pp, out):
    os.makedirs(out, exist_ok=True)
    config = {
        "architectures": ["ViTForImageClassification"],
        "model_type": "vit",
        **CONFIG,
        "id2label": {str(i): l for i, l in enumerate(LABELS)},
        "label2id": {l: i for i, l in enumerate(LABELS)},
        "problem_type": "single_label_classification",
        "torch_dtype": "float32",
    }
    for name, obj in [("config.json", config), ("preprocessor_config.json", pp)]:
        with open(os.path.join(out, name), "w") as f:
            json.dump(obj, f, indent=2)
            f.write("\n")
    save_safetensors(os.path.join(out, "model.safetensors"), model.state_dict())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DATA_DIR, help="folder with the Fashion-MNIST *-ubyte.gz files")
    ap.add_argument("--out", default=OUT_DIR, help="output folder (Hugging Face layout)")
    ap.add_argument("--epochs", type=int, default=5, help="passes over the 60,000 training images")
    ap.add_argument("--batch", type=int, default=128, help="images per optimiser step")
    ap.add_argument("--lr", type=float, default=2e-3, help="AdamW peak learning rate (half-epoch warm-up, cosine decay)")
    ap.add_argument("--weight-decay", type=float, default=0.05, help="AdamW weight decay of the weight matrices")
    ap.add_argument("--label-smoothing", type=float, default=0.1, help="cross-entropy label smoothing")
    ap.add_argument("--no-augment", dest="augment", action="store_false", help="no random horizontal flips")
    ap.add_argument("--seed", type=int, default=0, help="seed of initialisation, shuffling and flips")
    # One thread: on a shared 2-core machine a second OpenMP thread waits at
    # every barrier for a core someone else holds, and steps get 2-20x slower.
    ap.add_argument("--threads", type=int, default=1, help="PyTorch threads")
    args = ap.parse_args()

    model, pp, acc, n_params, seconds = train(args)
    save(model, pp, args.out)
    reloaded, *_ = load_model(args.out)
    xte, yte = load_split(args.data, "t10k")
    acc2, _ = accuracy(reloaded, torch.from_numpy(preprocess(xte, pp)), torch.from_numpy(yte))
    if acc2 != acc:
        sys.exit(f"reloaded model scores {acc2:.4f}, trained one {acc:.4f}: the saved files are wrong")
    print(f"wrote {args.out} ({n_params} parameters)")


if __name__ == "__main__":
    main()
