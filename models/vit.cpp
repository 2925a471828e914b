// models/vit.cpp — see vit.h.
#include "models/vit.h"

#include <cmath>

#include "core/ops.h"
#include "layers/init.h"

namespace linattn {

AttentionOptions vit_attention_options(const ViTOptions& o, Grid grid) {
  return encoder_attention_options(o.attention, {.dim = o.dim, .heads = o.heads, .grid = grid, .cls_token = o.pool == "cls"},
                                   "ViT", "cannot use pool: cls", "use pool: mean");
}

ViT::ViT(const ViTOptions& o, Generator& gen) : options(o) {
  LINATTN_CHECK(o.pool == "mean" || o.pool == "cls", "ViT: pool must be mean or cls, got '", o.pool, "'");
  LINATTN_CHECK(o.dim > 0 && o.depth > 0 && o.heads > 0 && o.dim % o.heads == 0, "ViT: dim ", o.dim,
                " must be positive and divisible by heads ", o.heads);
  patch_embed = register_module("patch_embed", std::make_shared<PatchEmbed>(o.in_channels, o.dim, o.patch, gen));
  grid = patch_embed->grid_for(o.image_size, o.image_size);
  const std::int64_t tokens = grid.tokens() + (o.pool == "cls" ? 1 : 0);
  pos_embed = register_parameter("pos_embed", empty({1, tokens, o.dim}));
  init::trunc_normal_(pos_embed, 0.02, gen);
  if (o.pool == "cls") {
    cls_token = register_parameter("cls_token", empty({1, 1, o.dim}));
    init::trunc_normal_(cls_token, 0.02, gen);
  }
  const auto hidden = static_cast<std::int64_t>(std::llround(static_cast<double>(o.dim) * o.mlp_ratio));
  const EncoderBlockOptions block{.dim = o.dim, .hidden = hidden, .attention = vit_attention_options(o, grid), .grid = grid};
  auto list = register_module("blocks", std::make_shared<ModuleList>());
  for (std::int64_t i = 0; i < o.depth; ++i) blocks.push_back(list->push_back(std::make_shared<EncoderBlock>(block, gen)));
  norm = register_module("norm", std::make_shared<LayerNorm>(o.dim));
  head = register_module("head", std::make_shared<Linear>(o.dim, o.num_classes, true, gen));
  init_transformer_weights(*this, gen);  // §8.1, in module order
}

Tensor ViT::forward(const Tensor& images) {
  Tensor x = patch_embed->forward(images);  // B x N x D
  const std::int64_t B = x.shape()[0];
  if (cls_token.defined()) x = cat({expand(cls_token, {B, 1, options.dim}), x}, 1);  // B x (N+1) x D
  x = add(x, pos_embed);
  for (auto& block : blocks) x = block->forward(x);
  x = norm->forward(x);
  Tensor pooled = cls_token.defined() ? reshape(narrow(x, 1, 0, 1), {B, options.dim}) : mean(x, {1});  // B x D
  return head->forward(pooled);
}

}  // namespace linattn
