// layers/attention/heads.cpp — see heads.h.
#include "layers/attention/heads.h"

#include "core/ops.h"

namespace linattn {

Tensor split_heads(const Tensor& x, std::int64_t heads) {
  LINATTN_CHECK(x.dim() == 3 && x.shape()[2] % heads == 0, "split_heads: expected (B, N, C) with C divisible by ",
                heads, " heads, got ", shape_str(x.shape()));
  const std::int64_t B = x.shape()[0], N = x.shape()[1], d = x.shape()[2] / heads;
  return permute(reshape(x, {B, N, heads, d}), {0, 2, 1, 3});  // B x h x N x d
}

Tensor merge_heads(const Tensor& x) {
  LINATTN_CHECK(x.dim() == 4, "merge_heads: expected (B, h, N, d), got ", shape_str(x.shape()));
  const std::int64_t B = x.shape()[0], h = x.shape()[1], N = x.shape()[2], d = x.shape()[3];
  return reshape(permute(x, {0, 2, 1, 3}), {B, N, h * d});  // B x N x C
}

std::array<Tensor, 3> split_qkv(const Tensor& qkv, std::int64_t heads) {
  LINATTN_CHECK(qkv.dim() == 3 && qkv.shape()[2] % (3 * heads) == 0, "split_qkv: expected (B, N, 3C) with C divisible by ",
                heads, " heads, got ", shape_str(qkv.shape()));
  const std::int64_t B = qkv.shape()[0], N = qkv.shape()[1], C = qkv.shape()[2] / 3, d = C / heads;
  Tensor t = permute(reshape(qkv, {B, N, 3, heads, d}), {2, 0, 3, 1, 4});  // 3 x B x h x N x d
  auto parts = split(t, {1, 1, 1}, 0);
  return {reshape(parts[0], {B, heads, N, d}), reshape(parts[1], {B, heads, N, d}), reshape(parts[2], {B, heads, N, d})};
}

Tensor grid_to_tokens(const Tensor& x) {
  LINATTN_CHECK(x.dim() == 4, "grid_to_tokens: expected (B, C, H, W), got ", shape_str(x.shape()));
  const std::int64_t B = x.shape()[0], C = x.shape()[1], N = x.shape()[2] * x.shape()[3];
  return permute(reshape(x, {B, C, N}), {0, 2, 1});  // B x N x C
}

Tensor tokens_to_grid(const Tensor& x, std::int64_t H, std::int64_t W) {
  LINATTN_CHECK(x.dim() == 3 && x.shape()[1] == H * W, "tokens_to_grid: expected (B, ", H * W, ", C) for the ", H, "x",
                W, " grid, got ", shape_str(x.shape()));
  const std::int64_t B = x.shape()[0], C = x.shape()[2];
  return reshape(permute(x, {0, 2, 1}), {B, C, H, W});  // B x C x H x W
}

}  // namespace linattn
