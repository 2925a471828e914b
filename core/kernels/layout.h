// core/kernels/layout.h — kernels that move elements between layouts: permutation, and
// copying a block along one axis (the core of narrow/slice, cat and split).
#pragma once
#include <cstdint>
#include <vector>

#include "core/dispatch.h"
#include "core/tensor.h"

LINATTN_DECLARE_KERNELS(
  // out = x permuted: out.shape[i] = x.shape[perm[i]].
  void permute(const Tensor& x, const std::vector<int>& perm, Tensor& out);
  // Views src as (outer, src_size, inner) and dst as (outer, dst_size, inner) and copies
  // `count` slices: dst[:, dst_start + j, :] (+)= src[:, src_start + j, :] for j < count.
  // With accumulate, adds instead of assigning (the backward of narrow into a larger grad).
  void copy_axis_block(const Tensor& src, std::int64_t src_size, std::int64_t src_start,
                       Tensor& dst, std::int64_t dst_size, std::int64_t dst_start,
                       std::int64_t outer, std::int64_t inner, std::int64_t count, bool accumulate);
  // out = x broadcast to out's shape (NumPy rules).
  void expand(const Tensor& x, Tensor& out);
)
