// core/ops/conv.h — differentiable 2-D convolution (PyTorch's F.conv2d), used by the Conv2d
// layer, the ViT patch embedding and the DETR-lite backbone; and its sliding-window halves
// unfold / fold (F.unfold / F.fold), used by the EAMLP tokens-to-token stem.
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

// Pairs are (height, width).
// unfold(x (B, C, H, W), kernel (kh, kw), ...) → (B, C·kh·kw, L): column l = oh·Wo + ow holds
// the window at output position (oh, ow), row c·kh·kw + i·kw + j its pixel
// x[c, oh·sh − ph + i·dh, ow·sw − pw + j·dw] (0 in the padding); L = Ho·Wo as for conv2d.
// Backward: fold of the gradient (overlapping windows sum).
Tensor unfold(const Tensor& x, std::array<std::int64_t, 2> kernel, std::array<std::int64_t, 2> stride = {1, 1},
              std::array<std::int64_t, 2> padding = {0, 0}, std::array<std::int64_t, 2> dilation = {1, 1});

// fold(cols (B, C·kh·kw, L), output_size (H, W), kernel, ...) → (B, C, H, W): the adjoint of
// unfold — every column entry is added to the pixel it was read from (entries in the padding
// are dropped). L must equal the Ho·Wo of the geometry. Backward: unfold of the gradient.
Tensor fold(const Tensor& cols, std::array<std::int64_t, 2> output_size, std::array<std::int64_t, 2> kernel,
            std::array<std::int64_t, 2> stride = {1, 1}, std::array<std::int64_t, 2> padding = {0, 0},
            std::array<std::int64_t, 2> dilation = {1, 1});

}  // namespace linattn
