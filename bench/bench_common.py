"""bench_common.py — helpers shared by the benchmark drivers (run_attention.py,
run_train_step.py): run one benchmark process and take its last JSON line, and describe the
CPU or GPU the numbers were measured on."""
import json
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
