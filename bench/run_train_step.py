#!/usr/bin/python3
"""run_train_step.py — `linattn bench train-step` next to PyTorch's same step, for every attention type.

For each type it runs `linattn bench train-step --config configs/vit_cifar10_<type>.yaml --json`
and bench/torch_vit_step.py --attention <type> (the §8 ViT of tests/reference/linattn_ref.py,
AdamW) one after the other on the same machine, and writes bench/results/train_step_cpu.{md,json}.

Usage: /usr/bin/python3 bench/run_train_step.py [--build build] [--threads 2] [--batch 128] [--steps 5]
           [--types softmax,cos2d,...] [--out bench/results/train_step_cpu]
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
TYPES = ["softmax", "cos2d", "external", "linformer", "additive", "efficient"]


def last_json(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    for line in out.stdout.splitlines()[::-1]:
        if line.startswith("{"):
            return json.loads(line)
    return {"error": (out.stderr or out.stdout).strip()[-300:]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--types", default=",".join(TYPES))
    ap.add_argument("--out", default=os.path.join(HERE, "results", "train_step_cpu"))
    a = ap.parse_args()
    rows = []
    for t in a.types.split(","):
        ours = last_json([os.path.join(a.build, "linattn"), "bench", "train-step", "--config",
                          os.path.join(ROOT, "configs", f"vit_cifar10_{t}.yaml"), "--set", f"threads={a.threads}",
                          "--set", "device=cpu", "--batch", str(a.batch), "--steps", str(a.steps), "--json"])
        torch = last_json(["/usr/bin/python3", os.path.join(HERE, "torch_vit_step.py"), "--attention", t,
                           "--batch", str(a.batch), "--steps", str(a.steps), "--threads", str(a.threads)])
        print(json.dumps(ours), json.dumps(torch), flush=True)
        rows.append((t, ours, torch))
    with open("/proc/cpuinfo") as f:
        cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "unknown CPU")
    md = ["# ViT training step (CPU): linattn vs PyTorch\n",
          f"- command: `/usr/bin/python3 bench/run_train_step.py {' '.join(sys.argv[1:])}`".rstrip(),
          f"- machine: {cpu}, {os.cpu_count()} cores, {a.threads} threads for both",
          f"- date: {datetime.date.today().isoformat()}",
          f"- model: §8 ViT (dim 192, depth 6, heads 3, MLP ratio 2, patch 4, mean pool), batch {a.batch}, AdamW;"
          " median of the timed steps after one warm-up\n",
          "| attention | linattn s/step | PyTorch s/step | speedup |", "|---|---:|---:|---:|"]
    for t, o, p in rows:
        if "step_s" in o and "step_s" in p:
            md.append(f"| {t} | {o['step_s']:.3f} | {p['step_s']:.3f} | {p['step_s'] / o['step_s']:.2f}× |")
        else:
            md.append(f"| {t} | {o.get('step_s', o.get('error', '–'))} | {p.get('step_s', p.get('error', '–'))} | – |")
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(md) + "\n")
    with open(a.out + ".json", "w") as f:
        json.dump([{"type": t, "linattn": o, "torch": p} for t, o, p in rows], f, indent=1)
    print("\n".join(md))


if __name__ == "__main__":
    main()
