// core/ops/reduce.h — differentiable reductions over one or more axes, with keepdim.
// An empty axis list reduces over every axis. Negative axes count from the end.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace linattn {

using Axes = std::vector<std::int64_t>;

Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
// max/min (torch.amax/amin): the gradient is split evenly among the positions that hold the
// extreme value of each reduced slice (a valid subgradient at ties).
Tensor max(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
Tensor min(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
// Variance; correction = 1 is the unbiased (Bessel) estimate, 0 the population variance.
Tensor var(const Tensor& x, const Axes& axes = {}, bool keepdim = false, int correction = 1);
// int64 index of the max along one axis (first on ties); not differentiable.
Tensor argmax(const Tensor& x, std::int64_t axis, bool keepdim = false);

// Sums `x` down to `shape` by reducing the axes that broadcasting expanded: the backward of
// every broadcasting op. `shape` must broadcast to x's shape.
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace linattn
