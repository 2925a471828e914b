// core/ops/pool.h — differentiable 2-D max and average pooling (PyTorch's F.max_pool2d /
// F.avg_pool2d, floor output size), used by the pooling layers and CNN backbones.
//
// x (B, C, H, W) → (B, C, Ho, Wo), Ho = ⌊(H + 2·ph − kh)/sh⌋ + 1 (Wo likewise). Pairs are
// (height, width); a stride of {0, 0} means "equal to the kernel" (PyTorch's stride=None).
// Padding must be at most half the kernel. Max pooling never picks a padded position and sends
// each output's gradient to the first maximum of its window; average pooling divides by kh·kw
// (count_include_pad) or by the number of real input elements in the window.
#pragma once
#include <array>
#include <cstdint>

#include "core/tensor.h"

namespace linattn {

Tensor max_pool2d(const Tensor& x, std::array<std::int64_t, 2> kernel, std::array<std::int64_t, 2> stride = {0, 0},
                  std::array<std::int64_t, 2> padding = {0, 0});
Tensor avg_pool2d(const Tensor& x, std::array<std::int64_t, 2> kernel, std::array<std::int64_t, 2> stride = {0, 0},
                  std::array<std::int64_t, 2> padding = {0, 0}, bool count_include_pad = true);

}  // namespace linattn
