// layers/attention/heads.h — the head split every attention layer uses (docs/attention.md §0):
// channel c = head·d + j. split_heads (B, N, h·d) → (B, h, N, d); merge_heads is its inverse.
// split_qkv takes the fused projection (B, N, 3·C) (rows [0,C) = Q, [C,2C) = K, [2C,3C) = V)
// straight to three (B, h, N, d) tensors with one permutation.
// grid_to_tokens / tokens_to_grid: the §0 layout change (B, C, H, W) <-> (B, H·W, C), token
// n = i·W + j (row-major), used by the 2-D faithful wrappers.
#pragma once
#include <array>

#include "core/tensor.h"

namespace linattn {

Tensor split_heads(const Tensor& x, std::int64_t heads);  // (B, N, h·d) -> (B, h, N, d)
Tensor merge_heads(const Tensor& x);                      // (B, h, N, d) -> (B, N, h·d)
std::array<Tensor, 3> split_qkv(const Tensor& qkv, std::int64_t heads);  // (B, N, 3C) -> 3 × (B, h, N, d)
Tensor grid_to_tokens(const Tensor& x);                                  // (B, C, H, W) -> (B, H·W, C)
Tensor tokens_to_grid(const Tensor& x, std::int64_t H, std::int64_t W);  // (B, H·W, C) -> (B, C, H, W)

}  // namespace linattn
