"""linattn_ref.py — the PyTorch reference of docs/attention.md (six attention layers + §8 ViT).

Used by check_spec.py (the §10 identities), make_attention_goldens.py (safetensors goldens the C++
layers are tested against) and bench/torch_attention.py. Depends on torch only.

Invariants:
  * Token layout (B, N, C); grid layout (B, C, H, W); token n = i*W + j (row-major).
  * Head split is head-major: channel c = head*d + j (split_heads / merge_heads).
  * Parameter names and shapes are exactly the §13 state_dict contract; the 2-D faithful wrappers
    (CosMHSA2d, ExternalAttention2d, EfficientAttention2d) use the public repositories' names.
  * Every module works in float32 and float64 (build, then .double()).
  * Initializers: init='vit' (default) is the §8.1 ViT-slot init (every nn.Linear trunc_normal(.02)
    and bias 0; raw parameters keep their own init); init='source' is the public layer's own init
    where it differs (Linformer out_proj, cos2d and efficient q/k/v default U(±1/sqrt(fan_in))).
  * forward(x) is self-attention; forward(queries, memory) is cross-attention for softmax,
    linformer and efficient; the other layers raise.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

REGISTRY_KEYS = ("softmax", "cos2d", "external", "linformer", "additive", "efficient")


# ------------------------------------------------------------------------------------------------
# helpers


def split_heads(x, heads):
    """(B, N, C) -> (B, heads, N, C/heads), channel c = head*d + j."""
    B, N, C = x.shape
    if C % heads != 0:
        raise ValueError(f"split_heads: C={C} not divisible by heads={heads}")
    return x.reshape(B, N, heads, C // heads).transpose(1, 2)


def merge_heads(x):
    """(B, heads, N, d) -> (B, N, heads*d), inverse of split_heads."""
    B, h, N, d = x.shape
    return x.transpose(1, 2).reshape(B, N, h * d)


def grid_to_tokens(x):
    """(B, C, H, W) -> (B, H*W, C), token n = i*W + j."""
    return x.flatten(2).transpose(1, 2)


def tokens_to_grid(x, H, W):
    """(B, H*W, C) -> (B, C, H, W)."""
    B, N, C = x.shape
    return x.transpose(1, 2).reshape(B, C, H, W)


def vit_linear_init_(module):
    """§8.1: every nn.Linear inside module gets weight trunc_normal(.02) (±2 absolute), bias 0."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02, a=-2.0, b=2.0)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def default_linear_init_(lin):
    """§0 `default`: W, b ~ U(±1/sqrt(fan_in)) (what nn.Linear/nn.Conv do on construction)."""
    lin.reset_parameters()


def _check_init(init):
    if init not in ("vit", "source"):
        raise ValueError(f"init must be 'vit' or 'source', got {init!r}")


def _softmax(x, dim):
    """softmax_ax with the max subtracted (torch's softmax does this)."""
    return torch.softmax(x, dim=dim)


def normalized_linear_attention(Pq, Pk, V, clamp=None):
    """§9: O = (Pq (Pkᵀ V)) / (Pq Pkᵀ 1), row-wise. Pq (…, L, F), Pk (…, S, F), V (…, S, d)."""
    ctx = Pk.transpose(-1, -2) @ V                    # … x F x d
    z = Pk.sum(dim=-2)                                # … x F
    num = Pq @ ctx                                    # … x L x d
    den = (Pq @ z.unsqueeze(-1))                      # … x L x 1
    if clamp is not None:
        den = den.clamp(min=clamp)
    return num / den


# ------------------------------------------------------------------------------------------------
# §1 softmax MHSA


class SoftmaxMHSA(nn.Module):
    """Registry key `softmax`: timm ViT attention. Params qkv (3C, C), proj (C, C)."""

    def __init__(self, dim, heads=8, qkv_bias=True, attn_drop=0.0, proj_drop=0.0, init="vit"):
        super().__init__()
        _check_init(init)
        if dim % heads != 0:
            raise ValueError(f"softmax: dim={dim} not divisible by heads={heads}")
        self.dim, self.heads = dim, heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj_drop = nn.Dropout(proj_drop)
        vit_linear_init_(self)

    def attention(self, x, memory=None):
        """Returns (A (B,h,L,S), V heads (B,h,S,d))."""
        C = self.dim
        src = x if memory is None else memory
        W, b = self.qkv.weight, self.qkv.bias
        bq, bk, bv = (None, None, None) if b is None else (b[:C], b[C:2 * C], b[2 * C:])
        q = split_heads(F.linear(x, W[:C], bq), self.heads)            # B x h x L x d
        k = split_heads(F.linear(src, W[C:2 * C], bk), self.heads)     # B x h x S x d
        v = split_heads(F.linear(src, W[2 * C:], bv), self.heads)      # B x h x S x d
        d = C // self.heads
        A = _softmax((q @ k.transpose(-1, -2)) * d ** -0.5, dim=-1)    # B x h x L x S
        return A, v

    def forward(self, x, memory=None):
        A, v = self.attention(x, memory)
        O = merge_heads(self.attn_drop(A) @ v)                          # B x L x C
        return self.proj_drop(self.proj(O))


# ------------------------------------------------------------------------------------------------
# §2 cosFormer 1D (background; used by identity 1)


def cosformer_features(x, m):
    """x (…, L, d) already ReLU'd; 1-based i, θ_i = (π/2) i/m; returns [x sinθ | x cosθ]."""
    L = x.shape[-2]
    theta = (math.pi / 2) * torch.arange(1, L + 1, dtype=torch.float64) / m
    s = torch.sin(theta).to(x.dtype).unsqueeze(-1)
    c = torch.cos(theta).to(x.dtype).unsqueeze(-1)
    return torch.cat([x * s, x * c], dim=-1)


def cosformer_linear(q, k, v):
    """Non-causal cosFormer core, linear form; q (…, L, d), k (…, S, d) ReLU'd, v (…, S, dv)."""
    m = max(q.shape[-2], k.shape[-2])
    return normalized_linear_attention(cosformer_features(q, m), cosformer_features(k, m), v,
                                       clamp=1e-6)


def cosformer_quadratic(q, k, v):
    """Same, with explicit weights (q_i·k_j) cos(π(i−j)/(2m)) (the official `left_product`)."""
    L, S = q.shape[-2], k.shape[-2]
    m = max(L, S)
    i = torch.arange(1, L + 1, dtype=torch.float64).unsqueeze(1)
    j = torch.arange(1, S + 1, dtype=torch.float64).unsqueeze(0)
    w = torch.cos(math.pi * (i - j) / (2 * m)).to(q.dtype)
    Wt = (q @ k.transpose(-1, -2)) * w
    return (Wt @ v) / Wt.sum(dim=-1, keepdim=True).clamp(min=1e-6)


# ------------------------------------------------------------------------------------------------
# §3 CosAttention2d


def cos2d_coefficients(H, W, M, dtype=torch.float64, device=None):
    """Table A (4, H*W): rows cc, cs, sc, ss of f = π/(2M), 0-based row i and column j."""
    f = math.pi / (2 * M)
    ai = torch.arange(H, dtype=torch.float64) * f
    aj = torch.arange(W, dtype=torch.float64) * f
    ci, si = torch.cos(ai).unsqueeze(1), torch.sin(ai).unsqueeze(1)      # H x 1
    cj, sj = torch.cos(aj).unsqueeze(0), torch.sin(aj).unsqueeze(0)      # 1 x W
    A = torch.stack([ci * cj, ci * sj, si * cj, si * sj]).reshape(4, H * W)
    return A.to(dtype=dtype, device=device)


def cos2d_weight_matrix(H, W, M, dtype=torch.float64):
    """W[(i,j),(k,l)] = cos(π(i−k)/2M)·cos(π(j−l)/2M), shape (H*W, H*W)."""
    i = torch.arange(H, dtype=torch.float64).repeat_interleave(W)
    j = torch.arange(W, dtype=torch.float64).repeat(H)
    f = math.pi / (2 * M)
    w = torch.cos(f * (i[:, None] - i[None, :])) * torch.cos(f * (j[:, None] - j[None, :]))
    return w.to(dtype)


def cos2d_default_M(grid):
    return max(grid) + 2


def _cos2d_check(grid, M, N):
    H, W = grid
    if H * W != N:
        raise ValueError(f"cos2d: grid {H}x{W} has {H * W} tokens but the input has N={N}")
    if not M > max(H, W) - 1:
        raise ValueError(f"cos2d: M={M} must exceed max(H,W)-1={max(H, W) - 1} (positive weights)")


def cos2d_positive(x, eps=1e-5):
    """q̄ = ReLU(s·q) + eps, s = C^(-1/4) with C the full channel count."""
    return F.relu(x * x.shape[-1] ** -0.25) + eps


def cos2d_linear(q, k, v, heads, grid, M=None, eps=1e-5):
    """§3.1 core in token layout, one linear attention on concatenated 4d features.

    q, k, v (B, N, C) projected; returns (B, N, C). No denominator clamp."""
    B, N, C = q.shape
    M = cos2d_default_M(grid) if M is None else M
    _cos2d_check(grid, M, N)
    a = cos2d_coefficients(grid[0], grid[1], M, q.dtype, q.device).t()          # N x 4
    qh = split_heads(cos2d_positive(q, eps), heads)                             # B x h x N x d
    kh = split_heads(cos2d_positive(k, eps), heads)
    vh = split_heads(v, heads)
    d = C // heads
    Pq = (a[:, :, None] * qh[..., None, :]).reshape(B, heads, N, 4 * d)         # P[n, t*d+j]
    Pk = (a[:, :, None] * kh[..., None, :]).reshape(B, heads, N, 4 * d)
    return merge_heads(normalized_linear_attention(Pq, Pk, vh))


def cos2d_quadratic(q, k, v, heads, grid, M=None, eps=1e-5):
    """Same output through explicit weights w·(q̄·k̄), w = cos(π(i−k)/2M)·cos(π(j−l)/2M)."""
    B, N, C = q.shape
    M = cos2d_default_M(grid) if M is None else M
    _cos2d_check(grid, M, N)
    w = cos2d_weight_matrix(grid[0], grid[1], M, q.dtype).to(q.device)
    qh = split_heads(cos2d_positive(q, eps), heads)
    kh = split_heads(cos2d_positive(k, eps), heads)
    Wt = (qh @ kh.transpose(-1, -2)) * w                                        # B x h x N x N
    return merge_heads((Wt @ split_heads(v, heads)) / Wt.sum(dim=-1, keepdim=True))


class CosAttention2d(nn.Module):
    """Registry key `cos2d` (ViT slot): q/k/v Linear(C,C) (bias=qkv_bias) -> core -> merge."""

    def __init__(self, dim, heads=8, grid=None, M=None, eps=1e-5, qkv_bias=False, init="vit"):
        super().__init__()
        _check_init(init)
        if grid is None:
            raise ValueError("cos2d needs the token grid (H, W); cls tokens are not allowed")
        if dim % heads != 0:
            raise ValueError(f"cos2d: dim={dim} not divisible by heads={heads}")
        self.dim, self.heads, self.grid, self.eps = dim, heads, tuple(grid), eps
        self.M = cos2d_default_M(self.grid) if M is None else M
        _cos2d_check(self.grid, self.M, self.grid[0] * self.grid[1])
        self.q = nn.Linear(dim, dim, bias=qkv_bias)
        self.k = nn.Linear(dim, dim, bias=qkv_bias)
        self.v = nn.Linear(dim, dim, bias=qkv_bias)
        self.merge = nn.Linear(dim, dim)
        if init == "vit":
            vit_linear_init_(self)

    def forward(self, x, memory=None, quadratic=False):
        if memory is not None:
            raise ValueError("cos2d does not support cross-attention (queries have no grid position)")
        core = cos2d_quadratic if quadratic else cos2d_linear
        O = core(self.q(x), self.k(x), self.v(x), self.heads, self.grid, self.M, self.eps)
        return self.merge(O)


class ChannelLayerNorm(nn.Module):
    """cos_mhsa.py LayerNorm on (B,C,H,W): w·(x−μ)/(σ+eps)+b, σ the unbiased std over C."""

    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim, 1, 1))
        self.bias = nn.Parameter(torch.zeros(dim, 1, 1))

    def forward(self, x):
        mean = x.mean(1, keepdim=True)
        std = x.std(1, keepdim=True, unbiased=True)
        return self.weight * (x - mean) / (std + self.eps) + self.bias


class CosMHSA2d(nn.Module):
    """§3.2 faithful post-norm block on (B,C,H,W), heads passed through (fixes the n_head bug).

    Params: linear_q/k/v.weight (C,C,1,1), linear_merge.weight (C,C,1,1) + .bias, norm.weight/bias
    (C,1,1). M defaults to max(H,W)+2 of the input grid unless given."""

    def __init__(self, dim, heads=8, M=None, dropout=0.1, eps=1e-5, ln_eps=1e-6):
        super().__init__()
        self.dim, self.heads, self.M, self.eps = dim, heads, M, eps
        self.linear_v = nn.Conv2d(dim, dim, 1, bias=False)
        self.linear_k = nn.Conv2d(dim, dim, 1, bias=False)
        self.linear_q = nn.Conv2d(dim, dim, 1, bias=False)
        self.linear_merge = nn.Conv2d(dim, dim, 1)
        self.dropout = nn.Dropout(dropout)
        self.norm = ChannelLayerNorm(dim, ln_eps)

    def forward(self, x):
        B, C, H, W = x.shape
        q, k, v = (grid_to_tokens(conv(x)) for conv in (self.linear_q, self.linear_k, self.linear_v))
        atted = tokens_to_grid(cos2d_linear(q, k, v, self.heads, (H, W), self.M, self.eps), H, W)
        return self.norm(x + self.dropout(self.linear_merge(atted)))


# ------------------------------------------------------------------------------------------------
# §4 external attention


def ea_double_normalize(A, n_dim, s_dim, eps=1e-9):
    """softmax over tokens, then ℓ1 over memory slots with eps; returns (before ℓ1, after)."""
    A0 = _softmax(A, dim=n_dim)
    return A0, A0 / (eps + A0.sum(dim=s_dim, keepdim=True))


class MultiHeadExternalAttention(nn.Module):
    """Registry key `external` (§4.2 EAMLP block): H' = coef·heads heads of d' = C/heads, S slots."""

    def __init__(self, dim, heads=8, coef=4, S=64, attn_drop=0.0, proj_drop=0.0, init="vit"):
        super().__init__()
        _check_init(init)
        if dim % heads != 0:
            raise ValueError(f"external: dim={dim} not divisible by heads={heads}")
        self.dim, self.coef, self.S = dim, coef, S
        self.num_heads = coef * heads                 # H'
        self.head_dim = dim // heads                  # d' = coef·C/H'
        self.trans_dims = nn.Linear(dim, coef * dim)
        self.linear_0 = nn.Linear(self.head_dim, S)
        self.linear_1 = nn.Linear(S, self.head_dim)
        self.proj = nn.Linear(coef * dim, dim)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj_drop = nn.Dropout(proj_drop)
        vit_linear_init_(self)

    def attention(self, x):
        """Returns (A before ℓ1, A after ℓ1), each (B, H', N, S)."""
        T = split_heads(self.trans_dims(x), self.num_heads)            # B x H' x N x d'
        return ea_double_normalize(self.linear_0(T), n_dim=-2, s_dim=-1)

    def forward(self, x, memory=None):
        if memory is not None:
            raise ValueError("external attention is self-attention only")
        _, A = self.attention(x)
        Y = merge_heads(self.linear_1(self.attn_drop(A)))              # B x N x 4C
        return self.proj_drop(self.proj(Y))


class ExternalAttention2d(nn.Module):
    """§4.1 single-head block on (B,C,H,W): conv1 -> M_k -> double norm -> M_v -> conv2+BN -> +x, ReLU.

    Params (model_torch.py names): conv1.weight (C,C,1,1), conv1.bias, linear_0.weight (S,C,1),
    linear_1.weight (C,S,1) (absent with tie='shared'), conv2.0.weight (C,C,1,1), conv2.1 = BN.
    tie='init': M_v = M_kᵀ at init, then independent; tie='shared': one parameter, M_v ≡ M_kᵀ."""

    def __init__(self, dim, S=64, tie="init", bn_eps=1e-5, bn_momentum=0.1):
        super().__init__()
        if tie not in ("init", "shared"):
            raise ValueError(f"ExternalAttention2d: tie must be 'init' or 'shared', got {tie!r}")
        self.dim, self.S, self.tie = dim, S, tie
        self.conv1 = nn.Conv2d(dim, dim, 1)           # bias keeps the default U(±1/sqrt(C))
        self.linear_0 = nn.Conv1d(dim, S, 1, bias=False)
        if tie == "init":
            self.linear_1 = nn.Conv1d(S, dim, 1, bias=False)
        self.conv2 = nn.Sequential(nn.Conv2d(dim, dim, 1, bias=False),
                                   nn.BatchNorm2d(dim, eps=bn_eps, momentum=bn_momentum))
        std = math.sqrt(2.0 / dim)
        with torch.no_grad():
            self.conv1.weight.normal_(0, std)
            self.conv2[0].weight.normal_(0, std)
            self.linear_0.weight.normal_(0, std)
            if tie == "init":
                self.linear_1.weight.copy_(self.linear_0.weight.permute(1, 0, 2))

    def memory_value(self):
        return self.linear_0.weight.permute(1, 0, 2) if self.tie == "shared" else self.linear_1.weight

    def forward(self, x):
        B, C, H, W = x.shape
        Fm = self.conv1(x).reshape(B, C, H * W)                         # B x C x N
        A = F.conv1d(Fm, self.linear_0.weight)                          # B x S x N
        _, A = ea_double_normalize(A, n_dim=-1, s_dim=1)
        Y = F.conv1d(A, self.memory_value()).reshape(B, C, H, W)       # B x C x H x W
        return F.relu(self.conv2(Y) + x)


# ------------------------------------------------------------------------------------------------
# §5 Linformer


class LinformerAttention(nn.Module):
    """Registry key `linformer`: per-sample sequence projection (fixed), N ≤ seq_len via E[:, :N].

    Params: in_proj_weight (3C,C), in_proj_bias (3C), E (k,seq_len), F (k,seq_len) (absent with
    sharing='kv'), bias_e (k), bias_f (k), out_proj (C,C)."""

    def __init__(self, dim, heads=8, seq_len=None, proj_k=128, sharing="none", dropout=0.0,
                 emulate_public_layout_bug=False, init="vit"):
        super().__init__()
        _check_init(init)
        if seq_len is None:
            raise ValueError("linformer needs seq_len (the maximum number of key tokens)")
        if sharing not in ("none", "kv"):
            raise ValueError(f"linformer: sharing must be 'none' or 'kv', got {sharing!r}")
        if dim % heads != 0:
            raise ValueError(f"linformer: dim={dim} not divisible by heads={heads}")
        self.dim, self.heads, self.seq_len, self.proj_k = dim, heads, seq_len, proj_k
        self.sharing, self.emulate_public_layout_bug = sharing, emulate_public_layout_bug
        self.in_proj_weight = nn.Parameter(torch.empty(3 * dim, dim))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * dim))
        self.E = nn.Parameter(torch.empty(proj_k, seq_len))
        if sharing == "none":
            self.F = nn.Parameter(torch.empty(proj_k, seq_len))
        self.bias_e = nn.Parameter(torch.empty(proj_k))
        self.bias_f = nn.Parameter(torch.empty(proj_k))
        self.out_proj = nn.Linear(dim, dim)
        self.attn_drop = nn.Dropout(dropout)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.xavier_uniform_(self.E)
        if sharing == "none":
            nn.init.xavier_uniform_(self.F)
        for b in (self.bias_e, self.bias_f):        # xavier_normal on (1,1,k) = N(0, 1/k)
            nn.init.normal_(b, 0.0, proj_k ** -0.5)
        if init == "vit":
            vit_linear_init_(self)
        else:
            default_linear_init_(self.out_proj)
            nn.init.zeros_(self.out_proj.bias)

    def _project(self, X, P, bias):
        """K̃_b = P X_b + bias ⊗ 1: X (B,S,C), P (k,S) -> (B,h,k,d)."""
        Xt = torch.einsum("rs,bsc->brc", P, X) + bias[None, :, None]    # B x k x C
        if not self.emulate_public_layout_bug:
            return split_heads(Xt, self.heads)
        B, k, C = Xt.shape                                              # public: (B,C,k) buffer
        buf = Xt.transpose(1, 2).contiguous()                           # viewed as (k, B·h, d)
        return buf.reshape(k, B * self.heads, C // self.heads).transpose(0, 1).reshape(
            B, self.heads, k, C // self.heads)

    def attention(self, x, memory=None):
        """Returns (A (B,h,L,k), Ṽ heads (B,h,k,d))."""
        C = self.dim
        src = x if memory is None else memory
        S = src.shape[1]
        if S > self.seq_len:
            raise ValueError(f"linformer: {S} key tokens exceed seq_len={self.seq_len}")
        W, b = self.in_proj_weight, self.in_proj_bias
        q = F.linear(x, W[:C], b[:C]) * (C // self.heads) ** -0.5      # B x L x C
        k = F.linear(src, W[C:2 * C], b[C:2 * C])                       # B x S x C
        v = F.linear(src, W[2 * C:], b[2 * C:])
        Fp = self.E if self.sharing == "kv" else self.F
        Kt = self._project(k, self.E[:, :S], self.bias_e)               # B x h x k x d
        Vt = self._project(v, Fp[:, :S], self.bias_f)
        A = _softmax(split_heads(q, self.heads) @ Kt.transpose(-1, -2), dim=-1)
        return A, Vt

    def forward(self, x, memory=None):
        A, Vt = self.attention(x, memory)
        return self.out_proj(merge_heads(self.attn_drop(A) @ Vt))


# ------------------------------------------------------------------------------------------------
# §6 SwiftFormer efficient additive attention


class EfficientAdditiveAttention(nn.Module):
    """Registry key `additive` (SwiftFormer HEAD). D = token_dim·num_heads; output token_dim."""

    def __init__(self, dim, token_dim=None, num_heads=1, alpha_norm="l2", scale_factor=None,
                 eps=1e-12, init="vit"):
        super().__init__()
        _check_init(init)
        if alpha_norm not in ("l2", "softmax"):
            raise ValueError(f"additive: alpha_norm must be 'l2' or 'softmax', got {alpha_norm!r}")
        token_dim = dim if token_dim is None else token_dim
        D = token_dim * num_heads
        self.alpha_norm, self.eps = alpha_norm, eps
        self.scale_factor = token_dim ** -0.5 if scale_factor is None else scale_factor
        self.to_query = nn.Linear(dim, D)
        self.to_key = nn.Linear(dim, D)
        self.w_g = nn.Parameter(torch.randn(D, 1))
        self.Proj = nn.Linear(D, D)
        self.final = nn.Linear(D, token_dim)
        vit_linear_init_(self)

    def alpha(self, x):
        """Returns (α̂ (B,N,1), Q̂ (B,N,D))."""
        Qn = F.normalize(self.to_query(x), dim=-1, eps=self.eps)       # B x N x D
        a = (Qn @ self.w_g) * self.scale_factor                         # B x N x 1
        if self.alpha_norm == "l2":
            a = F.normalize(a, dim=1, eps=self.eps)
        else:
            a = _softmax(a, dim=1)
        return a, Qn

    def forward(self, x, memory=None):
        if memory is not None:
            raise ValueError("additive attention is self-attention only")
        a, Qn = self.alpha(x)
        Kn = F.normalize(self.to_key(x), dim=-1, eps=self.eps)
        g = (a * Qn).sum(dim=1, keepdim=True)                           # B x 1 x D
        return self.final(self.Proj(g * Kn) + Qn)


# ------------------------------------------------------------------------------------------------
# §7 efficient attention


def efficient_rho(q, k, norm):
    """ρ_q, ρ_k on head tensors q (…, L, dk), k (…, S, dk)."""
    if norm == "softmax":
        return _softmax(q, dim=-1), _softmax(k, dim=-2)
    if norm == "scaling":
        return q / math.sqrt(q.shape[-2]), k / math.sqrt(k.shape[-2])
    if norm == "identity":
        return q, k
    raise ValueError(f"efficient: norm must be softmax|scaling|identity, got {norm!r}")


def _efficient_heads(q, k, v, heads):
    KC, VC = q.shape[-1], v.shape[-1]
    if VC % heads != 0:
        raise ValueError(f"efficient: value_channels={VC} not divisible by heads={heads}")
    dk = KC // heads                       # trailing key channels are unused (public quirk)
    return (split_heads(q[..., :heads * dk], heads), split_heads(k[..., :heads * dk], heads),
            split_heads(v, heads))


def efficient_linear(q, k, v, heads, norm="softmax"):
    """O_i = ρ_q(Q_i) (ρ_k(K_i)ᵀ V_i); q (B,L,KC), k (B,S,KC), v (B,S,VC) -> (B,L,VC)."""
    qh, kh, vh = _efficient_heads(q, k, v, heads)
    qh, kh = efficient_rho(qh, kh, norm)
    return merge_heads(qh @ (kh.transpose(-1, -2) @ vh))


def efficient_quadratic(q, k, v, heads, norm="softmax"):
    """Same through the implied attention matrix (ρ_q(Q) ρ_k(K)ᵀ) V."""
    qh, kh, vh = _efficient_heads(q, k, v, heads)
    qh, kh = efficient_rho(qh, kh, norm)
    return merge_heads((qh @ kh.transpose(-1, -2)) @ vh)


class EfficientAttention(nn.Module):
    """Registry key `efficient`: queries/keys/values/reprojection Linear, residual off by default."""

    def __init__(self, dim, heads=8, key_channels=None, value_channels=None, norm="softmax",
                 residual=False, init="vit"):
        super().__init__()
        _check_init(init)
        kc = dim if key_channels is None else key_channels
        vc = dim if value_channels is None else value_channels
        if vc % heads != 0:
            raise ValueError(f"efficient: value_channels={vc} not divisible by heads={heads}")
        efficient_rho(torch.zeros(1, 1), torch.zeros(1, 1), norm)      # validates norm
        self.heads, self.norm, self.residual = heads, norm, residual
        self.queries = nn.Linear(dim, kc)
        self.keys = nn.Linear(dim, kc)
        self.values = nn.Linear(dim, vc)
        self.reprojection = nn.Linear(vc, dim)
        if init == "vit":
            vit_linear_init_(self)

    def forward(self, x, memory=None, quadratic=False):
        src = x if memory is None else memory
        core = efficient_quadratic if quadratic else efficient_linear
        O = core(self.queries(x), self.keys(src), self.values(src), self.heads, self.norm)
        out = self.reprojection(O)
        return out + x if self.residual else out


class EfficientAttention2d(nn.Module):
    """§7 faithful module on (B,C,H,W) (efficient_attention.py names, 1×1 convs, residual inside)."""

    def __init__(self, in_channels, key_channels, head_count, value_channels):
        super().__init__()
        if value_channels % head_count != 0:
            raise ValueError(f"efficient2d: value_channels={value_channels} not divisible by "
                             f"head_count={head_count}")
        self.key_channels, self.head_count, self.value_channels = key_channels, head_count, value_channels
        self.keys = nn.Conv2d(in_channels, key_channels, 1)
        self.queries = nn.Conv2d(in_channels, key_channels, 1)
        self.values = nn.Conv2d(in_channels, value_channels, 1)
        self.reprojection = nn.Conv2d(value_channels, in_channels, 1)

    def forward(self, x):
        B, _, H, W = x.shape
        keys = self.keys(x).reshape(B, self.key_channels, H * W)              # B x kc x N
        queries = self.queries(x).reshape(B, self.key_channels, H * W)
        values = self.values(x).reshape(B, self.value_channels, H * W)
        dk, dv = self.key_channels // self.head_count, self.value_channels // self.head_count
        heads = []
        for i in range(self.head_count):
            key = _softmax(keys[:, i * dk:(i + 1) * dk, :], dim=2)
            query = _softmax(queries[:, i * dk:(i + 1) * dk, :], dim=1)
            value = values[:, i * dv:(i + 1) * dv, :]
            context = key @ value.transpose(1, 2)                             # B x dk x dv
            heads.append((context.transpose(1, 2) @ query).reshape(B, dv, H, W))
        return self.reprojection(torch.cat(heads, dim=1)) + x


# ------------------------------------------------------------------------------------------------
# registry


def make_attention(type, dim, heads, grid=None, **options):
    """Builds the ViT-slot attention for a registry key; grid (H, W) is the token grid if any.

    linformer: seq_len defaults to H*W and proj_k to min(128, seq_len // 2) (§13)."""
    if type == "softmax":
        return SoftmaxMHSA(dim, heads, **options)
    if type == "cos2d":
        return CosAttention2d(dim, heads, grid=grid, **options)
    if type == "external":
        return MultiHeadExternalAttention(dim, heads, **options)
    if type == "linformer":
        opts = dict(options)
        if "seq_len" not in opts:
            if grid is None:
                raise ValueError("linformer needs seq_len or a grid")
            opts["seq_len"] = grid[0] * grid[1]
        opts.setdefault("proj_k", min(128, opts["seq_len"] // 2))
        return LinformerAttention(dim, heads, **opts)
    if type == "additive":
        return EfficientAdditiveAttention(dim, **options)
    if type == "efficient":
        return EfficientAttention(dim, heads, **options)
    raise ValueError(f"unknown attention type {type!r}; valid: {' | '.join(REGISTRY_KEYS)}")


# ------------------------------------------------------------------------------------------------
# §8 ViT


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()                       # exact (erf)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    """Pre-norm: x + Attn(LN1(x)), then x + MLP(LN2(x)); LN eps 1e-5."""

    def __init__(self, dim, heads, mlp_ratio, attn, grid, attn_options):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.attn = make_attention(attn, dim, heads, grid, **attn_options)
        self.norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    """§8 reference ViT: patch conv k=p s=p, learned pos embed, pre-norm blocks, LN, mean|cls, head."""

    def __init__(self, img_size=32, patch_size=4, in_chans=3, dim=192, depth=6, heads=3,
                 mlp_ratio=2, num_classes=10, attn="softmax", attn_options=None, pool="mean"):
        super().__init__()
        if pool not in ("mean", "cls"):
            raise ValueError(f"pool must be 'mean' or 'cls', got {pool!r}")
        if pool == "cls" and attn == "cos2d":
            raise ValueError("cos2d needs a grid: the cls token has no grid position; use pool=mean")
        self.pool = pool
        self.grid = (img_size // patch_size, img_size // patch_size)
        n_tok = self.grid[0] * self.grid[1] + (1 if pool == "cls" else 0)
        opts = dict(attn_options or {})
        if attn == "linformer":
            opts.setdefault("seq_len", n_tok)
        self.patch_embed = nn.Conv2d(in_chans, dim, patch_size, patch_size)   # default init
        if pool == "cls":
            self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, n_tok, dim))
        self.blocks = nn.ModuleList(Block(dim, heads, mlp_ratio, attn, self.grid, opts)
                                    for _ in range(depth))
        self.norm = nn.LayerNorm(dim, eps=1e-5)
        self.head = nn.Linear(dim, num_classes)
        vit_linear_init_(self)
        for m in self.modules():
            if isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.trunc_normal_(self.pos_embed, std=0.02, a=-2.0, b=2.0)
        if pool == "cls":
            nn.init.trunc_normal_(self.cls_token, std=0.02, a=-2.0, b=2.0)

    def forward(self, img):
        x = grid_to_tokens(self.patch_embed(img))                      # B x N x D
        if self.pool == "cls":
            x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        x = x + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        x = x[:, 0] if self.pool == "cls" else x.mean(dim=1)
        return self.head(x)


def count_parameters(module):
    return sum(p.numel() for p in module.parameters())


def randomize_parameters_(module, generator):
    """Test helper (goldens, checks): redraw every parameter so biases are non-zero and
    activations O(1): weights N(0, 1/fan_in), biases N(0, 0.25), norm weights 1 + N(0, 0.04),
    w_g N(0,1), pos_embed / cls_token N(0, 0.25); BatchNorm running stats perturbed too."""
    norm_types = (nn.LayerNorm, nn.BatchNorm2d, ChannelLayerNorm)

    def rnd(t):
        return torch.randn(t.shape, generator=generator, dtype=torch.float64).to(t.dtype)

    with torch.no_grad():
        done = set()
        for m in module.modules():
            if isinstance(m, norm_types):
                m.weight.copy_(1 + 0.2 * rnd(m.weight))
                m.bias.copy_(0.2 * rnd(m.bias))
                done.update({id(m.weight), id(m.bias)})
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.copy_(0.1 * rnd(m.running_mean))
                    m.running_var.copy_(1 + 0.2 * rnd(m.running_var).abs())
        for name, p in module.named_parameters():
            if id(p) in done:
                continue
            leaf = name.rsplit(".", 1)[-1]
            if leaf == "w_g":
                p.copy_(rnd(p))
            elif leaf in ("pos_embed", "cls_token") or p.dim() == 1:
                p.copy_(0.5 * rnd(p))
            else:
                p.copy_(rnd(p) / math.sqrt(p[0].numel()))
