// layers/attention/efficient2d.h — the faithful 2-D Efficient attention module (docs/attention.md
// §7.1–7.2, efficient_attention.py) on (B, C, H, W), with its residual inside. Not in the
// registry (the ViT slot is `efficient`, residual off); parameter names as the public code:
//   keys.weight, queries.weight (key_channels, C, 1, 1), values.weight (value_channels, C, 1, 1),
//   reprojection.weight (C, value_channels, 1, 1), each 1×1 conv with bias.
// y = reprojection(concat_i ρ_q(Q_i)(ρ_k(K_i)ᵀV_i)) + x with the softmax normalization
// (efficient_core); value_channels must divide by head_count, trailing key channels are unused.
#pragma once
#include <memory>

#include "core/rng.h"
#include "layers/conv.h"
#include "layers/module.h"

namespace linattn {

class EfficientAttention2d : public Module {
 public:
  EfficientAttention2d(std::int64_t in_channels, std::int64_t key_channels, std::int64_t head_count,
                       std::int64_t value_channels, Generator& gen);
  Tensor forward(const Tensor& x);  // (B, C, H, W) -> (B, C, H, W)

  std::int64_t in_channels, key_channels, head_count, value_channels;
  std::shared_ptr<Conv2d> keys, queries, values, reprojection;
};

}  // namespace linattn
