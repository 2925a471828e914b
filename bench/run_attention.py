#!/usr/bin/python3
"""run_attention.py — the attention benchmark, linattn and PyTorch side by side in one run.

For each attention type and token count N it runs bench/attention (linattn, C++) and
bench/torch_attention.py (the same spec in PyTorch) in fresh processes, one after the other on
the same machine, and writes bench/results/attention_cpu.{md,json,svg}: a table of forward +
backward time and peak memory, the speedup, the growth from N=4096 to N=16384, and an SVG plot of
time and memory against N (log-log).

Usage: /usr/bin/python3 bench/run_attention.py [--build build] [--threads 2]
           [--types softmax,cos2d,...] [--Ns 256,1024,4096,16384] [--out bench/results/attention_cpu]
Softmax needs B·h·N² floats for A alone (34 GB at N=16384): cases that fail (out of memory) or
exceed --max-softmax-N are recorded as not run.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
HERE = os.path.dirname(os.path.abspath(__file__))
TYPES = ["softmax", "cos2d", "external", "linformer", "additive", "efficient"]


def run_case(cmd, timeout):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    for line in out.stdout.splitlines()[::-1]:
        if line.startswith("{"):
            return json.loads(line)
    return {"error": (out.stderr or out.stdout).strip()[-300:] or f"exit code {out.returncode}"}


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def svg_plot(results, types, Ns, key, title, unit_scale, unit):
    """A log-log line chart of `key` against N, one solid (linattn) and one dashed (torch) line per type."""
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
        for impl, dash in (("linattn", ""), ("torch", ' stroke-dasharray="5,4"')):
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
    out.append("</svg>")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--types", default=",".join(TYPES))
    ap.add_argument("--Ns", default="256,1024,4096,16384")
    ap.add_argument("--max-softmax-N", type=int, default=4096)
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(HERE, "results", "attention_cpu"))
    a = ap.parse_args()
    types, Ns = a.types.split(","), [int(n) for n in a.Ns.split(",")]
    binary = os.path.join(a.build, "bench", "attention")
    results = []
    for t in types:
        for n in Ns:
            for impl in ("linattn", "torch"):
                if t == "softmax" and n > a.max_softmax_N:
                    r = {"impl": impl, "type": t, "N": n, "error": f"not run (B·h·N² attention matrix; N > {a.max_softmax_N})"}
                elif impl == "linattn":  # with the `linattn` program's default OMP_WAIT_POLICY (apps/main.cpp)
                    r = run_case([binary, "--type", t, "--N", str(n), "--threads", str(a.threads), "--reps", str(a.reps)],
                                 a.timeout)
                else:
                    r = run_case(["/usr/bin/python3", os.path.join(HERE, "torch_attention.py"), "--type", t,
                                  "--N", str(n), "--threads", str(a.threads), "--reps", str(a.reps)], a.timeout)
                r.setdefault("impl", impl)
                r.setdefault("type", t)
                r.setdefault("N", n)
                print(json.dumps(r), flush=True)
                results.append(r)

    def get(impl, t, n):
        return next((r for r in results if r["impl"] == impl and r["type"] == t and r["N"] == n), {})

    cmd = "/usr/bin/python3 bench/run_attention.py " + " ".join(sys.argv[1:])
    md = [f"# Attention benchmark (CPU, forward + backward)\n",
          f"- command: `{cmd.strip()}`",
          f"- machine: {cpu_model()}, {os.cpu_count()} cores, {a.threads} threads for both",
          f"- date: {datetime.date.today().isoformat()}",
          "- setup: B=8, C=128, heads=4, float32; linformer proj_k=128, seq_len=N; cos2d on the most square grid;",
          "  time = median forward+backward; memory = rise of peak RSS over the resident size before the first forward\n",
          "| type | N | linattn ms | PyTorch ms | speedup | linattn MB | PyTorch MB |",
          "|---|---:|---:|---:|---:|---:|---:|"]
    for t in types:
        for n in Ns:
            l, p = get("linattn", t, n), get("torch", t, n)
            lm = f"{l['ms']:.1f}" if "ms" in l else "–"
            pm = f"{p['ms']:.1f}" if "ms" in p else "–"
            sp = f"{p['ms'] / l['ms']:.2f}×" if "ms" in l and "ms" in p else "–"
            lb = f"{l['peak_bytes'] / 1e6:.0f}" if "peak_bytes" in l else "–"
            pb = f"{p['peak_bytes'] / 1e6:.0f}" if "peak_bytes" in p else "–"
            md.append(f"| {t} | {n} | {lm} | {pm} | {sp} | {lb} | {pb} |")
    if 4096 in Ns and 16384 in Ns:
        md += ["", "Growth from N=4096 to N=16384 (linear would be 4×):", "",
               "| type | linattn time | linattn memory |", "|---|---:|---:|"]
        for t in types:
            a4, a16 = get("linattn", t, 4096), get("linattn", t, 16384)
            if "ms" in a4 and "ms" in a16:
                md.append(f"| {t} | {a16['ms'] / a4['ms']:.2f}× | {a16['peak_bytes'] / max(1, a4['peak_bytes']):.2f}× |")
    errors = [r for r in results if "error" in r]
    if errors:
        md += ["", "Cases not measured:", ""] + [f"- {r['impl']} {r['type']} N={r['N']}: {r['error']}" for r in errors]
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(md) + "\n\n![time](attention_cpu_time.svg) ![memory](attention_cpu_memory.svg)\n")
    with open(a.out + ".json", "w") as f:
        json.dump(results, f, indent=1)
    with open(a.out + "_time.svg", "w") as f:
        f.write(svg_plot(results, types, Ns, "ms", "forward+backward time", 1.0, "ms"))
    with open(a.out + "_memory.svg", "w") as f:
        f.write(svg_plot(results, types, Ns, "peak_bytes", "peak memory", 1e-6, "MB"))
    print("\n".join(md))


if __name__ == "__main__":
    main()
