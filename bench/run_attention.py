#!/usr/bin/python3
"""run_attention.py — the attention benchmark, linattn and PyTorch side by side in one run.

For each attention type and token count N it runs bench/attention (linattn, C++) and
bench/torch_attention.py (the same math in PyTorch, docs/attention.md) in fresh processes, one after the other on
the same machine, and writes bench/results/attention_cpu.{md,json,svg}: a table of forward +
backward time and peak memory, the speedup, the growth from N=4096 to N=16384, and an SVG plot of
time and memory against N (log-log).

Usage: /usr/bin/python3 bench/run_attention.py [--build build] [--threads 2] [--reps 3] [--rounds 3]
           [--types softmax,cos2d,...] [--Ns 256,1024,4096,16384] [--out bench/results/attention_cpu]
--rounds R runs each case R times in fresh processes, linattn and PyTorch alternating, and takes
each side's median: on a shared machine a burst of noise then cannot land on one side only.
Softmax needs B·h·N² floats for A alone (34 GB at N=16384): cases that fail (out of memory) or
exceed --max-softmax-N are recorded as not run.

GPU (--device cuda; scripts/gpu_run runs it from the bundle):
  python3 bench/run_attention.py --device cuda --attention-cmd "gpu-bundle/run attention" \
      [--Ns 256,1024,4096,16384,65536] [--budget 240] [--out DIR/attention_gpu]
For each N (ascending, so a --budget cuts the largest N first) it runs linattn's cases (fresh
process each, synchronized clocks, allocator peak) and then one PyTorch process for all types at
that N (torch_attention.py --sweep --device cuda: TF32 on, the same peak measure, plus softmax
through F.scaled_dot_product_attention as "PyTorch SDPA" where torch has it). Softmax is tried
at every N; out-of-memory is recorded. Cases left when --budget seconds are used up are recorded
as not run. Defaults on cuda: Ns up to 65536, --reps 10, --warmup 3.
"""
import argparse
import datetime
import json
import os
import shlex
import subprocess
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_common import cpu_gemm_description, cpu_model, gpu_description, last_json  # noqa: E402

TYPES = ["softmax", "cos2d", "external", "linformer", "additive", "efficient"]


IMPLS = (("linattn", ""), ("torch", ' stroke-dasharray="5,4"'), ("torch-sdpa", ' stroke-dasharray="1,3"'))


def svg_plot(results, types, Ns, key, title, unit_scale, unit):
    """A log-log line chart of `key` against N, one solid (linattn), one dashed (torch) and, where
    measured, one dotted (torch-sdpa) line per type."""
    import math
    W, H, L, R, T, Bm = 560, 340, 70, 130, 30, 40
    pts = [r[key] for r in results if key in r and r[key] and r[key] > 0]
    if not pts:
        return ""
    lo, hi = math.log10(min(pts) * unit_scale), math.log10(max(pts) * unit_scale)
    lo, hi = math.floor(lo), math.ceil(hi) if hi > lo else lo + 1
    x_of = lambda n: L + (W - L - R) * (math.log2(n) - math.log2(Ns[0])) / max(1e-9, math.log2(Ns[-1]) - math.log2(Ns[0]))
    y_of = lambda v: T + (H - T - Bm) * (1 - (math.log10(v * unit_scale) - lo) / (hi - lo))
    colors = ["#444", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
           f'<text x="{W/2}" y="16" text-anchor="middle" font-size="13">{title}</text>']
    for e in range(lo, hi + 1):
        y = y_of(10 ** e / unit_scale)
        out.append(f'<line x1="{L}" x2="{W-R}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
                   f'<text x="{L-6}" y="{y+4:.1f}" text-anchor="end">1e{e} {unit}</text>')
    for n in Ns:
        out.append(f'<text x="{x_of(n):.1f}" y="{H-Bm+16}" text-anchor="middle">{n}</text>')
    out.append(f'<text x="{(L+W-R)/2}" y="{H-6}" text-anchor="middle">N (tokens)</text>')
    for i, t in enumerate(types):
        for impl, dash in IMPLS:
            p = [(x_of(r["N"]), y_of(r[key])) for r in results
                 if r.get("impl") == impl and r.get("type") == t and r.get(key, 0) > 0]
            if len(p) > 1:
                d = " ".join(f"{x:.1f},{y:.1f}" for x, y in p)
                out.append(f'<polyline points="{d}" fill="none" stroke="{colors[i % 6]}" stroke-width="2"{dash}/>')
        y = T + 14 * i
        out.append(f'<line x1="{W-R+10}" x2="{W-R+30}" y1="{y}" y2="{y}" stroke="{colors[i % 6]}" stroke-width="2"/>'
                   f'<text x="{W-R+34}" y="{y+4}">{t}</text>')
    y = T + 14 * len(types) + 8
    out.append(f'<text x="{W-R+10}" y="{y+4}">solid: linattn</text><text x="{W-R+10}" y="{y+18}">dashed: PyTorch</text>')
    if any(r.get("impl") == "torch-sdpa" and r.get(key, 0) > 0 for r in results):
        out.append(f'<text x="{W-R+10}" y="{y+32}">dotted: PyTorch SDPA</text>')
    out.append("</svg>")
    return "\n".join(out)


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    ap.add_argument("--attention-cmd", help="linattn's benchmark command (default: BUILD/bench/attention),"
                    " e.g. 'gpu-bundle/run attention'")
    ap.add_argument("--python", help="Python with torch (default: /usr/bin/python3; on cuda this Python)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--types", default=",".join(TYPES))
    ap.add_argument("--Ns", help="default 256,1024,4096,16384 (cpu), 256,...,65536 (cuda)")
    ap.add_argument("--max-softmax-N", type=int, help="default 4096 on cpu, no limit on cuda")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per case")
    ap.add_argument("--reps", type=int, help="timed repetitions (default 3 on cpu, 10 on cuda)")
    ap.add_argument("--rounds", type=int, default=1, help="cpu: fresh-process rounds per case, linattn and PyTorch"
                    " alternating; each side's figure is the median over the rounds")
    ap.add_argument("--warmup", type=int, help="untimed repetitions (default: each side's own on cpu, 3 on cuda)")
    ap.add_argument("--budget", type=float, default=0, help="seconds for the whole run; later cases not run (0: none)")
    ap.add_argument("--no-sdpa", action="store_true", help="cuda: skip PyTorch's scaled_dot_product_attention")
    ap.add_argument("--out", help="output prefix (default bench/results/attention_cpu or attention_gpu)")
    a = ap.parse_args()
    cuda = a.device == "cuda"
    if a.Ns is None:
        a.Ns = "256,1024,4096,16384,65536" if cuda else "256,1024,4096,16384"
    if a.max_softmax_N is None:
        a.max_softmax_N = 0 if cuda else 4096
    if a.reps is None:
        a.reps = 10 if cuda else 3
    if a.warmup is None and cuda:
        a.warmup = 3
    if a.python is None:
        a.python = sys.executable if cuda else "/usr/bin/python3"
    if a.out is None:
        a.out = os.path.join(HERE, "results", "attention_gpu" if cuda else "attention_cpu")
    a.cmd = shlex.split(a.attention_cmd) if a.attention_cmd else [os.path.join(a.build, "bench", "attention")]
    return a


def median_of_rounds(rounds):
    """One record from a case's rounds (fresh processes): the median time and peak memory over
    the rounds that ran, each round's time kept in ms_rounds; the first error if none ran."""
    ok = [r for r in rounds if "ms" in r]
    if not ok:
        return rounds[0]
    mid = lambda xs: sorted(xs)[len(xs) // 2]
    r = dict(ok[0])
    r["ms"] = mid([x["ms"] for x in ok])
    r["peak_bytes"] = mid([x.get("peak_bytes", 0) for x in ok])
    r["ms_rounds"] = [round(x["ms"], 2) for x in ok]
    return r


def run_cpu(a, types, Ns, over_budget):
    """The CPU plan: per (type, N), --rounds rounds of linattn then PyTorch, each in a fresh
    process (peak RSS); alternating the two keeps a burst of machine noise from landing on one
    side only, and each side's figure is the median over the rounds."""
    results = []
    warm = ["--warmup", str(a.warmup)] if a.warmup is not None else []
    for t in types:
        for n in Ns:
            rounds = {"linattn": [], "torch": []}
            for _ in range(a.rounds):
                for impl in ("linattn", "torch"):
                    if t == "softmax" and a.max_softmax_N and n > a.max_softmax_N:
                        r = {"error": f"not run (B·h·N² attention matrix; N > {a.max_softmax_N})"}
                    elif over_budget():
                        r = {"error": "not run (time budget used up)"}
                    elif impl == "linattn":  # with the `linattn` program's default OMP_WAIT_POLICY (apps/main.cpp)
                        r = last_json(a.cmd + ["--type", t, "--N", str(n), "--threads", str(a.threads),
                                               "--reps", str(a.reps)] + warm, a.timeout)
                    else:
                        r = last_json([a.python, os.path.join(HERE, "torch_attention.py"), "--type", t, "--N", str(n),
                                       "--threads", str(a.threads), "--reps", str(a.reps)] + warm, a.timeout)
                    rounds[impl].append(r)
            for impl in ("linattn", "torch"):
                r = median_of_rounds(rounds[impl])
                r.setdefault("impl", impl)
                r.setdefault("type", t)
                r.setdefault("N", n)
                print(json.dumps(r), flush=True)
                results.append(r)
    return results


def run_gpu(a, types, Ns, over_budget, deadline):
    """The GPU plan: per N, linattn's cases (a process each), then one PyTorch process for all types."""
    results = []
    for n in Ns:
        for t in types:
            if t == "softmax" and a.max_softmax_N and n > a.max_softmax_N:
                r = {"error": f"not run (N > --max-softmax-N {a.max_softmax_N})"}
            elif over_budget():
                r = {"error": "not run (time budget used up)"}
            else:
                r = last_json(a.cmd + ["--device", "cuda", "--type", t, "--N", str(n), "--threads", str(a.threads),
                                      "--reps", str(a.reps), "--warmup", str(a.warmup)], a.timeout)
            r.update(impl="linattn", type=r.get("type", t), N=r.get("N", n))
            print(json.dumps(r), flush=True)
            results.append(r)
        torch_types = [t for t in types if not (t == "softmax" and a.max_softmax_N and n > a.max_softmax_N)]
        expected = [("torch", t) for t in torch_types]
        if not a.no_sdpa and "softmax" in torch_types:
            expected.append(("torch-sdpa", "softmax"))
        got = []
        if torch_types and not over_budget():
            cmd = [a.python, os.path.join(HERE, "torch_attention.py"), "--sweep", "--device", "cuda",
                   "--types", ",".join(torch_types), "--Ns", str(n), "--threads", str(a.threads),
                   "--reps", str(a.reps), "--warmup", str(a.warmup), "--deadline", str(deadline or 0)]
            if not a.no_sdpa:
                cmd.append("--sdpa")
            try:
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout * max(1, len(expected)))
                lines, tail = p.stdout.splitlines(), (p.stderr or p.stdout).strip()[-300:]
            except subprocess.TimeoutExpired as e:
                out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
                lines, tail = out.splitlines(), f"timed out after {a.timeout * len(expected)} s"
            got = [json.loads(line) for line in lines if line.startswith("{")]
        else:
            tail = "not run (time budget used up)"
        for impl, t in expected:
            r = next((g for g in got if g.get("impl") == impl and g.get("type") == t), None) or {"error": tail or "no output"}
            r.update(impl=impl, type=t, N=n)
            print(json.dumps(r), flush=True)
            results.append(r)
    return results


def main():
    a = parse_args()
    cuda = a.device == "cuda"
    types, Ns = a.types.split(","), [int(n) for n in a.Ns.split(",")]
    start = time.time()
    deadline = start + a.budget if a.budget > 0 else 0
    over_budget = lambda: bool(deadline) and time.time() > deadline  # noqa: E731
    results = run_gpu(a, types, Ns, over_budget, deadline) if cuda else run_cpu(a, types, Ns, over_budget)

    def get(impl, t, n):
        return next((r for r in results if r["impl"] == impl and r["type"] == t and r["N"] == n), {})

    def ms(r):
        return f"{r['ms']:.3f}" if cuda and "ms" in r else f"{r['ms']:.1f}" if "ms" in r else "–"

    def mb(r):
        return f"{r['peak_bytes'] / 1e6:.0f}" if "peak_bytes" in r else "–"

    cmd = ("python3" if cuda else "/usr/bin/python3") + " bench/run_attention.py " + " ".join(shlex.quote(v) for v in sys.argv[1:])
    if cuda:
        torch_v = next((r["torch"] for r in results if "torch" in r), "?")
        md = ["# Attention benchmark (GPU, forward + backward)\n",
              f"- command: `{cmd.strip()}`",
              f"- device: {gpu_description() or next((r['gpu'] for r in results if 'gpu' in r), 'unknown GPU')}",
              f"- PyTorch {torch_v}, same GPU, same run; TF32 on in both",
              f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
              "- setup: B=8, C=128, heads=4, float32; linformer proj_k=128, seq_len=N; cos2d on the most square grid;",
              f"  time = median of {a.reps} forward+backward after {a.warmup} warm-up, device synchronized before each clock read;",
              "  memory = allocator peak of bytes in live tensors minus those live before the first forward",
              "  (linattn: its caching allocator; PyTorch: torch.cuda.max_memory_allocated)\n",
              "| type | N | linattn ms | PyTorch ms | speedup | linattn MB | PyTorch MB | PyTorch SDPA ms | SDPA MB |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    else:
        md = ["# Attention benchmark (CPU, forward + backward)\n",
              f"- command: `{cmd.strip()}`",
              f"- machine: {cpu_model()}, {os.cpu_count()} cores, {a.threads} threads for both",
              f"- float32 GEMM: {cpu_gemm_description()}",
              f"- date: {datetime.date.today().isoformat()}",
              "- setup: B=8, C=128, heads=4, float32; linformer proj_k=128, seq_len=N; cos2d on the most square grid;",
              f"  time = median forward+backward ({a.reps} per process" + (f", median over {a.rounds} rounds of fresh processes,"
              " linattn and PyTorch alternating" if a.rounds > 1 else "") + ");",
              "  memory = rise of peak RSS over the resident size before the first forward\n",
              "| type | N | linattn ms | PyTorch ms | speedup | linattn MB | PyTorch MB |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for t in types:
        for n in Ns:
            l, p = get("linattn", t, n), get("torch", t, n)
            sp = f"{p['ms'] / l['ms']:.2f}×" if "ms" in l and "ms" in p else "–"
            row = f"| {t} | {n} | {ms(l)} | {ms(p)} | {sp} | {mb(l)} | {mb(p)} |"
            if cuda:
                f = get("torch-sdpa", t, n)
                row += f" {ms(f)} | {mb(f)} |" if f else " | |"
            md.append(row)
    for n1, n2 in ((4096, 16384), (16384, 65536)):
        if n1 in Ns and n2 in Ns:
            md += ["", f"Growth from N={n1} to N={n2} (linear would be 4×):", "",
                   "| type | linattn time | linattn memory |", "|---|---:|---:|"]
            for t in types:
                a1, a2 = get("linattn", t, n1), get("linattn", t, n2)
                if "ms" in a1 and "ms" in a2:
                    md.append(f"| {t} | {a2['ms'] / a1['ms']:.2f}× | {a2['peak_bytes'] / max(1, a1['peak_bytes']):.2f}× |")
            if not cuda:
                break  # the CPU report keeps its one growth table
    errors = [r for r in results if "error" in r]
    if errors:
        md += ["", "Cases not measured:", ""] + [f"- {r['impl']} {r['type']} N={r['N']}: {r['error']}" for r in errors]
    if cuda:
        md += ["", f"Wall time of the whole run: {time.time() - start:.0f} s"
               + (f" (budget {a.budget:g} s)" if a.budget else "")]
    base = os.path.basename(a.out)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(md) + f"\n\n![time]({base}_time.svg) ![memory]({base}_memory.svg)\n")
    with open(a.out + ".json", "w") as f:
        json.dump(results, f, indent=1)
    with open(a.out + "_time.svg", "w") as f:
        f.write(svg_plot(results, types, Ns, "ms", "forward+backward time", 1.0, "ms"))
    with open(a.out + "_memory.svg", "w") as f:
        f.write(svg_plot(results, types, Ns, "peak_bytes", "peak memory", 1e-6, "MB"))
    print("\n".join(md))


if __name__ == "__main__":
    main()
