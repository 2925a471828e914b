// core/ops/linalg.h — differentiable matrix products.
//
// bmm(a, b, trans_a, trans_b) is the primitive: a (..., m, k) or (..., k, m) when trans_a,
// b (..., k, n) or (..., n, k) when trans_b, batch axes equal or absent on one side (then that
// matrix is shared across the batch). The backward passes are bmm calls with flipped flags,
// never transposed copies. matmul and linear are written on top of it.
#pragma once
#include "core/tensor.h"

namespace linattn {

// op(a) · op(b), batched over leading axes.
Tensor bmm(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);
// a · b with NumPy matmul shapes for ≥ 2-D inputs (batch axes equal or absent on one side).
Tensor matmul(const Tensor& a, const Tensor& b);
// y = x · Wᵀ + bias: x (..., in), weight (out, in), bias (out) or undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace linattn
