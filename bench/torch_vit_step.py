#!/usr/bin/python3
"""torch_vit_step.py — the PyTorch side of `linattn bench train-step`: the median time of one
training step (forward + cross-entropy + backward + AdamW step) of the §8 ViT on synthetic
CIFAR-sized inputs, with the attention from tests/reference/linattn_ref.py (docs/attention.md).

  /usr/bin/python3 bench/torch_vit_step.py --attention softmax [--batch 128] [--steps 5] [--threads 2]
prints one JSON line: {"impl": "torch", "attention": ..., "batch": ..., "step_s": ..., "images_per_s": ...}
Model: dim 192, depth 6, heads 3, MLP ratio 2, patch 4, mean pooling, 10 classes (linformer proj_k 32).
Threads: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS are pinned to --threads before torch loads
(Debian's torch calls OpenBLAS, whose pool ignores torch.set_num_threads).
GPU: --device cuda puts model and batch on the GPU, turns TF32 on (matmuls and cuDNN, as
linattn's default) and synchronizes before each clock read; peak_memory_bytes is
torch.cuda.max_memory_allocated over the timed steps. --sdpa runs softmax attention through
F.scaled_dot_product_attention (torch >= 2.0; bench/torch_sdpa.py). A failure (out of memory,
no CUDA) prints {"impl": "torch", ..., "error": "..."} and exits 3.
"""
import argparse
import json
import os
import statistics
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--attention", default="softmax")
ap.add_argument("--batch", type=int, default=128)
ap.add_argument("--steps", type=int, default=5)
ap.add_argument("--warmup", type=int, default=1)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
ap.add_argument("--sdpa", action="store_true", help="softmax through F.scaled_dot_product_attention")
a = ap.parse_args()
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(a.threads))
os.environ.setdefault("OMP_NUM_THREADS", str(a.threads))
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
import linattn_ref as R  # noqa: E402
import torch_sdpa  # noqa: E402

cuda = a.device == "cuda"
impl = "torch-sdpa" if a.sdpa else "torch"
torch.set_num_threads(a.threads)
torch.manual_seed(0)
try:
    if cuda:
        torch_sdpa.allow_tf32()
    options = {"proj_k": 32} if a.attention == "linformer" else {}
    model = R.ViT(attn=a.attention, attn_options=options)
    if a.sdpa:
        torch_sdpa.use_sdpa(model)
    model = model.to(a.device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    images = torch.randn(a.batch, 3, 32, 32).to(a.device)
    labels = torch.randint(0, 10, (a.batch,)).to(a.device)
    times = []
    for i in range(a.warmup + a.steps):
        if i == a.warmup and cuda:
            torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(images), labels)
        loss.backward()
        opt.step()
        if cuda:
            torch.cuda.synchronize()
        if i >= a.warmup:
            times.append(time.perf_counter() - start)
except Exception as e:  # out of memory, no CUDA, no SDPA
    print(json.dumps({"impl": impl, "attention": a.attention, "batch": a.batch, "device": a.device,
                      "error": (str(e).splitlines() or [type(e).__name__])[0][:300]}))
    sys.exit(3)
step = statistics.median(times)
out = {"impl": impl, "attention": a.attention, "batch": a.batch, "threads": a.threads,
       "step_s": step, "images_per_s": a.batch / step, "torch": torch.__version__}
if cuda:
    out.update(device="cuda", gpu=torch.cuda.get_device_name(), steps=a.steps, warmup=a.warmup,
               peak_memory_bytes=torch.cuda.max_memory_allocated(), loss=float(loss))
print(json.dumps(out))
