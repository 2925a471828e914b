// core/ops/normalize.h — differentiable normalizations of the efficient-attention layers, each
// one fused kernel forward and backward (core/kernels/normalize.h; formulas in docs/attention.md §9):
//   l2_normalize      SwiftFormer's F.normalize (queries, keys, and its α over the tokens);
//   double_normalize  external attention's softmax over the tokens, then ℓ1 over the slots.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace linattn {

// y = x / max(‖x‖₂, eps) along `axis` (torch.nn.functional.normalize(x, p=2, dim=axis, eps)).
// Backward: (ḡy − y·(y·ḡy)) / ‖x‖ where ‖x‖ > eps, ḡy / eps elsewhere. float32 / float64.
Tensor l2_normalize(const Tensor& x, std::int64_t axis = -1, double eps = 1e-12);

// x (B, N, ..., S), at least 3 axes: tokens on axis 1, memory slots on the last axis, any axes
// between are independent groups (heads). P = softmax over N of (x + bias), then
// y = P / (eps + Σ_S P): per token, the slot weights sum to 1 − O(eps). bias (S), or shaped like
// the axes after N (one row per group), or undefined, is broadcast over B and N; being constant
// over N it cancels in the softmax, so its gradient is identically zero, and the op returns exact
// zeros for it (a sum of the backward would leave rounding noise): layers route every term that
// is constant over N through it (external attention's biases). Saves y and the (B, N, groups)
// denominators only.
Tensor double_normalize(const Tensor& x, const Tensor& bias = Tensor(), double eps = 1e-9);

}  // namespace linattn
