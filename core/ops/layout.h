// core/ops/layout.h — differentiable ops that change shape or layout. reshape shares storage;
// permute, transpose, narrow, cat and expand produce contiguous copies (docs/ARCHITECTURE.md).
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace linattn {

// One entry may be -1 (inferred). Shares storage with x.
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor flatten(const Tensor& x, std::int64_t start_axis = 0, std::int64_t end_axis = -1);
Tensor unsqueeze(const Tensor& x, std::int64_t axis);
Tensor squeeze(const Tensor& x, std::int64_t axis);  // the axis must have size 1

Tensor permute(const Tensor& x, const std::vector<int>& perm);
Tensor transpose(const Tensor& x, std::int64_t axis0, std::int64_t axis1);

// NumPy broadcast of x to `shape` (a copy); the backward sums back.
Tensor expand(const Tensor& x, const Shape& shape);

// Elements [start, start + length) along axis (a copy). Negative start counts from the end.
Tensor narrow(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t length);
// Python-style slice [start, end) along axis, with clamping like x[start:end].
Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t end);

// Concatenation along axis; all other axes must match.
Tensor cat(const std::vector<Tensor>& xs, std::int64_t axis);
// Pieces of the given sizes along axis (they must add up to the axis size).
std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, std::int64_t axis);
// `chunks` pieces of equal size (the last may be smaller), like torch.chunk.
std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t axis);

}  // namespace linattn
