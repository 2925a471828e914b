// core/kernels/normalize.h — fused normalization kernels of the efficient-attention layers
// (docs/attention.md §4, §6, §9), each with its backward. Used by core/ops/normalize.cpp; CPU
// versions in core/cpu/normalize.cpp.
//
// l2_normalize views a contiguous tensor as (outer, size, inner) (core/shape.h: axis_view) and
// normalizes along the middle axis. double_normalize views its input as (B, N, G, S): softmax
// over the tokens N, then ℓ1 over the slots S (external attention's "double normalization").
// No kernel uses atomics: each output element is written by one thread, and every sum is taken
// in a fixed order that does not depend on the thread count.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace linattn {

// x viewed as (B, N, G, S): G independent groups (heads) of S slots per token.
struct DoubleNormalizeShape {
  std::int64_t B = 0, N = 0, G = 1, S = 0;
  double eps = 1e-9;
  bool bias_per_group = false;  // bias holds G·S values (one row per group), else S
};

}  // namespace linattn

LINATTN_DECLARE_KERNELS(
  // y = x / max(‖x‖, eps) along the middle axis of (outer, size, inner); norm (outer·inner)
  // receives ‖x‖ (saved for backward).
  void l2_normalize_forward(const Tensor& x, std::int64_t outer, std::int64_t size, std::int64_t inner, double eps,
                            Tensor& y, Tensor& norm);
  // From the forward output y and norm: grad_x = (grad_y − y·(y·grad_y)) / ‖x‖ where ‖x‖ > eps,
  // grad_y / eps elsewhere.
  void l2_normalize_backward(const Tensor& grad_y, const Tensor& y, const Tensor& norm, std::int64_t outer,
                             std::int64_t size, std::int64_t inner, double eps, Tensor& grad_x);

  // P = softmax over N of (x + bias) (bias (S) broadcast over B, N, G, or (G, S) broadcast over
  // B, N (bias_per_group), or undefined; constant over N, it cancels), then
  // y = P / (eps + Σ_S P). den (B, N, G) receives
  // eps + Σ_S P (saved for backward; P = y·den).
  void double_normalize_forward(const DoubleNormalizeShape& s, const Tensor& x, const Tensor& bias, Tensor& y,
                                Tensor& den);
  // From y and den: ḡP = (ḡy − Σ_S ḡy⊙y) / den, then grad_x = P ⊙ (ḡP − Σ_N ḡP⊙P).
  void double_normalize_backward(const DoubleNormalizeShape& s, const Tensor& grad_y, const Tensor& y,
                                 const Tensor& den, Tensor& grad_x);
)
