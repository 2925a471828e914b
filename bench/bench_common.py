"""bench_common.py — helpers shared by the benchmark drivers (run_attention.py,
run_train_step.py): run one benchmark process and take its last JSON line, and describe the
CPU or GPU the numbers were measured on."""
import json
import os
import platform
import subprocess


def last_json(cmd, timeout=None):
    """The last line of cmd's stdout that starts with '{', parsed; {"error": ...} otherwise."""
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    for line in out.stdout.splitlines()[::-1]:
        if line.startswith("{"):
            return json.loads(line)
    return {"error": (out.stderr or out.stdout).strip()[-300:] or f"exit code {out.returncode}"}


def cpu_model():
    """'Intel(R) Xeon(R) ...' from /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def cpu_gemm_description():
    """Which float32 GEMM each side runs on the CPU: linattn's own sgemm kernel (LINATTN_SGEMM, else
    the widest the CPU has, as core/cpu/sgemm.cpp picks it) and PyTorch's BLAS, OpenBLAS, with this
    environment's OPENBLAS_CORETYPE (which pins OpenBLAS's kernels; unset, it detects the CPU)."""
    flags = set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    ours = os.environ.get("LINATTN_SGEMM") or ("avx512" if "avx512f" in flags else
                                               "avx2" if {"avx2", "fma"} <= flags else "openblas")
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    theirs = f"OPENBLAS_CORETYPE={coretype} (set in the environment)" if coretype else "OPENBLAS_CORETYPE unset (detects the CPU)"
    return f"linattn sgemm kernel {ours}; PyTorch on OpenBLAS, {theirs}"


def gpu_description():
    """'NVIDIA H100 80GB HBM3, driver 580.xx, 81559 MiB' from nvidia-smi, or '' without it."""
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30).stdout.strip().splitlines()
    except (OSError, subprocess.TimeoutExpired):
        return ""
    if not out:
        return ""
    name, driver, mem = (v.strip() for v in (out[0].split(",") + ["", ""])[:3])
    return f"{name}, driver {driver}, {mem}" + (f" ({len(out)} GPUs, cuda:0 used)" if len(out) > 1 else "")
