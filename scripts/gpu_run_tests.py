#!/usr/bin/env python3
"""gpu_run_tests.py — runs the GPU bundle's tests without ctest (copied into gpu-bundle/ as
run_tests.py by scripts/gpu_bundle; scripts/gpu_run calls it on the GPU machine).

gpu-bundle/tests.json is ctest's own description of every test of the bundle's test binaries
(exact doctest arguments, skip return code and regex, fixtures). Like ctest, each test runs in its
own process (a CUDA error in one cannot hide the others), through the bundle's launcher
environment (libcublas.so.13 on LD_LIBRARY_PATH). Fixture setups (the PyTorch golden scripts)
run first, with --python, into <out>/goldens (LINATTN_GOLDEN_DIR).

Status per test: pass (exit 0), skip (the skip exit code, or output matching the skip regex),
fail (anything else, timeouts included), not-run (the --budget ran out first).
Writes <out>/tests.json, <out>/tests.md and <out>/logs/<test>.log; exits 1 if any test failed.

Usage: python3 gpu-bundle/run_tests.py [--out DIR] [--jobs 4] [--budget 240] [--timeout 120]
           [--filter REGEX] [--python python3] [--quiet]
"""
import argparse
import concurrent.futures as cf
import datetime
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def launcher_env(bundle):
    """The environment the bundle's `run` launcher would give (cuBLAS on LD_LIBRARY_PATH)."""
    env = dict(os.environ)
    p = subprocess.run([os.path.join(bundle, "run"), "--where"], capture_output=True, text=True)
    where = p.stdout.strip()
    if where:
        env["LD_LIBRARY_PATH"] = where + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    return env, where


def safe(name):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:150]


def run_one(cmd, env, timeout, cwd, log_path):
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, errors="replace")
        rc, out = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        rc = None
        out = ((e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")) + \
              f"\n[timed out after {timeout} s]"
    seconds = time.monotonic() - start
    with open(log_path, "w") as f:
        f.write("$ " + " ".join(cmd) + "\n" + out + f"\n[exit code {rc}, {seconds:.2f} s]\n")
    return rc, out, seconds


def classify(t, rc, out):
    if rc is None:
        return "fail"
    if t.get("skip_return_code") is not None and rc == int(t["skip_return_code"]):
        return "skip"
    if any(re.search(rx, out) for rx in t.get("skip_regex") or []):
        return "skip"
    return "pass" if rc == 0 else "fail"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", default=HERE)
    ap.add_argument("--out", default=os.path.join(os.getcwd(), "gpu-tests"))
    ap.add_argument("--jobs", type=int, default=4, help="tests run at once (they share the GPU)")
    ap.add_argument("--budget", type=float, default=240, help="seconds; no test starts after this")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per test (unless tests.json says)")
    ap.add_argument("--filter", default="", help="regex on the test name")
    ap.add_argument("--python", default="python3", help="Python with torch, for fixture setups")
    ap.add_argument("--quiet", action="store_true", help="print only the summary")
    a = ap.parse_args()
    bundle = os.path.abspath(a.bundle)
    spec = json.load(open(os.path.join(bundle, "tests.json")))
    out = os.path.abspath(a.out)
    logs = os.path.join(out, "logs")
    work = os.path.join(out, "work")
    os.makedirs(logs, exist_ok=True)
    os.makedirs(work, exist_ok=True)
    env, cublas_dir = launcher_env(bundle)
    env["LINATTN_GOLDEN_DIR"] = os.path.join(out, "goldens")
    t0 = time.monotonic()
    say = (lambda *x: None) if a.quiet else (lambda *x: print(*x, flush=True))

    tests = [t for t in spec["tests"] if re.search(a.filter, t["name"])]
    needed = {f for t in tests for f in t["fixtures_required"]}
    fixture_ok, results = {}, []
    for s in spec.get("fixture_setups", []):
        if not set(s["fixtures_setup"]) & needed:
            continue
        args = [os.path.join(bundle, "src", x) if x.endswith(".py") else x for x in s["python_args"]]
        args = [env["LINATTN_GOLDEN_DIR"] if x == "{goldens}" else x for x in args]
        cmd = [a.python] + args
        rc, text, sec = run_one(cmd, env, float(s.get("timeout") or 300), work, os.path.join(logs, safe(s["name"]) + ".log"))
        status = classify(s, rc, text)
        for f in s["fixtures_setup"]:
            fixture_ok[f] = status != "fail"
        results.append({"name": s["name"], "status": status, "seconds": round(sec, 3), "command": " ".join(cmd),
                        "fixture_setup": True})
        say(f"{status.upper():5} {s['name']} ({sec:.1f} s)")

    def job(t):
        if time.monotonic() - t0 > a.budget:
            return {"name": t["name"], "status": "not-run", "seconds": 0, "reason": f"budget {a.budget:g} s used up"}
        missing = [f for f in t["fixtures_required"] if fixture_ok.get(f) is False]
        if missing:
            return {"name": t["name"], "status": "fail", "seconds": 0, "reason": f"fixture setup failed: {missing}"}
        cmd = [os.path.join(bundle, "bin", t["program"])] + t["args"]
        rc, text, sec = run_one(cmd, env, float(t.get("timeout") or a.timeout), work,
                                os.path.join(logs, safe(t["name"]) + ".log"))
        r = {"name": t["name"], "status": classify(t, rc, text), "seconds": round(sec, 3), "exit_code": rc,
             "command": "gpu-bundle/run " + " ".join([t["program"]] + t["args"])}
        if r["status"] == "fail":
            r["output_tail"] = text[-2000:]
        if r["status"] == "skip":
            m = re.search(r"SKIP:[^\n]*", text)
            r["reason"] = m.group(0) if m else f"exit code {rc}"
        say(f"{r['status'].upper():5} {t['name']} ({sec:.1f} s)")
        return r

    with cf.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        results += list(pool.map(job, tests))

    counts = {k: sum(r["status"] == k for r in results) for k in ("pass", "fail", "skip", "not-run")}
    wall = time.monotonic() - t0
    summary = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "bundle": bundle, "cublas_dir": cublas_dir, "counts": counts, "wall_s": round(wall, 1),
               "command": " ".join([os.path.relpath(sys.argv[0])] + sys.argv[1:]), "results": results}
    with open(os.path.join(out, "tests.json"), "w") as f:
        json.dump(summary, f, indent=1)
    md = ["# CUDA tests\n", f"- date: {summary['date']}", f"- command: `{summary['command']}`",
          f"- cuBLAS from: {cublas_dir or 'not found'}",
          f"- {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped, "
          f"{counts['not-run']} not run, {wall:.0f} s"]
    fails = [r for r in results if r["status"] == "fail"]
    for r in fails:
        md += ["", f"### FAIL `{r['name']}`", ""] + ([r["reason"]] if r.get("reason") else []) + \
              (["```", r["output_tail"].strip()[-1500:], "```"] if r.get("output_tail") else [])
    md += ["", "### Every test", "", "| test | status | s |", "|---|---|---:|"]
    md += [f"| `{r['name']}` | {r['status']}{' (' + r['reason'] + ')' if r.get('reason') and r['status'] != 'skip' else ''} "
           f"| {r['seconds']:.2f} |" for r in results]
    with open(os.path.join(out, "tests.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"tests: {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped, "
          f"{counts['not-run']} not run ({wall:.0f} s) -> {os.path.join(out, 'tests.md')}")
    for r in results:
        if r["status"] == "fail":
            print(f"  FAIL {r['name']}" + (f": {r['reason']}" if r.get("reason") else ""))
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
