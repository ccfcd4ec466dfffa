#!/usr/bin/python3
"""Gradient and training goldens for vitctl's training pass (internal/model,
internal/train).

An independent reference in plain PyTorch (autograd, float64) of the ViT that
vitctl trains, its parameters named as in vitctl's model files (GGUF names),
on small random models that between them cover every option the training
pass supports. For each model it writes testdata/grad/<model>/:

  config.json        the model's vitctl Config (Hugging Face names + family options)
  pixels.npy         (B, C, H, W) input, labels.npy (B) class ids (as float32)
  params/<name>.npy  every parameter
  grads/<name>.npy   d loss / d parameter, loss = cross-entropy with label smoothing 0.1
  loss.json          the loss

testdata/grad/ops/ holds per-operation goldens (inputs, upstream gradient,
the gradients of the inputs and parameters) for LayerNorm, Linear,
attention, each activation and the cross-entropy.

testdata/grad/train/ holds a 20-step training run of the first model with
torch.optim.AdamW (weight decay on the matrices only, as timm does) and
torch.optim.lr_scheduler.OneCycleLR (cosine, 10 % warm-up, no momentum
cycling): the data (16 images), the batch order, the losses of every step and
the parameters after the last step.

Float32 inputs are drawn first and upcast, so vitctl (float32) and the
reference see the same numbers. Run with scripts/gen_grad_goldens.sh (one
thread, so every run writes the same bytes).
"""

import json
import math
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "grad")
SMOOTH = 0.1

ACTS = {
    "gelu": lambda x: F.gelu(x),
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "quick_gelu": lambda x: x * torch.sigmoid(1.702 * x),
    "relu": F.relu,
}


def cfg(**kw):
    c = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
             hidden_act="gelu", layer_norm_eps=1e-6, image_size=16, patch_size=4, num_channels=3,
             qkv_bias=True, Labels=["a", "b", "c", "d", "e"], ModelType="timm")
    c.update(kw)
    return c


MODELS = [
    ("cls-gelu", 1, cfg()),
    ("avg-fcnorm-ls-tanh", 2, cfg(hidden_act="gelu_pytorch_tanh", qkv_bias=False, Pooling="avg", FCNorm=True,
                                  LayerScale=True, PreNorm=True, NoPatchBias=True, RegisterTokens=2)),
    ("avg-quickgelu", 3, cfg(hidden_act="quick_gelu", Pooling="avg", NoClassToken=True, image_size=12,
                             patch_size=3, num_hidden_layers=1)),
    ("cls-relu-noembedclass", 4, cfg(hidden_act="relu", NoEmbedClass=True, num_attention_heads=2,
                                     intermediate_size=48)),
]


def prefix_tokens(c):
    return (0 if c.get("NoClassToken") else 1) + c.get("RegisterTokens", 0)


def shapes(c):
    D, I, L = c["hidden_size"], c["intermediate_size"], len(c["Labels"])
    P, C = c["patch_size"], c["num_channels"]
    Np = (c["image_size"] // P) ** 2
    pp = 0 if c.get("NoEmbedClass") else prefix_tokens(c)
    s = {"pos_embd": (pp + Np, D), "patch_embd.weight": (D, C, P, P), "cls_head.weight": (L, D), "cls_head.bias": (L,)}
    if not c.get("NoClassToken"):
        s["cls_token"] = (D,)
    if c.get("RegisterTokens"):
        s["reg_tokens"] = (c["RegisterTokens"], D)
    if not c.get("NoPatchBias"):
        s["patch_embd.bias"] = (D,)
    if c.get("PreNorm"):
        s["pre_norm.weight"] = s["pre_norm.bias"] = (D,)
    n = "fc_norm" if c.get("FCNorm") else "post_norm"
    s[n + ".weight"] = s[n + ".bias"] = (D,)
    for i in range(c["num_hidden_layers"]):
        b = "blk.%d." % i
        for k, v in {"ln1.weight": (D,), "ln1.bias": (D,), "attn_q.weight": (D, D), "attn_k.weight": (D, D),
                     "attn_v.weight": (D, D), "attn_out.weight": (D, D), "attn_out.bias": (D,), "ln2.weight": (D,),
                     "ln2.bias": (D,), "ffn_up.weight": (I, D), "ffn_up.bias": (I,), "ffn_down.weight": (D, I),
                     "ffn_down.bias": (D,)}.items():
            s[b + k] = v
        if c["qkv_bias"]:
            for k in ("attn_q.bias", "attn_k.bias", "attn_v.bias"):
                s[b + k] = (D,)
        if c.get("LayerScale"):
            s[b + "attn_ls.weight"] = s[b + "ffn_ls.weight"] = (D,)
    return s


def f32(g, *shape, scale=1.0):
    """float32 normal draws, upcast: the numbers vitctl reads exactly."""
    return (torch.randn(*shape, generator=g, dtype=torch.float32) * scale).double()


def init_params(c, g):
    p = {}
    for name, shape in sorted(shapes(c).items()):
        if name.endswith("ln1.weight") or name.endswith("ln2.weight") or name.endswith("norm.weight"):
            t = 1 + f32(g, *shape, scale=0.1)
        elif name.endswith("_ls.weight"):
            t = 0.5 + f32(g, *shape, scale=0.1)
        elif len(shape) >= 2 and name != "pos_embd" and name != "reg_tokens":
            fan_in = int(np.prod(shape[1:]))
            t = f32(g, *shape, scale=1 / math.sqrt(fan_in))
        else:
            t = f32(g, *shape, scale=0.2)
        p[name] = t.requires_grad_()
    return p


def layer_norm(x, w, b, eps):
    return F.layer_norm(x, x.shape[-1:], w, b, eps)


def attention(qkv, B, T, H):
    D = qkv.shape[-1] // 3
    hd = D // H
    q, k, v = qkv.view(B, T, 3, H, hd).permute(2, 0, 3, 1, 4)
    p = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd), dim=-1)
    return (p @ v).transpose(1, 2).reshape(B * T, D)


def forward(c, p, pixels):
    B = pixels.shape[0]
    D, H, P = c["hidden_size"], c["num_attention_heads"], c["patch_size"]
    eps, act = c["layer_norm_eps"], ACTS[c["hidden_act"]]
    x = F.conv2d(pixels, p["patch_embd.weight"], p.get("patch_embd.bias"), stride=P).flatten(2).transpose(1, 2)
    prefix = []
    if "cls_token" in p:
        prefix.append(p["cls_token"].view(1, D))
    if "reg_tokens" in p:
        prefix.append(p["reg_tokens"])
    Pf = prefix_tokens(c)
    if c.get("NoEmbedClass"):
        x = x + p["pos_embd"]
        if prefix:
            x = torch.cat([torch.cat(prefix).expand(B, -1, -1), x], 1)
    else:
        if prefix:
            x = torch.cat([torch.cat(prefix).expand(B, -1, -1), x], 1)
        x = x + p["pos_embd"]
    T = x.shape[1]
    if c.get("PreNorm"):
        x = layer_norm(x, p["pre_norm.weight"], p["pre_norm.bias"], eps)
    x = x.reshape(B * T, D)
    for i in range(c["num_hidden_layers"]):
        b = lambda n: p["blk.%d.%s" % (i, n)]
        h = layer_norm(x, b("ln1.weight"), b("ln1.bias"), eps)
        wqkv = torch.cat([b("attn_q.weight"), b("attn_k.weight"), b("attn_v.weight")])
        bqkv = torch.cat([b("attn_q.bias"), b("attn_k.bias"), b("attn_v.bias")]) if c["qkv_bias"] else None
        o = F.linear(attention(F.linear(h, wqkv, bqkv), B, T, H), b("attn_out.weight"), b("attn_out.bias"))
        x = x + (b("attn_ls.weight") * o if c.get("LayerScale") else o)
        h = layer_norm(x, b("ln2.weight"), b("ln2.bias"), eps)
        o = F.linear(act(F.linear(h, b("ffn_up.weight"), b("ffn_up.bias"))), b("ffn_down.weight"), b("ffn_down.bias"))
        x = x + (b("ffn_ls.weight") * o if c.get("LayerScale") else o)
    x = x.view(B, T, D)
    if c.get("FCNorm"):
        feat = layer_norm(x[:, Pf:].mean(1), p["fc_norm.weight"], p["fc_norm.bias"], eps)
    elif c.get("Pooling") == "avg":
        feat = layer_norm(x, p["post_norm.weight"], p["post_norm.bias"], eps)[:, Pf:].mean(1)
    else:
        feat = layer_norm(x[:, 0], p["post_norm.weight"], p["post_norm.bias"], eps)
    return F.linear(feat, p["cls_head.weight"], p["cls_head.bias"])


def save(path, t):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, t.detach().numpy().astype(np.float32))


def gen_model(name, seed, c):
    g = torch.Generator().manual_seed(seed)
    d = os.path.join(OUT, name)
    p = init_params(c, g)
    B = 3
    pixels = f32(g, B, c["num_channels"], c["image_size"], c["image_size"])
    labels = torch.randint(0, len(c["Labels"]), (B,), generator=g)
    loss = F.cross_entropy(forward(c, p, pixels), labels, label_smoothing=SMOOTH)
    loss.backward()
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(c, f, indent=1, sort_keys=True)
    save(os.path.join(d, "pixels.npy"), pixels)
    save(os.path.join(d, "labels.npy"), labels.double())
    for n, t in p.items():
        save(os.path.join(d, "params", n + ".npy"), t)
        save(os.path.join(d, "grads", n + ".npy"), t.grad)
    with open(os.path.join(d, "loss.json"), "w") as f:
        json.dump({"loss": loss.item()}, f)


def gen_ops():
    g = torch.Generator().manual_seed(7)
    d = os.path.join(OUT, "ops")
    M, D, N, B, T, H, hd = 10, 24, 20, 2, 9, 3, 8

    def dump(op, inputs, out):
        dy = f32(g, *out.shape)
        (out * dy).sum().backward()
        save(os.path.join(d, op, "dy.npy"), dy)
        save(os.path.join(d, op, "y.npy"), out)
        for k, t in inputs.items():
            save(os.path.join(d, op, k + ".npy"), t)
            save(os.path.join(d, op, "d" + k + ".npy"), t.grad)

    x, w, b = (f32(g, M, D, scale=2) + 0.5).requires_grad_(), (1 + f32(g, D, scale=0.1)).requires_grad_(), f32(g, D).requires_grad_()
    dump("layernorm", {"x": x, "w": w, "b": b}, layer_norm(x, w, b, 1e-5))
    x, w, b = f32(g, M, D).requires_grad_(), f32(g, N, D, scale=0.2).requires_grad_(), f32(g, N).requires_grad_()
    dump("linear", {"x": x, "w": w, "b": b}, F.linear(x, w, b))
    qkv = f32(g, B * T, 3 * H * hd).requires_grad_()
    dump("attention", {"qkv": qkv}, attention(qkv, B, T, H))
    for a, fn in ACTS.items():
        x = f32(g, 4, 50, scale=3).requires_grad_()
        dump("act_" + a, {"x": x}, fn(x))
    logits = f32(g, 6, 7, scale=2).requires_grad_()
    labels = torch.randint(0, 7, (6,), generator=g)
    loss = F.cross_entropy(logits, labels, label_smoothing=SMOOTH)
    loss.backward()
    save(os.path.join(d, "xent", "logits.npy"), logits)
    save(os.path.join(d, "xent", "dlogits.npy"), logits.grad)
    save(os.path.join(d, "xent", "labels.npy"), labels.double())
    with open(os.path.join(d, "xent", "loss.json"), "w") as f:
        json.dump({"loss": loss.item(), "smoothing": SMOOTH}, f)


TRAIN = dict(steps=20, batch=4, images=16, lr=1e-3, weight_decay=0.05, pct_start=0.1,
             beta1=0.9, beta2=0.999, eps=1e-8, smoothing=SMOOTH)


def decays(name, shape):
    """timm's rule: weight decay on matrices, not on biases, norms, tokens, position embeddings."""
    return len(shape) >= 2 and name not in ("pos_embd", "reg_tokens")


def gen_train():
    name, seed, c = MODELS[0]
    g = torch.Generator().manual_seed(100)
    d = os.path.join(OUT, "train")
    p = init_params(c, g)
    r = TRAIN
    data = f32(g, r["images"], c["num_channels"], c["image_size"], c["image_size"])
    labels = torch.randint(0, len(c["Labels"]), (r["images"],), generator=g)
    order = [torch.randperm(r["images"], generator=g).tolist() for _ in range(r["steps"] * r["batch"] // r["images"])]
    flat = [i for e in order for i in e]
    for n, t in p.items():
        save(os.path.join(d, "init", n + ".npy"), t)
    groups = [{"params": [t for n, t in sorted(p.items()) if decays(n, t.shape)], "weight_decay": r["weight_decay"]},
              {"params": [t for n, t in sorted(p.items()) if not decays(n, t.shape)], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=r["lr"], betas=(r["beta1"], r["beta2"]), eps=r["eps"])
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=r["lr"], total_steps=r["steps"], pct_start=r["pct_start"],
                                                anneal_strategy="cos", cycle_momentum=False)
    losses, lrs = [], []
    for s in range(r["steps"]):
        idx = flat[s * r["batch"]:(s + 1) * r["batch"]]
        opt.zero_grad()
        loss = F.cross_entropy(forward(c, p, data[idx]), labels[idx], label_smoothing=r["smoothing"])
        loss.backward()
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
        losses.append(loss.item())
    for n, t in p.items():
        save(os.path.join(d, "final", n + ".npy"), t)
    save(os.path.join(d, "pixels.npy"), data)
    save(os.path.join(d, "labels.npy"), labels.double())
    with open(os.path.join(d, "run.json"), "w") as f:
        json.dump(dict(model=name, recipe=r, order=flat, losses=losses, lrs=lrs), f, indent=1)


def main():
    torch.set_num_threads(1)
    for name in os.listdir(OUT) if os.path.isdir(OUT) else []:
        if name != "README.md":  # written by hand
            shutil.rmtree(os.path.join(OUT, name))
    for name, seed, c in MODELS:
        gen_model(name, seed, c)
    gen_ops()
    gen_train()
    print("wrote", os.path.normpath(OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
