// core/ops/softmax_attention.h — differentiable multi-head softmax attention on token-layout
// tensors, the core of the softmax and Linformer attention layers (docs/attention.md §1, §5).
//
// softmax_attention(q, k, v, heads, scale): q (B, L, h·dk), k (B, S, h·dk), v (B, S, h·dv), head
// `head` owning channels [head·d, head·d + d) → out (B, L, h·dv), per head
//   out = softmax_rows(scale · Q Kᵀ) V.
// softmax_attention_packed(qkv, heads, scale): the same with q, k, v the three C-wide column
// blocks of one (B, N, 3C) projection (nn.MultiheadAttention's in_proj layout); its gradient is
// one (B, N, 3C) tensor, so the projection is never split.
//
// Fused (CPU): saves q, k, v, the output and the log-sum-exp (B, h, L) — never the L × S
// weights, which the backward rebuilds chunk by chunk (core/kernels/softmax_attention.h), so
// memory grows like L + S, not L·S. No dropout on the weights: layers with attention dropout
// active in training use softmax_attention_composite. On CUDA tensors (no fused CUDA kernel
// yet) both entry points run the composite.
//
// softmax_attention_composite is the same math from primitive ops (reshape/permute, bmm, mul,
// softmax), with autograd through each: the reference the fused op is tested against
// (tests/core/test_softmax_attention.cpp). It materializes the B·h·L·S weights.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace linattn {

Tensor softmax_attention(const Tensor& q, const Tensor& k, const Tensor& v, std::int64_t heads, double scale);

Tensor softmax_attention_packed(const Tensor& qkv, std::int64_t heads, double scale);

Tensor softmax_attention_composite(const Tensor& q, const Tensor& k, const Tensor& v, std::int64_t heads, double scale);

}  // namespace linattn
