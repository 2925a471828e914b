// core/ops/linear_attention.h — differentiable normalized linear attention (docs/attention.md §9),
// the core of the cos2d and efficient attention layers (and of any cosFormer-style layer).
//
// linear_attention(q, k, v, coef_q, coef_k, options), token layout with `heads` heads strided
// in the channels (c = head·d + j): q (B, L, h·dk), k (B, S, h·dk), v (B, S, h·dv) → (B, L, h·dv).
// Per head, with features of width F = T·dk
//   P_q[n, t·dk + j] = coef_q[n, t] · φ(q[n, head·dk + j])   (P_k from k and coef_k likewise),
//   φ(x) = ReLU(feature_scale·x) + feature_eps when positive_features, else φ(x) = x,
//   O = P_q (P_kᵀ V) / (P_q P_kᵀ 1)  row-wise  (normalize; no clamp),  or  O = P_q (P_kᵀ V).
// The coefficient tables coef_q (L, T) and coef_k (S, T) are constants shared by every batch
// element and head (cos2d's 4-term cos/sin table; no gradient); both undefined means T = 1,
// coef ≡ 1. Gradients flow to q, k and v.
//
// Fused (CPU and CUDA): one forward kernel and one backward kernel; saves q, k, v, the output,
// ctx (B·h·F·dv), z (B·h·F) and den (B·L·h) — never P (B·N·h·F) and never anything L × S; the
// features are rebuilt in the backward (chunk by chunk on the CPU; whole, in a transient
// workspace, on CUDA). Memory ≈ the inputs + output.
//
// linear_attention_composite is the same math written with primitive ops (relu, mul, bmm, sum,
// div, reshape/permute), with autograd through each: the reference the fused op is tested
// against (tests/core/test_linear_attention.cpp; on CUDA, tests/cuda/test_linear_attention.cpp). It materializes P_q and P_k.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace linattn {

struct LinearAttentionOptions {
  std::int64_t heads = 1;
  bool normalize = true;           // false: den ≡ 1 (efficient attention)
  bool positive_features = false;  // φ(x) = ReLU(feature_scale·x) + feature_eps (cos2d)
  double feature_scale = 1.0, feature_eps = 0.0;
};

Tensor linear_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& coef_q = Tensor(),
                        const Tensor& coef_k = Tensor(), const LinearAttentionOptions& options = {});

Tensor linear_attention_composite(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& coef_q = Tensor(),
                                  const Tensor& coef_k = Tensor(), const LinearAttentionOptions& options = {});

}  // namespace linattn
