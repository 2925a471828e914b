// layers/attention/external.cpp — see external.h.
#include "layers/attention/external.h"

#include <cmath>

#include "core/ops.h"
#include "layers/init.h"

namespace linattn {

// ---- ExternalAttention (§4.2) ---------------------------------------------------------------

ExternalAttention::ExternalAttention(std::int64_t dim_, const ExternalOptions& o, Generator& gen)
    : dim(dim_), options(o) {
  LINATTN_CHECK(o.heads > 0 && dim % o.heads == 0, "external attention: dim ", dim, " is not divisible by heads ",
                o.heads);
  LINATTN_CHECK(o.coef > 0 && o.S > 0, "external attention: coef and S must be positive, got coef ", o.coef, " and S ",
                o.S);
  LINATTN_CHECK(o.attn_drop >= 0 && o.attn_drop < 1 && o.proj_drop >= 0 && o.proj_drop < 1,
                "external attention: attn_drop and proj_drop must be in [0, 1), got ", o.attn_drop, " and ", o.proj_drop);
  heads = o.coef * o.heads;
  head_dim = dim / o.heads;
  slots = o.S;
  trans_dims = register_module("trans_dims", std::make_shared<Linear>(dim, o.coef * dim, true, gen));
  linear_0 = register_module("linear_0", std::make_shared<Linear>(head_dim, slots, true, gen));
  linear_1 = register_module("linear_1", std::make_shared<Linear>(slots, head_dim, true, gen));
  proj = register_module("proj", std::make_shared<Linear>(o.coef * dim, dim, true, gen));
  for (const auto& l : {trans_dims, linear_0, linear_1, proj}) {  // EAMLP / ViT init
    init::trunc_normal_(l->weight, 0.02, gen);
    init::zeros_(l->bias);
  }
}

Tensor ExternalAttention::slot_logits(const Tensor& x) {
  LINATTN_CHECK(x.dim() == 3 && x.shape()[2] == dim, "external attention: expected input (B, N, ", dim, "), got ",
                shape_str(x.shape()));
  const std::int64_t B = x.shape()[0], N = x.shape()[1];
  Tensor t = reshape(linear(x, trans_dims->weight), {B * N * heads, head_dim});  // (B·N·H') x d': the head split
  return reshape(linear(t, linear_0->weight), {B, N, heads, slots});             // B x N x H' x S
}

Tensor ExternalAttention::slot_bias() {
  // b_t (split into heads) through linear_0, plus b_0: H' x S, constant over N.
  return linear(reshape(trans_dims->bias, {heads, head_dim}), linear_0->weight, linear_0->bias);
}

Tensor ExternalAttention::attention(const Tensor& x, bool before_l1) {
  Tensor logits = slot_logits(x);
  if (before_l1) return softmax(add(logits, slot_bias()), 1);  // B x N x H' x S, columns over N sum to 1
  return double_normalize(logits, slot_bias(), kEps);
}

Tensor ExternalAttention::forward(const Tensor& x) {
  Tensor a = dropout(attention(x), options.attn_drop, is_training());  // B x N x H' x S (x checked)
  const std::int64_t B = x.shape()[0], N = x.shape()[1];
  Tensor y = linear(reshape(a, {B * N * heads, slots}), linear_1->weight, linear_1->bias);
  y = reshape(y, {B, N, heads * head_dim});  // B x N x 4C: the heads merged, no copy
  return dropout(proj->forward(y), options.proj_drop, is_training());
}

// ---- ExternalAttention2d (§4.1) -------------------------------------------------------------

ConvBatchNorm::ConvBatchNorm(std::int64_t channels, double bn_eps, double bn_momentum, Generator& gen) {
  conv = register_module("0", std::make_shared<Conv2d>(channels, channels, std::array<std::int64_t, 2>{1, 1},
                                                       Conv2dParams{}, false, gen));
  bn = register_module("1", std::make_shared<BatchNorm2d>(channels, bn_momentum, bn_eps));
}

Tensor ConvBatchNorm::forward(const Tensor& x) { return bn->forward(conv->forward(x)); }

ExternalAttention2d::ExternalAttention2d(std::int64_t dim_, const ExternalAttention2dOptions& o, Generator& gen)
    : dim(dim_), slots(o.S), options(o) {
  LINATTN_CHECK(dim > 0 && o.S > 0, "ExternalAttention2d: dim and S must be positive, got ", dim, " and ", o.S);
  LINATTN_CHECK(o.tie == "init" || o.tie == "shared", "ExternalAttention2d: tie must be 'init' or 'shared', got '",
                o.tie, "'");
  conv1 = register_module("conv1", std::make_shared<Conv2d>(dim, dim, std::array<std::int64_t, 2>{1, 1},
                                                            Conv2dParams{}, true, gen));  // bias keeps U(±1/√C)
  linear_0 = register_module("linear_0", std::make_shared<PointwiseWeight>(slots, dim));
  if (o.tie == "init") linear_1 = register_module("linear_1", std::make_shared<PointwiseWeight>(dim, slots));
  conv2 = register_module("conv2", std::make_shared<ConvBatchNorm>(dim, o.bn_eps, o.bn_momentum, gen));
  const double std = std::sqrt(2.0 / static_cast<double>(dim));
  init::normal_(conv1->weight, 0.0, std, gen);
  init::normal_(conv2->conv->weight, 0.0, std, gen);
  init::normal_(linear_0->weight, 0.0, std, gen);
  if (linear_1) {  // tied by transposition at init only (§4.1 decision)
    NoGradGuard no_grad;
    linear_1->weight.copy_(reshape(transpose(memory_key(), 0, 1), {dim, slots, 1}));
  }
}

Tensor ExternalAttention2d::memory_key() const { return reshape(linear_0->weight, {slots, dim}); }

Tensor ExternalAttention2d::memory_value() const {
  return linear_1 ? reshape(linear_1->weight, {dim, slots}) : transpose(memory_key(), 0, 1);
}

Tensor ExternalAttention2d::forward(const Tensor& x) {
  LINATTN_CHECK(x.dim() == 4 && x.shape()[1] == dim, "ExternalAttention2d: expected input (B, ", dim, ", H, W), got ",
                shape_str(x.shape()));
  const std::int64_t B = x.shape()[0], H = x.shape()[2], W = x.shape()[3];
  // conv1's bias is constant over N: M_k·b enters as double_normalize's slot bias (it cancels).
  Tensor f = reshape(conv2d(x, conv1->weight), {B, dim, H * W});         // B x C x N
  Tensor slot_bias = reshape(matmul(memory_key(), reshape(conv1->bias, {dim, 1})), {slots});
  Tensor a = double_normalize(bmm(f, memory_key(), true, true), slot_bias, ExternalAttention::kEps);  // B x N x S
  Tensor y = linear_1 ? bmm(memory_value(), a, false, true)               // M_v·Aᵀ: B x C x N
                      : bmm(memory_key(), a, true, true);                 // M_kᵀ·Aᵀ (shared)
  return relu(add(conv2->forward(reshape(y, {B, dim, H, W})), x));
}

}  // namespace linattn
