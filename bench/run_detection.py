#!/usr/bin/python3
"""bench/run_detection.py — the detection toolkit's host-side costs next to the Python tools a
PyTorch detector uses, on the same machine in the same run:

  * linear_sum_assignment on a 100 x 50 matrix of U[0, 1) costs: linattn (detection/hungarian.h)
    vs scipy.optimize.linear_sum_assignment, which DETR calls;
  * DETR's matcher on a batch of 32 images (Q = 100 queries, 92 classes, 0..20 targets each, the
    same distributions as bench/matcher.cpp): linattn's hungarian_match vs DETR's HungarianMatcher
    written out in PyTorch (softmax, cdist, GIoU) + scipy per image;
  * COCO evaluation of 500 images x 100 detections: linattn's coco_evaluate vs the project's numpy
    COCOeval (tests/reference/cocoeval_ref.py) on the very same files — pycocotools itself is not
    packaged for Debian 12, so it cannot be timed here.

Each side runs in its own process, alternating over --rounds rounds; the median per side is kept.
One thread for both sides (the matcher and the evaluators are single-threaded host code).
Usage: /usr/bin/python3 bench/run_detection.py [--rounds R] [--build build] [--out bench/results/detection_cpu]
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import cpu_model, last_json  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def median_seconds(fn, reps, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def python_side(data_dir):
    """The Python tools' timings, in this process (one thread)."""
    import numpy as np
    import torch
    from scipy.optimize import linear_sum_assignment
    torch.set_num_threads(1)
    sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))
    import cocoeval_ref

    rng = np.random.default_rng(0)
    cost = rng.random((100, 50))
    lsa = median_seconds(lambda: linear_sum_assignment(cost), 21, 3)

    g = torch.Generator().manual_seed(0)
    B, Q, C = 32, 100, 92
    logits = torch.randn(B, Q, C, generator=g)
    boxes = torch.rand(B, Q, 4, generator=g) * 0.45 + 0.05
    targets = []
    for _ in range(B):
        t = int(torch.rand(1, generator=g).item() * 21)
        targets.append((torch.randint(0, C - 1, (t,), generator=g), torch.rand(t, 4, generator=g) * 0.45 + 0.05))

    def xyxy(b):
        cx, cy, w, h = b.unbind(-1)
        return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)

    def giou(a, b):  # DETR's util/box_ops.generalized_box_iou, written out
        area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
        area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        lt = torch.max(a[:, None, :2], b[:, :2])
        rb = torch.min(a[:, None, 2:], b[:, 2:])
        wh = (rb - lt).clamp(min=0)
        inter = wh[..., 0] * wh[..., 1]
        union = area_a[:, None] + area_b - inter
        iou = inter / union
        lt = torch.min(a[:, None, :2], b[:, :2])
        rb = torch.max(a[:, None, 2:], b[:, 2:])
        wh = (rb - lt).clamp(min=0)
        enclosing = wh[..., 0] * wh[..., 1]
        return iou - (enclosing - union) / enclosing

    @torch.no_grad()
    def detr_matcher():  # DETR's HungarianMatcher.forward: whole-batch costs, scipy per image
        prob = logits.flatten(0, 1).softmax(-1)
        out_bbox = boxes.flatten(0, 1)
        tgt_ids = torch.cat([t[0] for t in targets])
        tgt_bbox = torch.cat([t[1] for t in targets])
        cost = 5 * torch.cdist(out_bbox, tgt_bbox, p=1) - prob[:, tgt_ids] - 2 * giou(xyxy(out_bbox), xyxy(tgt_bbox))
        cost = cost.view(B, Q, -1).cpu()
        sizes = [len(t[0]) for t in targets]
        return [linear_sum_assignment(c[i]) for i, c in enumerate(cost.split(sizes, -1))]

    match = median_seconds(detr_matcher, 7, 2)

    with open(os.path.join(data_dir, "gt.json")) as f:
        gt = json.load(f)
    with open(os.path.join(data_dir, "dt.json")) as f:
        dt = json.load(f)
    result = {}
    evaluate = median_seconds(lambda: result.update(cocoeval_ref.evaluate(gt, dt)), 3, 1)
    return {"lsa_100x50_us": lsa * 1e6, "match_batch32_ms": match * 1e3, "evaluate_ms": evaluate * 1e3,
            "ap": result["stats"][0], "targets": sum(len(t[0]) for t in targets)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "detection_cpu"))
    ap.add_argument("--python-side", metavar="DATA_DIR", help=argparse.SUPPRESS)  # child process
    args = ap.parse_args()
    if args.python_side:
        print(json.dumps(python_side(args.python_side)))
        return 0

    with open("/proc/loadavg") as f:
        load = f.read().split()[0]  # 1-minute load average when started: is the machine quiet?
    ours, theirs = {"matcher": [], "coco_eval": []}, []
    with tempfile.TemporaryDirectory() as data:
        for r in range(args.rounds):
            ours["matcher"].append(last_json([os.path.join(args.build, "bench", "matcher")]))
            ours["coco_eval"].append(last_json([os.path.join(args.build, "bench", "coco_eval"), "--runs", "3",
                                                "--data", data]))
            theirs.append(last_json([sys.executable, os.path.abspath(__file__), "--python-side", data], timeout=900))
            for result in (ours["matcher"][-1], ours["coco_eval"][-1], theirs[-1]):
                if "error" in result:
                    print(f"round {r}: {result['error']}", file=sys.stderr)
                    return 1
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    def med(rows, key):
        return statistics.median(row[key] for row in rows)

    rows = [
        ("linear_sum_assignment, 100 x 50", "µs", med(ours["matcher"], "lsa_100x50_us"), med(theirs, "lsa_100x50_us"),
         "scipy 1.10 linear_sum_assignment"),
        (f"DETR's matcher, batch of 32 (Q 100, 92 classes, {ours['matcher'][0]['targets']} / {theirs[0]['targets']} targets)",
         "ms", med(ours["matcher"], "match_batch32_ms"), med(theirs, "match_batch32_ms"),
         "DETR's HungarianMatcher in PyTorch + scipy"),
        ("COCO evaluation, 500 images x 100 detections", "ms", med(ours["coco_eval"], "evaluate_ms"),
         med(theirs, "evaluate_ms"), "numpy COCOeval (tests/reference/cocoeval_ref.py)"),
    ]
    command = "/usr/bin/python3 bench/run_detection.py" + (f" --rounds {args.rounds}" if args.rounds != 3 else "")
    md = [f"# Detection toolkit on the CPU, next to the Python tools (one thread each)", "",
          f"- command: `{command}`",
          f"- machine: {cpu_model()}, {os.cpu_count()} logical CPUs",
          f"- date: {datetime.date.today().isoformat()}",
          f"- rounds: {args.rounds} fresh processes per side, alternating; median per side "
          f"(load average {load} when started; the ratios are same-run)",
          f"- the same evaluation files for both evaluators: AP {ours['coco_eval'][0]['ap']:.6f} (linattn) vs "
          f"{theirs[0]['ap']:.6f} (numpy)", "",
          "| what | linattn | Python | Python side | speed-up |", "|---|---:|---:|---|---:|"]
    for what, unit, a, b, side in rows:
        md.append(f"| {what} | {a:.1f} {unit} | {b:.1f} {unit} | {side} | {b / a:.1f}× |")
    text = "\n".join(md) + "\n"
    print(text)
    with open(args.out + ".md", "w") as f:
        f.write(text)
    with open(args.out + ".json", "w") as f:
        json.dump({"linattn": ours, "python": theirs, "machine": cpu_model()}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
