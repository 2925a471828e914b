// layers/group_norm.h — GroupNorm (PyTorch's nn.GroupNorm) over (B, C, ...) inputs: the C
// channels split into G groups of C/G consecutive channels; each (sample, group) is normalized
// over its C/G channels and every spatial position with the population variance,
//   y = (x − mean)/√(var + eps) · weight[c] + bias[c],
// weight (C) = 1 and bias (C) = 0 (affine, as PyTorch's default), eps 1e-5. Used by the
// DETR-lite backbone (models/detr_backbone.h), where CPU batches are too small for BatchNorm.
//
// Composed from differentiable ops, so it needs no backward of its own: a (B, G, C/G·H·W)
// view goes through the fused layer_norm op without affine, then the per-channel affine is a
// broadcast multiply-add. Invariants: C % G == 0, checked at construction; inputs must have
// the layer's C on axis 1.
#pragma once
#include "layers/module.h"

namespace linattn {

class GroupNorm : public Module {
 public:
  GroupNorm(std::int64_t num_groups, std::int64_t channels, double eps = 1e-5);
  Tensor forward(const Tensor& x) const;  // (B, C, *) -> (B, C, *)

  std::int64_t num_groups, channels;
  double eps;
  Tensor weight, bias;  // (C)
};

}  // namespace linattn
