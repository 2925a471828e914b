#!/usr/bin/python3
"""tests/reference/make_core_goldens.py — PyTorch golden files for the core ops and optimizers.

Usage: /usr/bin/python3 tests/reference/make_core_goldens.py OUT_DIR

Writes, in float64 and float32 (safetensors, a few tens of KB in all):
  core_ops_{f64,f32}.safetensors  for each op case C: C.in0, C.in1, ... (inputs), C.w (a fixed
      weight of the output's shape), C.out, and C.grad0, C.grad1, ... = d sum(out * w) / d in_i.
  optim_{f64,f32}.safetensors  for each optimizer case C: C.p0.init, C.p1.init, the gradients
      C.grad.<s>.p<i> fed at step s (absent = no gradient that step), and the parameters after
      each step C.p<i>.step<s>, s = 0..4; plus clip.* for clip_grad_norm_.
The metadata "cases" lists the case names (comma-separated); the C++ tests
(tests/reference_tests/) define the same cases and check both lists agree.

ctest runs this as a fixture setup test (tests/CMakeLists.txt). Without an importable torch it
prints "SKIP: ..." and exits 77 after removing stale outputs, and the golden tests skip too.
"""
import json
import os
import sys

OUTPUTS = ["core_ops_f64.safetensors", "core_ops_f32.safetensors",
           "optim_f64.safetensors", "optim_f32.safetensors"]


def save_safetensors(path, tensors, metadata):
    """A minimal safetensors writer (the safetensors package is not a Debian 12 package)."""
    names = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        data = t.numpy().tobytes()  # the host is little-endian, as the format requires
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


# ---- inputs ---------------------------------------------------------------------------------

def gen(seed):
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def randn(shape, seed):
    return torch.randn(shape, generator=gen(seed), dtype=torch.float64)


def positive(shape, seed):  # in [0.5, 2): safe for log, sqrt, division, pow bases
    return 0.5 + 1.5 * torch.rand(shape, generator=gen(seed), dtype=torch.float64)


def away_from_zero(shape, seed):  # |x| >= 0.1: no relu kink
    x = randn(shape, seed)
    return torch.sign(x) * (0.1 + x.abs())


# name -> (inputs, function). Inputs are float64; the float32 file casts them.
def op_cases():
    return {
        "add": ([randn((2, 3, 4), 1), randn((3, 1), 2)], lambda a, b: a + b),
        "sub": ([randn((2, 3, 4), 3), randn((4,), 4)], lambda a, b: a - b),
        "mul": ([randn((2, 3, 4), 5), randn((4,), 6)], lambda a, b: a * b),
        "div": ([randn((2, 3, 4), 7), positive((2, 1, 4), 8)], lambda a, b: a / b),
        "exp": ([randn((3, 4), 9)], torch.exp),
        "log": ([positive((3, 4), 10)], torch.log),
        "sqrt": ([positive((3, 4), 11)], torch.sqrt),
        "tanh": ([randn((3, 4), 12)], torch.tanh),
        "sigmoid": ([randn((3, 4), 13)], torch.sigmoid),
        "gelu": ([randn((3, 4), 14)], lambda x: torch.nn.functional.gelu(x, approximate="none")),
        "relu": ([away_from_zero((3, 4), 15)], torch.relu),
        "pow": ([positive((3, 4), 16), randn((4,), 17)], torch.pow),
        "pow_scalar": ([positive((3, 4), 18)], lambda x: x ** 2.5),
        "sum_axis1": ([randn((2, 3, 4), 19)], lambda x: x.sum(1)),
        "sum_axes02_keepdim": ([randn((2, 3, 4), 20)], lambda x: x.sum((0, 2), keepdim=True)),
        "mean_last": ([randn((2, 3, 4), 21)], lambda x: x.mean(-1)),
        "max_axis1": ([randn((2, 3, 4), 22)], lambda x: x.amax(1)),
        "max_all": ([randn((2, 3, 4), 23)], lambda x: x.amax((0, 1, 2))),
        "var_axis1": ([randn((2, 3, 4), 24)], lambda x: x.var(1, unbiased=True)),
        "var_axes02_population": ([randn((2, 3, 4), 25)], lambda x: x.var((0, 2), unbiased=False, keepdim=True)),
        "permute": ([randn((2, 3, 4), 26)], lambda x: x.permute(2, 0, 1)),
        "cat": ([randn((2, 3, 4), 27), randn((2, 1, 4), 28), randn((2, 2, 4), 29)],
                lambda a, b, c: torch.cat([a, b, c], 1)),
        "narrow": ([randn((2, 3, 5), 30)], lambda x: x.narrow(2, 1, 3)),
        "bmm": ([randn((2, 3, 4), 31), randn((2, 4, 5), 32)], torch.bmm),
        "bmm_trans_a": ([randn((2, 4, 3), 33), randn((2, 4, 5), 34)], lambda a, b: a.transpose(1, 2) @ b),
        "bmm_trans_b": ([randn((2, 3, 4), 35), randn((2, 5, 4), 36)], lambda a, b: a @ b.transpose(1, 2)),
        "bmm_trans_ab": ([randn((2, 4, 3), 37), randn((2, 5, 4), 38)],
                         lambda a, b: a.transpose(1, 2) @ b.transpose(1, 2)),
        "bmm_shared_b": ([randn((2, 3, 4), 39), randn((4, 5), 40)], torch.matmul),
        "linear": ([randn((2, 3, 4), 41), randn((5, 4), 42), randn((5,), 43)], torch.nn.functional.linear),
        "linear_no_bias": ([randn((6, 4), 44), randn((3, 4), 45)], torch.nn.functional.linear),
    }


def make_op_goldens(dtype):
    out = {}
    cases = op_cases()
    for k, (name, (inputs, fn)) in enumerate(cases.items()):
        xs = [x.to(dtype).requires_grad_() for x in inputs]
        y = fn(*xs)
        w = randn(tuple(y.shape), 1000 + k).to(dtype)
        grads = torch.autograd.grad((y * w).sum(), xs)
        for i, x in enumerate(xs):
            out[f"{name}.in{i}"] = x
        out[f"{name}.w"] = w
        out[f"{name}.out"] = y
        for i, g in enumerate(grads):
            out[f"{name}.grad{i}"] = g
    return out, list(cases)


# ---- optimizers -----------------------------------------------------------------------------

STEPS = 5


# name -> (make optimizer from [p0, p1], {(step, param index) with no gradient})
def optim_cases():
    opt = torch.optim
    return {
        "adamw": (lambda p: opt.AdamW([{"params": [p[0]]}, {"params": [p[1]], "lr": 0.03, "weight_decay": 0.0}],
                                      lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, foreach=False),
                  {(2, 1)}),
        "adamw_betas": (lambda p: opt.AdamW(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.02,
                                            foreach=False), set()),
        "sgd": (lambda p: opt.SGD(p, lr=0.1, foreach=False), set()),
        "sgd_momentum": (lambda p: opt.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01, foreach=False), set()),
        "sgd_dampening": (lambda p: opt.SGD(p, lr=0.1, momentum=0.9, dampening=0.3, foreach=False), {(1, 0)}),
        "sgd_nesterov": (lambda p: opt.SGD([{"params": [p[0]]}, {"params": [p[1]], "lr": 0.2}], lr=0.05,
                                           momentum=0.9, nesterov=True, weight_decay=0.01, foreach=False),
                         {(3, 1)}),
    }


def make_optim_goldens(dtype):
    out = {}
    cases = optim_cases()
    init = [randn((3, 4), 2000), randn((5,), 2001)]
    grads = [[randn(tuple(p.shape), 2100 + 10 * s + i) * (1.0 + s) for i, p in enumerate(init)]
             for s in range(STEPS)]
    for name, (make, missing) in cases.items():
        params = [p.clone().to(dtype).requires_grad_() for p in init]
        optimizer = make(params)
        for i, p in enumerate(params):
            out[f"{name}.p{i}.init"] = p.detach().clone()
        for s in range(STEPS):
            for i, p in enumerate(params):
                if (s, i) in missing:
                    p.grad = None
                else:
                    p.grad = grads[s][i].to(dtype).clone()
                    out[f"{name}.grad.{s}.p{i}"] = p.grad.clone()
            optimizer.step()
            for i, p in enumerate(params):
                out[f"{name}.p{i}.step{s}"] = p.detach().clone()
    # clip_grad_norm_: two parameters, max_norm below the total norm.
    params = [p.clone().to(dtype).requires_grad_() for p in init]
    for i, p in enumerate(params):
        p.grad = grads[0][i].to(dtype).clone()
        out[f"clip.grad.p{i}"] = p.grad.clone()
    out["clip.norm"] = torch.nn.utils.clip_grad_norm_(params, max_norm=0.5).detach().clone()
    for i, p in enumerate(params):
        out[f"clip.clipped.p{i}"] = p.grad.clone()
    return out, list(cases) + ["clip"]


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for name in OUTPUTS:  # never leave stale goldens behind
        path = os.path.join(out_dir, name)
        if os.path.exists(path):
            os.remove(path)
    global torch
    try:
        import torch
    except ImportError as e:
        print(f"SKIP: {sys.executable} cannot import torch ({e}); golden files not written")
        return 77
    torch.use_deterministic_algorithms(True)
    for suffix, dtype in (("f64", torch.float64), ("f32", torch.float32)):
        for stem, make in (("core_ops", make_op_goldens), ("optim", make_optim_goldens)):
            tensors, cases = make(dtype)
            meta = {"generator": "tests/reference/make_core_goldens.py", "torch": torch.__version__,
                    "dtype": suffix, "cases": ",".join(cases)}
            save_safetensors(os.path.join(out_dir, f"{stem}_{suffix}.safetensors"), tensors, meta)
    print(f"wrote {len(OUTPUTS)} golden files to {out_dir} (torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
