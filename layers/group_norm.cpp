// layers/group_norm.cpp — see group_norm.h.
#include "layers/group_norm.h"

#include "core/ops.h"

namespace linattn {

GroupNorm::GroupNorm(std::int64_t groups, std::int64_t channels_, double eps_)
    : num_groups(groups), channels(channels_), eps(eps_) {
  LINATTN_CHECK(groups > 0 && channels_ > 0 && channels_ % groups == 0, "GroupNorm: ", channels_,
                " channels must split evenly into ", groups, " groups");
  weight = register_parameter("weight", ones({channels_}));
  bias = register_parameter("bias", zeros({channels_}));
}

Tensor GroupNorm::forward(const Tensor& x) const {
  LINATTN_CHECK(x.dim() >= 2 && x.shape()[1] == channels, "GroupNorm: expected (B, ", channels,
                ", ...) input, got ", shape_str(x.shape()));
  const std::int64_t B = x.shape()[0];
  std::int64_t group_size = channels / num_groups;  // C/G · H · W
  for (std::int64_t a = 2; a < x.dim(); ++a) group_size *= x.shape()[static_cast<std::size_t>(a)];
  Tensor normalized = layer_norm(reshape(x, {B, num_groups, group_size}), {group_size}, Tensor(), Tensor(), eps);
  Shape per_channel(static_cast<std::size_t>(x.dim()), 1);  // 1 x C x 1 x 1
  per_channel[1] = channels;
  Tensor y = reshape(normalized, x.shape());  // B x C x H x W
  return add(mul(y, reshape(weight, per_channel)), reshape(bias, per_channel));
}

}  // namespace linattn
