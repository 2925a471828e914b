#!/usr/bin/python3
"""run_train_step.py — `linattn bench train-step` next to PyTorch's same step, for every attention type.

For each type it runs `linattn bench train-step --config configs/vit_cifar10_<type>.yaml --json`
and bench/torch_vit_step.py --attention <type> (the §8 ViT of tests/reference/linattn_ref.py,
AdamW) one after the other on the same machine, and writes bench/results/train_step_cpu.{md,json}.

Usage: /usr/bin/python3 bench/run_train_step.py [--build build] [--threads 2] [--batch 128] [--steps 5]
           [--types softmax,cos2d,...] [--out bench/results/train_step_cpu]
GPU (scripts/gpu_run runs it from the bundle):
  python3 bench/run_train_step.py --device cuda --linattn-cmd "gpu-bundle/run linattn" \
      [--batch 256] [--steps 20] [--warmup 5] [--budget 150] [--out DIR/train_step_gpu]
writes images/s of both (TF32 on in both, median of the timed steps after the warm-up ones, the
device synchronized before each clock read), their ratio, peak memory, and PyTorch's softmax
through F.scaled_dot_product_attention where torch has it; types left when --budget seconds are
used up are recorded as not run.
"""
import argparse
import datetime
import json
import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bench_common import cpu_gemm_description, cpu_model, gpu_description, last_json  # noqa: E402
TYPES = ["softmax", "cos2d", "external", "linformer", "additive", "efficient"]


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    ap.add_argument("--linattn-cmd", help="the linattn program (default BUILD/linattn), e.g. 'gpu-bundle/run linattn'")
    ap.add_argument("--python", help="Python with torch (default: /usr/bin/python3; on cuda this Python)")
    ap.add_argument("--configs", default=os.path.join(ROOT, "configs"), help="folder of vit_cifar10_<type>.yaml")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, help="default 128 (cpu), 256 (cuda)")
    ap.add_argument("--steps", type=int, help="timed steps (default 5 on cpu, 20 on cuda)")
    ap.add_argument("--warmup", type=int, help="untimed steps (default 1 on cpu, 5 on cuda)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per case")
    ap.add_argument("--budget", type=float, default=0, help="seconds for the whole run; later types not run (0: none)")
    ap.add_argument("--no-sdpa", action="store_true", help="cuda: skip PyTorch's scaled_dot_product_attention")
    ap.add_argument("--types", default=",".join(TYPES))
    ap.add_argument("--out", help="output prefix (default bench/results/train_step_cpu or train_step_gpu)")
    a = ap.parse_args()
    cuda = a.device == "cuda"
    a.batch = a.batch or (256 if cuda else 128)
    a.steps = a.steps or (20 if cuda else 5)
    if a.warmup is None and cuda:
        a.warmup = 5
    a.python = a.python or (sys.executable if cuda else "/usr/bin/python3")
    a.out = a.out or os.path.join(HERE, "results", "train_step_gpu" if cuda else "train_step_cpu")
    a.linattn = shlex.split(a.linattn_cmd) if a.linattn_cmd else [os.path.join(a.build, "linattn")]
    return a


def main():
    a = parse_args()
    cuda = a.device == "cuda"
    start = time.time()
    over_budget = lambda: a.budget > 0 and time.time() - start > a.budget  # noqa: E731
    warm = ["--warmup", str(a.warmup)] if a.warmup is not None else []
    rows = []
    for t in a.types.split(","):
        ours_cmd = a.linattn + ["bench", "train-step", "--config", os.path.join(a.configs, f"vit_cifar10_{t}.yaml"),
                                "--set", f"threads={a.threads}", "--set", f"device={a.device}", "--batch", str(a.batch),
                                "--steps", str(a.steps), "--json"] + warm
        torch_cmd = [a.python, os.path.join(HERE, "torch_vit_step.py"), "--attention", t, "--batch", str(a.batch),
                     "--steps", str(a.steps), "--threads", str(a.threads)] + (["--device", "cuda"] + warm if cuda else [])
        cases = [("linattn", ours_cmd), ("torch", torch_cmd)]
        if cuda and t == "softmax" and not a.no_sdpa:
            cases.append(("torch-sdpa", torch_cmd + ["--sdpa"]))
        row = {"type": t}
        for impl, cmd in cases:
            r = {"error": "not run (time budget used up)"} if over_budget() else last_json(cmd, a.timeout)
            if cuda:
                r["command"] = " ".join(shlex.quote(v) for v in cmd)
            row[impl] = r
        print(json.dumps(row), flush=True)
        rows.append(row)
    cmd = ("python3" if cuda else "/usr/bin/python3") + " bench/run_train_step.py " + " ".join(shlex.quote(v) for v in sys.argv[1:])
    if cuda:
        torch_v = next((r[i]["torch"] for r in rows for i in ("torch", "torch-sdpa") if "torch" in r.get(i, {})), "?")
        md = ["# ViT training throughput (GPU): linattn vs PyTorch\n",
              f"- command: `{cmd.strip()}`",
              f"- device: {gpu_description() or next((r['torch']['gpu'] for r in rows if 'gpu' in r['torch']), 'unknown GPU')}",
              f"- PyTorch {torch_v}, same GPU, same run; TF32 on in both",
              f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
              f"- model: §8 ViT (dim 192, depth 6, heads 3, MLP ratio 2, patch 4, mean pool), batch {a.batch}, AdamW,"
              " synthetic 32×32 inputs (no data loading);",
              f"  images/s = batch / median step time over {a.steps} steps after {a.warmup} warm-up steps;"
              " peak = allocator peak of live bytes\n",
              "| attention | linattn images/s | PyTorch images/s | linattn / PyTorch | linattn MB | PyTorch MB |"
              " PyTorch SDPA images/s |",
              "|---|---:|---:|---:|---:|---:|---:|"]
        for row in rows:
            o, p, f = row["linattn"], row["torch"], row.get("torch-sdpa", {})
            ips = lambda r: f"{r['images_per_s']:.0f}" if "images_per_s" in r else "–"  # noqa: E731
            mem = lambda r: f"{r['peak_memory_bytes'] / 1e6:.0f}" if "peak_memory_bytes" in r else "–"  # noqa: E731
            ratio = f"{o['images_per_s'] / p['images_per_s']:.2f}×" if "images_per_s" in o and "images_per_s" in p else "–"
            md.append(f"| {row['type']} | {ips(o)} | {ips(p)} | {ratio} | {mem(o)} | {mem(p)} | {ips(f) if f else ''} |")
        errors = [(row["type"], impl, row[impl]["error"]) for row in rows for impl in ("linattn", "torch", "torch-sdpa")
                  if "error" in row.get(impl, {})]
        if errors:
            md += ["", "Cases not measured:", ""] + [f"- {impl} {t}: {e}" for t, impl, e in errors]
        md += ["", "Exact commands:", ""] + [f"- `{row[i]['command']}`" for row in rows for i in ("linattn", "torch", "torch-sdpa")
                                             if i in row]
        md += ["", f"Wall time of the whole run: {time.time() - start:.0f} s" + (f" (budget {a.budget:g} s)" if a.budget else "")]
    else:
        cpu = cpu_model()
        md = ["# ViT training step (CPU): linattn vs PyTorch\n",
              f"- command: `/usr/bin/python3 bench/run_train_step.py {' '.join(sys.argv[1:])}`".rstrip(),
              f"- machine: {cpu}, {os.cpu_count()} cores, {a.threads} threads for both",
              f"- float32 GEMM: {cpu_gemm_description()}",
              f"- date: {datetime.date.today().isoformat()}",
              f"- model: §8 ViT (dim 192, depth 6, heads 3, MLP ratio 2, patch 4, mean pool), batch {a.batch}, AdamW;"
              " median of the timed steps after one warm-up\n",
              "| attention | linattn s/step | PyTorch s/step | speedup |", "|---|---:|---:|---:|"]
        for row in rows:
            t, o, p = row["type"], row["linattn"], row["torch"]
            if "step_s" in o and "step_s" in p:
                md.append(f"| {t} | {o['step_s']:.3f} | {p['step_s']:.3f} | {p['step_s'] / o['step_s']:.2f}× |")
            else:
                md.append(f"| {t} | {o.get('step_s', o.get('error', '–'))} | {p.get('step_s', p.get('error', '–'))} | – |")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(md) + "\n")
    with open(a.out + ".json", "w") as f:
        json.dump(rows, f, indent=1)
    print("\n".join(md))


if __name__ == "__main__":
    main()
