// layers/patch_embed.cpp — see patch_embed.h.
#include "layers/patch_embed.h"

#include "core/ops.h"

namespace linattn {

PatchEmbed::PatchEmbed(std::int64_t in_channels, std::int64_t dim, std::int64_t p, Generator& gen)
    : Conv2d(in_channels, dim, {p, p}, Conv2dParams{.stride = {p, p}}, true, gen), patch(p) {}

Grid PatchEmbed::grid_for(std::int64_t height, std::int64_t width) const {
  LINATTN_CHECK(height % patch == 0 && width % patch == 0, "PatchEmbed: image size ", height, "x", width,
                " is not a multiple of the patch size ", patch);
  return {height / patch, width / patch};
}

Tensor PatchEmbed::forward(const Tensor& images) const {
  LINATTN_CHECK(images.dim() == 4, "PatchEmbed: expected images (B, C, H, W), got ", shape_str(images.shape()));
  Grid g = grid_for(images.shape()[2], images.shape()[3]);
  Tensor maps = Conv2d::forward(images);                                   // B x D x H/p x W/p
  const std::int64_t B = maps.shape()[0], D = maps.shape()[1];
  return transpose(reshape(maps, {B, D, g.tokens()}), 1, 2);              // B x N x D
}

}  // namespace linattn
