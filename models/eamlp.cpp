// models/eamlp.cpp — see eamlp.h.
#include "models/eamlp.h"

#include <cmath>

#include "core/ops.h"
#include "layers/init.h"

namespace linattn {

// ---- token external attention (§4.3) ------------------------------------------------------

TokenExternalMemory::TokenExternalMemory(std::int64_t dim_in_, std::int64_t token_dim_, std::int64_t memory_,
                                         double attn_drop_, double proj_drop_, Generator& gen)
    : dim_in(dim_in_), token_dim(token_dim_), memory(memory_), attn_drop(attn_drop_), proj_drop(proj_drop_) {
  LINATTN_CHECK(dim_in > 0 && token_dim > 0 && memory > 0, "token external attention: dim_in ", dim_in,
                ", token_dim ", token_dim, " and memory ", memory, " must be positive");
  q_linear = register_module("q_linear", std::make_shared<Linear>(dim_in, token_dim, true, gen));
  linear_0 = register_module("linear_0", std::make_shared<Linear>(token_dim, memory, false, gen));
  linear_1 = register_module("linear_1", std::make_shared<Linear>(memory, token_dim, true, gen));
  proj = register_module("proj", std::make_shared<Linear>(token_dim, token_dim, true, gen));
  tie_linear_1_to_linear_0();
}

void TokenExternalMemory::tie_linear_1_to_linear_0() const {
  NoGradGuard no_grad;
  linear_1->weight.copy_(transpose(linear_0->weight.detach(), 0, 1));
}

void TokenExternalMemory::tie_linear_0_to_linear_1() const {
  NoGradGuard no_grad;
  linear_0->weight.copy_(transpose(linear_1->weight.detach(), 0, 1));
}

Tensor TokenExternalMemory::forward(const Tensor& x) const {
  LINATTN_CHECK(x.dim() == 3 && x.shape()[2] == dim_in, "token external attention: expected input (B, N, ", dim_in,
                "), got ", shape_str(x.shape()));
  Tensor q = q_linear->forward(x);                          // B x N x T
  // softmax over N (each slot a distribution over the tokens), then ℓ1 over the slots per token
  Tensor a = double_normalize(linear_0->forward(q), Tensor(), 1e-9);  // B x N x S
  a = dropout(a, attn_drop, is_training());
  Tensor y = dropout(proj->forward(linear_1->forward(a)), proj_drop, is_training());  // B x N x T
  return add(q, y);
}

TokenExternalAttention::TokenExternalAttention(std::int64_t dim_in, std::int64_t token_dim, std::int64_t memory,
                                               double attn_drop, double proj_drop, Generator& gen) {
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(dim_in));
  attn = register_module("attn",
                         std::make_shared<TokenExternalMemory>(dim_in, token_dim, memory, attn_drop, proj_drop, gen));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(token_dim));
  mlp = register_module("mlp", std::make_shared<MLP>(token_dim, token_dim, gen));
}

Tensor TokenExternalAttention::forward(const Tensor& x) const {
  Tensor h = attn->forward(norm1->forward(x));  // B x N x T
  return add(h, mlp->forward(norm2->forward(h)));
}

// ---- the tokens-to-token stem ---------------------------------------------------------------

TokensToToken::TokensToToken(const EAMLPOptions& o, Generator& gen)
    : splits(o.soft_splits), in_channels(o.in_channels), image_size(o.image_size) {
  LINATTN_CHECK(!splits.empty(), "EAMLP: soft_splits must name at least one unfold");
  std::int64_t side = o.image_size, channels = o.in_channels;
  for (std::size_t i = 0; i < splits.size(); ++i) {
    const SoftSplit& s = splits[i];
    LINATTN_CHECK(s.kernel >= 1 && s.stride >= 1 && s.padding >= 0 && s.kernel <= side + 2 * s.padding,
                  "EAMLP: soft split ", i, " (kernel ", s.kernel, ", stride ", s.stride, ", padding ", s.padding,
                  ") does not fit its ", side, "×", side, " input (image_size ", o.image_size, ")");
    side = (side + 2 * s.padding - s.kernel) / s.stride + 1;
    grids.push_back({side, side});
    const std::int64_t dim_in = channels * s.kernel * s.kernel;
    if (i + 1 < splits.size()) {
      attentions.push_back(register_module(
          str_cat("attention", i + 1), std::make_shared<TokenExternalAttention>(dim_in, o.token_dim, o.token_memory,
                                                                                 o.token_attn_drop, o.token_proj_drop, gen)));
      channels = o.token_dim;
    } else {
      project = register_module("project", std::make_shared<Linear>(dim_in, o.embed_dim, true, gen));
    }
  }
  grid = grids.back();
}

Tensor TokensToToken::forward(const Tensor& images) const {
  LINATTN_CHECK(images.dim() == 4 && images.size(1) == in_channels && images.size(2) == image_size &&
                    images.size(3) == image_size,
                "EAMLP: expected images (B, ", in_channels, ", ", image_size, ", ", image_size, "), got ",
                shape_str(images.shape()));
  const std::int64_t B = images.size(0);
  Tensor x = images;  // B x C x H x W
  for (std::size_t i = 0; i < splits.size(); ++i) {
    const SoftSplit& s = splits[i];
    Tensor tokens = transpose(unfold(x, {s.kernel, s.kernel}, {s.stride, s.stride}, {s.padding, s.padding}), 1, 2);
    // tokens: B x L x C·k·k, L = grids[i].tokens()
    if (i + 1 == splits.size()) return project->forward(tokens);  // B x N x D
    Tensor t = attentions[i]->forward(tokens);                      // B x L x T
    x = reshape(transpose(t, 1, 2), {B, t.size(2), grids[i].H, grids[i].W});  // B x T x H' x W'
  }
  return x;  // unreachable: the last split returns
}

// ---- the model ------------------------------------------------------------------------------

Tensor sinusoid_encoding(std::int64_t positions, std::int64_t dim, DType dtype) {
  std::vector<double> table(static_cast<std::size_t>(positions * dim));
  for (std::int64_t p = 0; p < positions; ++p)
    for (std::int64_t j = 0; j < dim; ++j) {
      const double angle = static_cast<double>(p) /
                           std::pow(10000.0, 2.0 * static_cast<double>(j / 2) / static_cast<double>(dim));
      table[static_cast<std::size_t>(p * dim + j)] = j % 2 == 0 ? std::sin(angle) : std::cos(angle);
    }
  return from_values(table, {positions, dim}, {.dtype = dtype});
}

AttentionOptions eamlp_attention_options(const EAMLPOptions& o, Grid grid) {
  return encoder_attention_options(o.attention, {.dim = o.embed_dim, .heads = o.heads, .grid = grid, .cls_token = true},
                                   "EAMLP", "cannot run on EAMLP's tokens", "use the ViT with pool: mean");
}

EAMLP::EAMLP(const EAMLPOptions& o, Generator& gen) : options(o) {
  LINATTN_CHECK(o.embed_dim > 0 && o.depth > 0 && o.heads > 0 && o.embed_dim % o.heads == 0, "EAMLP: embed_dim ",
                o.embed_dim, " must be positive and divisible by heads ", o.heads);
  LINATTN_CHECK(o.num_classes > 0, "EAMLP: num_classes must be positive, got ", o.num_classes);
  LINATTN_CHECK(o.embed_dim % 2 == 0, "EAMLP: embed_dim ", o.embed_dim,
                " must be even (sin/cos pairs of the position encoding)");
  tokens_to_token = register_module("tokens_to_token", std::make_shared<TokensToToken>(o, gen));
  grid = tokens_to_token->grid;
  cls_token = register_parameter("cls_token", zeros({1, 1, o.embed_dim}));
  pos_embed = register_buffer("pos_embed", reshape(sinusoid_encoding(grid.tokens() + 1, o.embed_dim),
                                                   {1, grid.tokens() + 1, o.embed_dim}));
  const auto hidden = static_cast<std::int64_t>(static_cast<double>(o.embed_dim) * o.mlp_ratio);  // int(dim·ratio)
  const EncoderBlockOptions block{
      .dim = o.embed_dim, .hidden = hidden, .attention = eamlp_attention_options(o, grid), .grid = grid};
  auto list = register_module("blocks", std::make_shared<ModuleList>());
  for (std::int64_t i = 0; i < o.depth; ++i) blocks.push_back(list->push_back(std::make_shared<EncoderBlock>(block, gen)));
  norm = register_module("norm", std::make_shared<LayerNorm>(o.embed_dim));
  head = register_module("head", std::make_shared<Linear>(o.embed_dim, o.num_classes, true, gen));

  // T2T-ViT's init: cls_token, then every Linear trunc_normal(.02) / bias 0, LayerNorm 1 / 0.
  init::trunc_normal_(cls_token, 0.02, gen);
  init_transformer_weights(*this, gen);
  // The public code's linear_1.weight is a transposed view of linear_0.weight, so of the two
  // trunc_normal writes above the later one (linear_1's) wins for both: re-tie the same way.
  for (auto& a : tokens_to_token->attentions) a->attn->tie_linear_0_to_linear_1();
}

Tensor EAMLP::forward(const Tensor& images) {
  Tensor x = tokens_to_token->forward(images);  // B x N x D
  const std::int64_t B = x.size(0), D = options.embed_dim;
  x = cat({expand(cls_token, {B, 1, D}), x}, 1);  // B x (N+1) x D
  x = add(x, pos_embed);
  for (auto& block : blocks) x = block->forward(x);
  x = norm->forward(x);
  return head->forward(reshape(narrow(x, 1, 0, 1), {B, D}));  // the cls token: B x D -> B x classes
}

}  // namespace linattn
