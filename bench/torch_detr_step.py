#!/usr/bin/python3
"""torch_detr_step.py — the PyTorch side of `linattn bench train-step` for DETR-lite: the median
time of one training step (forward, DETR's set loss over the final and auxiliary outputs with the
Hungarian matching, backward, gradient clipping by global norm, AdamW step) of the PyTorch
DETR-lite (tests/reference/detr_lite_ref.py, written from the same description as the C++ model)
on a synthetic batch, with no data loading.

  /usr/bin/python3 bench/torch_detr_step.py [--config configs/detr_lite_coco.yaml] [--attention T]
      [--classes K] [--batch B] [--steps 5] [--warmup 1] [--threads 2]
prints one JSON line: {"impl": "torch", "attention": ..., "batch": ..., "step_s": ..., "images_per_s": ...}

The model, loss and optimizer come from the linattn config file (its `base:` chain merged as
linattn merges it): model.* (DetrLite's options; model.attention.type and its other keys as the
layer's options), data.image_size and data.batch_size, detection.* (matching costs, loss weights,
focal α / γ, aux_loss), optim.lr / weight_decay / clip_grad (AdamW, no decay for parameters with
ndim ≤ 1 as train/param_groups.cpp, backbone parameters at lr·backbone_lr_scale). Without
--config the contract's defaults are used (S 256, width 32, dim 128, 2 + 2 layers, Q 100, K 80,
batch 8, GroupNorm, anchor queries, sigmoid focal scores, clip 0.1).
The batch is drawn once, as linattn's detection task draws its synthetic batch: random images
and, per image, 0..5 random valid boxes with random labels.
Threads: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS are pinned to --threads before torch loads
(Debian's torch calls OpenBLAS, whose pool ignores torch.set_num_threads).
"""
import argparse
import json
import os
import statistics
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--config", help="a linattn DETR-lite config (default: the contract's defaults)")
ap.add_argument("--attention", help="override model.attention.type")
ap.add_argument("--classes", type=int, help="override model.num_classes")
ap.add_argument("--batch", type=int, help="default: the config's data.batch_size (8)")
ap.add_argument("--steps", type=int, default=5)
ap.add_argument("--warmup", type=int, default=1)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--seed", type=int, default=0)
a = ap.parse_args()
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(a.threads))
os.environ.setdefault("OMP_NUM_THREADS", str(a.threads))
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
import detr_lite_ref as ref  # noqa: E402

MODEL_KEYS = ("num_classes", "backbone_width", "backbone_blocks", "stride", "backbone_norm", "norm_groups", "dim",
              "heads", "enc_layers", "dec_layers", "mlp_ratio", "num_queries", "norm", "queries", "scores")


def deep_merge(base, over):
    out = dict(base)
    for k, v in over.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_config(path):
    """The YAML file with its `base:` chain merged under it (maps merged key by key)."""
    import yaml
    with open(path) as f:
        doc = yaml.safe_load(f) or {}
    base = doc.pop("base", None)
    if base:
        doc = deep_merge(load_config(os.path.join(os.path.dirname(path), base)), doc)
    return doc


def settings(config):
    m, data = config.get("model", {}), config.get("data", {})
    det, optim = config.get("detection", {}), config.get("optim", {})
    options = {k: m[k] for k in MODEL_KEYS if k in m}
    attention = dict(m.get("attention", {}))
    options["attention"] = attention.pop("type", "softmax")
    options["attention_options"] = attention
    options["cross_attention"] = m.get("cross_attention", {}).get("type", "softmax")
    options["image_size"] = data.get("image_size", ref.DEFAULTS["image_size"]) or ref.DEFAULTS["image_size"]
    if a.attention:
        options["attention"], options["attention_options"] = a.attention, {}
    if a.classes:
        options["num_classes"] = a.classes
    options["mlp_ratio"] = int(options.get("mlp_ratio", ref.DEFAULTS["mlp_ratio"]))
    crit = {"costs": {"class": det.get("cost_class", 1.0), "bbox": det.get("cost_bbox", 5.0),
                      "giou": det.get("cost_giou", 2.0)},
            "weights": {"ce": det.get("loss_ce", 1.0), "bbox": det.get("loss_bbox", 5.0), "giou": det.get("loss_giou", 2.0)},
            "aux": det.get("aux_loss", True), "eos_coef": det.get("eos_coef", 0.1),
            "focal_alpha": det.get("focal_alpha", 0.25), "focal_gamma": det.get("focal_gamma", 2.0)}
    opt = {"lr": float(optim.get("lr", 1e-4)), "weight_decay": float(optim.get("weight_decay", 1e-4)),
           "clip_grad": float(optim.get("clip_grad", 0.1)), "backbone_lr_scale": float(optim.get("backbone_lr_scale", 1.0))}
    batch = a.batch or data.get("batch_size", 8)
    return options, crit, opt, batch


def synthetic_targets(g, B, K):
    targets = []
    for _ in range(B):
        n = int(torch.randint(0, 6, (1,), generator=g))
        labels = torch.randint(0, K, (n,), generator=g)
        wh = 0.05 + 0.5 * torch.rand(n, 2, generator=g)
        cxcy = wh / 2 + (1 - wh) * torch.rand(n, 2, generator=g)   # inside the canvas
        targets.append((labels, torch.cat([cxcy, wh], 1)))
    return targets


def main():
    config = load_config(a.config) if a.config else {}
    options, crit, opt, B = settings(config)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    g = torch.Generator().manual_seed(a.seed)
    model = ref.DetrLite(**options).train()
    ref.contract_init_(model)
    o = model.options
    focal = o["scores"] == "sigmoid"
    D = ref.bind_criterion_module()
    D.EOS_COEF, D.FOCAL_ALPHA, D.FOCAL_GAMMA = crit["eos_coef"], crit["focal_alpha"], crit["focal_gamma"]
    named = list(model.named_parameters())
    groups = []
    for backbone in (True, False):
        lr = opt["lr"] * (opt["backbone_lr_scale"] if backbone else 1.0)
        for decay in (True, False):
            ps = [p for n, p in named if n.startswith("backbone.") == backbone and (p.dim() > 1) == decay]
            if ps:
                groups.append({"params": ps, "lr": lr, "weight_decay": opt["weight_decay"] if decay else 0.0})
    optimizer = torch.optim.AdamW(groups, lr=opt["lr"])
    S = o["image_size"]
    images = torch.randn(B, 3, S, S, generator=g)
    targets = synthetic_targets(g, B, o["num_classes"])
    times, loss = [], None
    for i in range(a.warmup + a.steps):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        outputs = model(images)
        if not crit["aux"]:
            outputs = outputs[-1:]
        loss, _ = ref.set_criterion(outputs, targets, o["num_classes"], focal, crit["weights"], crit["costs"])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), opt["clip_grad"])
        optimizer.step()
        loss = float(loss)
        if i >= a.warmup:
            times.append(time.perf_counter() - start)
    step = statistics.median(times)
    print(json.dumps({"impl": "torch", "attention": o["attention"], "batch": B, "threads": a.threads,
                      "num_classes": o["num_classes"], "image_size": S, "steps": a.steps, "warmup": a.warmup,
                      "step_s": step, "images_per_s": B / step, "loss": loss,
                      "parameters": sum(p.numel() for _, p in named), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
