// layers/layer_norm.h — LayerNorm over the last axis: weight (C) = 1, bias (C) = 0, eps 1e-5
// (docs/attention.md §8.1), on the fused layer_norm op.
#pragma once
#include "layers/module.h"

namespace linattn {

class LayerNorm : public Module {
 public:
  explicit LayerNorm(std::int64_t dim, double eps = 1e-5);
  Tensor forward(const Tensor& x) const;  // (..., C) -> (..., C)

  std::int64_t dim;
  double eps;
  Tensor weight, bias;
};

}  // namespace linattn
