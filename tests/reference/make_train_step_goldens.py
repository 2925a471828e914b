#!/usr/bin/python3
"""make_train_step_goldens.py — one ViT training step in PyTorch, for every attention type.

Usage: /usr/bin/python3 tests/reference/make_train_step_goldens.py OUT_DIR

For each registry key T (softmax, cos2d, external, linformer, additive, efficient) and each dtype
D (f64, f32) writes OUT_DIR/train_step_<T>_<D>.safetensors: the §8 ViT of linattn_ref.py with
dim 32, depth 2, heads 2, mlp_ratio 2, patch 8 on 32x32 images (a 4x4 grid), 10 classes, mean
pooling, dropout 0, its parameters redrawn by randomize_parameters_ (non-zero biases, O(1)
activations). Tensors:
  <param name>        the initial weights under their §13 state_dict names (load_state_dict)
  images, labels      a fixed batch (B = 4) and its int64 labels
  loss                cross-entropy with label smoothing 0.1, the batch mean (0-D)
  grad.<param name>   d loss / d param, for every parameter
  after.<param name>  every parameter after one torch.optim.AdamW step
The AdamW step uses the trainer's defaults (train/config.h OptimConfig: lr 1e-3, betas
(0.9, 0.999), eps 1e-8, weight decay 0.05) and its parameter groups (train/param_groups.h: no
decay for parameters with ndim <= 1 or named pos_embed / cls_token). __metadata__ holds the
model and optimizer settings (model, optim: JSON) so the C++ test checks it builds the same.

Invariants: deterministic (one torch seed per file); weights and inputs are drawn in the file's
dtype and everything after that is computed in float64 from those exact values, then rounded to
the file's dtype (an f32 golden is the exact answer to f32 precision). ctest runs this as a
fixture setup test (tests/CMakeLists.txt); without torch it exits 77 and the tests skip.
"""
import json
import os
import sys

try:
    import torch
except ImportError as e:
    print(f"SKIP: {sys.executable} cannot import torch ({e}); train-step goldens not written")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import linattn_ref as R  # noqa: E402
import safetensors_lite  # noqa: E402

FORMAT = "linattn-train-step-golden/1"
DTYPES = {"f64": torch.float64, "f32": torch.float32}
MODEL = {"image_size": 32, "patch": 8, "dim": 32, "depth": 2, "heads": 2, "mlp_ratio": 2,
         "num_classes": 10, "pool": "mean"}
OPTIM = {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.05}
LABEL_SMOOTHING = 0.1
BATCH = 4


def exempt_from_weight_decay(name, p):
    """train/param_groups.cpp: biases, norm weights, position embeddings and class tokens."""
    return p.dim() <= 1 or "pos_embed" in name or "cls_token" in name


def make_case(type, dtype, seed):
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    m = R.ViT(img_size=MODEL["image_size"], patch_size=MODEL["patch"], dim=MODEL["dim"],
              depth=MODEL["depth"], heads=MODEL["heads"], mlp_ratio=MODEL["mlp_ratio"],
              num_classes=MODEL["num_classes"], attn=type, pool=MODEL["pool"]).to(dtype).train()
    R.randomize_parameters_(m, g)
    images = torch.randn(BATCH, 3, MODEL["image_size"], MODEL["image_size"], generator=g,
                         dtype=torch.float64).to(dtype)
    labels = torch.randint(0, MODEL["num_classes"], (BATCH,), generator=g, dtype=torch.int64)
    tensors = {k: v.detach().clone() for k, v in m.state_dict().items()}
    tensors["images"], tensors["labels"] = images, labels

    m64 = m.double()
    logits = m64(images.double())
    loss = torch.nn.functional.cross_entropy(logits, labels, label_smoothing=LABEL_SMOOTHING)
    named = list(m64.named_parameters())
    grads = torch.autograd.grad(loss, [p for _, p in named])
    decay = [p for n, p in named if not exempt_from_weight_decay(n, p)]
    no_decay = [p for n, p in named if exempt_from_weight_decay(n, p)]
    opt = torch.optim.AdamW([{"params": decay}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=OPTIM["lr"], betas=tuple(OPTIM["betas"]), eps=OPTIM["eps"],
                            weight_decay=OPTIM["weight_decay"], foreach=False)
    for (_, p), gr in zip(named, grads):
        p.grad = gr
    opt.step()

    tensors["loss"] = loss.detach().to(dtype)
    for (name, p), gr in zip(named, grads):
        tensors[f"grad.{name}"] = gr.to(dtype)
        tensors[f"after.{name}"] = p.detach().to(dtype)
    meta = {"format": FORMAT, "type": type, "dtype": {"f32": "float32", "f64": "float64"}[dtype_key(dtype)],
            "computed_in": "float64", "model": json.dumps(MODEL), "optim": json.dumps(OPTIM),
            "label_smoothing": repr(LABEL_SMOOTHING), "batch": str(BATCH), "seed": str(seed),
            "torch": torch.__version__}
    return tensors, meta


def dtype_key(dtype):
    return next(k for k, v in DTYPES.items() if v == dtype)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    for i, type in enumerate(R.REGISTRY_KEYS):
        for key, dtype in DTYPES.items():
            tensors, meta = make_case(type, dtype, seed=3000 + i)
            path = os.path.join(out, f"train_step_{type}_{key}.safetensors")
            safetensors_lite.save(path, tensors, meta)
            print(f"{path}: loss {tensors['loss'].item():.6f}, {len(tensors)} tensors, "
                  f"{os.path.getsize(path)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
