// layers/linear.h — Linear: y = x·Wᵀ + b, weight (out, in), bias (out). Initialized with
// PyTorch's default (U(±1/√in)); models re-initialize per their recipe (e.g. ViT trunc_normal).
#pragma once
#include "core/rng.h"
#include "layers/module.h"

namespace linattn {

class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, bool bias, Generator& gen);
  Tensor forward(const Tensor& x) const;  // (..., in) -> (..., out)

  std::int64_t in_features, out_features;
  Tensor weight;  // (out, in)
  Tensor bias;    // (out), undefined when bias = false
};

}  // namespace linattn
