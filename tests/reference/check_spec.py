#!/usr/bin/python3
"""check_spec.py — runs every docs/attention.md §10 identity and each layer's Tests subsection on
linattn_ref.py in float64, plus the §8.2 parameter counts and the §13 name/shape contract.

Usage: /usr/bin/python3 tests/reference/check_spec.py      (Debian's torch; ~10 s on one core)
Prints one line per identity: PASS|FAIL, the spec section, what is checked, the measured error and
its bound. Exits 1 if any check fails. Errors are max absolute differences unless named "rel".
"""
import math
import os
import sys
import tempfile

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import linattn_ref as R  # noqa: E402
import make_attention_goldens  # noqa: E402
import safetensors_lite  # noqa: E402

DT = torch.float64
RESULTS = []


def report(tag, what, err, bound, at_least=False):
    """err <= bound passes (or err >= bound when at_least)."""
    err = float(err)
    ok = err >= bound if at_least else err <= bound
    RESULTS.append(ok)
    rel = ">=" if at_least else "<="
    print(f"{'PASS' if ok else 'FAIL'}  {tag:<7} {what:<74} {err:9.2e}  ({rel} {bound:.0e})")


def maxdiff(a, b):
    return (a - b).abs().max().item()


def gen(seed):
    return torch.Generator().manual_seed(seed)


def randn(*shape, g):
    return torch.randn(*shape, generator=g, dtype=DT)


def layer(type, dim, heads, grid=None, seed=0, **opts):
    torch.manual_seed(seed)
    m = R.make_attention(type, dim, heads, grid, **opts).to(DT)
    R.randomize_parameters_(m, gen(seed + 1))
    return m


def fd_gradcheck(fn, tensors, seed=0, eps=1e-6, directions=3):
    """Directional central differences per tensor vs autograd of L = Σ fn()·dy.
    Error per direction: |fd − ⟨g,u⟩| / max(‖g‖‖u‖, 1e-3·max over tensors of ‖g‖‖u‖)."""
    g = gen(seed)
    out = fn()
    dy = torch.randn(out.shape, generator=g, dtype=out.dtype)
    grads = torch.autograd.grad((out * dy).sum(), tensors, allow_unused=True)
    grads = [torch.zeros_like(t) if gr is None else gr for t, gr in zip(tensors, grads)]
    rows = []
    for t, gr in zip(tensors, grads):
        for _ in range(directions):
            u = torch.randn(t.shape, generator=g, dtype=t.dtype)
            with torch.no_grad():
                t.add_(eps * u)
                lp = (fn() * dy).sum().item()
                t.sub_(2 * eps * u)
                lm = (fn() * dy).sum().item()
                t.add_(eps * u)
            rows.append(((lp - lm) / (2 * eps), (gr * u).sum().item(), gr.norm().item() * u.norm().item()))
    floor = 1e-3 * max(r[2] for r in rows)
    return max(abs(fd - an) / max(scale, floor) for fd, an, scale in rows)


def check_layer_grad(tag, name, m, inputs):
    leaves = [t.requires_grad_(True) for t in inputs] + list(m.parameters())
    report(tag, f"{name}: fp64 finite-difference gradients (input + every parameter), rel",
           fd_gradcheck(lambda: m(*inputs), leaves), 1e-6)


# ------------------------------------------------------------------------------------------------


def check_softmax():
    g = gen(10)
    m = layer("softmax", 12, 3)
    mha = nn.MultiheadAttention(12, 3, batch_first=True).to(DT)
    with torch.no_grad():
        mha.in_proj_weight.copy_(m.qkv.weight)
        mha.in_proj_bias.copy_(m.qkv.bias)
        mha.out_proj.weight.copy_(m.proj.weight)
        mha.out_proj.bias.copy_(m.proj.bias)
    x = randn(2, 7, 12, g=g)
    report("§10.12", "softmax MHSA == nn.MultiheadAttention (self)", maxdiff(m(x), mha(x, x, x)[0]), 1e-12)
    q, mem = randn(2, 5, 12, g=g), randn(2, 9, 12, g=g)
    report("§1", "softmax cross-attention == nn.MultiheadAttention(q, mem, mem)",
           maxdiff(m(q, mem), mha(q, mem, mem)[0]), 1e-12)
    A, _ = m.attention(x)
    report("§1", "softmax attention rows sum to 1", (A.sum(-1) - 1).abs().max(), 1e-14)
    check_layer_grad("§10", "softmax", m, [randn(2, 6, 12, g=g)])
    check_layer_grad("§10", "softmax cross", m, [randn(2, 4, 12, g=g), randn(2, 7, 12, g=g)])


def check_cosformer():
    g = gen(20)
    q, k, v = F.relu(randn(2, 2, 7, 5, g=g)), F.relu(randn(2, 2, 9, 5, g=g)), randn(2, 2, 9, 4, g=g)
    report("§10.1", "cosFormer 1D: linear form == quadratic cos(π(i−j)/2m) form (L=7, S=9)",
           maxdiff(R.cosformer_linear(q, k, v), R.cosformer_quadratic(q, k, v)), 1e-12)


def check_cos2d():
    g = gen(30)
    for grid in ((4, 4), (3, 5), (5, 3)):
        N = grid[0] * grid[1]
        m = layer("cos2d", 8, 2, grid)
        x = randn(2, N, 8, g=g)
        a, b = m(x), m(x, quadratic=True)
        report("§10.2", f"cos2d {grid[0]}x{grid[1]}: linear (concat 4d) == quadratic cos·cos weights, rel",
               maxdiff(a, b) / b.abs().max().item(), 1e-13)
        M = R.cos2d_default_M(grid)
        A = R.cos2d_coefficients(grid[0], grid[1], M)
        report("§10.3", f"cos2d {grid[0]}x{grid[1]}: coefficient table AᵀA == W (rank 4)",
               maxdiff(A.t() @ A, R.cos2d_weight_matrix(grid[0], grid[1], M)), 1e-14)
        q, k = randn(2, N, 8, g=g), randn(2, N, 8, g=g)
        v = randn(2, 1, 8, g=g).expand(2, N, 8)
        report("§10.4", f"cos2d {grid[0]}x{grid[1]}: constant V is returned unchanged",
               maxdiff(R.cos2d_linear(q, k, v, 2, grid, M), v), 1e-13)
        for M_ in (max(grid), max(grid) + 2):
            w = R.cos2d_weight_matrix(grid[0], grid[1], M_)
            report("§3.4", f"cos2d {grid[0]}x{grid[1]}: all weights > 0 for M={M_} > max(H,W)−1 (min weight)",
                   w.min(), 1e-6, at_least=True)
    try:
        R.CosAttention2d(8, 2, grid=(4, 4), M=3)
        rejected = 0.0
    except ValueError:
        rejected = 1.0
    report("§3.3", "cos2d rejects M ≤ max(H,W)−1 (1 = rejected)", rejected, 1.0, at_least=True)
    m = layer("cos2d", 8, 2, (3, 5))
    check_layer_grad("§3.4", "cos2d 3x5", m, [randn(2, 15, 8, g=g)])

    # CosMHSA2d post-norm wrapper == token layer + residual + channel LN (unbiased σ, eps on σ)
    torch.manual_seed(0)
    w2 = R.CosMHSA2d(8, heads=2, dropout=0.0).to(DT)
    R.randomize_parameters_(w2, gen(31))
    tok = R.CosAttention2d(8, 2, grid=(3, 4)).to(DT)
    with torch.no_grad():
        for a, b in (("q", "linear_q"), ("k", "linear_k"), ("v", "linear_v"), ("merge", "linear_merge")):
            getattr(tok, a).weight.copy_(getattr(w2, b).weight[:, :, 0, 0])
        tok.merge.bias.copy_(w2.linear_merge.bias)
    x = randn(2, 8, 3, 4, g=g)
    z = x + R.tokens_to_grid(tok(R.grid_to_tokens(x)), 3, 4)
    mu = z.mean(1, keepdim=True)
    sd = ((z - mu) ** 2).sum(1, keepdim=True).div(8 - 1).sqrt()
    want = w2.norm.weight * (z - mu) / (sd + 1e-6) + w2.norm.bias
    report("§3.2", "CosMHSA2d == LN(x + merge(core)) with unbiased σ, eps added to σ",
           maxdiff(w2(x), want), 1e-12)
    check_layer_grad("§3.4", "CosMHSA2d 3x4", w2, [randn(2, 8, 3, 4, g=g)])


def check_efficient():
    g = gen(40)
    q, k, v = randn(2, 9, 12, g=g), randn(2, 9, 12, g=g), randn(2, 9, 12, g=g)
    for norm in ("softmax", "scaling", "identity"):
        report("§10.5", f"efficient ρ={norm}: Q(KᵀV) == (QKᵀ)V",
               maxdiff(R.efficient_linear(q, k, v, 3, norm), R.efficient_quadratic(q, k, v, 3, norm)), 1e-12)
    qh, kh, vh = (R.split_heads(t, 3) for t in (q, k, v))
    report("§10.5", "efficient ρ=identity gives plain (QKᵀ)V",
           maxdiff(R.efficient_linear(q, k, v, 3, "identity"), R.merge_heads((qh @ kh.transpose(-1, -2)) @ vh)), 1e-12)
    report("§10.5", "efficient ρ=scaling gives (QKᵀ/N)V",
           maxdiff(R.efficient_linear(q, k, v, 3, "scaling"), R.merge_heads((qh @ kh.transpose(-1, -2) / 9) @ vh)), 1e-12)
    A = torch.softmax(qh, -1) @ torch.softmax(kh, -2).transpose(-1, -2)
    report("§10.6", "efficient ρ=softmax: implied attention rows sum to 1", (A.sum(-1) - 1).abs().max(), 1e-14)
    vc = randn(2, 1, 12, g=g).expand(2, 9, 12)
    report("§7.5", "efficient ρ=softmax: constant V passes through (before reprojection)",
           maxdiff(R.efficient_linear(q, k, vc, 3, "softmax"), vc), 1e-13)
    qc, mem = randn(2, 4, 12, g=g), randn(2, 11, 12, g=g)
    m = layer("efficient", 12, 3)
    report("§7.4", "efficient cross (L=4, S=11): linear == quadratic",
           maxdiff(m(qc, mem), m(qc, mem, quadratic=True)), 1e-12)
    check_layer_grad("§10", "efficient", m, [randn(2, 6, 12, g=g)])
    check_layer_grad("§10", "efficient cross", m, [randn(2, 4, 12, g=g), randn(2, 7, 12, g=g)])
    # 2-D faithful wrapper (conv layout, residual) == token layer with residual on
    torch.manual_seed(0)
    w2 = R.EfficientAttention2d(12, 8, 2, 10).to(DT)
    R.randomize_parameters_(w2, gen(41))
    tok = R.EfficientAttention(12, 2, key_channels=8, value_channels=10, residual=True).to(DT)
    with torch.no_grad():
        for n in ("queries", "keys", "values", "reprojection"):
            getattr(tok, n).weight.copy_(getattr(w2, n).weight[:, :, 0, 0])
            getattr(tok, n).bias.copy_(getattr(w2, n).bias)
    x = randn(2, 12, 3, 4, g=g)
    report("§7.4", "EfficientAttention2d (conv layout) == token layer + residual (kc 8, vc 10)",
           maxdiff(w2(x), R.tokens_to_grid(tok(R.grid_to_tokens(x)), 3, 4)), 1e-12)
    check_layer_grad("§7.5", "EfficientAttention2d", w2, [randn(2, 12, 3, 4, g=g)])


def check_external():
    g = gen(50)
    m = layer("external", 12, 3, S=10)
    x = randn(2, 7, 12, g=g)
    A0, A = m.attention(x)
    report("§4.4", "EA: before ℓ1, each column over N sums to 1", (A0.sum(-2) - 1).abs().max(), 1e-14)
    report("§10.7", "EA: rows over S sum to 1 − O(1e-9)", (A.sum(-1) - 1).abs().max(), 1e-7)
    exact = 1 - 1e-9 / (1e-9 + A0.sum(-1))
    report("§10.7", "EA: row sums equal 1 − eps/(eps + Σ_S a) exactly", (A.sum(-1) - exact).abs().max(), 1e-15)
    x.requires_grad_(True)
    y = m(x)
    gb0 = torch.autograd.grad((y * randn(*y.shape, g=g)).sum(), m.linear_0.bias)[0]
    report("§10.8", f"EA: ∂L/∂b_0 ≡ 0 (|b_0| max {m.linear_0.bias.abs().max().item():.2f})",
           gb0.abs().max(), 1e-12)
    check_layer_grad("§10", "external (S=10)", m, [randn(2, 6, 12, g=g)])
    # single-head block
    torch.manual_seed(3)
    e2 = R.ExternalAttention2d(12, S=16).to(DT)
    report("§4.4", "EA single-head: M_v == M_kᵀ at init (tie='init')",
           maxdiff(e2.linear_1.weight, e2.linear_0.weight.permute(1, 0, 2)), 0.0)
    std = e2.linear_0.weight.std().item()
    report("§4.1", f"EA single-head: init std of M_k ≈ √(2/C) = {math.sqrt(2 / 12):.3f} (|std−√(2/C)|)",
           abs(std - math.sqrt(2 / 12)), 0.06)
    e3 = R.ExternalAttention2d(12, S=16, tie="shared").to(DT)
    e3.load_state_dict({k: v for k, v in e2.state_dict().items() if not k.startswith("linear_1")})
    x2 = randn(2, 12, 3, 4, g=g)
    report("§4.1", "EA single-head: tie='shared' == tie='init' at init (no linear_1 parameter)",
           maxdiff(e2(x2), e3(x2)) + ("linear_1.weight" in e3.state_dict()), 1e-14)
    R.randomize_parameters_(e2, gen(51))
    check_layer_grad("§4.4", "ExternalAttention2d (train-mode BN)", e2, [randn(2, 12, 3, 4, g=g)])


def check_linformer():
    g = gen(60)
    N, C, h = 6, 12, 3
    m = layer("linformer", C, h, seq_len=N, proj_k=N)
    mha = nn.MultiheadAttention(C, h, batch_first=True).to(DT)
    with torch.no_grad():
        m.E.copy_(torch.eye(N, dtype=DT))
        m.F.copy_(torch.eye(N, dtype=DT))
        m.bias_e.zero_()
        m.bias_f.zero_()
        mha.in_proj_weight.copy_(m.in_proj_weight)
        mha.in_proj_bias.copy_(m.in_proj_bias)
        mha.out_proj.weight.copy_(m.out_proj.weight)
        mha.out_proj.bias.copy_(m.out_proj.bias)
    x = randn(2, N, C, g=g)
    report("§10.10", "linformer with E=F=I, zero biases == nn.MultiheadAttention", maxdiff(m(x), mha(x, x, x)[0]), 1e-12)
    q, mem = randn(2, 4, C, g=g), randn(2, N, C, g=g)
    report("§5.6", "linformer cross (E/F on memory), E=F=I == nn.MultiheadAttention(q, mem, mem)",
           maxdiff(m(q, mem), mha(q, mem, mem)[0]), 1e-12)

    m = layer("linformer", C, h, seq_len=10, proj_k=4)
    x = randn(2, 8, C, g=g)
    x2 = x.clone()
    x2[1] += randn(8, C, g=g)
    report("§10.11", "linformer (fixed): sample 0 independent of sample 1", maxdiff(m(x)[0], m(x2)[0]), 0.0)
    m.emulate_public_layout_bug = True
    report("§10.11b", "linformer (public-bug mode): sample 0 depends on sample 1 (change)",
           maxdiff(m(x)[0], m(x2)[0]), 1e-3, at_least=True)
    m.emulate_public_layout_bug = False
    A, _ = m.attention(x)
    report("§5.7", "linformer attention rows sum to 1 over proj_k", (A.sum(-1) - 1).abs().max(), 1e-14)
    short = layer("linformer", C, h, seq_len=8, proj_k=4)
    with torch.no_grad():
        for n in ("in_proj_weight", "in_proj_bias", "bias_e", "bias_f", "out_proj.weight", "out_proj.bias"):
            short.get_parameter(n).copy_(m.get_parameter(n))
        short.E.copy_(m.E[:, :8])
        short.F.copy_(m.F[:, :8])
    report("§5.6", "linformer N=8 < seq_len=10 == layer with seq_len=8 and E,F[:, :8]", maxdiff(m(x), short(x)), 1e-14)
    kv = layer("linformer", C, h, seq_len=10, proj_k=4, sharing="kv")
    with torch.no_grad():
        for n, p in kv.named_parameters():
            p.copy_(m.get_parameter(n))
        m.F.copy_(m.E)
    report("§5.6", "linformer sharing=kv (no F parameter) == sharing=none with F=E",
           maxdiff(kv(x), m(x)) + ("F" in kv.state_dict()), 1e-14)
    try:
        m(randn(1, 11, C, g=g))
        rejected = 0.0
    except ValueError:
        rejected = 1.0
    report("§5.6", "linformer rejects N > seq_len (1 = rejected)", rejected, 1.0, at_least=True)
    check_layer_grad("§10", "linformer (N=8 < seq_len=10)", m, [randn(2, 8, C, g=g)])
    check_layer_grad("§10", "linformer sharing=kv", kv, [randn(2, 7, C, g=g)])
    check_layer_grad("§10", "linformer cross (L=3, S=9)", m, [randn(2, 3, C, g=g), randn(2, 9, C, g=g)])


def check_additive():
    g = gen(70)
    m = layer("additive", 12, 1)
    m2 = layer("additive", 12, 1, scale_factor=3.7)
    m2.load_state_dict(m.state_dict())
    x = randn(2, 7, 12, g=g)
    report("§10.9", "SwiftFormer: output independent of scale_factor (1/√C vs 3.7)", maxdiff(m(x), m2(x)), 1e-13)
    a, _ = m.alpha(x)
    report("§6.5", "SwiftFormer: Σ_n α̂_n² = 1", ((a ** 2).sum(1) - 1).abs().max(), 1e-14)
    a1, _ = m.alpha(randn(3, 1, 12, g=g))
    report("§6.5", "SwiftFormer: N = 1 gives α̂ = ±1", (a1.abs() - 1).abs().max(), 1e-14)
    ms = layer("additive", 12, 1, alpha_norm="softmax")
    a, _ = ms.alpha(x)
    report("§6.4", "SwiftFormer alpha_norm=softmax: Σ_n α̂_n = 1", (a.sum(1) - 1).abs().max(), 1e-14)
    check_layer_grad("§10", "additive (l2)", m, [randn(2, 6, 12, g=g)])
    check_layer_grad("§10", "additive (softmax)", ms, [randn(2, 6, 12, g=g)])


def check_generic():
    """Permutation equivariance (not cos2d/linformer) and batch independence (all six)."""
    g = gen(80)
    for t in R.REGISTRY_KEYS:
        grid = (3, 4)
        m = layer(t, 12, 3, grid)
        x = randn(2, 12, 12, g=g)
        if t not in ("cos2d", "linformer"):
            perm = torch.randperm(12, generator=g)
            report("§10", f"{t}: permutation equivariance in N", maxdiff(m(x[:, perm]), m(x)[:, perm]), 1e-13)
        x2 = x.clone()
        x2[1] += randn(12, 12, g=g)
        report("§10", f"{t}: batch independence (sample 0 unchanged when sample 1 changes)",
               maxdiff(m(x)[0], m(x2)[0]), 0.0)


def expected_names(t, C, h, S=64, k=8, seq=16, sharing="none"):
    """§13 table, literally."""
    d = C // h
    lin = lambda n, o, i: {f"{n}.weight": (o, i), f"{n}.bias": (o,)}  # noqa: E731
    if t == "softmax":
        return {**lin("qkv", 3 * C, C), **lin("proj", C, C)}
    if t == "cos2d":
        return {"q.weight": (C, C), "k.weight": (C, C), "v.weight": (C, C), **lin("merge", C, C)}
    if t == "external":
        return {**lin("trans_dims", 4 * C, C), **lin("linear_0", S, d), **lin("linear_1", d, S), **lin("proj", C, 4 * C)}
    if t == "linformer":
        e = {"in_proj_weight": (3 * C, C), "in_proj_bias": (3 * C,), "E": (k, seq), "bias_e": (k,),
             "bias_f": (k,), **lin("out_proj", C, C)}
        if sharing == "none":
            e["F"] = (k, seq)
        return e
    if t == "additive":
        return {**lin("to_query", C, C), **lin("to_key", C, C), "w_g": (C, 1), **lin("Proj", C, C), **lin("final", C, C)}
    return {**lin("queries", C, C), **lin("keys", C, C), **lin("values", C, C), **lin("reprojection", C, C)}


def check_contract():
    for t in R.REGISTRY_KEYS:
        opts = {"seq_len": 16, "proj_k": 8} if t == "linformer" else {}
        m = R.make_attention(t, 24, 4, (4, 4), **opts)
        got = {n: tuple(p.shape) for n, p in m.state_dict().items()}
        want = expected_names(t, 24, 4)
        bad = set(got.items()) ^ set(want.items())
        report("§13", f"{t}: state_dict names/shapes == §13 table (mismatches)", len(bad), 0)
    m = R.make_attention("linformer", 24, 4, (4, 4), sharing="kv")
    got = {n: tuple(p.shape) for n, p in m.state_dict().items()}
    report("§13", "linformer sharing=kv: no F; registry default proj_k = min(128, N/2) (mismatches)",
           len(set(got.items()) ^ set(expected_names("linformer", 24, 4, sharing="kv").items())), 0)
    try:
        R.make_attention("flash", 8, 2)
        msg = ""
    except ValueError as e:
        msg = str(e)
    report("§13", "unknown registry key: error lists all six valid keys (missing)",
           sum(k not in msg for k in R.REGISTRY_KEYS), 0)


def check_vit():
    table = {"softmax": (148224, 1806154), "cos2d": (147648, 1802698), "external": (304192, 2741962),
             "linformer": (152384, 1831114), "additive": (148416, 1807306), "efficient": (148224, 1806154)}
    for t, (per_block, total) in table.items():
        torch.manual_seed(0)
        v = R.ViT(attn=t)
        n_attn = R.count_parameters(v.blocks[0].attn)
        n = R.count_parameters(v)
        report("§8.2", f"ViT {t}: params {n:,} (table {total:,}), attention/block {n_attn:,} (table {per_block:,})",
               abs(n - total) + abs(n_attn - per_block), 0)
    torch.manual_seed(0)
    v = R.ViT(attn="softmax")
    names = set(v.state_dict())
    want = {"patch_embed.weight", "patch_embed.bias", "pos_embed", "blocks.0.norm1.weight", "blocks.0.norm1.bias",
            "blocks.0.attn.qkv.weight", "blocks.5.norm2.bias", "blocks.3.mlp.fc1.weight", "blocks.3.mlp.fc2.bias",
            "norm.weight", "norm.bias", "head.weight", "head.bias"}
    report("§13", "ViT state_dict uses §13 names (missing of a sample of 13)", len(want - names), 0)
    report("§8.1", "ViT init: pos_embed std ≈ .02, LN = 1/0, Linear bias 0 (|std−.02|)",
           abs(v.pos_embed.std().item() - 0.02) + (v.norm.weight != 1).sum().item()
           + v.blocks[0].mlp.fc1.bias.abs().sum().item(), 2e-3)
    try:
        R.ViT(attn="cos2d", pool="cls")
        rejected = 0.0
    except ValueError:
        rejected = 1.0
    report("§8.1", "ViT pool=cls with cos2d is rejected (1 = rejected)", rejected, 1.0, at_least=True)
    vl = R.ViT(attn="linformer", pool="cls")
    report("§8.1", "ViT pool=cls: linformer seq_len = 65, proj_k = 32 (difference)",
           abs(vl.blocks[0].attn.seq_len - 65) + abs(vl.blocks[0].attn.proj_k - 32), 0)
    g = gen(90)
    for t in R.REGISTRY_KEYS:
        torch.manual_seed(1)
        pool = "mean" if t == "cos2d" else "cls"
        tiny = R.ViT(img_size=8, patch_size=2, dim=12, depth=1, heads=3, num_classes=4, attn=t,
                     attn_options={"S": 8} if t == "external" else None, pool=pool).to(DT)
        R.randomize_parameters_(tiny, gen(91))
        check_layer_grad("§8", f"tiny ViT ({t}, pool={pool})", tiny, [randn(2, 3, 8, 8, g=g)])


def check_safetensors():
    g = gen(100)
    t = {"a": randn(2, 3, g=g), "b": randn(5, g=g).float(), "c": torch.tensor(7), "d": torch.zeros(0, 4, dtype=DT)}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.safetensors")
        safetensors_lite.save(path, t, {"k": "v"})
        back, meta = safetensors_lite.load(path)
        with open(path, "rb") as f:
            n = int.from_bytes(f.read(8), "little")
    err = sum(maxdiff(t[k].double(), back[k].double()) if t[k].numel() else 0.0 for k in t)
    err += sum(t[k].dtype != back[k].dtype or t[k].shape != back[k].shape for k in t) + (meta != {"k": "v"}) + n % 8
    report("io", "safetensors_lite round trip (F64, F32, I64 scalar, empty; 8-byte aligned header)", err, 0)


def check_goldens():
    with tempfile.TemporaryDirectory() as d:
        with open(os.devnull, "w") as null:
            old, sys.stdout = sys.stdout, null
            try:
                make_attention_goldens.main(["make_attention_goldens.py", d])
            finally:
                sys.stdout = old
        n = len(os.listdir(d)) - 1
        report("golden", f"{n} golden files: layers rebuilt from metadata reproduce y and every grad, rel",
               make_attention_goldens.verify(d), 1e-7)


def main():
    torch.set_num_threads(1)
    for fn in (check_softmax, check_cosformer, check_cos2d, check_efficient, check_external, check_linformer,
               check_additive, check_generic, check_contract, check_vit, check_safetensors, check_goldens):
        fn()
    failed = RESULTS.count(False)
    print(f"{len(RESULTS) - failed}/{len(RESULTS)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
