// core/ops/indexing.h — differentiable indexing along one axis with int64 index tensors,
// PyTorch semantics: index_select, gather and (functional) scatter_add. An index outside
// [0, size of the axis) is an error naming the index, the axis and its size; negative indices
// are not wrapped. Backward passes accumulate deterministically (core/kernels/indexing.h).
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace linattn {

// x with the `axis` entries at index (1-D, int64, length L): out.shape[axis] = L. Repeated
// indices are allowed; their gradients add up.
Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index);

// torch.gather: out has index's shape, out[p] = x[p with coordinate `axis` replaced by
// index[p]]. index has x's rank and index.size(d) ≤ x.size(d) for d ≠ axis.
Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index);

// Functional torch.scatter_add: a copy of x with src[p] added at x[p with coordinate `axis`
// replaced by index[p]]. src has index's shape (PyTorch also allows a larger src; linattn does
// not); index has x's rank, index.size(d) ≤ x.size(d) for d ≠ axis. Differentiable in x and src.
Tensor scatter_add(const Tensor& x, std::int64_t axis, const Tensor& index, const Tensor& src);

}  // namespace linattn
