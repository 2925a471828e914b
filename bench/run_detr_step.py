#!/usr/bin/python3
"""run_detr_step.py — DETR-lite's training step in linattn next to the same step in PyTorch.

For each case it runs `linattn bench train-step --config <config> --json` (the detection task's
synthetic batch: forward, set criterion with auxiliary losses, backward, clipping, AdamW) and
bench/torch_detr_step.py --config <config> (the PyTorch DETR-lite of tests/reference/
detr_lite_ref.py with the same model, loss and optimizer settings, read from the same file)
alternately on the same machine, --rounds times, and writes bench/results/detr_step_cpu.{md,json}:
each side's median step time over the rounds (each round's number is itself the median of
--steps timed steps after --warmup untimed ones) and the ratio.

Cases: configs/detr_lite_coco.yaml (80 classes) and configs/detr_lite_person.yaml (1 class), both
with the encoder attention of the config (softmax); --types a,b,... adds the coco config with
each of those encoder attention types (model.attention.type).

Usage: /usr/bin/python3 bench/run_detr_step.py [--build build] [--threads 2] [--steps 3] [--warmup 1]
           [--rounds 3] [--types cos2d,linformer,...] [--out bench/results/detr_step_cpu]
"""
import argparse
import datetime
import json
import os
import shlex
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bench_common import cpu_gemm_description, cpu_model, last_json  # noqa: E402


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--python", default="/usr/bin/python3", help="a Python with torch")
    ap.add_argument("--configs", default=os.path.join(ROOT, "configs"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, help="default: the config's data.batch_size")
    ap.add_argument("--steps", type=int, default=3, help="timed steps per round")
    ap.add_argument("--warmup", type=int, default=1, help="untimed steps per round")
    ap.add_argument("--rounds", type=int, default=3, help="linattn, then PyTorch, this many times per case")
    ap.add_argument("--types", default="", help="also the coco config with these encoder attention types")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per process")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "detr_step_cpu"))
    return ap.parse_args()


def cases(a):
    coco, person = os.path.join(a.configs, "detr_lite_coco.yaml"), os.path.join(a.configs, "detr_lite_person.yaml")
    out = [("coco (80 classes)", coco, None), ("coco-person (1 class)", person, None)]
    for t in filter(None, a.types.split(",")):
        out.append((f"coco (80 classes), {t} encoder", coco, t))
    return out


def commands(a, config, attention):
    batch = ["--batch", str(a.batch)] if a.batch else []
    ours = [os.path.join(a.build, "linattn"), "bench", "train-step", "--config", config, "--set", f"threads={a.threads}",
            "--steps", str(a.steps), "--warmup", str(a.warmup), "--json"] + batch
    theirs = [a.python, os.path.join(HERE, "torch_detr_step.py"), "--config", config, "--threads", str(a.threads),
              "--steps", str(a.steps), "--warmup", str(a.warmup)] + batch
    if attention:
        ours += ["--set", f"model.attention.type={attention}"]
        theirs += ["--attention", attention]
    return ours, theirs


def rel(cmd):
    return " ".join(shlex.quote(os.path.relpath(v, ROOT) if os.path.isabs(v) and v.startswith(ROOT) else v) for v in cmd)


def main():
    a = parse_args()
    start, load_start = time.time(), os.getloadavg()[0]
    rows = []
    for label, config, attention in cases(a):
        ours_cmd, torch_cmd = commands(a, config, attention)
        row = {"case": label, "config": os.path.relpath(config, ROOT), "attention": attention or "config",
               "linattn_command": rel(ours_cmd), "torch_command": rel(torch_cmd), "linattn": [], "torch": []}
        for r in range(a.rounds):
            for impl, cmd in (("linattn", ours_cmd), ("torch", torch_cmd)):
                result = last_json(cmd, a.timeout)
                row[impl].append(result)
                print(json.dumps({"case": label, "round": r, impl: result}), flush=True)
        for impl in ("linattn", "torch"):
            steps = [x["step_s"] for x in row[impl] if "step_s" in x]
            row[f"{impl}_step_s"] = statistics.median(steps) if steps else None
        if row["linattn_step_s"] and row["torch_step_s"]:
            row["speedup"] = row["torch_step_s"] / row["linattn_step_s"]
        rows.append(row)

    first = next((x for row in rows for x in row["torch"] if "torch" in x), {})
    batch = next((x["batch"] for row in rows for x in row["linattn"] + row["torch"] if "batch" in x), a.batch)
    md = ["# DETR-lite training step (CPU): linattn vs PyTorch\n",
          f"- command: `/usr/bin/python3 bench/run_detr_step.py {' '.join(sys.argv[1:])}`".rstrip(),
          f"- machine: {cpu_model()}, {os.cpu_count()} cores, {a.threads} threads for both",
          f"- float32 GEMM: {cpu_gemm_description()}",
          f"- PyTorch {first.get('torch', '?')} (bench/torch_detr_step.py: tests/reference/detr_lite_ref.py)",
          f"- date: {datetime.date.today().isoformat()}",
          f"- step: forward, DETR's set criterion with auxiliary losses (Hungarian matching on the CPU), backward, "
          f"gradient clipping by global norm, AdamW; batch {batch}, synthetic images and 0–5 random boxes per image "
          "(no data loading)",
          f"- model: the config's DETR-lite (S 256, backbone width 32 with 2 BasicBlocks per stage, GroupNorm, stride 16,"
          " dim 128, heads 4, 2 + 2 layers, 100 anchor queries, sigmoid focal scores)",
          f"- time: median over {a.rounds} alternating rounds of each round's median of {a.steps} steps after "
          f"{a.warmup} warm-up (every round's number in the last two columns)",
          f"- 1-minute load average just before the run: {load_start:.2f} (other processes on the same cores"
          " add noise; the rounds show how much)\n",
          "| case | linattn s/step | PyTorch s/step | speedup | linattn images/s | PyTorch images/s |"
          " linattn rounds | PyTorch rounds |",
          "|---|---:|---:|---:|---:|---:|---|---|"]
    for row in rows:
        o, p = row["linattn_step_s"], row["torch_step_s"]
        spread = {impl: " ".join(f"{x['step_s']:.3f}" for x in row[impl] if "step_s" in x) for impl in ("linattn", "torch")}
        if o and p:
            md.append(f"| {row['case']} | {o:.3f} | {p:.3f} | {p / o:.2f}× | {batch / o:.1f} | {batch / p:.1f} |"
                      f" {spread['linattn']} | {spread['torch']} |")
        else:
            err = lambda impl: next((x["error"] for x in row[impl] if "error" in x), "–")  # noqa: E731
            md.append(f"| {row['case']} | {o and f'{o:.3f}' or err('linattn')} | {p and f'{p:.3f}' or err('torch')} | – | | |"
                      f" {spread['linattn']} | {spread['torch']} |")
    md += ["", "Per-case commands (run alternately):", ""]
    for row in rows:
        md += [f"- {row['case']}: `{row['linattn_command']}` and `{row['torch_command']}`"]
    md += ["", f"Wall time of the whole run: {time.time() - start:.0f} s"]
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(md) + "\n")
    with open(a.out + ".json", "w") as f:
        json.dump({"command": "/usr/bin/python3 bench/run_detr_step.py " + " ".join(sys.argv[1:]), "machine": cpu_model(),
                   "cores": os.cpu_count(), "threads": a.threads, "date": datetime.date.today().isoformat(),
                   "rows": rows}, f, indent=1)
    print("\n".join(md))


if __name__ == "__main__":
    main()
