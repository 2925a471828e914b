// layers/patch_embed.h — PatchEmbed: a Conv2d(3, D, k = s = patch) whose output grid is
// flattened row-major into tokens: (B, 3, H, W) → (B, N = H/p · W/p, D). Parameters are the
// conv's own `weight (D, 3, p, p)` and `bias (D)` (docs/attention.md §13: `patch_embed.weight`).
#pragma once
#include "layers/attention/attention.h"
#include "layers/conv.h"

namespace linattn {

class PatchEmbed : public Conv2d {
 public:
  PatchEmbed(std::int64_t in_channels, std::int64_t dim, std::int64_t patch, Generator& gen);
  Tensor forward(const Tensor& images) const;  // (B, C, H, W) -> (B, N, D)
  Grid grid_for(std::int64_t height, std::int64_t width) const;  // the token grid of an image size

  std::int64_t patch;
};

}  // namespace linattn
