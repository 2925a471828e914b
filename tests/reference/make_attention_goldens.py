#!/usr/bin/python3
"""make_attention_goldens.py — writes the attention-layer goldens the C++ layer tests compare with.

Usage: /usr/bin/python3 tests/reference/make_attention_goldens.py OUT_DIR [--only NAME ...]
       /usr/bin/python3 tests/reference/make_attention_goldens.py OUT_DIR --verify
         (rebuilds each layer from its metadata alone and recomputes y and every gradient)

One safetensors file per case, OUT_DIR/<case>.safetensors (e.g. softmax_f64, cos2d_3x5_f64,
linformer_cross_f64, external2d_f32), plus OUT_DIR/cases.json (the list of case configs).
Tensors in each file:
  <param or buffer name>   the layer's state_dict under its §13 (or public 2-D wrapper) name
  x                        input, (B, N, C) tokens or (B, C, H, W) for the 2-D wrappers   [self]
  q_in, memory             queries (B, L, C) and memory (B, S, C)                          [cross]
  y                        output
  dy                       upstream gradient; the loss is sum(y * dy)
  grad.x | grad.q_in, grad.memory, grad.<param name>   gradients of that loss (every parameter)
  after.<buffer name>      BatchNorm running stats after the train-mode forward (external2d)
__metadata__ (all strings): format, case, type, dim, heads, grid (JSON [H, W] or null), options
(JSON of every constructor option, defaults resolved), mode (self|cross), layout (tokens|grid),
dtype (float32|float64), computed_in, loss, bn_mode, and config (all of the above as one JSON).

Invariants: deterministic (per-case torch seeds); weights and inputs are drawn in the file's
dtype, and y and the gradients are computed in float64 from those exact values, then rounded to
the file's dtype (so an f32 golden is the exact answer to f32 precision); all dropout is 0; the
parameters are redrawn with non-zero biases and O(1) activations (randomize_parameters_), so the
goldens are sensitive to every index and bias; files stay tiny (a few KB each).
"""
import copy
import json
import os
import sys

try:
    import torch
except ImportError as e:  # ctest fixture: no torch means the golden tests skip (exit 77)
    print(f"SKIP: {sys.executable} cannot import torch ({e}); attention goldens not written")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import linattn_ref as R  # noqa: E402
import safetensors_lite  # noqa: E402

FORMAT = "linattn-attention-golden/1"
DTYPES = {"f32": torch.float32, "f64": torch.float64}


def full_options(type, dim, heads, grid, options):
    """Every constructor option spelled out (defaults resolved) so C++ can rebuild the layer."""
    o = dict(options)
    if type == "softmax":
        o.setdefault("qkv_bias", True)
    elif type == "cos2d":
        o.setdefault("M", R.cos2d_default_M(grid))
        o.setdefault("eps", 1e-5)
        o.setdefault("qkv_bias", False)
    elif type == "external":
        o.setdefault("coef", 4)
        o.setdefault("S", 64)
    elif type == "linformer":
        if "seq_len" not in o:
            o["seq_len"] = grid[0] * grid[1]
        o.setdefault("proj_k", min(128, o["seq_len"] // 2))
        o.setdefault("sharing", "none")
    elif type == "additive":
        o.setdefault("token_dim", dim)
        o.setdefault("num_heads", 1)
        o.setdefault("alpha_norm", "l2")
    elif type == "efficient":
        o.setdefault("key_channels", dim)
        o.setdefault("value_channels", dim)
        o.setdefault("norm", "softmax")
        o.setdefault("residual", False)
    elif type == "cos_mhsa2d":
        o.setdefault("M", R.cos2d_default_M(grid))
        o.setdefault("dropout", 0.0)
        o.setdefault("eps", 1e-5)
        o.setdefault("ln_eps", 1e-6)
    elif type == "external2d":
        o.setdefault("S", 64)
        o.setdefault("tie", "init")
        o.setdefault("bn_eps", 1e-5)
        o.setdefault("bn_momentum", 0.1)
    elif type == "efficient2d":
        o.setdefault("key_channels", dim)
        o.setdefault("value_channels", dim)
    return o


def build(type, dim, heads, grid, options):
    if type in R.REGISTRY_KEYS:
        return R.make_attention(type, dim, heads, grid, **options)
    if type == "cos_mhsa2d":
        return R.CosMHSA2d(dim, heads, **options)
    if type == "external2d":
        return R.ExternalAttention2d(dim, **options)
    if type == "efficient2d":
        return R.EfficientAttention2d(dim, options["key_channels"], heads, options["value_channels"])
    raise ValueError(f"unknown golden type {type!r}")


def case_list():
    """(name, type, dim, heads, grid, options, mode, extra) for every case; f64 and f32 where listed."""
    cases = []

    def add(name, type, dim, heads, grid, options=None, mode="self", dtypes=("f64",), **extra):
        for dt in dtypes:
            cases.append(dict(name=f"{name}_{dt}", type=type, dim=dim, heads=heads, grid=grid,
                              options=options or {}, mode=mode, dtype=dt, **extra))

    # every registry type: f64 with C=16 / 2 heads, f32 with C=24 / 4 heads, 4x4 grid, B=2
    for t in R.REGISTRY_KEYS:
        opts = {"seq_len": 16, "proj_k": 8} if t == "linformer" else {}
        add(t, t, 16, 2, [4, 4], opts)
        cases.append(dict(name=f"{t}_f32", type=t, dim=24, heads=4, grid=[4, 4], options=opts,
                          mode="self", dtype="f32"))
    add("cos2d_3x5", "cos2d", 16, 2, [3, 5], dtypes=("f64", "f32"))
    add("linformer_short", "linformer", 16, 2, [4, 4], {"seq_len": 20, "proj_k": 8})
    add("linformer_kv", "linformer", 16, 2, [4, 4], {"seq_len": 16, "proj_k": 8, "sharing": "kv"})
    add("additive_softmax", "additive", 16, 2, [4, 4], {"alpha_norm": "softmax"})
    # cross-attention: L = 5 queries, S = 12 memory tokens
    add("softmax_cross", "softmax", 16, 2, None, mode="cross", dtypes=("f64", "f32"), L=5, S=12)
    add("linformer_cross", "linformer", 16, 2, None, {"seq_len": 16, "proj_k": 8}, mode="cross",
        dtypes=("f64", "f32"), L=5, S=12)
    add("efficient_cross", "efficient", 16, 2, None, mode="cross", dtypes=("f64", "f32"), L=5, S=12)
    # the 2-D faithful wrappers on (B, C, H, W)
    add("cos_mhsa2d", "cos_mhsa2d", 16, 2, [4, 4], dtypes=("f64", "f32"))
    add("external2d", "external2d", 16, 1, [4, 4], dtypes=("f64", "f32"))
    add("efficient2d", "efficient2d", 16, 2, [3, 4], {"key_channels": 12, "value_channels": 20},
        dtypes=("f64", "f32"))
    return cases


def make_case(case, seed, B=2):
    dtype = DTYPES[case["dtype"]]
    type, dim, heads, grid = case["type"], case["dim"], case["heads"], case["grid"]
    options = full_options(type, dim, heads, grid, case["options"])
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    m = build(type, dim, heads, grid, options).to(dtype).train()
    R.randomize_parameters_(m, g)

    def draw(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float64).to(dtype)

    layout = "grid" if type in ("cos_mhsa2d", "external2d", "efficient2d") else "tokens"
    if case["mode"] == "cross":
        inputs = {"q_in": draw(B, case["L"], dim), "memory": draw(B, case["S"], dim)}
    elif layout == "grid":
        inputs = {"x": draw(B, dim, grid[0], grid[1])}
    else:
        inputs = {"x": draw(B, grid[0] * grid[1], dim)}

    tensors = {k: v.clone() for k, v in m.state_dict().items()}     # weights before the forward
    m64 = copy.deepcopy(m).double()
    x64 = {k: v.double().requires_grad_(True) for k, v in inputs.items()}
    y = m64(*x64.values())
    dy = draw(*y.shape)
    params = dict(m64.named_parameters())
    grads = torch.autograd.grad((y * dy.double()).sum(), list(x64.values()) + list(params.values()))
    tensors.update(inputs)
    tensors["y"] = y.detach().to(dtype)
    tensors["dy"] = dy
    for name, gr in zip(list(x64) + list(params), grads):
        tensors[f"grad.{name}"] = gr.to(dtype)
    bn_mode = "none"
    if type == "external2d":
        bn_mode = "train"
        for name, buf in m64.named_buffers():
            tensors[f"after.{name}"] = buf.to(dtype) if buf.is_floating_point() else buf.clone()

    meta = {"format": FORMAT, "case": case["name"], "type": type, "dim": dim, "heads": heads,
            "grid": grid, "options": options, "mode": case["mode"], "layout": layout,
            "dtype": {"f32": "float32", "f64": "float64"}[case["dtype"]], "computed_in": "float64",
            "loss": "sum(y * dy)", "bn_mode": bn_mode, "seed": seed}
    strmeta = {k: v if isinstance(v, str) else json.dumps(v) for k, v in meta.items()}
    strmeta["config"] = json.dumps(meta, sort_keys=True)
    return tensors, strmeta, meta


def verify(out_dir):
    """Rebuild every layer of OUT_DIR from its metadata alone, load its weights, recompute y and
    all gradients in float64; returns the worst of max|diff| / max(max|golden|, 1e-6) per tensor
    (f32 files differ by their rounding, ~6e-8; f64 files reproduce exactly)."""
    worst = 0.0
    for entry in json.load(open(os.path.join(out_dir, "cases.json"))):
        tensors, meta = safetensors_lite.load(os.path.join(out_dir, entry["file"]))
        cfg = json.loads(meta["config"])
        if meta["format"] != FORMAT or cfg["case"] != entry["case"]:
            raise ValueError(f"{entry['file']}: unexpected format or case in metadata")
        m = build(cfg["type"], cfg["dim"], cfg["heads"], cfg["grid"], cfg["options"]).double().train()
        names = set(m.state_dict())
        m.load_state_dict({k: tensors[k] for k in names})
        inputs = {k: tensors[k].double().requires_grad_(True)
                  for k in (("q_in", "memory") if cfg["mode"] == "cross" else ("x",))}
        y = m(*inputs.values())
        params = dict(m.named_parameters())
        grads = torch.autograd.grad((y * tensors["dy"].double()).sum(),
                                    list(inputs.values()) + list(params.values()))
        pairs = [("y", y)] + [(f"grad.{n}", g) for n, g in zip(list(inputs) + list(params), grads)]
        for name, got in pairs:
            want = tensors[name].double()
            scale = max(want.abs().max().item(), 1e-6)      # EA's grad.linear_0.bias is ~1e-17
            worst = max(worst, (got - want).abs().max().item() / scale)
        expected = {"y", "dy", "after.conv2.1.running_mean", "after.conv2.1.running_var",
                    "after.conv2.1.num_batches_tracked"} | set(inputs) | names | {n for n, _ in pairs}
        if set(tensors) - expected or {n for n, _ in pairs} - set(tensors):
            raise ValueError(f"{entry['file']}: unexpected tensor set {sorted(tensors)}")
    return worst


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    out = argv[1]
    if "--verify" in argv:
        print(f"worst relative error of the rebuilt layers: {verify(out):.2e}")
        return 0
    only = set(argv[argv.index("--only") + 1:]) if "--only" in argv else None
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    index = []
    for i, case in enumerate(case_list()):
        if only and case["name"] not in only:
            continue
        tensors, strmeta, meta = make_case(case, seed=1000 + i)
        path = os.path.join(out, f"{case['name']}.safetensors")
        safetensors_lite.save(path, tensors, strmeta)
        index.append({"file": os.path.basename(path), **meta})
        print(f"{path}: {len(tensors)} tensors, {os.path.getsize(path)} bytes")
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(index, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
