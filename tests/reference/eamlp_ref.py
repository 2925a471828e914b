#!/usr/bin/python3
"""eamlp_ref.py — the PyTorch reference of linattn's EAMLP (models/eamlp.h, docs/eamlp.md).

Usage: /usr/bin/python3 tests/reference/eamlp_ref.py
  prints the parameter counts of the documented configurations and the logits of a tiny EAMLP
  whose weights follow a closed formula (spot_fill_), the numbers tests/models/test_eamlp.cpp
  asserts.

Written from docs/attention.md §4.2–4.3 and T2T-ViT's structure (tokens_to_token with
Token_performer blocks whose attention is external, cls token, fixed sinusoidal position
encoding, pre-norm blocks with the §4.2 multi-head EA, cls readout). The parameter names are the
C++ model's. Depends on torch and linattn_ref.py only.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import linattn_ref as R  # noqa: E402


class TokenExternalMemory(nn.Module):
    """§4.3 `Attention` of token_performer.py: out = q + proj(linear_1(double_norm(linear_0(q))))."""

    def __init__(self, dim_in, token_dim=64, memory=128, attn_drop=0.1, proj_drop=0.1):
        super().__init__()
        self.q_linear = nn.Linear(dim_in, token_dim)
        self.linear_0 = nn.Linear(token_dim, memory, bias=False)
        self.linear_1 = nn.Linear(memory, token_dim)
        self.proj = nn.Linear(token_dim, token_dim)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj_drop = nn.Dropout(proj_drop)
        with torch.no_grad():                      # tie = init: a copy, not the public shared view
            self.linear_1.weight.copy_(self.linear_0.weight.t())

    def forward(self, x):
        q = self.q_linear(x)                                       # B x N x T
        _, A = R.ea_double_normalize(self.linear_0(q), n_dim=-2, s_dim=-1)
        return q + self.proj_drop(self.proj(self.linear_1(self.attn_drop(A))))


class TokenExternalAttention(nn.Module):
    """Token_performer: x = attn(norm1 x); x + mlp(norm2 x) (mlp_ratio 1)."""

    def __init__(self, dim_in, token_dim, memory, attn_drop, proj_drop):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim_in)
        self.attn = TokenExternalMemory(dim_in, token_dim, memory, attn_drop, proj_drop)
        self.norm2 = nn.LayerNorm(token_dim)
        self.mlp = R.Mlp(token_dim, token_dim)

    def forward(self, x):
        x = self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class TokensToToken(nn.Module):
    def __init__(self, image_size, in_chans, splits, token_dim, memory, embed_dim, attn_drop, proj_drop):
        super().__init__()
        self.splits = splits
        self.grids = []
        side, ch = image_size, in_chans
        for i, (k, s, p) in enumerate(splits):
            side = (side + 2 * p - k) // s + 1
            self.grids.append(side)
            if i + 1 < len(splits):
                setattr(self, f"attention{i + 1}",
                        TokenExternalAttention(ch * k * k, token_dim, memory, attn_drop, proj_drop))
                ch = token_dim
            else:
                self.project = nn.Linear(ch * k * k, embed_dim)

    def forward(self, x):
        for i, (k, s, p) in enumerate(self.splits):
            t = F.unfold(x, k, stride=s, padding=p).transpose(1, 2)        # B x L x C·k·k
            if i + 1 == len(self.splits):
                return self.project(t)
            t = getattr(self, f"attention{i + 1}")(t)
            x = R.tokens_to_grid(t, self.grids[i], self.grids[i])


def sinusoid_encoding(n_position, d_hid):
    """T2T-ViT's get_sinusoid_encoding, (n_position, d_hid) in float64."""
    angle = torch.tensor([[p / math.pow(10000, 2 * (j // 2) / d_hid) for j in range(d_hid)]
                          for p in range(n_position)], dtype=torch.float64)
    angle[:, 0::2] = torch.sin(angle[:, 0::2])
    angle[:, 1::2] = torch.cos(angle[:, 1::2])
    return angle


class EAMLP(nn.Module):
    def __init__(self, image_size=32, in_chans=3, splits=((3, 1, 1), (3, 2, 1), (3, 2, 1)), token_dim=64,
                 token_memory=128, token_attn_drop=0.1, token_proj_drop=0.1, embed_dim=256, depth=7, heads=4,
                 mlp_ratio=2.0, num_classes=10, attn="external", attn_options=None):
        super().__init__()
        self.tokens_to_token = TokensToToken(image_size, in_chans, splits, token_dim, token_memory, embed_dim,
                                             token_attn_drop, token_proj_drop)
        g = self.tokens_to_token.grids[-1]
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.register_buffer("pos_embed", sinusoid_encoding(g * g + 1, embed_dim).float().unsqueeze(0))
        opts = dict(attn_options or {})
        if attn == "linformer":
            opts.setdefault("seq_len", g * g + 1)
        self.blocks = nn.ModuleList(R.Block(embed_dim, heads, mlp_ratio, attn, (g, g), opts) for _ in range(depth))
        self.norm = nn.LayerNorm(embed_dim)
        self.head = nn.Linear(embed_dim, num_classes)

    def forward(self, img):
        x = self.tokens_to_token(img)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x)[:, 0])


def spot_fill_(model):
    """Closed-form weights the C++ test reproduces: the k-th parameter in sorted-name order,
    element i (row-major): LayerNorm weights 1 + 0.2·sin(0.37·i + 1.3·k + 0.5); other 1-D tensors
    0.3·sin(...); 2-D+ tensors sin(...)/sqrt(last axis)."""
    with torch.no_grad():
        params = dict(model.named_parameters())
        for k, name in enumerate(sorted(params)):
            p = params[name]
            i = torch.arange(p.numel(), dtype=torch.float64)
            s = torch.sin(0.37 * i + 1.3 * k + 0.5)
            if p.dim() >= 2 and name != "cls_token":
                v = s / math.sqrt(p.shape[-1])
            elif name.endswith("weight") and ".norm" in "." + name:
                v = 1 + 0.2 * s
            else:
                v = 0.3 * s
            p.copy_(v.reshape(p.shape))


def spot_image(shape):
    """image[i] = sin(0.11·i) (row-major, flat index i)."""
    n = math.prod(shape)
    return torch.sin(0.11 * torch.arange(n, dtype=torch.float64)).reshape(shape)


TINY = dict(image_size=8, in_chans=3, token_dim=4, token_memory=5, embed_dim=8, depth=2, heads=2, num_classes=3)


def main():
    torch.set_printoptions(precision=17)
    print("parameters (pos_embed is a buffer, not counted):")
    for attn, opts in (("external", {}), ("softmax", {})):
        m = EAMLP(attn=attn, attn_options=opts)
        print(f"  EAMLP-7 CIFAR-10 ({attn}): {R.count_parameters(m)}")
    for attn, opts in (("external", {"S": 6}), ("softmax", {})):
        m = EAMLP(attn=attn, attn_options=opts, **TINY).double().eval()
        spot_fill_(m)
        logits = m(spot_image((2, 3, 8, 8)))
        print(f"tiny ({attn}, {opts}) logits:", [f"{v:.15g}" for v in logits.flatten().tolist()])


if __name__ == "__main__":
    main()
