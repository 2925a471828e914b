// core/kernels/indexing.h — kernels that read or write along one axis at positions given by an
// int64 index tensor: index_select / index_add (a 1-D index for a whole axis) and gather /
// scatter_add (an index per element, PyTorch semantics). Used by core/ops/indexing.cpp; CPU
// versions in core/cpu/indexing.cpp.
//
// Determinism: the "add" kernels never use atomics. Threads split the positions that cannot
// collide (the coordinates off the indexed axis) and each walks the indexed axis in order, so
// repeated indices accumulate in the same order for any thread count.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

LINATTN_DECLARE_KERNELS(
  // out (outer, L, inner) = x (outer, size, inner)[:, index[j], :], index int64 (L), already
  // checked to lie in [0, size) by the op.
  void index_select(const Tensor& x, const Tensor& index, std::int64_t outer, std::int64_t size,
                    std::int64_t inner, Tensor& out);
  // out (outer, size, inner)[:, index[j], :] += src (outer, L, inner)[:, j, :], j ascending.
  void index_add(const Tensor& src, const Tensor& index, std::int64_t outer, std::int64_t size,
                 std::int64_t inner, Tensor& out);
  // out (index's shape)[p] = x[p with coordinate `axis` replaced by index[p]]; index has x's
  // rank and index.size(d) ≤ x.size(d) off the axis (checked by the op). An index outside
  // [0, x.size(axis)) is an error naming it, its position and the axis size.
  void gather(const Tensor& x, int axis, const Tensor& index, Tensor& out);
  // out[p with coordinate `axis` replaced by index[p]] += src[p] for every position p of
  // index's shape (src has index's shape; index.size(d) ≤ out.size(d) off the axis). Out-of-
  // range indices are an error, as in gather (out is then partly updated).
  void scatter_add(const Tensor& src, int axis, const Tensor& index, Tensor& out);
)
