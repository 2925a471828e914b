"""torch_sdpa.py — GPU helpers of the PyTorch benchmark scripts (torch_attention.py,
torch_vit_step.py): allow_tf32(), and with --sdpa PyTorch's fused softmax attention
(F.scaled_dot_product_attention, flash / memory-efficient kernels on a GPU) in the reference
softmax layer. Same parameters and the same function
as tests/reference/linattn_ref.py's SoftmaxMHSA (scale d^-1/2, no dropout); only the kernel differs.
SDPA exists from torch 2.0: available() says whether this torch has it (Debian's 1.13 does not).
"""
import torch
import torch.nn.functional as F

import linattn_ref as R


def allow_tf32():
    """TF32 for float32 matmuls and convolutions (linattn's default on CUDA). Uses the API that
    every torch since 1.12 has; newer torch versions keep it alongside their fp32_precision."""
    torch.set_float32_matmul_precision("high")
    torch.backends.cudnn.allow_tf32 = True


def available():
    return hasattr(F, "scaled_dot_product_attention")


class SdpaSoftmaxMHSA(R.SoftmaxMHSA):
    """SoftmaxMHSA whose core is F.scaled_dot_product_attention (self-attention only)."""

    def forward(self, x, memory=None):
        if memory is not None:
            return super().forward(x, memory)
        C, h = self.dim, self.heads
        q, k, v = (R.split_heads(t, h) for t in self.qkv(x).split(C, dim=-1))   # B x h x N x d
        O = F.scaled_dot_product_attention(q, k, v)                            # B x h x N x d
        return self.proj_drop(self.proj(R.merge_heads(O)))


def use_sdpa(module):
    """Switches every SoftmaxMHSA inside `module` (in place) to the SDPA core; returns the count."""
    if not available():
        raise RuntimeError("this torch has no F.scaled_dot_product_attention (needs torch >= 2.0)")
    n = 0
    for m in module.modules():
        if type(m) is R.SoftmaxMHSA:
            m.__class__ = SdpaSoftmaxMHSA
            n += 1
    return n
