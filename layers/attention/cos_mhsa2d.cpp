// layers/attention/cos_mhsa2d.cpp — see cos_mhsa2d.h.
#include "layers/attention/cos_mhsa2d.h"

#include "core/ops.h"
#include "layers/attention/cos2d.h"
#include "layers/attention/heads.h"

namespace linattn {

ChannelLayerNorm::ChannelLayerNorm(std::int64_t dim, double eps_) : eps(eps_) {
  LINATTN_CHECK(dim > 1, "ChannelLayerNorm: needs at least 2 channels (unbiased std), got ", dim);
  weight = register_parameter("weight", ones({dim, 1, 1}));
  bias = register_parameter("bias", zeros({dim, 1, 1}));
}

Tensor ChannelLayerNorm::forward(const Tensor& x) const {
  LINATTN_CHECK(x.dim() == 4 && x.shape()[1] == weight.shape()[0], "ChannelLayerNorm: expected (B, ",
                weight.shape()[0], ", H, W), got ", shape_str(x.shape()));
  Tensor mu = mean(x, {1}, true);                      // B x 1 x H x W
  Tensor sigma = sqrt(var(x, {1}, true, 1));            // unbiased
  return add(div(mul(weight, sub(x, mu)), add(sigma, eps)), bias);
}

CosMHSA2d::CosMHSA2d(std::int64_t dim_, const CosMhsa2dOptions& o, Generator& gen) : dim(dim_), options(o) {
  LINATTN_CHECK(o.heads > 0 && dim % o.heads == 0, "CosMHSA2d: dim ", dim, " is not divisible by heads ", o.heads);
  LINATTN_CHECK(o.dropout >= 0 && o.dropout < 1, "CosMHSA2d: dropout must be in [0, 1), got ", o.dropout);
  auto conv1x1 = [&](bool bias) {
    return std::make_shared<Conv2d>(dim, dim, std::array<std::int64_t, 2>{1, 1}, Conv2dParams{}, bias, gen);
  };
  linear_v = register_module("linear_v", conv1x1(false));  // cos_mhsa.py's registration order
  linear_k = register_module("linear_k", conv1x1(false));
  linear_q = register_module("linear_q", conv1x1(false));
  linear_merge = register_module("linear_merge", conv1x1(true));
  norm = register_module("norm", std::make_shared<ChannelLayerNorm>(dim, o.ln_eps));
}

Tensor CosMHSA2d::forward(const Tensor& x) {
  LINATTN_CHECK(x.dim() == 4 && x.shape()[1] == dim, "CosMHSA2d: expected input (B, ", dim, ", H, W), got ",
                shape_str(x.shape()));
  const std::int64_t H = x.shape()[2], W = x.shape()[3];
  const std::int64_t M = cos2d_resolve_M(H, W, options.M, "CosMHSA2d");
  if (!coef_.defined() || coef_H_ != H || coef_W_ != W || coef_M_ != M || coef_.dtype() != x.dtype() ||
      coef_.device() != x.device()) {
    coef_ = cos2d_coefficients(H, W, M).to(x.dtype()).to(x.device());
    coef_H_ = H, coef_W_ = W, coef_M_ = M;
  }
  // 1×1 convolutions are Linear layers on the token layout (§0), same (out, in) weight.
  auto pointwise = [&](const Conv2d& conv, const Tensor& t) {
    return linear(t, reshape(conv.weight, {dim, dim}), conv.bias);
  };
  Tensor t = grid_to_tokens(x);  // B x N x C
  Tensor o = cos2d_core(pointwise(*linear_q, t), pointwise(*linear_k, t), pointwise(*linear_v, t), coef_, options.heads,
                        options.eps);                                  // B x N x C
  Tensor merged = tokens_to_grid(pointwise(*linear_merge, o), H, W);  // B x C x H x W
  return norm->forward(add(x, dropout(merged, options.dropout, is_training())));
}

}  // namespace linattn
