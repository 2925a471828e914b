#!/usr/bin/python3
"""torch_attention.py — the PyTorch side of the attention benchmark (forward + backward time, peak
memory) for one layer type and token count per process, using tests/reference/linattn_ref.py.

One case (a fresh process, so the peak-RSS measurement belongs to this case alone):
  /usr/bin/python3 bench/torch_attention.py --type softmax --N 1024 [--threads 2]
prints exactly one JSON line on stdout:
  {"impl": "torch", "type": "softmax", "N": 1024, "ms": 12.3, "peak_bytes": 123456, ...}
Convenience driver (one fresh child process per (type, N), one JSON line each):
  /usr/bin/python3 bench/torch_attention.py --sweep --types softmax,linformer --Ns 256,1024

Setup (fixed by the benchmark plan): B=8, C=128, heads=4, float32, CPU; linformer seq_len=N,
proj_k=128; cos2d on the most square H x W grid with H*W = N; efficient key=value=C, residual off;
additive token_dim=C, num_heads=1; external coef 4, S=64. Parameters use the ViT-slot init.
Threads: torch.set_num_threads(--threads), and OPENBLAS_NUM_THREADS / OMP_NUM_THREADS set to the
same value before torch is imported (unless already set), since Debian's torch calls OpenBLAS.
ms: median over --reps timed repetitions (after --warmup untimed ones) of forward + backward of
sum(y * dy) w.r.t. the input and every parameter. peak_bytes: increase of the process's peak RSS
(resource.getrusage ru_maxrss) over the resident size measured just before the first forward,
with the layer, input and dy already allocated. peak_masked=true means the run never exceeded the
peak RSS reached before the baseline, so peak_bytes is an upper bound. An allocation failure
prints {"impl": "torch", ..., "error": "..."} and exits 3.

GPU (--device cuda; bench/README.md): TF32 on for matmuls and cuDNN (as linattn's default);
torch.cuda.synchronize() before each clock read; peak_bytes = torch.cuda.max_memory_allocated()
minus the bytes allocated just before the first forward (layer, x, dy), the counterpart of
linattn's allocator peak. --sdpa (softmax only, torch >= 2.0) runs the same layer with
F.scaled_dot_product_attention as its core (impl "torch-sdpa"). On a GPU a sweep runs every
case in this one process (--in-process, the default there; the CUDA statistics are per case),
catching out-of-memory per case, and --deadline (Unix time) leaves the cases after it not run.
"""
import argparse
import gc
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time


def _threads_from_argv(argv, default=2):
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return str(default)


# Debian's torch calls OpenBLAS (pthread build), whose pool ignores torch.set_num_threads: pin it
# (and OpenMP) to --threads before torch loads, or the BLAS calls oversubscribe the cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", _threads_from_argv(sys.argv))
os.environ.setdefault("OMP_NUM_THREADS", _threads_from_argv(sys.argv))
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
import linattn_ref as R  # noqa: E402,I100
import torch_sdpa  # noqa: E402,I100


def square_grid(N):
    """The most square (H, W) with H*W = N, H <= W."""
    H = int(math.isqrt(N))
    while N % H:
        H -= 1
    return H, N // H


def rss_bytes():
    """Current resident set size (Linux /proc); falls back to the peak if unavailable."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def build(args):
    opts = {}
    grid = None
    if args.type == "cos2d":
        grid = tuple(int(v) for v in args.grid.split("x")) if args.grid else square_grid(args.N)
    if args.type == "linformer":
        opts = {"seq_len": args.N, "proj_k": args.proj_k}
    layer = R.make_attention(args.type, args.C, args.heads, grid, **opts)
    if args.sdpa:
        torch_sdpa.use_sdpa(layer)
    return layer, grid


def setup_device(args):
    """Threads on the CPU; TF32 on a GPU (linattn's default there, core/cuda_options.h)."""
    torch.set_num_threads(args.threads)
    if args.device == "cuda":
        torch_sdpa.allow_tf32()


def measure(args):
    """One case; returns its JSON object (with "error" when it could not run)."""
    torch.manual_seed(0)
    dtype = getattr(torch, args.dtype)
    cuda = args.device == "cuda"
    base = {"impl": "torch-sdpa" if args.sdpa else "torch", "type": args.type, "N": args.N, "B": args.B,
            "C": args.C, "heads": args.heads, "threads": args.threads, "dtype": args.dtype}
    if cuda:
        base["device"] = "cuda"
    if args.sdpa and args.type != "softmax":
        return {**base, "error": "--sdpa applies to softmax only"}
    if args.sdpa and not torch_sdpa.available():
        return {**base, "error": f"torch {torch.__version__} has no scaled_dot_product_attention"}
    error = None
    try:
        layer, grid = build(args)
        layer = layer.to(device=args.device, dtype=dtype)
        x = torch.randn(args.B, args.N, args.C, dtype=dtype, device=args.device, requires_grad=True)
        dy = torch.randn(args.B, args.N, args.C, dtype=dtype, device=args.device)
        params = list(layer.parameters())
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            rss0 = torch.cuda.memory_allocated()
        else:
            rss0 = rss_bytes()
            peak0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        times = []
        for i in range(args.warmup + args.reps):
            x.grad = None
            for p in params:
                p.grad = None
            t0 = time.perf_counter()
            y = layer(x)
            y.backward(dy)
            if cuda:
                torch.cuda.synchronize()
            t1 = time.perf_counter()
            del y
            if i >= args.warmup:
                times.append((t1 - t0) * 1e3)
        if cuda:
            peak1 = torch.cuda.max_memory_allocated()
            peak0 = -1
        else:
            peak1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    except Exception as e:  # out of memory (RuntimeError, MemoryError), no CUDA, ...
        error = str(e).splitlines()[0][:300] if str(e) else type(e).__name__
    if error is not None:
        return {**base, "error": error}
    out = {**base, "ms": round(statistics.median(times), 4), "peak_bytes": max(0, peak1 - rss0),
           "ms_min": round(min(times), 4), "reps": args.reps, "warmup": args.warmup,
           "peak_masked": peak1 == peak0, "torch": torch.__version__}
    if cuda:
        out.update(peak_allocator_bytes=peak1, gpu=torch.cuda.get_device_name(), peak_masked=False)
    if args.type == "linformer":
        out.update(seq_len=args.N, proj_k=args.proj_k)
    if grid is not None:
        out["grid"] = list(grid)
    return out


def run_case(args):
    setup_device(args)
    out = measure(args)
    print(json.dumps(out))
    return 3 if "error" in out else 0


def sweep_cases(args):
    """(type, N, sdpa) for --types x --Ns; with --sdpa, softmax also runs as torch-sdpa."""
    for t in args.types.split(","):
        for n in (int(v) for v in args.Ns.split(",")):
            yield t, n, False
            if args.sdpa and t == "softmax":
                yield t, n, True


def sweep_in_process(args):
    """Every case in this process (GPU: the allocator statistics are reset per case)."""
    setup_device(args)
    rc = 0
    for t, n, sdpa in sweep_cases(args):
        case = argparse.Namespace(**{**vars(args), "type": t, "N": n, "sdpa": sdpa, "grid": None})
        if args.deadline and time.time() > args.deadline:
            out = {"impl": "torch-sdpa" if sdpa else "torch", "type": t, "N": n,
                   "error": "not run (time budget used up)"}
        else:
            out = measure(case)
            if args.device == "cuda":  # the case's tensors (an exception's too) are gone: free them
                gc.collect()
                torch.cuda.empty_cache()
        print(json.dumps(out), flush=True)
        rc = rc or (3 if "error" in out else 0)
    return rc


def sweep(args):
    """One fresh child process per (type, N); relays each child's JSON line."""
    if args.in_process or (args.in_process is None and args.device == "cuda"):
        return sweep_in_process(args)
    rc = 0
    for t, n, sdpa in sweep_cases(args):
        cmd = [sys.executable, os.path.abspath(__file__), "--type", t, "--N", str(n),
               "--threads", str(args.threads), "--B", str(args.B), "--C", str(args.C),
               "--heads", str(args.heads), "--proj-k", str(args.proj_k), "--reps", str(args.reps),
               "--warmup", str(args.warmup), "--dtype", args.dtype, "--device", args.device] + (["--sdpa"] if sdpa else [])
        p = subprocess.run(cmd, capture_output=True, text=True)
        line = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else json.dumps(
            {"impl": "torch", "type": t, "N": n, "error": (p.stderr.strip().splitlines() or ["no output"])[-1]})
        print(line, flush=True)
        rc = rc or p.returncode
    return rc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--type", choices=R.REGISTRY_KEYS)
    ap.add_argument("--N", type=int, help="number of tokens")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--B", type=int, default=8)
    ap.add_argument("--C", type=int, default=128)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--proj-k", type=int, default=128, help="linformer proj_k (seq_len is N)")
    ap.add_argument("--grid", help="cos2d grid HxW (default: most square with H*W = N)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    ap.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    ap.add_argument("--sdpa", action="store_true",
                    help="softmax through F.scaled_dot_product_attention (impl torch-sdpa; torch >= 2.0)")
    ap.add_argument("--sweep", action="store_true", help="run --types x --Ns, one process each")
    ap.add_argument("--in-process", dest="in_process", action="store_true", default=None,
                    help="sweep in this process (the default with --device cuda)")
    ap.add_argument("--deadline", type=float, default=0, help="sweep: Unix time after which no case starts")
    ap.add_argument("--types", default=",".join(R.REGISTRY_KEYS))
    ap.add_argument("--Ns", default="256,1024,4096")
    args = ap.parse_args()
    if args.sweep:
        return sweep(args)
    if args.type is None or args.N is None:
        ap.error("--type and --N are required (or use --sweep)")
    return run_case(args)


if __name__ == "__main__":
    sys.exit(main())
