// core/kernels/pool.h — 2-D max and average pooling kernels, used by core/ops/pool.cpp.
// x (B, C, H, W) → out (B, C, Ho, Wo), Ho = ⌊(H + 2·ph − kh)/sh⌋ + 1 (Wo likewise); the op has
// checked padding ≤ kernel/2, so every window holds at least one input element.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace linattn {

struct Pool2dGeometry {
  std::int64_t B = 0, C = 0, H = 0, W = 0;
  std::int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0;
  std::int64_t Ho = 0, Wo = 0;
};

}  // namespace linattn

LINATTN_DECLARE_KERNELS(
  // out = max over each window (padding never wins); indices (int64, out's shape) = the flat
  // position ih·W + iw of the max in its (H, W) plane, the first one on ties; NaN propagates.
  void max_pool2d_forward(const Pool2dGeometry& g, const Tensor& x, Tensor& out, Tensor& indices);
  // grad_x (overwritten) = Σ grad_out routed to the saved argmax positions.
  void max_pool2d_backward(const Pool2dGeometry& g, const Tensor& grad_out, const Tensor& indices, Tensor& grad_x);
  // out = window sum / (kh·kw if count_include_pad, else the number of input elements in it).
  void avg_pool2d_forward(const Pool2dGeometry& g, bool count_include_pad, const Tensor& x, Tensor& out);
  // grad_x (overwritten) = each output gradient spread evenly over its window's input elements.
  void avg_pool2d_backward(const Pool2dGeometry& g, bool count_include_pad, const Tensor& grad_out, Tensor& grad_x);
)
