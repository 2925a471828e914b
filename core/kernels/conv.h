// core/kernels/conv.h — 2-D convolution kernels (im2col + GEMM on the CPU) and the im2col /
// col2im pair on their own (unfold / fold), used by core/ops/conv.cpp. The op validates shapes
// and fills a Conv2dGeometry; kernels trust it.
//
// Layouts: x (B, Cin, H, W), weight (Cout, Cin/groups, kh, kw), out (B, Cout, Ho, Wo), all
// contiguous row-major; Ho = (H + 2·ph − dh·(kh−1) − 1)/sh + 1 (floor), Wo likewise.
// Results never depend on the thread count (every accumulation has a fixed order).
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace linattn {

struct Conv2dGeometry {
  std::int64_t B = 0, Cin = 0, H = 0, W = 0;  // input
  std::int64_t Cout = 0, kh = 0, kw = 0;      // weight (Cout, Cin/groups, kh, kw)
  std::int64_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1;
  std::int64_t Ho = 0, Wo = 0;                // output
};

}  // namespace linattn

LINATTN_DECLARE_KERNELS(
  // out = conv2d(x, weight) + bias (bias may be undefined).
  void conv2d_forward(const Conv2dGeometry& g, const Tensor& x, const Tensor& weight, const Tensor& bias,
                      Tensor& out);
  // Gradients from grad_out (B, Cout, Ho, Wo); each output may be undefined (not wanted), and
  // x / weight need only be defined when grad_weight / grad_x are wanted. All are overwritten.
  void conv2d_backward(const Conv2dGeometry& g, const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                       Tensor& grad_x, Tensor& grad_weight, Tensor& grad_bias);
  // cols (B, K, P) = im2col(x), K = Cin·kh·kw rows ordered c·kh·kw + i·kw + j, P = Ho·Wo
  // positions row-major; padding reads 0. g.Cout and g.groups are unused.
  void unfold2d(const Conv2dGeometry& g, const Tensor& x, Tensor& cols);
  // x (B, Cin, H, W) = col2im(cols (B, K, P)): each pixel is the sum of the column entries that
  // read it (overwritten; entries reading padding are dropped). The adjoint of unfold2d.
  void fold2d(const Conv2dGeometry& g, const Tensor& cols, Tensor& x);
)
