// core/ops/conv.h — differentiable 2-D convolution (PyTorch's F.conv2d), used by the Conv2d
// layer, the ViT patch embedding and the DETR-lite backbone.
//
// conv2d(x, weight, bias, params): x (B, Cin, H, W), weight (Cout, Cin/groups, kh, kw), bias
// (Cout) or undefined → (B, Cout, Ho, Wo) with Ho = ⌊(H + 2·ph − dh·(kh−1) − 1)/sh⌋ + 1 (Wo
// likewise). Gradients flow to x, weight and bias; the backward is deterministic.
#pragma once
#include <array>
#include <cstdint>

#include "core/tensor.h"

namespace linattn {

// Pairs are (height, width): conv2d(x, w, b, {.stride = {4, 4}}).
struct Conv2dParams {
  std::array<std::int64_t, 2> stride{1, 1};
  std::array<std::int64_t, 2> padding{0, 0};   // zeros on each side
  std::array<std::int64_t, 2> dilation{1, 1};
  std::int64_t groups = 1;                     // Cin and Cout must both divide by it
};

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), const Conv2dParams& params = {});

}  // namespace linattn
