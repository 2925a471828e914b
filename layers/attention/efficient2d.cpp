// layers/attention/efficient2d.cpp — see efficient2d.h.
#include "layers/attention/efficient2d.h"

#include "core/ops.h"
#include "layers/attention/efficient.h"
#include "layers/attention/heads.h"

namespace linattn {

EfficientAttention2d::EfficientAttention2d(std::int64_t in, std::int64_t kc, std::int64_t h, std::int64_t vc,
                                           Generator& gen)
    : in_channels(in), key_channels(kc), head_count(h), value_channels(vc) {
  LINATTN_CHECK(h > 0 && vc % h == 0, "EfficientAttention2d: value_channels ", vc, " is not divisible by head_count ", h);
  LINATTN_CHECK(kc >= h, "EfficientAttention2d: key_channels ", kc, " is fewer than head_count ", h);
  auto conv1x1 = [&](std::int64_t cin, std::int64_t cout) {
    return std::make_shared<Conv2d>(cin, cout, std::array<std::int64_t, 2>{1, 1}, Conv2dParams{}, true, gen);
  };
  keys = register_module("keys", conv1x1(in, kc));  // efficient_attention.py's registration order
  queries = register_module("queries", conv1x1(in, kc));
  values = register_module("values", conv1x1(in, vc));
  reprojection = register_module("reprojection", conv1x1(vc, in));
}

Tensor EfficientAttention2d::forward(const Tensor& x) {
  LINATTN_CHECK(x.dim() == 4 && x.shape()[1] == in_channels, "EfficientAttention2d: expected input (B, ", in_channels,
                ", H, W), got ", shape_str(x.shape()));
  // 1×1 convolutions are Linear layers on the token layout (§0), same (out, in) weight.
  auto pointwise = [](const Conv2d& conv, const Tensor& t) {
    const Shape& w = conv.weight.shape();
    return linear(t, reshape(conv.weight, {w[0], w[1]}), conv.bias);
  };
  Tensor t = grid_to_tokens(x);  // B x N x C
  Tensor o = efficient_core(pointwise(*queries, t), pointwise(*keys, t), pointwise(*values, t), head_count,
                            "softmax");  // B x N x VC
  return add(tokens_to_grid(pointwise(*reprojection, o), x.shape()[2], x.shape()[3]), x);
}

}  // namespace linattn
