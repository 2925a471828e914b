// layers/pool.h — MaxPool2d and AvgPool2d: thin Modules over the pooling ops, so models can
// hold them as named children (they have no parameters).
#pragma once
#include <array>

#include "core/ops/pool.h"
#include "layers/module.h"

namespace linattn {

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(std::array<std::int64_t, 2> kernel_size, std::array<std::int64_t, 2> stride_ = {0, 0},
                     std::array<std::int64_t, 2> padding_ = {0, 0})
      : kernel(kernel_size), stride(stride_), padding(padding_) {}
  Tensor forward(const Tensor& x) const { return max_pool2d(x, kernel, stride, padding); }

  std::array<std::int64_t, 2> kernel, stride, padding;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(std::array<std::int64_t, 2> kernel_size, std::array<std::int64_t, 2> stride_ = {0, 0},
                     std::array<std::int64_t, 2> padding_ = {0, 0})
      : kernel(kernel_size), stride(stride_), padding(padding_) {}
  Tensor forward(const Tensor& x) const { return avg_pool2d(x, kernel, stride, padding); }

  std::array<std::int64_t, 2> kernel, stride, padding;
};

}  // namespace linattn
